// Network work that falls due with time (run by src/workers/due-work.ts): scheduled settlement of pending
// authorizations, then expiry of those still uncleared after 7 days.
import type { Scope } from '../modules/scope.js';
import type { Sql } from '../store/database.js';
import { clearTransaction } from './clear.js';
import { voidTransaction } from './void.js';

const batchMax = 500;

async function duePendingIds(tx: Sql, scope: Scope, column: 'settle_at' | 'expires_at', nowMs: number): Promise<string[]> {
  const rows = await tx.all<{ id: string }>(
    `SELECT id FROM transactions WHERE status = 'pending' AND organization_id = ? AND environment = ? AND ${column} IS NOT NULL AND ${column} <= ? ORDER BY id LIMIT ?`,
    [scope.organizationId, scope.environment, nowMs, batchMax],
  );
  return rows.map((row) => row.id);
}

export async function settleDueTransactions(tx: Sql, scope: Scope, nowMs: number): Promise<number> {
  let settled = 0;
  for (;;) {
    const ids = await duePendingIds(tx, scope, 'settle_at', nowMs);
    for (const id of ids) await clearTransaction(tx, scope, id, undefined, nowMs);
    settled += ids.length;
    if (ids.length < batchMax) return settled;
  }
}

export async function expireDueAuthorizations(tx: Sql, scope: Scope, nowMs: number): Promise<number> {
  let expired = 0;
  for (;;) {
    const ids = await duePendingIds(tx, scope, 'expires_at', nowMs);
    for (const id of ids) await voidTransaction(tx, scope, id, 'expired', nowMs);
    expired += ids.length;
    if (ids.length < batchMax) return expired;
  }
}
