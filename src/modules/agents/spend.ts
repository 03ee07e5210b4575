// What an agent has spent in a window: read from its approved authorizations, for its policy, its presentation and
// the budget warning. Reads only; the card network writes transactions.
import type { SpendWindow } from '../../domain/limit-windows.js';
import type { Sql } from '../../store/database.js';

/** What an approved transaction counts against limits: its hold while pending, what was cleared once settled. */
export const approvedSpendCents = `CASE WHEN status = 'pending' THEN amount ELSE settled_amount END`;

/**
 * Cents of the agent's approved authorizations that are pending or settled (voided and declined ones excluded)
 * created at or after `window.startMs`: one range scan of the (agent_id, created_at) index. The window's end is not
 * applied: every window contains now and nothing is authorized after now, and an authorization stamped a moment
 * later by another process (clock skew) must count, not escape. Refunds do not give the limit back.
 */
export async function agentSpendInWindowCents(sql: Sql, agentId: string, window: SpendWindow): Promise<number> {
  const row = await sql.get<{ spent: number | null }>(
    `SELECT SUM(${approvedSpendCents}) AS spent FROM transactions WHERE agent_id = ? AND created_at >= ? AND status IN ('pending', 'settled', 'refunded')`,
    [agentId, window.startMs],
  );
  const spent = Number(row?.spent ?? 0);
  if (!Number.isSafeInteger(spent)) throw new Error(`spend of agent ${agentId} is outside the safe integer range`);
  return spent;
}
