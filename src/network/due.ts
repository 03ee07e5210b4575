// Network work that falls due with time (steps of src/modules/due-work-steps.ts): scheduled settlement of pending
// authorizations, then expiry of those still uncleared after 7 days.
import type { Scope } from '../domain/scope.js';
import { forShare, forUpdate, type Sql } from '../store/database.js';
import { sweepDueRows } from '../store/due-rows.js';
import { clearTransaction } from './clear.js';
import { lockAccountsOfCardholders } from './money.js';
import { voidTransaction } from './void.js';

/**
 * Reads a page of the scope's pending transactions whose `column` time has passed. It takes no id cursor: every page
 * is settled or voided before the next read, so its rows leave the filter, and the read stays the one the due-time
 * index serves (test/network/due-query-plans.test.ts).
 */
function duePendingPage(tx: Sql, scope: Scope, column: 'settle_at' | 'expires_at', nowMs: number) {
  return (_afterId: string, limit: number) =>
    tx.all<{ id: string }>(
      `SELECT id FROM transactions WHERE status = 'pending' AND organization_id = ? AND environment = ? AND ${column} IS NOT NULL AND ${column} <= ? ORDER BY id LIMIT ?`,
      [scope.organizationId, scope.environment, nowMs, limit],
    );
}

/**
 * PostgreSQL: a batch settles or voids several transactions in one database transaction, often several cards of one
 * user. Taking each one's locks in turn (transaction → card → accounts) would hold a user's accounts while waiting
 * for the next card — which an authorization on that card holds while it waits for the same accounts: a deadlock.
 * So the whole batch is locked first, level by level in the order every network flow takes (transactions, then
 * agents, cards, then the users' accounts and the network's, each in id order). Returns the ids still pending once locked
 * (a concurrent clear or void may have got there first).
 */
async function lockBatch(tx: Sql, scope: Scope, ids: string[]): Promise<string[]> {
  if (tx.dialect !== 'postgres' || ids.length === 0) return ids;
  const inList = (values: readonly string[]) => values.map(() => '?').join(', ');
  const rows = await tx.all<{ id: string; status: string; agent_id: string | null; card_id: string | null; user_id: string | null }>(
    `SELECT id, status, agent_id, card_id, user_id FROM transactions WHERE id IN (${inList(ids)}) ORDER BY id${forUpdate(tx)}`,
    ids,
  );
  const pending = rows.filter((row) => row.status === 'pending');
  const agentIds = [...new Set(pending.flatMap((row) => (row.agent_id === null ? [] : [row.agent_id])))].sort();
  if (agentIds.length > 0) await tx.all(`SELECT id FROM agents WHERE id IN (${inList(agentIds)}) ORDER BY id${forShare(tx)}`, agentIds);
  const cardIds = [...new Set(pending.flatMap((row) => (row.card_id === null ? [] : [row.card_id])))].sort();
  if (cardIds.length > 0) await tx.all(`SELECT id FROM cards WHERE id IN (${inList(cardIds)}) ORDER BY id${forUpdate(tx)}`, cardIds);
  const userIds = [...new Set(pending.flatMap((row) => (row.user_id === null ? [] : [row.user_id])))];
  await lockAccountsOfCardholders(tx, scope, userIds);
  return pending.map((row) => row.id);
}

export async function settleDueTransactions(tx: Sql, scope: Scope, nowMs: number): Promise<number> {
  return sweepDueRows(duePendingPage(tx, scope, 'settle_at', nowMs), async (rows) => {
    const locked = await lockBatch(tx, scope, rows.map((row) => row.id));
    for (const id of locked) await clearTransaction(tx, scope, id, undefined, nowMs);
    return locked.length;
  });
}

export async function expireDueAuthorizations(tx: Sql, scope: Scope, nowMs: number): Promise<number> {
  return sweepDueRows(duePendingPage(tx, scope, 'expires_at', nowMs), async (rows) => {
    const locked = await lockBatch(tx, scope, rows.map((row) => row.id));
    for (const id of locked) await voidTransaction(tx, scope, id, 'expired', nowMs);
    return locked.length;
  });
}
