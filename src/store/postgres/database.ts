// PostgreSQL backend: a pool; each transaction takes one client, BEGIN … COMMIT. Portable `?` placeholders are
// rewritten to `$n`; BIGINT comes back as a JS number (cents and milliseconds stay far below 2^53).
import pg from 'pg';
import { notifyCommitted, runCommitSteps, TransactionNotes, type CommitStep, type Database, type SqlValue, type Sql } from '../database.js';

/** A transaction PostgreSQL aborted for a deadlock or serialization conflict runs again, this many times in all. */
const conflictAttemptsMax = 3;

const int8Oid = 20;
const numericOid = 1700;

const placeholderCache = new Map<string, string>();

/** Rewrites `?` to `$1…$n`. Portable SQL in this codebase never has a literal `?` inside a string. */
export function toPostgresPlaceholders(sql: string): string {
  let rewritten = placeholderCache.get(sql);
  if (rewritten === undefined) {
    let index = 0;
    rewritten = sql.replace(/\?/g, () => `$${(index += 1)}`);
    placeholderCache.set(sql, rewritten);
  }
  return rewritten;
}

function bigintToNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`integer ${value} is outside the safe range`);
  return parsed;
}

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === int8Oid) return bigintToNumber;
    if (oid === numericOid) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

class PostgresExecutor implements Sql {
  readonly dialect = 'postgres' as const;
  /** Present on a transaction's executor only: the pool's statements belong to no transaction. */
  readonly transactionNotes?: (name: string) => Map<string, unknown>;
  constructor(
    private readonly client: pg.Pool | pg.PoolClient,
    notes?: TransactionNotes,
  ) {
    if (notes !== undefined) this.transactionNotes = (name) => notes.notes(name);
  }
  async all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    const result = await this.client.query({ text: toPostgresPlaceholders(sql), values: params as unknown[] | undefined, types: typeParsers });
    return result.rows as Row[];
  }
  async get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    const rows = await this.all<Row>(sql, params);
    return rows[0];
  }
  async run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    const result = await this.client.query({ text: toPostgresPlaceholders(sql), values: params as unknown[] | undefined, types: typeParsers });
    return { changes: result.rowCount ?? 0 };
  }
}

export interface PostgresOptions {
  connectionString: string;
  /** Schema to use (created if missing); tests give every run its own. */
  schema?: string;
  poolSize?: number;
}

export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly location: string;
  readonly schema: string | undefined;
  private readonly pool: pg.Pool;
  private readonly poolSql: PostgresExecutor;
  private readonly commitListeners = new Set<() => void>();
  private readonly commitSteps = new Set<CommitStep>();

  constructor(options: PostgresOptions) {
    this.schema = options.schema;
    if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
      throw new Error(`invalid schema name ${options.schema}`);
    }
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      options: options.schema === undefined ? undefined : `-c search_path=${options.schema}`,
    });
    // An idle client's error (e.g. the server restarting) must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
    this.poolSql = new PostgresExecutor(this.pool);
    this.location = redactUrl(options.connectionString) + (options.schema === undefined ? '' : ` (schema ${options.schema})`);
  }

  /** Creates the schema if this database was opened with one. */
  async prepareSchema(): Promise<void> {
    if (this.schema === undefined) return;
    const client = new pg.Client({ connectionString: this.poolConnectionString() });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
    } finally {
      await client.end();
    }
  }

  async dropSchema(): Promise<void> {
    if (this.schema === undefined) return;
    await this.pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }

  private poolConnectionString(): string {
    return (this.pool.options as { connectionString: string }).connectionString;
  }

  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.poolSql.all<Row>(sql, params);
  }
  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.poolSql.get<Row>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.poolSql.run(sql, params);
  }

  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  addCommitStep(step: CommitStep): () => void {
    this.commitSteps.add(step);
    return () => this.commitSteps.delete(step);
  }

  /**
   * Runs `work` in one transaction. Lock order (agent → card → accounts, each in id order) rules out deadlocks
   * among the flows that follow it; a deadlock or serialization failure PostgreSQL still reports (40P01, 40001:
   * nothing was committed) runs the work again, at most `conflictAttemptsMax` times. Work functions touch
   * nothing but the database, so running one again is safe.
   */
  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      let value: T;
      try {
        value = await this.transactionOnce(work);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= conflictAttemptsMax || (code !== '40P01' && code !== '40001')) throw error;
        continue;
      }
      notifyCommitted(this.commitListeners);
      return value;
    }
  }

  private async transactionOnce<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx = new PostgresExecutor(client, new TransactionNotes());
      const value = await work(tx);
      await runCommitSteps(this.commitSteps, tx);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async executeScript(sql: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(sql);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres';
  }
}
