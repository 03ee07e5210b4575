// An agent's spending policy at a moment: its limit, the window the limit counts over, what was spent in it and
// what is left. The authorization decision and intent warnings use `agentPolicyAt`; the API shows it.
import { basisPointsPerUnit, limitWarningDue } from '../../domain/limit-warnings.js';
import { remainingSpendCents, spendWindow, type SpendWindow, type SpendingLimitFrequency } from '../../domain/limit-windows.js';
import { AppError } from '../../domain/errors.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { scopeOf, visibleTo, type Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';
import { getAgent, rememberLimitWarningWindow, suspendAgentIfActive, type Agent, type AgentStatusFollower } from './service.js';
import { agentSpendInWindowCents } from './spend.js';

// The authorization path reads both from here.
export { agentSpendInWindowCents, approvedSpendCents } from './spend.js';

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

/** The agent's policy at `nowMs` (environment time). Run it in the authorization's transaction so the spend it reads is current. */
export async function agentPolicyAt(sql: Sql, agent: Agent, nowMs: number): Promise<AgentPolicy> {
  const window = spendWindow(agent.spendingLimitFrequency, nowMs);
  return agentPolicyWith(agent, window, window === null ? 0 : await agentSpendInWindowCents(sql, agent.id, window));
}

/** The agent's policy given its window (`spendWindow`) and what was spent in it (pure). */
export function agentPolicyWith(agent: Agent, window: SpendWindow | null, currentSpendCents: number): AgentPolicy {
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
export async function actOnAgentLimitExceeded(
  tx: Sql,
  scope: Scope,
  agent: Agent,
  policy: AgentPolicy,
  attemptedAmountCents: number,
  followAgentStatus: AgentStatusFollower,
  nowMs: number,
): Promise<void> {
  if (agent.onLimitExceeded === 'none') return;
  await recordEvent(tx, scope, 'agent.limit_exceeded', { ...presentAgentPolicy(policy), attemptedAmount: attemptedAmountCents }, nowMs);
  if (agent.onLimitExceeded === 'suspend') await suspendAgentIfActive(tx, scope, agent.id, 'limit_exceeded', followAgentStatus, nowMs);
}

/**
 * Hook for the authorization path, after an approval's hold (and an increment's): when the approval brings the
 * window's spend to the agent's `limitWarningThreshold` of its limit and this window was not warned about yet,
 * records `agent.limit_warning` (the policy after the approval, the share and the transaction) and remembers the
 * window on the agent, so the warning comes once per window, across restarts. perTransaction limits never warn.
 * `policy` is the one the decision read, before this approval; `approved.amountCents` is what it added (an
 * increment's extra amount).
 */
export async function warnWhenAgentNearsLimit(
  tx: Sql,
  scope: Scope,
  agent: Agent,
  policy: AgentPolicy,
  approved: { id: string; amountCents: number; createdAtMs: number },
  nowMs: number,
): Promise<void> {
  const due = limitWarningDueAfter(agent, policy, approved);
  if (due === undefined) return;
  await rememberLimitWarningWindow(tx, agent.id, due.window.startMs);
  const after: AgentPolicy = { ...policy, currentSpendCents: due.spendCents, remainingCents: remainingSpendCents(policy.spendingLimitCents, policy.spendingLimitFrequency, due.spendCents) };
  await recordEvent(
    tx,
    scope,
    'agent.limit_warning',
    { ...presentAgentPolicy(after), limitWarningThreshold: agent.limitWarningThresholdBps / basisPointsPerUnit, transactionId: approved.id },
    nowMs,
  );
}

/** Whether `warnWhenAgentNearsLimit` would warn after this approval (pure): the window and its spend then, or undefined. */
export function limitWarningDueAfter(
  agent: Agent,
  policy: AgentPolicy,
  approved: { amountCents: number; createdAtMs: number },
): { window: SpendWindow; spendCents: number } | undefined {
  if (policy.window === null) return undefined;
  // An increment of an authorization from an earlier window adds nothing to this one (the spend counts by creation).
  const spendCents = policy.currentSpendCents + (approved.createdAtMs >= policy.window.startMs ? approved.amountCents : 0);
  const facts = {
    frequency: agent.spendingLimitFrequency,
    limitCents: agent.spendingLimitCents,
    thresholdBps: agent.limitWarningThresholdBps,
    spendCents,
    window: policy.window,
    warnedWindowStartMs: agent.limitWarningWindowStartMs,
  };
  return limitWarningDue(facts) ? { window: policy.window, spendCents } : undefined;
}
