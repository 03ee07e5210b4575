// Opens a fresh database of either backend for one test file. Each PostgreSQL use gets its own schema, so runs in
// parallel never collide; it is dropped when the test closes it.
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/store/database.js';
import { migrate } from '../../src/store/migrate.js';
import { PostgresDatabase } from '../../src/store/postgres/database.js';
import { SqliteDatabase } from '../../src/store/sqlite/database.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type StoreKind = 'sqlite' | 'postgres';
export const storeKinds: readonly StoreKind[] = ['sqlite', 'postgres'];

export const testPostgresUrl = process.env.CARDRAIL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  db: Database;
  kind: StoreKind;
  /** SQLite: the file path; PostgreSQL: the schema. */
  location: string;
  close(): Promise<void>;
}

export async function openTestDatabase(kind: StoreKind, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  let testDatabase: TestDatabase;
  if (kind === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'cardrail-test-'));
    const path = join(directory, 'cardrail.db');
    const db = new SqliteDatabase(path);
    testDatabase = {
      db,
      kind,
      location: path,
      async close() {
        await db.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  } else {
    const schema = `cardrail_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const db = new PostgresDatabase({ connectionString: testPostgresUrl, schema, poolSize: 12 });
    await db.prepareSchema();
    testDatabase = {
      db,
      kind,
      location: schema,
      async close() {
        await db.dropSchema();
        await db.close();
      },
    };
  }
  if (options.migrated !== false) await migrate(testDatabase.db);
  return testDatabase;
}
