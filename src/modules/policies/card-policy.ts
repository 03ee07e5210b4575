// A card's effective spending controls (SPEC §4 "Spending policies"): its own fields over its policy's over its
// agent's default policy's, as the authorization reads them, and `GET /v1/cards/{id}/policy`, which shows them with
// their live state (expiry, active hours now, lifetime spend, cooldown, authorization count). Also the settings that
// resolve the same way but end elsewhere: credential exposure (the organization's default last) and the approval
// method and timeout (the agent's own last).
import { defaultMatchTolerance, normalizeMerchantName } from '../../domain/merchants.js';
import { cooldownEnd, isWithinActiveHours, type PolicyControls } from '../../domain/spending-policy.js';
import type { Sql } from '../../store/database.js';
import { effectiveExposure, type ExposureMode } from '../../domain/credential-exposure.js';
import { effectiveApprovalSettings, type ApprovalMethod, type ApprovalSettingSource } from '../../domain/intents.js';
import { getOrganization } from '../organizations/service.js';
import { getAgent, type Agent } from '../agents/service.js';
import { getCardForPrincipal, type Card } from '../cards/service.js';
import type { Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';
import { cardLifetimeUse } from '../transactions/service.js';
import { apiFieldOf, effectiveControls, policiesById, type SpendingPolicy } from './service.js';

/** A card's own policy controls: the fields a card sets itself, over its policy's and its agent's default policy's. */
export function ownControlsOf(card: Card): Partial<PolicyControls> {
  return {
    limitPerAuthCents: card.limitPerAuthCents,
    limitPerDayCents: card.limitPerDayCents,
    limitPerMonthCents: card.limitPerMonthCents,
    maxAuthCount: card.maxAuthCount,
    merchantHint: card.merchantHint,
  };
}

/** The card's effective controls (read in the caller's transaction) and which level each came from. */
export async function cardControls(sql: Sql, card: Card, agent: Pick<Agent, 'defaultPolicyId'>) {
  const policies = await policiesById(sql, [card.policyId, agent.defaultPolicyId]);
  return effectiveControls(
    ownControlsOf(card),
    card.policyId === null ? undefined : policies.get(card.policyId),
    agent.defaultPolicyId === null ? undefined : policies.get(agent.defaultPolicyId),
  );
}

/** The credential exposure in force for a card: its own, its policy's, its agent's default policy's, the organization's. */
export async function credentialExposureOf(sql: Sql, scope: Scope, card: Card, agent: Pick<Agent, 'defaultPolicyId'>): Promise<ExposureMode> {
  if (card.credentialExposure !== null) return card.credentialExposure;
  const policies = await policiesById(sql, [card.policyId, agent.defaultPolicyId]);
  const organization = await getOrganization(sql, scope.organizationId);
  return effectiveExposure(
    [card.policyId === null ? null : policies.get(card.policyId)?.credentialExposure, agent.defaultPolicyId === null ? null : policies.get(agent.defaultPolicyId)?.credentialExposure],
    organization.defaultCredentialExposure,
  );
}

/**
 * The approval settings in force for a card (SPEC §4 "Approval"), each field on its own: the card's own, else its
 * policy's, else its agent's default policy's, else the agent's. Both policies are read in one statement.
 */
export async function approvalSettingsOf(
  sql: Sql,
  scope: Scope,
  card: Card,
  agent: Pick<Agent, 'defaultPolicyId' | 'approvalMethod' | 'approvalTimeoutMinutes'>,
): Promise<{
  method: ApprovalMethod;
  timeoutMinutes: number;
  source: { method: 'card' | 'policy' | 'agentDefaultPolicy' | 'agent'; timeoutMinutes: 'card' | 'policy' | 'agentDefaultPolicy' | 'agent' };
}> {
  // `scope` is the caller's, as for credentialExposureOf; the card and the policies it names are of it already.
  const setsBoth = card.approvalMethod !== null && card.approvalTimeoutMinutes !== null;
  const policies = setsBoth ? new Map<string, SpendingPolicy>() : await policiesById(sql, [card.policyId, agent.defaultPolicyId]);
  return effectiveApprovalSettings(
    [
      ['card', card],
      ['policy', card.policyId === null ? undefined : policies.get(card.policyId)],
      ['agentDefaultPolicy', agent.defaultPolicyId === null ? undefined : policies.get(agent.defaultPolicyId)],
    ],
    agent,
  );
}

/** `GET /v1/cards/{id}/policy` names the agent's default policy `agentPolicy` in its sources, as for every control. */
const viewSourceOf: Readonly<Record<ApprovalSettingSource, 'card' | 'policy' | 'agentPolicy' | 'agent'>> = {
  card: 'card',
  policy: 'policy',
  agentDefaultPolicy: 'agentPolicy',
  agent: 'agent',
};

/** The merchant drift is judged against: where the card is pinned, else (multi-use, not yet used) its merchant hint. */
export function driftAnchorOf(card: Card, controls: PolicyControls): string | null {
  if (card.pinnedMerchant !== null) return card.pinnedMerchant;
  return card.type === 'multi' && controls.merchantHint !== null ? normalizeMerchantName(controls.merchantHint) : null;
}

/** Controls a card takes when it is issued (docs/policies.md): shown in `limits` and `ttl`, not as live sources. */
const issueTimeControls: ReadonlySet<string> = new Set(['maxAmountCents', 'ttlMinutes', 'onExpiry']);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** `GET /v1/cards/{id}/policy`: an API key sees any card of its scope, an agent token only its own (others 404). */
export async function cardPolicyView(sql: Sql, scope: Scope, principal: Principal, cardId: string, nowMs: number) {
  const card = await getCardForPrincipal(sql, scope, principal, cardId);
  const agent = await getAgent(sql, scope, card.agentId);
  const { controls, sources } = await cardControls(sql, card, agent);
  const use = await cardLifetimeUse(sql, card.id);
  const cooldownEndsAtMs = cooldownEnd(controls, use.lastApprovedAtMs);
  const ttlMinutes = card.expiresAtMs === null ? null : Math.round((card.expiresAtMs - card.createdAtMs) / 60_000);
  const approval = await approvalSettingsOf(sql, scope, card, agent);
  return {
    object: 'card_policy' as const,
    cardId: card.id,
    policyId: card.policyId,
    agentDefaultPolicyId: agent.defaultPolicyId,
    limits: { maxAmount: card.maxAmountCents, perAuth: controls.limitPerAuthCents, perDay: controls.limitPerDayCents, perMonth: controls.limitPerMonthCents },
    ttl: { minutes: ttlMinutes, expiresAt: iso(card.expiresAtMs), isExpired: card.expiresAtMs !== null && card.expiresAtMs <= nowMs, onExpiry: card.onExpiry },
    activeHours: {
      start: controls.activeHoursStart,
      end: controls.activeHoursEnd,
      timezone: controls.activeTimezone ?? 'UTC',
      activeDays: [...(controls.activeDays ?? [])],
      isWithinActiveHours: isWithinActiveHours(controls, nowMs),
    },
    merchants: {
      allowedMccs: [...(controls.allowedMccs ?? [])],
      blockedMccs: [...(controls.blockedMccs ?? [])],
      allowedMerchants: [...(controls.allowedMerchants ?? [])],
      blockedMerchants: [...(controls.blockedMerchants ?? [])],
    },
    cumulative: {
      max: controls.cumulativeMaxCents,
      spent: use.spentCents,
      remaining: controls.cumulativeMaxCents === null ? null : Math.max(0, controls.cumulativeMaxCents - use.spentCents),
    },
    cooldown: {
      minutes: controls.cooldownMinutes,
      lastTransactionAt: iso(use.lastApprovedAtMs),
      cooldownEndsAt: iso(cooldownEndsAtMs),
      isInCooldown: cooldownEndsAtMs !== null && nowMs < cooldownEndsAtMs,
    },
    authCount: { max: controls.maxAuthCount, current: use.authCount, remaining: controls.maxAuthCount === null ? null : Math.max(0, controls.maxAuthCount - use.authCount) },
    attestation: { required: controls.requireAttestation === true, intentTolerance: controls.intentTolerance ?? defaultMatchTolerance, windowMinutes: card.attestationWindowMinutes },
    credentialExposure: await credentialExposureOf(sql, scope, card, agent),
    approvalMethod: approval.method,
    approvalTimeoutMinutes: approval.timeoutMinutes,
    merchantDrift: {
      enabled: card.merchantDriftEnabled,
      action: card.onDrift,
      pinnedMerchant: driftAnchorOf(card, controls),
      merchantHint: controls.merchantHint,
    },
    // Where each live control comes from; the values taken at issue (maxAmount, the lifetime) are the card's own now.
    sources: {
      ...Object.fromEntries(
        Object.entries(sources)
          .filter(([key]) => !issueTimeControls.has(key))
          .map(([key, source]) => [apiFieldOf(key as keyof PolicyControls), source]),
      ),
      approvalMethod: viewSourceOf[approval.source.method],
      approvalTimeoutMinutes: viewSourceOf[approval.source.timeoutMinutes],
    },
  };
}
