// The history the risk rules look at, read inside the authorization's transaction (after its locks, so two
// authorizations of one agent see each other). For velocity, duplicate and cooldown: the cards' approvals of the
// last day, read for a whole batch of authorizations at once (`readRecentApprovals`) and judged per authorization
// (`cardHistoryOf`). For the spend-spike baseline: the agent's running daily activity and its partial first day
// (`agentActivitySince`). Nothing is read for disabled rules.
import { riskHistoryWindows, type RiskFacts, type RiskSettings } from '../../domain/risk-rules.js';
import type { Sql } from '../../store/database.js';
import { activityDayMs } from '../transactions/store.js';

const hourMs = 60 * 60_000;
const dayMs = 24 * hourMs;

export interface RiskHistoryQuery {
  cardId: string;
  agentId: string;
  merchantNormalizedName: string;
  amountCents: number;
  nowMs: number;
}

/** An approval (any transaction not declined) as the card rules see it. */
export interface RecentApproval {
  createdAtMs: number;
  merchantNormalizedName: string;
  amountCents: number;
}

/** How far back the card rules of `settings` look from `nowMs` (undefined: none of them is enabled). */
export function cardHistorySince(settings: RiskSettings, nowMs: number): number | undefined {
  const { cardSinceMs } = riskHistoryWindows(settings);
  return cardSinceMs === undefined ? undefined : nowMs - cardSinceMs;
}

/** The approvals not declined of each card created after `sinceMs`: one indexed range read for all the cards. */
export async function readRecentApprovals(tx: Sql, cardIds: readonly string[], sinceMs: number): Promise<Map<string, RecentApproval[]>> {
  const recent = new Map<string, RecentApproval[]>(cardIds.map((id) => [id, []]));
  if (cardIds.length === 0) return recent;
  const rows = await tx.all<{ card_id: string; created_at: number | string; merchant_normalized_name: string; amount: number | string }>(
    `SELECT card_id, created_at, merchant_normalized_name, amount FROM transactions
     WHERE card_id IN (${cardIds.map(() => '?').join(', ')}) AND created_at > ? AND status <> 'declined'`,
    [...cardIds, sinceMs],
  );
  for (const row of rows) recent.get(row.card_id)!.push({ createdAtMs: Number(row.created_at), merchantNormalizedName: row.merchant_normalized_name, amountCents: Number(row.amount) });
  return recent;
}

/**
 * Velocity, duplicate and cooldown facts of one authorization from the card's recent approvals (pure): those created
 * after the rules' longest window, counted in the last hour and day, the same merchant and amount within the
 * duplicate window, and the latest (for cooldown). `recent` must reach back at least to `cardHistorySince`.
 */
export function cardHistoryOf(recent: readonly RecentApproval[], settings: RiskSettings, query: RiskHistoryQuery): RiskFacts['cardHistory'] {
  const windows = riskHistoryWindows(settings);
  if (windows.cardSinceMs === undefined) return undefined;
  const { nowMs } = query;
  const history = { lastHourCount: 0, lastDayCount: 0, duplicateCount: 0, lastApprovedAtMs: null as number | null };
  for (const approval of recent) {
    if (approval.createdAtMs <= nowMs - windows.cardSinceMs) continue;
    if (approval.createdAtMs > nowMs - hourMs) history.lastHourCount += 1;
    if (approval.createdAtMs > nowMs - dayMs) history.lastDayCount += 1;
    if (windows.duplicateWindowMs !== 0 && approval.createdAtMs > nowMs - windows.duplicateWindowMs && approval.merchantNormalizedName === query.merchantNormalizedName && approval.amountCents === query.amountCents) {
      history.duplicateCount += 1;
    }
    if (windows.cooldownMs !== 0 && (history.lastApprovedAtMs === null || approval.createdAtMs > history.lastApprovedAtMs)) history.lastApprovedAtMs = approval.createdAtMs;
  }
  return history;
}

/** The spend-spike baseline of one authorization (undefined when the rule is off), before this batch's approvals. */
export async function readAgentBaseline(tx: Sql, settings: RiskSettings, query: RiskHistoryQuery): Promise<RiskFacts['agentBaseline']> {
  const { agentBaselineMs } = riskHistoryWindows(settings);
  return agentBaselineMs === undefined ? undefined : agentActivitySince(tx, query.agentId, query.nowMs - agentBaselineMs);
}

/**
 * The count and amount of the agent's transactions not declined created after `sinceMs`: the UTC days wholly after
 * it from the running daily activity (migration 19), the day it falls in from the transactions themselves — so the
 * cost is bounded by one day of the agent's activity, not its history.
 */
export async function agentActivitySince(tx: Sql, agentId: string, sinceMs: number): Promise<{ count: number; totalCents: number }> {
  const firstWholeDayMs = Math.floor(sinceMs / activityDayMs) * activityDayMs + activityDayMs;
  const partial = await tx.get<{ count: number | null; total: number | null }>(
    `SELECT COUNT(*) AS count, SUM(amount) AS total FROM transactions WHERE agent_id = ? AND created_at > ? AND created_at < ? AND status <> 'declined'`,
    [agentId, sinceMs, firstWholeDayMs],
  );
  const whole = await tx.get<{ count: number | null; total: number | null }>(
    'SELECT SUM(transaction_count) AS count, SUM(amount) AS total FROM agent_daily_activity WHERE agent_id = ? AND day_start >= ?',
    [agentId, firstWholeDayMs],
  );
  return { count: Number(partial?.count ?? 0) + Number(whole?.count ?? 0), totalCents: Number(partial?.total ?? 0) + Number(whole?.total ?? 0) };
}

/** The baseline with approvals of the same batch not yet written added, by the same window (pure). */
export function withUnwrittenApprovals(baseline: RiskFacts['agentBaseline'], settings: RiskSettings, nowMs: number, unwritten: readonly RecentApproval[]): RiskFacts['agentBaseline'] {
  const { agentBaselineMs } = riskHistoryWindows(settings);
  if (baseline === undefined || agentBaselineMs === undefined) return baseline;
  const total = { ...baseline };
  for (const approval of unwritten) {
    if (approval.createdAtMs <= nowMs - agentBaselineMs) continue;
    total.count += 1;
    total.totalCents += approval.amountCents;
  }
  return total;
}
