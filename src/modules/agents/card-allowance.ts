// What an agent's settings say about a new card of it (SPEC §11 Agents): at most `maxCards` open cards, the agent's
// default card limit for a card created without limits of its own, and — when an agent token creates a card for
// itself — no `maxAmount` above what its spending limit still allows. The card module calls in here from createCard.
import { AppError } from '../../domain/errors.js';
import { effectiveApprovalSettings, isApprovalMethodAtLeast, type ApprovalMethod, type ApprovalSettings } from '../../domain/intents.js';
import type { Sql } from '../../store/database.js';
import { openCardCountsOfAgents } from '../cards/counts.js';
import { scopeOf, visibleTo, type Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';
import { normalizeMerchantName } from '../../domain/merchants.js';
import type { PolicyControls } from '../../domain/spending-policy.js';
import { requirePolicy } from '../policies/service.js';
import { agentPolicyAt } from './policy.js';
import { getAgentForUpdate, type Agent } from './service.js';

/**
 * Hook for createCard: the agent, which must be `active` (409 agent_not_active) and hold fewer than `maxCards` open
 * cards (409 max_cards_reached). On PostgreSQL the row is locked for update until the transaction ends, so two cards
 * created at once for one agent count each other (a share lock would let both see the same count), and a concurrent
 * suspension or deregistration is ordered before or after the creation, never beside it.
 */
export async function lockAgentForNewCard(tx: Sql, scope: Scope, agentId: string): Promise<Agent> {
  const agent = await getAgentForUpdate(tx, scope, agentId);
  if (agent.status !== 'active') throw new AppError('agent_not_active', { agentId, status: agent.status });
  if (agent.maxCards !== null) {
    const cardCount = (await openCardCountsOfAgents(tx, [agent.id])).get(agent.id) ?? 0;
    if (cardCount >= agent.maxCards) throw new AppError('max_cards_reached', { agentId, cardCount, maxCards: agent.maxCards });
  }
  return agent;
}

/**
 * The limits of a new card: its own when it sets any, else the agent's `defaultCardLimit` as the card's perDay or
 * perMonth limit (`defaultCardLimitFrequency`), else none. A default, not a ceiling: a card may set wider limits.
 */
export function limitsForNewCard<Limits extends { perDay?: number | undefined; perMonth?: number | undefined }>(agent: Agent, own: Limits | undefined): Limits | undefined {
  const setsOwn = own !== undefined && Object.values(own).some((value) => value !== undefined);
  if (setsOwn || agent.defaultCardLimitCents === null) return own;
  return { [agent.defaultCardLimitFrequency]: agent.defaultCardLimitCents } as Limits;
}

/**
 * The card fields an agent token may set on a card for itself: what the card is for and how much it may hold. The
 * rest — approval, merchant drift, and whatever control a card gains later — would let an agent loosen what its
 * operator set, so it is refused until listed here on purpose.
 */
export const cardFieldsAgentTokensMaySet: ReadonlySet<string> = new Set([
  'purpose',
  'type',
  'maxAmount',
  'limits',
  'expiresInMinutes',
  'ttlDays',
  'metadata',
  'onLimitExceeded',
  // Own controls: admitCardOfPrincipal lets them only narrow the agent's default policy.
  'maxAuthCount',
  'merchantHint',
  // Approval: admitCardOfPrincipal lets them only make it stricter than the card would have it (its default policy's, else the agent's).
  'approvalMethod',
  'approvalTimeoutMinutes',
]);

export interface CardRequest {
  /** Absent: the card takes its maxAmount from the agent's default policy (an agent token cannot name another policy). */
  maxAmountCents: number | undefined;
  /** The body fields the request set (not defaults the schema filled in). */
  fieldsSet: readonly string[];
  /** The card's own controls the request sets, which an agent token may only make narrower than its default policy's. */
  own: OwnCardControls;
}

export interface OwnCardControls {
  limits?: { perAuth?: number | undefined; perDay?: number | undefined; perMonth?: number | undefined } | undefined;
  maxAuthCount?: number | undefined;
  /** The card's own lifetime (ttlDays or expiresInMinutes), in minutes. */
  ttlMinutes?: number | undefined;
  merchantHint?: string | undefined;
  approvalMethod?: ApprovalMethod | undefined;
  approvalTimeoutMinutes?: number | undefined;
}

/**
 * A card's own control that would widen the agent's default policy (a card's own fields win over its policies'):
 * a higher limit or count, a longer life, a merchant hint other than the policy's. Undefined when all only narrow.
 */
export function wideningOf(own: OwnCardControls, policy: PolicyControls): { param: string; policyValue: string; requested: string } | undefined {
  const above = (param: string, requested: number | undefined, allowed: number | null) =>
    requested !== undefined && allowed !== null && requested > allowed ? { param, policyValue: String(allowed), requested: String(requested) } : undefined;
  return (
    above('limits.perAuth', own.limits?.perAuth, policy.limitPerAuthCents) ??
    above('limits.perDay', own.limits?.perDay, policy.limitPerDayCents) ??
    above('limits.perMonth', own.limits?.perMonth, policy.limitPerMonthCents) ??
    above('maxAuthCount', own.maxAuthCount, policy.maxAuthCount) ??
    above('ttlDays', own.ttlMinutes, policy.ttlMinutes) ??
    (own.merchantHint !== undefined && policy.merchantHint !== null && normalizeMerchantName(own.merchantHint) !== normalizeMerchantName(policy.merchantHint)
      ? { param: 'merchantHint', policyValue: policy.merchantHint, requested: own.merchantHint }
      : undefined)
  );
}

/**
 * An approval setting of the card's own that would weaken the approval the card would otherwise have (its default
 * policy's, else the agent's): a method that more people may use (apiKey < cardholder < cardholderPasskey) or a
 * longer wait. Undefined when each is as strict or stricter.
 */
export function approvalWideningOf(own: OwnCardControls, inherited: ApprovalSettings): { param: string; policyValue: string; requested: string } | undefined {
  if (own.approvalMethod !== undefined && !isApprovalMethodAtLeast(own.approvalMethod, inherited.method)) {
    return { param: 'approvalMethod', policyValue: inherited.method, requested: own.approvalMethod };
  }
  if (own.approvalTimeoutMinutes !== undefined && own.approvalTimeoutMinutes > inherited.timeoutMinutes) {
    return { param: 'approvalTimeoutMinutes', policyValue: String(inherited.timeoutMinutes), requested: String(own.approvalTimeoutMinutes) };
  }
  return undefined;
}

/**
 * `POST /v1/agents/{id}/cards` by an agent token (SPEC §11): only for its own agent (another answers 404, as its
 * other resources do), only fields of `cardFieldsAgentTokensMaySet` (403 field_not_allowed_for_agent_token), only
 * narrowing its default policy and never weakening the approval the card would have (403 agent_card_widens_policy: a
 * card's own fields would otherwise win over them), and
 * only with a `maxAmount` its spending limit still allows in the current window (409 card_exceeds_agent_limit), judged
 * under the agent's lock. An API key is not held to the limit: an operator may give a card more room than this
 * window's budget, and every authorization is checked against the limit anyway.
 */
export async function admitCardOfPrincipal(tx: Sql, principal: Principal, agentId: string, request: CardRequest, nowMs: number): Promise<void> {
  if (principal.kind === 'apiKey') return;
  if (!visibleTo(principal, agentId)) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  const forbidden = request.fieldsSet.find((field) => !cardFieldsAgentTokensMaySet.has(field));
  if (forbidden !== undefined) throw new AppError('field_not_allowed_for_agent_token', { param: forbidden });
  const agent = await lockAgentForNewCard(tx, scopeOf(principal), agentId);
  const defaultPolicy = agent.defaultPolicyId === null ? undefined : await requirePolicy(tx, scopeOf(principal), agent.defaultPolicyId, 'defaultPolicyId');
  // An agent token names no policyId: the card would fall under the agent's default policy, then the agent.
  const inheritedApproval = effectiveApprovalSettings([['agentDefaultPolicy', defaultPolicy]], agent);
  const widening = (defaultPolicy === undefined ? undefined : wideningOf(request.own, defaultPolicy.controls)) ?? approvalWideningOf(request.own, inheritedApproval);
  if (widening !== undefined) throw new AppError('agent_card_widens_policy', widening);
  const maxAmountCents = request.maxAmountCents ?? defaultPolicy?.controls.maxAmountCents ?? undefined;
  // No maxAmount at all: card creation answers 400 missing_parameter.
  if (maxAmountCents === undefined || maxAmountCents === null) return;
  const policy = await agentPolicyAt(tx, agent, nowMs);
  if (policy.remainingCents !== null && maxAmountCents > policy.remainingCents) {
    throw new AppError('card_exceeds_agent_limit', {
      param: 'maxAmount',
      maxAmountCents,
      agentId,
      remainingCents: policy.remainingCents,
      spendingLimitFrequency: policy.spendingLimitFrequency,
      spendingLimitCents: policy.spendingLimitCents ?? 0,
    });
  }
}
