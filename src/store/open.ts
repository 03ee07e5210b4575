// Chooses the backend: PostgreSQL when a connection string is configured, else the embedded SQLite file.
import { join } from 'node:path';
import type { Database } from './database.js';
import { SqliteDatabase } from './sqlite/database.js';
import { PostgresDatabase } from './postgres/database.js';

export interface StoreConfig {
  databaseUrl?: string | undefined;
  dataDir: string;
}

export async function openDatabase(config: StoreConfig): Promise<Database> {
  if (config.databaseUrl) {
    const database = new PostgresDatabase({ connectionString: config.databaseUrl });
    await database.ping();
    return database;
  }
  return new SqliteDatabase(join(config.dataDir, 'cardrail.db'));
}
