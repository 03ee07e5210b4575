// The raw SQLite transfer ceiling: the fastest durable way to post a double-entry transfer on this machine, as the
// yardstick the engine is compared with. better-sqlite3 prepared statements, integer keys, no secondary index,
// WAL with synchronous=FULL (every commit is fsynced), and `batchSize` transfers per transaction: per transfer
// one INSERT and two balance UPDATEs, nothing else (no checks, ids, events or business rows).
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from './lib/random.js';

export interface CeilingResult {
  transfers: number;
  commits: number;
  elapsedMs: number;
  perSecond: number;
  batchSize: number;
}

export function rawTransferCeiling(options: { accounts: number; batchSize: number; durationMs: number; maxTransfers: number }): CeilingResult {
  const directory = mkdtempSync(join(tmpdir(), 'cardrail-bench-ceiling-'));
  const db = new BetterSqlite3(join(directory, 'ceiling.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
      CREATE TABLE transfers (id INTEGER PRIMARY KEY, debit_account INTEGER NOT NULL, credit_account INTEGER NOT NULL, amount INTEGER NOT NULL, created_at INTEGER NOT NULL);
    `);
    const openAccount = db.prepare('INSERT INTO accounts (id, balance) VALUES (?, 0)');
    db.transaction(() => {
      for (let id = 1; id <= options.accounts; id += 1) openAccount.run(id);
    })();
    const insert = db.prepare('INSERT INTO transfers (debit_account, credit_account, amount, created_at) VALUES (?, ?, ?, ?)');
    const debit = db.prepare('UPDATE accounts SET balance = balance - ? WHERE id = ?');
    const credit = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
    const random = seededRandom(42);
    const postBatch = db.transaction((count: number) => {
      const nowMs = Date.now();
      for (let index = 0; index < count; index += 1) {
        const from = 1 + Math.floor(random() * options.accounts);
        const to = 1 + ((from + Math.floor(random() * (options.accounts - 1))) % options.accounts);
        const amount = 100 + Math.floor(random() * 4_900);
        insert.run(from, to, amount, nowMs);
        debit.run(amount, from);
        credit.run(amount, to);
      }
    });
    let transfers = 0;
    let commits = 0;
    const start = performance.now();
    const deadline = start + options.durationMs;
    while (transfers < options.maxTransfers && performance.now() < deadline) {
      const count = Math.min(options.batchSize, options.maxTransfers - transfers);
      postBatch(count);
      transfers += count;
      commits += 1;
    }
    const elapsedMs = performance.now() - start;
    const sum = (db.prepare('SELECT SUM(balance) AS total FROM accounts').get() as { total: number }).total;
    if (sum !== 0) throw new Error(`raw ceiling: balances sum to ${sum}`);
    return { transfers, commits, elapsedMs, perSecond: (transfers * 1000) / elapsedMs, batchSize: options.batchSize };
  } finally {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
