// The Store interface: one way to run SQL on either backend. Modules write portable SQL with `?` placeholders;
// integers are money and milliseconds, text is JSON and ids. SQLite and PostgreSQL implement it.

export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | bigint | null | boolean;

export interface Sql {
  readonly dialect: Dialect;
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

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
  /** Runs schema-changing SQL (several statements) outside the pooled transaction machinery. */
  executeScript(sql: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** A human-readable name of where the data lives (file path or redacted URL). */
  readonly location: string;
}

/** `FOR UPDATE` where the backend has row locks; SQLite's single writer already serialises. */
export function forUpdate(sql: Sql): string {
  return sql.dialect === 'postgres' ? ' FOR UPDATE' : '';
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
