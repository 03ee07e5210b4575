// Posting transfers: the only code that changes a balance. Accounts are locked in id order (FOR UPDATE on
// PostgreSQL; SQLite's single writer already serialises), new balances are checked against invariant 2 before
// anything is written, then each transfer is appended and the cached balances updated in the same transaction.
import { newId } from '../domain/ids.js';
import { forUpdate, type Sql, type SqlValue } from '../store/database.js';
import { insertRows } from '../store/multi-row.js';
import type { Scope } from '../domain/scope.js';
import { ledgerCurrency, nonNegativeKinds, type AccountKind } from './accounts.js';

export interface TransferInput {
  debitAccount: string;
  creditAccount: string;
  amountCents: number;
  /** What business event this is, e.g. `deposit.credit`; with `reference`, unique: each event posts once. */
  kind: string;
  reference: string;
}

/**
 * The transaction notes (`Sql.transactionNotes`) under which postings record whose balances they moved: per user
 * id, the scope, the environment time of the last posting and each touched account's balance before the first
 * one. The users module turns them into one `user.balance.updated` per user and transaction when it commits.
 */
export const userBalanceChangeNotes = 'ledger.userBalanceChanges';

export interface UserBalanceChange {
  scope: Scope;
  nowMs: number;
  /** Account id → its balance before this transaction's first posting to it. */
  balancesBefore: Map<string, number>;
}

export interface LockedAccount {
  id: string;
  kind: AccountKind;
  userId: string | null;
  balance: number;
}

/** Thrown when a posting would break an invariant; it is a bug in the caller, never a user error. */
export class LedgerInvariantError extends Error {
  override readonly name = 'LedgerInvariantError';
}

/** Locks the accounts (in a fixed order, so concurrent postings never deadlock) and returns their balances. */
export async function lockAccounts(tx: Sql, accountIds: readonly string[]): Promise<Map<string, LockedAccount>> {
  const ids = [...new Set(accountIds)].sort();
  const placeholders = ids.map(() => '?').join(', ');
  const rows = await tx.all<{ id: string; kind: AccountKind; user_id: string | null; balance: number }>(
    `SELECT id, kind, user_id, balance FROM ledger_accounts WHERE id IN (${placeholders}) ORDER BY id${forUpdate(tx)}`,
    ids,
  );
  const accounts = new Map(rows.map((row) => [row.id, { id: row.id, kind: row.kind, userId: row.user_id, balance: row.balance }]));
  for (const id of ids) if (!accounts.has(id)) throw new LedgerInvariantError(`ledger account ${id} does not exist`);
  return accounts;
}

/** What posting some transfers writes: the rows to append and, per account, the change to its cached balance. */
export interface PlannedPostings {
  rows: SqlValue[][];
  deltas: Map<string, { balance: number; entries: number }>;
}

export function emptyPostings(): PlannedPostings {
  return { rows: [], deltas: new Map() };
}

/**
 * Checks `transfers` against the locked `accounts` (every amount positive and safe, no account below zero where its
 * kind forbids it), notes whose balances move (for `user.balance.updated`), moves the balances in `accounts`, and adds
 * the rows and balance changes to `into`. Nothing is written: `writePostings` does that, for one call's plan or for
 * several accumulated (a batch of authorizations writes its postings together).
 */
export function planTransfers(tx: Sql, scope: Scope, accounts: Map<string, LockedAccount>, transfers: readonly TransferInput[], nowMs: number, into: PlannedPostings): void {
  const postable = transfers.filter((transfer) => transfer.amountCents !== 0);
  if (postable.length === 0) return;
  const deltas = new Map<string, { balance: number; entries: number }>();
  for (const transfer of postable) {
    if (!Number.isSafeInteger(transfer.amountCents) || transfer.amountCents <= 0) {
      throw new LedgerInvariantError(`transfer ${transfer.kind}/${transfer.reference} has amount ${transfer.amountCents}`);
    }
    if (transfer.debitAccount === transfer.creditAccount) throw new LedgerInvariantError(`transfer ${transfer.kind} debits and credits ${transfer.debitAccount}`);
    for (const [id, sign] of [[transfer.debitAccount, -1], [transfer.creditAccount, 1]] as const) {
      if (!accounts.has(id)) throw new LedgerInvariantError(`ledger account ${id} is not locked`);
      const delta = deltas.get(id) ?? { balance: 0, entries: 0 };
      delta.balance += sign * transfer.amountCents;
      delta.entries += 1;
      deltas.set(id, delta);
    }
  }
  for (const [id, delta] of deltas) {
    const account = accounts.get(id)!;
    const next = account.balance + delta.balance;
    if (!Number.isSafeInteger(next)) throw new LedgerInvariantError(`balance of ${id} leaves the safe integer range`);
    if (nonNegativeKinds.has(account.kind) && next < 0) throw new LedgerInvariantError(`posting would take ${id} to ${next}`);
  }
  noteUserBalanceChanges(tx, scope, accounts, deltas.keys(), nowMs);
  for (const transfer of postable) {
    into.rows.push([newId('tr', nowMs), scope.organizationId, scope.environment, transfer.debitAccount, transfer.creditAccount, transfer.amountCents, ledgerCurrency, transfer.kind, transfer.reference, nowMs]);
  }
  for (const [id, delta] of deltas) {
    accounts.get(id)!.balance += delta.balance;
    const total = into.deltas.get(id) ?? { balance: 0, entries: 0 };
    total.balance += delta.balance;
    total.entries += delta.entries;
    into.deltas.set(id, total);
  }
}

const transferColumns = ['id', 'organization_id', 'environment', 'debit_account', 'credit_account', 'amount', 'currency', 'kind', 'reference', 'created_at'];

/** Appends the planned transfers and applies each account's summed change (one UPDATE per account), then empties the plan. */
export async function writePostings(tx: Sql, planned: PlannedPostings): Promise<void> {
  await insertRows(tx, 'ledger_transfers', transferColumns, planned.rows);
  for (const [id, delta] of [...planned.deltas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await tx.run('UPDATE ledger_accounts SET balance = balance + ?, entry_count = entry_count + ? WHERE id = ?', [delta.balance, delta.entries, id]);
  }
  planned.rows = [];
  planned.deltas.clear();
}

export async function postTransfers(tx: Sql, scope: Scope, transfers: readonly TransferInput[], nowMs: number): Promise<void> {
  const postable = transfers.filter((transfer) => transfer.amountCents !== 0);
  if (postable.length === 0) return;
  const accounts = await lockAccounts(tx, postable.flatMap((transfer) => [transfer.debitAccount, transfer.creditAccount]));
  const planned = emptyPostings();
  planTransfers(tx, scope, accounts, postable, nowMs, planned);
  await writePostings(tx, planned);
}

/** Records, in the transaction's notes, the users whose accounts are about to move (their balances before, once). */
function noteUserBalanceChanges(tx: Sql, scope: Scope, accounts: ReadonlyMap<string, LockedAccount>, accountIds: Iterable<string>, nowMs: number): void {
  const notes = tx.transactionNotes?.(userBalanceChangeNotes);
  if (notes === undefined) return;
  for (const id of accountIds) {
    const account = accounts.get(id)!;
    if (account.userId === null) continue;
    let change = notes.get(account.userId) as UserBalanceChange | undefined;
    if (change === undefined) {
      change = { scope, nowMs, balancesBefore: new Map() };
      notes.set(account.userId, change);
    }
    change.nowMs = nowMs;
    if (!change.balancesBefore.has(id)) change.balancesBefore.set(id, account.balance);
  }
}
