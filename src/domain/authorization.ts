// The authorization decision (SPEC §4 "Authorization decision"): pure, time and facts passed in. The checks run in
// the order the specification lists, the first that fails names the decline; an approval says where the hold comes
// from (the card's reservation first, then the user's available balance) and how the reservation changes after it.

import { noControls, perAuthorizationCapCents, policyDeclineCodes, policyDeclineOf, type PolicyControls, type PolicyUsage } from './spending-policy.js';

export const declineCodes = [
  'invalid_card',
  'incorrect_cvv',
  'card_expired',
  'card_closed',
  'card_frozen',
  'single_use_consumed',
  'user_not_approved',
  'agent_suspended',
  'exceeds_max_amount',
  'card_limit_exceeded',
  'agent_limit_exceeded',
  ...policyDeclineCodes,
  'risk_declined',
  'insufficient_funds',
  'challenge_failed',
] as const;
export type DeclineCode = (typeof declineCodes)[number];

export type CredentialCheck = 'valid' | 'invalid_card' | 'incorrect_cvv' | 'card_expired';

export interface AuthorizationFacts {
  amountCents: number;
  credentials: CredentialCheck;
  card: {
    status: 'active' | 'frozen' | 'closed';
    type: 'single' | 'multi';
    singleUseConsumed: boolean;
    maxAmountCents: number;
    reservationCents: number;
    /** The effective limits (the card's own, else its policies'). */
    limitPerAuthCents: number | null;
    limitPerDayCents: number | null;
    limitPerMonthCents: number | null;
    /** Approved spend on the card in the current UTC day and month, this authorization excluded. */
    spentTodayCents: number;
    spentThisMonthCents: number;
  };
  userApproved: boolean;
  agentActive: boolean;
  /** What the agent may still spend in its window; null when it has no limit. */
  agentRemainingCents: number | null;
  /** The card's effective spending-policy controls and its use so far; absent when no control is set. */
  policy?: { controls: PolicyControls; usage: PolicyUsage } | undefined;
  /** The first pre-authorization risk rule whose action is `decline` and that fired, if any. */
  riskDeclineRule: string | undefined;
  availableCents: number;
}

export type AuthorizationDecision =
  | { approved: true; fromReservedCents: number; fromAvailableCents: number }
  | { approved: false; code: DeclineCode; detail: string };

function decline(code: DeclineCode, detail: string): AuthorizationDecision {
  return { approved: false, code, detail };
}

export function decideAuthorization(facts: AuthorizationFacts): AuthorizationDecision {
  const { amountCents, card } = facts;
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) throw new Error(`authorization amount ${amountCents} is not a positive integer of cents`);
  if (facts.credentials !== 'valid') return decline(facts.credentials, 'the presented card credentials do not match');
  if (card.status === 'closed') return decline('card_closed', 'the card is closed');
  if (card.status === 'frozen') return decline('card_frozen', 'the card is frozen');
  if (card.type === 'single' && card.singleUseConsumed) return decline('single_use_consumed', 'this single-use card was already used');
  if (!facts.userApproved) return decline('user_not_approved', "the cardholder's verification is not approved");
  if (!facts.agentActive) return decline('agent_suspended', "the card's agent is suspended or deregistered");
  if (amountCents > card.maxAmountCents) return decline('exceeds_max_amount', `${amountCents} exceeds the card's maxAmount of ${card.maxAmountCents}`);
  const perAuthCapCents = perAuthorizationCapCents(card.maxAmountCents, { limitPerAuthCents: card.limitPerAuthCents });
  if (amountCents > perAuthCapCents) return decline('exceeds_max_amount', `${amountCents} exceeds the card's per-authorization limit of ${perAuthCapCents}`);
  if (card.limitPerDayCents !== null && card.spentTodayCents + amountCents > card.limitPerDayCents) {
    return decline('card_limit_exceeded', `the card's daily limit of ${card.limitPerDayCents} would be exceeded (${card.spentTodayCents} spent today)`);
  }
  if (card.limitPerMonthCents !== null && card.spentThisMonthCents + amountCents > card.limitPerMonthCents) {
    return decline('card_limit_exceeded', `the card's monthly limit of ${card.limitPerMonthCents} would be exceeded (${card.spentThisMonthCents} spent this month)`);
  }
  if (facts.agentRemainingCents !== null && amountCents > facts.agentRemainingCents) {
    return decline('agent_limit_exceeded', `the agent has ${facts.agentRemainingCents} left of its spending limit`);
  }
  const policyDecline = facts.policy === undefined ? undefined : policyDeclineOf(facts.policy.controls, facts.policy.usage);
  if (policyDecline !== undefined) return decline(policyDecline.code, policyDecline.detail);
  if (facts.riskDeclineRule !== undefined) return decline('risk_declined', `risk rule ${facts.riskDeclineRule} declined it`);
  const fromReservedCents = Math.min(card.reservationCents, amountCents);
  const fromAvailableCents = amountCents - fromReservedCents;
  if (fromAvailableCents > facts.availableCents) {
    return decline('insufficient_funds', `the card's reservation (${card.reservationCents}) and available balance (${facts.availableCents}) do not cover ${amountCents}`);
  }
  return { approved: true, fromReservedCents, fromAvailableCents };
}

export interface ReservationChange {
  /** Reservation returned to available (single-use: what the purchase did not use). */
  releaseCents: number;
  /** Available moved into the reservation (multi-use: topped back up towards maxAmount). */
  topUpCents: number;
  reservationAfterCents: number;
}

/** After an approval: single-use cards give back their unused reservation; multi-use ones refill it from available. */
export function reservationAfterApproval(
  card: { type: 'single' | 'multi'; maxAmountCents: number; reservationCents: number },
  fromReservedCents: number,
  availableAfterHoldCents: number,
): ReservationChange {
  const left = card.reservationCents - fromReservedCents;
  if (card.type === 'single') return { releaseCents: left, topUpCents: 0, reservationAfterCents: 0 };
  const topUpCents = Math.max(0, Math.min(card.maxAmountCents - left, availableAfterHoldCents));
  return { releaseCents: 0, topUpCents, reservationAfterCents: left + topUpCents };
}

/**
 * What an incremental authorization (SPEC §4) is judged on: the pending authorization, its card (as an authorization's,
 * its spend excluding this increment), agent, user and funds.
 */
export interface IncrementFacts extends Pick<AuthorizationFacts, 'userApproved' | 'agentActive' | 'agentRemainingCents'> {
  extraCents: number;
  /** The pending authorization's amount before this increment. */
  authorizedCents: number;
  card: Omit<AuthorizationFacts['card'], 'singleUseConsumed'>;
  /** The agent's limit is per transaction: it bounds the whole authorization, as maxAmount does. */
  agentLimitPerTransaction: boolean;
  /** The card's effective lifetime cap and its approved spend so far; absent when it has no cap. */
  lifetime?: { cumulativeMaxCents: number; spentCents: number } | undefined;
  availableCents: number;
  nowMs: number;
}

export type IncrementDecision =
  | { approved: true; fromReservedCents: number; fromAvailableCents: number; topUpCents: number; reservationAfterCents: number }
  | { approved: false; code: DeclineCode; detail: string };

/**
 * The extra amount passes the authorization decision's checks: the new total must fit maxAmount and the
 * per-authorization limit (and a per-transaction agent limit); card and agent limits, the lifetime cap and funds are
 * judged on the extra amount. The other policy controls, credentials and risk judged the authorization when it was
 * made, and a single-use card's one use is this authorization. Approved, it is held as an authorization is.
 */
export function decideIncrement(facts: IncrementFacts): IncrementDecision {
  const { extraCents, authorizedCents, card } = facts;
  const decision = decideAuthorization({
    amountCents: extraCents,
    credentials: 'valid',
    card: {
      status: card.status,
      type: 'multi',
      singleUseConsumed: false,
      maxAmountCents: perAuthorizationCapCents(card.maxAmountCents, card) - authorizedCents,
      reservationCents: card.reservationCents,
      limitPerAuthCents: null,
      limitPerDayCents: card.limitPerDayCents,
      limitPerMonthCents: card.limitPerMonthCents,
      spentTodayCents: card.spentTodayCents,
      spentThisMonthCents: card.spentThisMonthCents,
    },
    userApproved: facts.userApproved,
    agentActive: facts.agentActive,
    agentRemainingCents: facts.agentRemainingCents !== null && facts.agentLimitPerTransaction ? Math.max(0, facts.agentRemainingCents - authorizedCents) : facts.agentRemainingCents,
    policy:
      facts.lifetime === undefined
        ? undefined
        : {
            controls: { ...noControls, cumulativeMaxCents: facts.lifetime.cumulativeMaxCents },
            usage: { nowMs: facts.nowMs, amountCents: extraCents, mcc: null, merchantNormalizedName: '', authCount: 0, cumulativeSpentCents: facts.lifetime.spentCents, lastApprovedAtMs: null, attestation: 'attested' },
          },
    riskDeclineRule: undefined,
    availableCents: facts.availableCents,
  });
  if (!decision.approved) return decision;
  // A multi-use card refills its reservation; a single-use card's was released at its approval, so nothing refills it.
  const reservation =
    card.type === 'multi'
      ? reservationAfterApproval(card, decision.fromReservedCents, facts.availableCents - decision.fromAvailableCents)
      : { topUpCents: 0, reservationAfterCents: card.reservationCents - decision.fromReservedCents };
  return { ...decision, topUpCents: reservation.topUpCents, reservationAfterCents: reservation.reservationAfterCents };
}

/** Where a clearing's amount comes from (SPEC §5): the hold first; beyond it the card's reservation, then available, then debt. */
export interface ClearingSources {
  fromHeldCents: number;
  /** Held but not cleared: goes back. */
  releaseHeldCents: number;
  fromReservedCents: number;
  fromAvailableCents: number;
  fromDebtCents: number;
}

export function clearingSources(clearCents: number, heldCents: number, reservationCents: number, availableCents: number): ClearingSources {
  const fromHeldCents = Math.min(clearCents, heldCents);
  let beyond = clearCents - fromHeldCents;
  const fromReservedCents = Math.min(beyond, reservationCents);
  beyond -= fromReservedCents;
  const fromAvailableCents = Math.min(beyond, availableCents);
  beyond -= fromAvailableCents;
  return { fromHeldCents, releaseHeldCents: heldCents - fromHeldCents, fromReservedCents, fromAvailableCents, fromDebtCents: beyond };
}

/** Where a voided or expired hold goes back (SPEC §5). */
export interface VoidReturns {
  /** Into the card's reservation, up to its maxAmount, while the card is open. */
  toReservedCents: number;
  /** The rest, to available. */
  toAvailableCents: number;
  /** Available moved into the reservation: a voided single-use card is usable again and reserves its maxAmount again. */
  topUpCents: number;
  /** The card's reservation afterwards (a closed card's is unchanged). */
  reservationAfterCents: number;
}

export function voidReturns(
  heldCents: number,
  card: { status: 'active' | 'frozen' | 'closed'; type: 'single' | 'multi'; maxAmountCents: number; reservationCents: number },
  availableCents: number,
): VoidReturns {
  const open = card.status !== 'closed';
  const toReservedCents = open ? Math.min(card.maxAmountCents - card.reservationCents, heldCents) : 0;
  const toAvailableCents = heldCents - toReservedCents;
  // A single-use card gave back what its authorization did not use (reservationAfterApproval); voided, it reserves
  // its maxAmount again, the rest from available as far as available (this void's return included) allows.
  const topUpCents = open && card.type === 'single' ? Math.max(0, Math.min(card.maxAmountCents - card.reservationCents - toReservedCents, availableCents + toAvailableCents)) : 0;
  return { toReservedCents, toAvailableCents, topUpCents, reservationAfterCents: card.reservationCents + toReservedCents + topUpCents };
}

export const authorizationLifetimeMs = 7 * 24 * 60 * 60 * 1000;

/** Start of the UTC day and month containing `nowMs`, for card limits. */
export function cardLimitWindows(nowMs: number): { dayStartMs: number; monthStartMs: number } {
  const date = new Date(nowMs);
  return { dayStartMs: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()), monthStartMs: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) };
}

/** When a pending authorization settles on its own: `delayMs` later, skipping Saturdays and Sundays (UTC). */
export function settlementDueMs(authorizedAtMs: number, delayMs: number): number {
  let due = authorizedAtMs + delayMs;
  for (;;) {
    const weekday = new Date(due).getUTCDay();
    if (weekday === 6) due += 2 * 24 * 60 * 60 * 1000;
    else if (weekday === 0) due += 24 * 60 * 60 * 1000;
    else return due;
  }
}
