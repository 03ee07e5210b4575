// Applies pending migrations in one transaction each. On PostgreSQL an advisory lock keeps two processes that
// start together from applying the same migration twice.
import type { Database, Sql } from './database.js';
import { migrations, type Migration } from './migrations/index.js';

const migrationLockId = 727_274_001;

export interface MigrationResult {
  applied: Migration[];
  currentVersion: number;
}

async function ensureMigrationsTable(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.run(`SELECT pg_advisory_xact_lock(${migrationLockId})`);
    await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  });
}

export async function appliedVersion(sql: Sql): Promise<number> {
  const row = await sql.get<{ version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}

export function splitStatements(script: string): string[] {
  return script
    .split(/;\s*\n/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

export async function migrate(db: Database, nowMs: number = Date.now()): Promise<MigrationResult> {
  await ensureMigrationsTable(db);
  const applied: Migration[] = [];
  for (const migration of migrations) {
    const didApply = await db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') await tx.run(`SELECT pg_advisory_xact_lock(${migrationLockId})`);
      const existing = await tx.get<{ version: number }>('SELECT version FROM schema_migrations WHERE version = ?', [migration.version]);
      if (existing !== undefined) return false;
      for (const statement of splitStatements(migration.sql)) await tx.run(statement);
      if (migration.dialectSql !== undefined) {
        for (const statement of splitStatements(migration.dialectSql[tx.dialect])) await tx.run(statement);
      }
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, nowMs]);
      return true;
    });
    if (didApply) applied.push(migration);
  }
  return { applied, currentVersion: await appliedVersion(db) };
}

/** Every migration this code knows is applied: checked by version, since versions may be appended out of order (a gap filled later). */
export async function isFullyMigrated(db: Database): Promise<boolean> {
  try {
    const rows = await db.all<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => Number(row.version)));
    return migrations.every((migration) => applied.has(migration.version));
  } catch {
    return false;
  }
}
