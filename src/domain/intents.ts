// Intent rules (SPEC §4 "Intents and credential access"): lifetimes, the approval decision, the warnings an intent
// carries when its authorization would be declined, the warnings card details carry when their attestation
// contradicts the intent, and lazy expiry. Pure: time is passed in.
import { amountMatches, defaultMatchTolerance, merchantsMatch } from './merchants.js';

export const intentStatuses = ['pending_approval', 'pending', 'revealed', 'matched', 'mismatched', 'expired', 'rejected', 'canceled'] as const;
export type IntentStatus = (typeof intentStatuses)[number];

/** A pending intent whose card details were not read expires after its ttl (an hour unless it says otherwise). */
export function pendingLifetimeMs(ttlMinutes: number): number {
  if (!Number.isSafeInteger(ttlMinutes) || ttlMinutes < 1) throw new RangeError(`ttlMinutes must be a positive integer, got ${ttlMinutes}`);
  return ttlMinutes * 60_000;
}
/** Once details were read, the intent waits this long for its transaction. */
export const revealedLifetimeMs = 24 * 60 * 60_000;
/** The decision reason of an intent rejected because nobody approved it in time. */
export const approvalExpiredReason = 'approval_expired';

/** Statuses whose expiry is still ahead of them. */
export const expiringStatuses: ReadonlySet<IntentStatus> = new Set(['pending_approval', 'pending', 'revealed']);
/** Statuses that let an agent read card details. */
export const detailsStatuses: ReadonlySet<IntentStatus> = new Set(['pending', 'revealed']);
export const cancelableStatuses: ReadonlySet<IntentStatus> = new Set(['pending_approval', 'pending', 'revealed']);

export interface ApprovalPolicy {
  requireApproval: boolean;
  /** Intents below this amount (cents) are approved automatically; null means every intent waits. */
  autoApproveBelowCents: number | null;
}

/**
 * Who may approve an intent that needs approval (SPEC §4 "Approval"): an API key (`POST /v1/intents/{id}/approve`),
 * only the cardholder on the hosted approval page, or the cardholder confirming there with their passkey. Listed
 * from the weakest to the strongest: each admits fewer ways to approve than the one before it.
 */
export const approvalMethods = ['apiKey', 'cardholder', 'cardholderPasskey'] as const;
export type ApprovalMethod = (typeof approvalMethods)[number];
export const defaultApprovalMethod: ApprovalMethod = 'apiKey';

/** How long an intent waits in pending_approval before it is rejected: one minute to a week, an hour by default. */
export const approvalTimeoutMinutesMin = 1;
export const approvalTimeoutMinutesMax = 7 * 24 * 60;
export const defaultApprovalTimeoutMinutes = 60;

/** True when `requested` is as strict as `inherited` or stricter (in the order of `approvalMethods`). */
export function isApprovalMethodAtLeast(requested: ApprovalMethod, inherited: ApprovalMethod): boolean {
  return approvalMethods.indexOf(requested) >= approvalMethods.indexOf(inherited);
}

/** Where an approval setting in force comes from: the card, its policy, its agent's default policy, the agent. */
export type ApprovalSettingSource = 'card' | 'policy' | 'agentDefaultPolicy' | 'agent';

/** One level's approval settings; null (or an absent level) leaves the field to the level below. */
export interface ApprovalSettingsLevel {
  approvalMethod: ApprovalMethod | null;
  approvalTimeoutMinutes: number | null;
}

export interface ApprovalSettings {
  method: ApprovalMethod;
  timeoutMinutes: number;
  source: { method: ApprovalSettingSource; timeoutMinutes: ApprovalSettingSource };
}

/**
 * The approval settings in force for a card, each field on its own: the first level that sets it among the card, its
 * policy and its agent's default policy, else the agent's own (which always has both).
 */
export function effectiveApprovalSettings(
  levels: readonly (readonly [Exclude<ApprovalSettingSource, 'agent'>, ApprovalSettingsLevel | undefined])[],
  agent: { approvalMethod: ApprovalMethod; approvalTimeoutMinutes: number },
): ApprovalSettings {
  const first = <Field extends keyof ApprovalSettingsLevel>(field: Field): [NonNullable<ApprovalSettingsLevel[Field]>, ApprovalSettingSource] => {
    for (const [source, level] of levels) {
      const value = level?.[field];
      if (value !== null && value !== undefined) return [value, source];
    }
    return [agent[field], 'agent'];
  };
  const [method, methodSource] = first('approvalMethod');
  const [timeoutMinutes, timeoutSource] = first('approvalTimeoutMinutes');
  return { method, timeoutMinutes, source: { method: methodSource, timeoutMinutes: timeoutSource } };
}

/** The card's own policy wins where it sets one; otherwise the agent's applies. */
export function effectiveApprovalPolicy(card: { requireApproval: boolean | null; autoApproveBelowCents: number | null }, agent: ApprovalPolicy): ApprovalPolicy {
  if (card.requireApproval === null) return agent;
  return { requireApproval: card.requireApproval, autoApproveBelowCents: card.autoApproveBelowCents ?? (card.requireApproval ? agent.autoApproveBelowCents : null) };
}

export function needsApproval(policy: ApprovalPolicy, amountCents: number): boolean {
  if (!policy.requireApproval) return false;
  return policy.autoApproveBelowCents === null || amountCents >= policy.autoApproveBelowCents;
}

export interface IntentWarning {
  code: 'exceeds_max_amount' | 'agent_limit_exceeded';
  message: string;
}

/** An intent above what an authorization could approve is accepted, but says why its purchase would be declined. */
export function intentWarnings(amountCents: number, maxAmountCents: number, agentRemainingCents: number | null): IntentWarning[] {
  const warnings: IntentWarning[] = [];
  if (amountCents > maxAmountCents) {
    warnings.push({ code: 'exceeds_max_amount', message: `The amount ${amountCents} exceeds the card's maxAmount of ${maxAmountCents}; an authorization for it would be declined (exceeds_max_amount).` });
  }
  if (agentRemainingCents !== null && amountCents > agentRemainingCents) {
    warnings.push({ code: 'agent_limit_exceeded', message: `The amount ${amountCents} exceeds the agent's remaining spending limit of ${agentRemainingCents}; an authorization for it would be declined (agent_limit_exceeded).` });
  }
  return warnings;
}

/** A contradiction between what card details were asked for and the intent they were asked under. */
export interface AttestationWarning {
  code: 'attestation_mismatch';
  field: 'merchantText' | 'expectedAmount';
  message: string;
}

/**
 * Where the attestation sent with card details contradicts the declared intent, with the same rules as matching an
 * authorization (docs/merchants.md): another merchant, or an amount outside the tolerance. The summary is free text
 * and never compared. Empty when they agree.
 */
export function attestationWarnings(
  declared: { amountCents: number; merchantText: string },
  attested: { amountCents: number; merchantText: string },
  tolerance: number = defaultMatchTolerance,
): AttestationWarning[] {
  const warnings: AttestationWarning[] = [];
  if (!merchantsMatch(attested.merchantText, declared.merchantText)) {
    warnings.push({
      code: 'attestation_mismatch',
      field: 'merchantText',
      message: `merchantText "${attested.merchantText}" names another merchant than the intent's "${declared.merchantText}"; an authorization there will not match the intent.`,
    });
  }
  if (!amountMatches(attested.amountCents, declared.amountCents, tolerance)) {
    const percent = Number((tolerance * 100).toFixed(4));
    warnings.push({
      code: 'attestation_mismatch',
      field: 'expectedAmount',
      message: `expectedAmount ${attested.amountCents} is more than ${percent} % away from the intent's amount of ${declared.amountCents}; an authorization for it will not match the intent.`,
    });
  }
  return warnings;
}

/** What an intent's status is at `nowMs`, counting an expiry the sweeper has not written yet. */
export function effectiveIntentStatus(status: IntentStatus, expiresAtMs: number, nowMs: number): IntentStatus {
  if (!expiringStatuses.has(status) || expiresAtMs > nowMs) return status;
  // An approval nobody gave in time is a rejection (approval_expired), not an expiry.
  return status === 'pending_approval' ? 'rejected' : 'expired';
}
