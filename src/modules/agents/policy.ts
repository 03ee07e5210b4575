// An agent's spending policy at a moment: its limit, the window the limit counts over, what was spent in it and
// what is left. The authorization decision and intent warnings use `agentPolicyAt`; the API shows it.
import { remainingSpendCents, spendWindow, type SpendWindow, type SpendingLimitFrequency } from '../../domain/limit-windows.js';
import { AppError } from '../../domain/errors.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { scopeOf, visibleTo, type Principal } from '../principal.js';
import type { Scope } from '../scope.js';
import { getAgent, suspendAgentIfActive, type Agent } from './service.js';

export interface AgentPolicy {
  agentId: string;
  spendingLimitCents: number | null;
  spendingLimitFrequency: SpendingLimitFrequency;
  /** null for perTransaction: each authorization is judged alone. */
  window: SpendWindow | null;
  currentSpendCents: number;
  /** An authorization of A cents is within the agent's limit exactly when A ≤ remaining; null means no limit. */
  remainingCents: number | null;
}

/**
 * Cents of the agent's approved authorizations that are pending or settled (voided and declined ones excluded)
 * created at or after `window.startMs`: one range scan of the (agent_id, created_at) index. The window's end is not
 * applied: every window contains now and nothing is authorized after now, and an authorization stamped a moment
 * later by another process (clock skew) must count, not escape. Refunds do not give the limit back.
 */
/** What an approved transaction counts against limits: its hold while pending, what was cleared once settled. */
export const approvedSpendCents = `CASE WHEN status = 'pending' THEN amount ELSE settled_amount END`;

export async function agentSpendInWindowCents(sql: Sql, agentId: string, window: SpendWindow): Promise<number> {
  const row = await sql.get<{ spent: number | null }>(
    `SELECT SUM(${approvedSpendCents}) AS spent FROM transactions WHERE agent_id = ? AND created_at >= ? AND status IN ('pending', 'settled', 'refunded')`,
    [agentId, window.startMs],
  );
  const spent = Number(row?.spent ?? 0);
  if (!Number.isSafeInteger(spent)) throw new Error(`spend of agent ${agentId} is outside the safe integer range`);
  return spent;
}

/** The agent's policy at `nowMs` (environment time). Run it in the authorization's transaction so the spend it reads is current. */
export async function agentPolicyAt(sql: Sql, agent: Agent, nowMs: number): Promise<AgentPolicy> {
  const window = spendWindow(agent.spendingLimitFrequency, nowMs);
  const currentSpendCents = window === null ? 0 : await agentSpendInWindowCents(sql, agent.id, window);
  if (!Number.isSafeInteger(currentSpendCents) || currentSpendCents < 0) throw new Error(`agent ${agent.id} spend ${currentSpendCents} is not a non-negative safe integer`);
  return {
    agentId: agent.id,
    spendingLimitCents: agent.spendingLimitCents,
    spendingLimitFrequency: agent.spendingLimitFrequency,
    window,
    currentSpendCents,
    remainingCents: remainingSpendCents(agent.spendingLimitCents, agent.spendingLimitFrequency, currentSpendCents),
  };
}

/** `GET /v1/agents/{id}/policy`: an API key sees any agent of its scope, an agent token only its own (others: 404). */
export async function getAgentPolicy(sql: Sql, principal: Principal, agentId: string, nowMs: number): Promise<AgentPolicy> {
  if (!visibleTo(principal, agentId)) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  const agent = await getAgent(sql, scopeOf(principal), agentId);
  return agentPolicyAt(sql, agent, nowMs);
}

export function presentAgentPolicy(policy: AgentPolicy) {
  return {
    object: 'agent_policy' as const,
    agentId: policy.agentId,
    spendingLimit: policy.spendingLimitCents,
    spendingLimitFrequency: policy.spendingLimitFrequency,
    currentSpend: policy.currentSpendCents,
    remaining: policy.remainingCents,
    windowStart: policy.window === null ? null : new Date(policy.window.startMs).toISOString(),
    windowEnd: policy.window === null || policy.window.endMs === null ? null : new Date(policy.window.endMs).toISOString(),
  };
}

/**
 * Hook for the authorization path, after it declined `agent_limit_exceeded`: carries out the agent's
 * `onLimitExceeded` — `none` does nothing more, `notify` records `agent.limit_exceeded`, `suspend` records it and
 * suspends the agent (`statusReason: "limit_exceeded"`, `agent.suspended`) unless it is no longer active.
 */
export async function actOnAgentLimitExceeded(tx: Sql, scope: Scope, agent: Agent, policy: AgentPolicy, attemptedAmountCents: number, nowMs: number): Promise<void> {
  if (agent.onLimitExceeded === 'none') return;
  await recordEvent(tx, scope, 'agent.limit_exceeded', { ...presentAgentPolicy(policy), attemptedAmount: attemptedAmountCents }, nowMs);
  if (agent.onLimitExceeded === 'suspend') await suspendAgentIfActive(tx, scope, agent.id, 'limit_exceeded', nowMs);
}
