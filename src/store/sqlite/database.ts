// SQLite backend: WAL, synchronous=FULL, one writer connection and one reader connection.
// Transactions queue on the writer; those that are waiting when the writer frees up are committed together
// (group commit), each in its own savepoint so one failing rolls back only itself.
import BetterSqlite3 from 'better-sqlite3';
import { dirname } from 'node:path';
import { createPrivateFile, ensurePrivateDirectory, ensurePrivateFile } from '../../private-files.js';
import { notifyCommitted, runCommitSteps, TransactionNotes, type CommitStep, type Database, type SqlValue, type Sql } from '../database.js';

type Statement = BetterSqlite3.Statement<unknown[]>;

interface QueuedTransaction {
  work: (tx: Sql) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface SqliteOptions {
  /** Largest number of transactions committed together. */
  groupCommitMax?: number;
}

/** How long a transaction waits for the write lock another connection holds before it fails. */
const beginTimeoutMs = 5_000;

/** Prepared statements by SQL text. Bounded: batched statements vary with the batch's size (multi-row inserts, IN lists). */
const cachedStatementsMax = 4_096;

class StatementCache {
  private readonly statements = new Map<string, Statement>();
  constructor(private readonly connection: BetterSqlite3.Database) {}
  prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.connection.prepare(sql);
      if (this.statements.size >= cachedStatementsMax) this.statements.delete(this.statements.keys().next().value as string);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

function bind(params: readonly SqlValue[] | undefined): unknown[] {
  if (params === undefined) return [];
  return params.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : value));
}

class SqliteExecutor implements Sql {
  readonly dialect = 'sqlite' as const;
  constructor(private readonly cache: StatementCache) {}
  async all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.cache.prepare(sql).all(...bind(params)) as Row[];
  }
  async get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.cache.prepare(sql).get(...bind(params)) as Row | undefined;
  }
  async run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    const statement = this.cache.prepare(sql);
    if (!statement.reader) {
      const result = statement.run(...bind(params));
      return { changes: result.changes };
    }
    statement.all(...bind(params));
    return { changes: 0 };
  }
}

/** One transaction's view of the writer: its statements, plus notes of its own (the writer is shared by a batch). */
class SqliteTransaction implements Sql {
  readonly dialect = 'sqlite' as const;
  private readonly notes = new TransactionNotes();
  constructor(private readonly writer: SqliteExecutor) {}
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.writer.all<Row>(sql, params);
  }
  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.writer.get<Row>(sql, params);
  }
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.writer.run(sql, params);
  }
  transactionNotes(name: string): Map<string, unknown> {
    return this.notes.notes(name);
  }
}

export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly location: string;
  private readonly writer: BetterSqlite3.Database;
  private readonly reader: BetterSqlite3.Database;
  private readonly writerSql: SqliteExecutor;
  private readonly readerSql: SqliteExecutor;
  private readonly queue: QueuedTransaction[] = [];
  private draining = false;
  private readonly groupCommitMax: number;
  private closed = false;
  private readonly commitListeners = new Set<() => void>();
  private readonly commitSteps = new Set<CommitStep>();

  constructor(path: string, options: SqliteOptions = {}) {
    if (path !== ':memory:') {
      // SQLite creates the -wal and -shm files with the database file's mode, so a 0600 database keeps them 0600.
      ensurePrivateDirectory(dirname(path));
      createPrivateFile(path);
    }
    this.location = path;
    this.groupCommitMax = options.groupCommitMax ?? 256;
    this.writer = new BetterSqlite3(path);
    this.writer.pragma('journal_mode = WAL');
    this.writer.pragma('synchronous = FULL');
    this.writer.pragma('foreign_keys = ON');
    // Another connection may hold the write lock (the authorization engine's thread, a CLI command). SQLite's busy
    // handler would sleep on this thread, freezing the event loop, and backs off up to 100 ms a try (a writer waiting
    // behind frequent short transactions stalls for hundreds of ms), so the writer does not wait in SQLite: `begin`
    // retries every millisecond on a timer instead.
    this.writer.pragma('busy_timeout = 0');
    // Checkpoint when the WAL holds 16,000 pages (64 MB) rather than SQLite's 1,000: a batch of authorizations writes
    // more than 1,000, so the default checkpoints (and fsyncs the database file) after every commit. The file is cut
    // back to 64 MB when SQLite starts the WAL over. docs/benchmarks.md has the measurements.
    this.writer.pragma('wal_autocheckpoint = 16000');
    this.writer.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    // An in-memory database is private to its connection, so the reader is the writer there.
    this.reader = path === ':memory:' ? this.writer : new BetterSqlite3(path, { readonly: false });
    if (this.reader !== this.writer) {
      this.reader.pragma('busy_timeout = 5000');
      this.reader.pragma('query_only = ON');
    }
    // Those left by an older version, opened with a laxer mode, are tightened.
    if (path !== ':memory:') for (const suffix of ['-wal', '-shm']) ensurePrivateFile(`${path}${suffix}`);
    this.writerSql = new SqliteExecutor(new StatementCache(this.writer));
    this.readerSql = new SqliteExecutor(new StatementCache(this.reader));
  }

  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.readerSql.all<Row>(sql, params);
  }
  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.readerSql.get<Row>(sql, params);
  }
  /** A write outside an explicit transaction is a transaction of one statement. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  /** Another connection of this process committed (the engine's thread): this database's listeners hear of it. */
  announceCommit(): void {
    notifyCommitted(this.commitListeners);
  }

  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  addCommitStep(step: CommitStep): () => void {
    this.commitSteps.add(step);
    return () => this.commitSteps.delete(step);
  }

  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('database is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        // Start on the next turn of the event loop, not now: every request whose bytes arrived in this turn gets
        // to queue its transaction first, so they share one commit (one fsync) instead of one commit each.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.groupCommitMax);
        await this.commitBatch(batch);
        // The same between commits: callers answered by this commit and requests that arrived while it ran (the
        // fsync blocks the thread) queue their next transactions before the next batch is taken, and timers and
        // I/O are not starved while the queue stays full.
        if (this.queue.length < this.groupCommitMax) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitBatch(batch: QueuedTransaction[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.begin();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    try {
      for (const item of batch) {
        this.writer.exec('SAVEPOINT tx');
        try {
          const tx = new SqliteTransaction(this.writerSql);
          const value = await item.work(tx);
          await runCommitSteps(this.commitSteps, tx);
          this.writer.exec('RELEASE tx');
          outcomes.push({ ok: true, value });
        } catch (error) {
          this.writer.exec('ROLLBACK TO tx');
          this.writer.exec('RELEASE tx');
          outcomes.push({ ok: false, error });
        }
      }
      this.writer.exec('COMMIT');
    } catch (error) {
      if (this.writer.inTransaction) this.writer.exec('ROLLBACK');
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
    if (outcomes.some((outcome) => outcome.ok)) notifyCommitted(this.commitListeners);
  }

  /** BEGIN IMMEDIATE, waiting on timers (not in SQLite's busy handler) while another connection writes. */
  private async begin(): Promise<void> {
    const deadline = Date.now() + beginTimeoutMs;
    for (;;) {
      try {
        this.writer.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  async executeScript(sql: string): Promise<void> {
    await this.transaction(async () => {
      this.writer.exec(sql);
    });
  }

  async ping(): Promise<void> {
    this.reader.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    if (this.reader !== this.writer) this.reader.close();
    this.writer.close();
  }
}
