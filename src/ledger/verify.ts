// The seven ledger invariants of SPEC §5, checked against the whole store. Used by `cardrail verify-ledger`, by
// the property tests after every step and after crash tests. Returns every problem found, not just the first.
import type { Sql } from '../store/database.js';

export interface LedgerReport {
  ok: boolean;
  problems: string[];
  accounts: number;
  transfers: number;
}

/**
 * What each user's `held` account must equal: one query per kind of hold, each returning (user_id, amount).
 */
export const heldSources: readonly string[] = [
  `SELECT user_id, amount FROM withdrawals WHERE status IN ('pending', 'submitted')`,
  `SELECT user_id, amount FROM transactions WHERE status = 'pending'`,
];

/** What each user's `reserved` account must equal: the reservations of their open (not closed) cards. */
export const reservedSources: readonly string[] = [`SELECT user_id, reservation AS amount FROM cards WHERE status <> 'closed'`];

async function expectedByUser(sql: Sql, sources: readonly string[]): Promise<Map<string, number>> {
  const expected = new Map<string, number>();
  for (const source of sources) {
    const rows = await sql.all<{ user_id: string; total: number }>(`SELECT user_id, SUM(amount) AS total FROM (${source}) s GROUP BY user_id`);
    for (const row of rows) expected.set(row.user_id, (expected.get(row.user_id) ?? 0) + Number(row.total));
  }
  return expected;
}

async function appendOnlyGuardsPresent(sql: Sql): Promise<boolean> {
  const names = ['ledger_transfers_no_update', 'ledger_transfers_no_delete'];
  if (sql.dialect === 'sqlite') {
    const rows = await sql.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'ledger_transfers'`);
    return names.every((name) => rows.some((row) => row.name === name));
  }
  const rows = await sql.all<{ tgname: string }>(
    `SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relname = 'ledger_transfers' AND n.nspname = current_schema() AND NOT t.tgisinternal`,
  );
  return names.every((name) => rows.some((row) => row.tgname === name));
}

export async function verifyLedger(sql: Sql): Promise<LedgerReport> {
  const problems: string[] = [];

  // (1) every environment's balances sum to zero, per currency
  const sums = await sql.all<{ organization_id: string; environment: string; currency: string; total: number }>(
    'SELECT organization_id, environment, currency, SUM(balance) AS total FROM ledger_accounts GROUP BY organization_id, environment, currency',
  );
  for (const row of sums) {
    if (Number(row.total) !== 0) problems.push(`(1) balances of ${row.organization_id}/${row.environment} ${row.currency} sum to ${row.total}, not 0`);
  }

  // (2) a user's available, reserved and held are never negative
  const negative = await sql.all<{ id: string; balance: number }>(`SELECT id, balance FROM ledger_accounts WHERE kind IN ('available', 'reserved', 'held') AND balance < 0`);
  for (const row of negative) problems.push(`(2) account ${row.id} is negative: ${row.balance}`);

  // (3) reserved equals the reservations of open cards; (4) held equals pending authorizations and withdrawals
  for (const [invariant, kind, sources] of [['(3)', 'reserved', reservedSources], ['(4)', 'held', heldSources]] as const) {
    const expected = await expectedByUser(sql, sources);
    const accounts = await sql.all<{ user_id: string; balance: number }>('SELECT user_id, balance FROM ledger_accounts WHERE kind = ?', [kind]);
    for (const account of accounts) {
      const should = expected.get(account.user_id) ?? 0;
      if (account.balance !== should) problems.push(`${invariant} ${kind} of ${account.user_id} is ${account.balance}, its ${kind === 'held' ? 'pending holds' : 'open cards'} add up to ${should}`);
    }
  }

  // (5) every cached balance equals the fold of its transfers (and counts every entry)
  const folds = await sql.all<{ id: string; balance: number; entry_count: number; folded: number | null; entries: number | null }>(
    `SELECT a.id, a.balance, a.entry_count, f.folded, f.entries FROM ledger_accounts a LEFT JOIN (
       SELECT account, SUM(delta) AS folded, COUNT(*) AS entries FROM (
         SELECT credit_account AS account, amount AS delta FROM ledger_transfers
         UNION ALL SELECT debit_account AS account, -amount AS delta FROM ledger_transfers
       ) movements GROUP BY account
     ) f ON f.account = a.id`,
  );
  for (const row of folds) {
    const folded = Number(row.folded ?? 0);
    const entries = Number(row.entries ?? 0);
    if (row.balance !== folded) problems.push(`(5) cached balance of ${row.id} is ${row.balance}, its transfers fold to ${folded}`);
    if (row.entry_count !== entries) problems.push(`(5) ${row.id} has ${entries} transfers but recorded ${row.entry_count}: transfers were added or removed behind the ledger`);
  }

  // (6) transfers are append-only: the guards that refuse UPDATE and DELETE are in place
  if (!(await appendOnlyGuardsPresent(sql))) problems.push('(6) the append-only guards on ledger_transfers are missing: transfers could be updated or deleted');

  // (7) each business event posted its transfers once
  const duplicates = await sql.all<{ kind: string; reference: string; copies: number }>(
    'SELECT kind, reference, COUNT(*) AS copies FROM ledger_transfers GROUP BY organization_id, environment, kind, reference HAVING COUNT(*) > 1',
  );
  for (const row of duplicates) problems.push(`(7) ${row.kind} ${row.reference} was posted ${row.copies} times`);
  const invalid = await sql.all<{ id: string }>('SELECT id FROM ledger_transfers WHERE amount <= 0 OR debit_account = credit_account');
  for (const row of invalid) problems.push(`transfer ${row.id} has a non-positive amount or the same account on both sides`);

  const counts = await sql.get<{ accounts: number; transfers: number }>('SELECT (SELECT COUNT(*) FROM ledger_accounts) AS accounts, (SELECT COUNT(*) FROM ledger_transfers) AS transfers');
  return { ok: problems.length === 0, problems, accounts: Number(counts?.accounts ?? 0), transfers: Number(counts?.transfers ?? 0) };
}
