// The history the risk rules look at, read inside the authorization's transaction (after its locks, so two
// authorizations of one agent see each other): one range scan of the card's recent authorizations for velocity,
// duplicate and cooldown, and one of the agent's for the spend-spike baseline. Nothing is read for disabled rules.
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

/** Approved authorizations only: declined ones are not spend, and counting them would let a decline feed itself. */
export async function readRiskHistory(tx: Sql, settings: RiskSettings, query: RiskHistoryQuery): Promise<Pick<RiskFacts, 'cardHistory' | 'agentBaseline'>> {
  const windows = riskHistoryWindows(settings);
  const { nowMs } = query;
  const facts: Pick<RiskFacts, 'cardHistory' | 'agentBaseline'> = {};
  if (windows.cardSinceMs !== undefined) {
    const row = await tx.get<{ hour_count: number | null; day_count: number | null; duplicate_count: number | null; last_at: number | null }>(
      `SELECT SUM(CASE WHEN created_at > ? THEN 1 ELSE 0 END) AS hour_count,
              SUM(CASE WHEN created_at > ? THEN 1 ELSE 0 END) AS day_count,
              SUM(CASE WHEN created_at > ? AND merchant_normalized_name = ? AND amount = ? THEN 1 ELSE 0 END) AS duplicate_count,
              MAX(created_at) AS last_at
       FROM transactions WHERE card_id = ? AND created_at > ? AND status <> 'declined'`,
      [nowMs - hourMs, nowMs - dayMs, nowMs - windows.duplicateWindowMs, query.merchantNormalizedName, query.amountCents, query.cardId, nowMs - windows.cardSinceMs],
    );
    facts.cardHistory = {
      lastHourCount: Number(row?.hour_count ?? 0),
      lastDayCount: Number(row?.day_count ?? 0),
      duplicateCount: windows.duplicateWindowMs === 0 ? 0 : Number(row?.duplicate_count ?? 0),
      lastApprovedAtMs: windows.cooldownMs === 0 || row?.last_at === null || row?.last_at === undefined ? null : Number(row.last_at),
    };
  }
  if (windows.agentBaselineMs !== undefined) facts.agentBaseline = await agentActivitySince(tx, query.agentId, nowMs - windows.agentBaselineMs);
  return facts;
}

/**
 * The count and amount of the agent's transactions not declined created after `sinceMs`: the UTC days wholly after
 * it from the running daily activity (migration 19), the day it falls in from the transactions themselves — so the
 * cost is bounded by one day of the agent's activity, not its history.
 */
async function agentActivitySince(tx: Sql, agentId: string, sinceMs: number): Promise<{ count: number; totalCents: number }> {
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

/** An approval made earlier in the same batch of authorizations and not yet written (src/network/authorize.ts). */
export interface UnwrittenApproval {
  createdAtMs: number;
  merchantNormalizedName: string;
  amountCents: number;
}

/**
 * `readRiskHistory`'s answer as it would be had the batch's unwritten approvals of the card and of the agent been
 * written: the same windows and predicates as its SQL, applied to them (pure).
 */
export function withUnwrittenApprovals(
  history: Pick<RiskFacts, 'cardHistory' | 'agentBaseline'>,
  settings: RiskSettings,
  query: RiskHistoryQuery,
  ofCard: readonly UnwrittenApproval[],
  ofAgent: readonly UnwrittenApproval[],
): Pick<RiskFacts, 'cardHistory' | 'agentBaseline'> {
  const windows = riskHistoryWindows(settings);
  const { nowMs } = query;
  const facts: Pick<RiskFacts, 'cardHistory' | 'agentBaseline'> = {};
  if (history.cardHistory !== undefined && windows.cardSinceMs !== undefined) {
    const card = { ...history.cardHistory };
    for (const approval of ofCard) {
      if (approval.createdAtMs <= nowMs - windows.cardSinceMs) continue;
      if (approval.createdAtMs > nowMs - hourMs) card.lastHourCount += 1;
      if (approval.createdAtMs > nowMs - dayMs) card.lastDayCount += 1;
      if (windows.duplicateWindowMs !== 0 && approval.createdAtMs > nowMs - windows.duplicateWindowMs && approval.merchantNormalizedName === query.merchantNormalizedName && approval.amountCents === query.amountCents) {
        card.duplicateCount += 1;
      }
      if (windows.cooldownMs !== 0 && (card.lastApprovedAtMs === null || approval.createdAtMs > card.lastApprovedAtMs)) card.lastApprovedAtMs = approval.createdAtMs;
    }
    facts.cardHistory = card;
  }
  if (history.agentBaseline !== undefined && windows.agentBaselineMs !== undefined) {
    const agent = { ...history.agentBaseline };
    for (const approval of ofAgent) {
      if (approval.createdAtMs <= nowMs - windows.agentBaselineMs) continue;
      agent.count += 1;
      agent.totalCents += approval.amountCents;
    }
    facts.agentBaseline = agent;
  }
  return facts;
}
