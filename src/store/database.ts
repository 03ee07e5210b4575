// The Store interface: one way to run SQL on either backend. Modules write portable SQL with `?` placeholders;
// integers are money and milliseconds, text is JSON and ids. SQLite and PostgreSQL implement it.

export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | bigint | null | boolean;

export interface Sql {
  readonly dialect: Dialect;
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * Inside a transaction: the notes of this transaction alone under `name` (an empty map when it starts), for work
   * done once per transaction however often its cause happens — the ledger notes each user whose accounts it posted
   * to, and a commit step records one `user.balance.updated` per user. Undefined outside a transaction.
   */
  transactionNotes?(name: string): Map<string, unknown>;
}

/**
 * A step run at the end of every transaction, inside it, after its work function returned and before it commits:
 * what it writes commits with the transaction, and an error in it fails the transaction as the work's own would.
 */
export type CommitStep = (tx: Sql) => Promise<void>;

export interface Database extends Sql {
  /**
   * Runs `work` in one transaction: every write inside commits together or not at all. The callback must not do
   * I/O outside the database (no HTTP calls); on SQLite transactions that arrive together share one commit.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` after each commit of this process's transactions (synchronously, on the committing turn: keep
   * it short and do no I/O in it). Answers the function that removes it. Commits of other processes are not seen.
   */
  onCommit(listener: () => void): () => void;
  /**
   * Adds a step every later transaction runs before it commits (the same function added twice runs once). Answers
   * the function that removes it. Wired once when the application is assembled (src/app.ts), never on import.
   */
  addCommitStep(step: CommitStep): () => void;
  /** Runs schema-changing SQL (several statements) outside the pooled transaction machinery. */
  executeScript(sql: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** A human-readable name of where the data lives (file path or redacted URL). */
  readonly location: string;
}

/**
 * The row-lock clause of a SELECT, written after its ORDER BY and LIMIT: ` FOR UPDATE` where the backend has row locks
 * (with `OF table` to lock one table of a join, `SKIP LOCKED` for work queues), nothing on SQLite, whose single writer
 * already serialises.
 */
export function forUpdate(sql: Sql, options: { of?: string; skipLocked?: boolean } = {}): string {
  if (sql.dialect !== 'postgres') return '';
  return ` FOR UPDATE${options.of === undefined ? '' : ` OF ${options.of}`}${options.skipLocked === true ? ' SKIP LOCKED' : ''}`;
}

/** ` FOR SHARE` where the backend has row locks: others may read and share-lock the rows, not change them. */
export function forShare(sql: Sql): string {
  return sql.dialect === 'postgres' ? ' FOR SHARE' : '';
}

/** Calls each commit listener; one that throws is skipped, never failing the commit that already happened. */
export function notifyCommitted(listeners: ReadonlySet<() => void>): void {
  for (const listener of listeners) {
    try {
      listener();
    } catch {
      // A listener's failure is its own; the transaction is committed.
    }
  }
}

/** The notes of one transaction (`Sql.transactionNotes`), kept by each backend's transaction object. */
export class TransactionNotes {
  private readonly byName = new Map<string, Map<string, unknown>>();
  notes(name: string): Map<string, unknown> {
    let notes = this.byName.get(name);
    if (notes === undefined) {
      notes = new Map();
      this.byName.set(name, notes);
    }
    return notes;
  }
}

/** Runs the commit steps in the order they were added. */
export async function runCommitSteps(steps: ReadonlySet<CommitStep>, tx: Sql): Promise<void> {
  for (const step of steps) await step(tx);
}
