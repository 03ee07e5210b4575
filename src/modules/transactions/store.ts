// The transactions table's writes, and the spend the card network reads from it. The card network (src/network)
// records authorizations, force posts and their changes through here; a batch of authorizations writes its rows in
// one multi-row statement.
import { cardLimitWindows } from '../../domain/authorization.js';
import type { Sql, SqlValue } from '../../store/database.js';
import { insertRows } from '../../store/multi-row.js';
import { approvedSpendCents } from '../agents/spend.js';
import type { Scope } from '../../domain/scope.js';
import type { Transaction } from './service.js';

const transactionColumns = [
  'id', 'organization_id', 'environment', 'card_id', 'agent_id', 'user_id', 'status', 'amount', 'authorized_amount', 'settled_amount', 'refunded_amount', 'currency',
  'merchant_name', 'merchant_normalized_name', 'merchant_mcc', 'merchant_category', 'merchant_city', 'merchant_country', 'merchant_id', 'decline_reason', 'decline_detail',
  'intent_id', 'intent_match', 'attestation_status', 'access_event_id', 'force_post', 'notes', 'tags', 'category', 'settle_at', 'expires_at', 'created_at', 'updated_at',
  'settled_at', 'voided_at',
] as const;

function rowValues(scope: Scope, transaction: Transaction): SqlValue[] {
  return [
    transaction.id,
    scope.organizationId,
    scope.environment,
    transaction.cardId,
    transaction.agentId,
    transaction.userId,
    transaction.status,
    transaction.amountCents,
    transaction.authorizedAmountCents,
    transaction.settledAmountCents,
    transaction.refundedAmountCents,
    transaction.currency,
    transaction.merchant.name,
    transaction.merchant.normalizedName,
    transaction.merchant.mcc,
    transaction.merchant.category,
    transaction.merchant.city,
    transaction.merchant.country,
    transaction.merchant.id,
    transaction.declineReason,
    transaction.declineDetail,
    transaction.intentId,
    transaction.intentMatch,
    transaction.attestationStatus,
    transaction.accessEventId,
    transaction.forcePost ? 1 : 0,
    transaction.notes,
    JSON.stringify(transaction.tags),
    transaction.category,
    transaction.settleAtMs,
    transaction.expiresAtMs,
    transaction.createdAtMs,
    transaction.updatedAtMs,
    transaction.settledAtMs,
    transaction.voidedAtMs,
  ];
}

/**
 * Records new transactions, each in its own scope, in as few statements as the backend allows, and counts those not
 * declined in their agent's daily activity.
 */
export async function insertTransactions(sql: Sql, transactions: readonly { scope: Scope; transaction: Transaction }[]): Promise<void> {
  await insertRows(sql, 'transactions', transactionColumns, transactions.map(({ scope, transaction }) => rowValues(scope, transaction)));
  await addAgentActivity(
    sql,
    transactions
      .map(({ transaction }) => transaction)
      .filter((transaction) => transaction.agentId !== null && transaction.status !== 'declined')
      .map((transaction) => ({ agentId: transaction.agentId!, createdAtMs: transaction.createdAtMs, count: 1, amountCents: transaction.amountCents })),
  );
}

/** An increment: the transaction's amount, and its agent's daily activity by the difference. */
export async function changeTransactionAmount(sql: Sql, transaction: Transaction, amountCents: number, incrementCount: number, nowMs: number): Promise<void> {
  await sql.run('UPDATE transactions SET amount = ?, increment_count = ?, updated_at = ? WHERE id = ?', [amountCents, incrementCount, nowMs, transaction.id]);
  if (transaction.agentId !== null && transaction.status !== 'declined') {
    await addAgentActivity(sql, [{ agentId: transaction.agentId, createdAtMs: transaction.createdAtMs, count: 0, amountCents: amountCents - transaction.amountCents }]);
  }
}

/**
 * A transaction's new state after the network cleared, voided or refunded it: its status and the amounts and times
 * that change with it. None of these changes the agent's daily activity (every status but `declined` counts there).
 */
export async function recordTransactionState(sql: Sql, transaction: Transaction): Promise<void> {
  if (transaction.status === 'declined' || transaction.status === 'pending') throw new Error(`transaction ${transaction.id} cannot become ${transaction.status}`);
  await sql.run('UPDATE transactions SET status = ?, settled_amount = ?, settled_at = ?, voided_at = ?, refunded_amount = ?, refund_count = ?, updated_at = ? WHERE id = ?', [
    transaction.status,
    transaction.settledAmountCents,
    transaction.settledAtMs,
    transaction.voidedAtMs,
    transaction.refundedAmountCents,
    transaction.refundCount,
    transaction.updatedAtMs,
    transaction.id,
  ]);
}

export const activityDayMs = 86_400_000;

/** Adds to `agent_daily_activity` (migration 19): one upsert per agent and UTC day of creation. */
async function addAgentActivity(sql: Sql, changes: readonly { agentId: string; createdAtMs: number; count: number; amountCents: number }[]): Promise<void> {
  const byDay = new Map<string, { agentId: string; dayStartMs: number; count: number; amountCents: number }>();
  for (const change of changes) {
    const dayStartMs = Math.floor(change.createdAtMs / activityDayMs) * activityDayMs;
    const key = `${change.agentId} ${dayStartMs}`;
    const total = byDay.get(key) ?? { agentId: change.agentId, dayStartMs, count: 0, amountCents: 0 };
    total.count += change.count;
    total.amountCents += change.amountCents;
    byDay.set(key, total);
  }
  if (byDay.size === 0) return;
  const rows = [...byDay.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : a.dayStartMs - b.dayStartMs));
  await sql.run(
    `INSERT INTO agent_daily_activity (agent_id, day_start, transaction_count, amount) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}
     ON CONFLICT (agent_id, day_start) DO UPDATE SET transaction_count = agent_daily_activity.transaction_count + excluded.transaction_count, amount = agent_daily_activity.amount + excluded.amount`,
    rows.flatMap((row) => [row.agentId, row.dayStartMs, row.count, row.amountCents]),
  );
}

export async function insertTransaction(sql: Sql, scope: Scope, transaction: Transaction): Promise<void> {
  await insertTransactions(sql, [{ scope, transaction }]);
}

/** Approved spend on the card in the current UTC day and month: one range scan of (card_id, created_at). */
export async function cardSpend(sql: Sql, cardId: string, nowMs: number): Promise<{ todayCents: number; monthCents: number }> {
  const { dayStartMs, monthStartMs } = cardLimitWindows(nowMs);
  const row = await sql.get<{ today: number | null; month: number | null }>(
    `SELECT SUM(CASE WHEN created_at >= ? THEN ${approvedSpendCents} ELSE 0 END) AS today, SUM(${approvedSpendCents}) AS month
     FROM transactions WHERE card_id = ? AND created_at >= ? AND status IN ('pending', 'settled', 'refunded')`,
    [dayStartMs, cardId, monthStartMs],
  );
  return { todayCents: Number(row?.today ?? 0), monthCents: Number(row?.month ?? 0) };
}
