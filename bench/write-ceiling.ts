// The engine's write ceiling: what the engine wrote during one of its runs, written again on its own — the same rows,
// the same tables and indexes, the same number of commits, WAL with synchronous=FULL — with no reads, no decisions and
// no JavaScript between the statements but the loop over prepared statements. It is the rate at which this machine
// can durably store what the data model keeps for each decision (a transaction, its transfers, its events, its risk
// alerts, the balances and counters it moves), so it bounds the engine whatever the engine's code does; the engine's
// throughput ÷ this figure is the share of that bound the engine reaches.
//
// How: before the run, the database is checkpointed and copied, and each table's highest rowid noted. After it, the
// rows above those marks are the inserts, and the rows that differ from the copy the updates. The replay splits the
// inserts into as many commits as the run made, in insertion order, and in each commit rewrites the balances,
// cards and daily counters that commit's transfers and transactions touch (the engine writes each once per batch).
import BetterSqlite3 from 'better-sqlite3';
import { copyFileSync, rmSync } from 'node:fs';

export interface WriteCeilingResult {
  decisions: number;
  commits: number;
  elapsedMs: number;
  perSecond: number;
  /** Rows inserted per decision, by table; rows rewritten per commit, by table. */
  insertedPerDecision: Record<string, number>;
  rewrittenPerCommit: Record<string, number>;
}

interface TableWork {
  table: string;
  columns: string[];
  inserted: unknown[][];
  /** Changed rows by the key the batch's rows name them with. */
  updated: Map<string, unknown[]>;
}

/** Which column of a changed row ties it to the rows a commit inserted: table → [its key column, the inserted table and column(s) naming it]. */
const touchedBy: Record<string, { key: string; from: string; columns: string[] }> = {
  ledger_accounts: { key: 'id', from: 'ledger_transfers', columns: ['debit_account', 'credit_account'] },
  cards: { key: 'id', from: 'transactions', columns: ['card_id'] },
  agent_daily_activity: { key: 'agent_id', from: 'transactions', columns: ['agent_id'] },
  agents: { key: 'id', from: 'transactions', columns: ['agent_id'] },
  users: { key: 'id', from: 'transactions', columns: ['user_id'] },
};

const quoted = (name: string) => `"${name}"`;

/**
 * Runs `run` (which answers the decisions it made and the commits they took) on the database at `path`, then replays
 * what it wrote into a copy taken just before.
 */
export async function engineWriteCeiling(path: string, run: () => Promise<{ decisions: number; commits: number }>): Promise<WriteCeilingResult> {
  const copyPath = `${path}.write-ceiling`;
  const source = new BetterSqlite3(path);
  try {
    // RESTART, not TRUNCATE: every frame is in the database file (so the copy is whole) and the WAL keeps its size, so
    // the measured run does not start by growing the WAL file again.
    source.pragma('wal_checkpoint(RESTART)');
    copyFileSync(path, copyPath);
    const tables = (source.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((row) => row.name);
    const marks = new Map(tables.map((table) => [table, Number((source.prepare(`SELECT coalesce(max(rowid), 0) AS mark FROM ${quoted(table)}`).get() as { mark: number }).mark)]));

    const { decisions, commits } = await run();

    source.pragma('wal_checkpoint(RESTART)');
    source.exec(`ATTACH '${copyPath.replaceAll("'", "''")}' AS before_run`);
    const work: TableWork[] = [];
    for (const table of tables) {
      const columns = (source.prepare(`PRAGMA main.table_info(${quoted(table)})`).all() as Array<{ name: string }>).map((column) => column.name);
      const list = columns.map(quoted).join(', ');
      const inserted = source.prepare(`SELECT rowid, ${list} FROM main.${quoted(table)} WHERE rowid > ? ORDER BY rowid`).raw().all(marks.get(table)) as unknown[][];
      const differs = columns.map((column) => `now.${quoted(column)} IS NOT was.${quoted(column)}`).join(' OR ');
      const changed = source
        .prepare(`SELECT now.rowid, ${columns.map((column) => `now.${quoted(column)}`).join(', ')} FROM main.${quoted(table)} now JOIN before_run.${quoted(table)} was ON now.rowid = was.rowid WHERE ${differs}`)
        .raw()
        .all() as unknown[][];
      const keyIndex = 1 + columns.indexOf(touchedBy[table]?.key ?? 'id');
      const updated = new Map(changed.map((row) => [String(row[keyIndex]), row]));
      if (inserted.length + updated.size > 0) work.push({ table, columns, inserted, updated });
    }
    source.close();
    return replay(copyPath, work, decisions, Math.max(1, commits));
  } finally {
    if (source.open) source.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${copyPath}${suffix}`, { force: true });
  }
}

function replay(copyPath: string, work: TableWork[], decisions: number, commits: number): WriteCeilingResult {
  const db = new BetterSqlite3(copyPath);
  try {
    // The production writer's settings (src/store/sqlite/database.ts).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('wal_autocheckpoint = 16000');
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    const byTable = new Map(work.map((entry) => [entry.table, entry]));
    const statements = work.map((entry) => {
      // A key column is never rewritten: the rows keep their identity, and rewriting a referenced key would make
      // SQLite look for rows that reference it.
      const kept = entry.columns.filter((column) => column !== (touchedBy[entry.table]?.key ?? 'id'));
      const keptIndexes = kept.map((column) => 1 + entry.columns.indexOf(column));
      return {
        entry,
        insert: db.prepare(`INSERT INTO ${quoted(entry.table)} (rowid, ${entry.columns.map(quoted).join(', ')}) VALUES (${['?', ...entry.columns.map(() => '?')].join(', ')})`),
        update: kept.length === 0 ? undefined : db.prepare(`UPDATE ${quoted(entry.table)} SET ${kept.map((column) => `${quoted(column)} = ?`).join(', ')} WHERE rowid = ?`),
        keptIndexes,
      };
    });
    const rewritten = new Map<string, number>();
    const sliceOf = (entry: TableWork, commit: number) => entry.inserted.slice(Math.floor((commit * entry.inserted.length) / commits), Math.floor(((commit + 1) * entry.inserted.length) / commits));
    const writeCommit = db.transaction((commit: number) => {
      for (const { entry, insert } of statements) for (const row of sliceOf(entry, commit)) insert.run(row);
      for (const { entry, update, keptIndexes } of statements) {
        const link = touchedBy[entry.table];
        if (update === undefined || link === undefined || entry.updated.size === 0) continue;
        const from = byTable.get(link.from);
        if (from === undefined) continue;
        const keys = new Set<string>();
        for (const row of sliceOf(from, commit)) for (const column of link.columns) keys.add(String(row[1 + from.columns.indexOf(column)]));
        for (const key of keys) {
          const row = entry.updated.get(key);
          if (row === undefined) continue;
          update.run([...keptIndexes.map((index) => row[index]), row[0]]);
          rewritten.set(entry.table, (rewritten.get(entry.table) ?? 0) + 1);
        }
      }
    });
    const start = performance.now();
    for (let commit = 0; commit < commits; commit += 1) writeCommit(commit);
    const elapsedMs = performance.now() - start;
    return {
      decisions,
      commits,
      elapsedMs,
      perSecond: (decisions * 1000) / elapsedMs,
      insertedPerDecision: Object.fromEntries(work.filter((entry) => entry.inserted.length > 0).map((entry) => [entry.table, entry.inserted.length / decisions])),
      rewrittenPerCommit: Object.fromEntries([...rewritten].map(([table, count]) => [table, count / commits])),
    };
  } finally {
    db.close();
  }
}
