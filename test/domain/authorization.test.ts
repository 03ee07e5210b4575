// Properties of the pure money rules in domain/authorization.ts (SPEC §4 "Authorization decision", §5): whatever the
// facts, the first failing check in the specification's order names the decline; an approval, a clearing, a void and
// an increment take exactly their amount from their sources and leave no user account negative and no reservation
// above the card's maxAmount.
//
// The decision properties pick which checks fail (several at once in most runs) and build facts that fail exactly
// those, so the expected code comes from the specification's list, not from the code under test.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  clearingSources,
  decideAuthorization,
  decideIncrement,
  reservationAfterApproval,
  voidReturns,
  type AuthorizationFacts,
  type DeclineCode,
  type IncrementFacts,
} from '../../src/domain/authorization.js';
import { noControls, type PolicyControls, type PolicyUsage } from '../../src/domain/spending-policy.js';

const runs = { numRuns: 300 };
const centsMax = 1_000_000;

/** A generated number in [low, high] (both inclusive), from a raw draw, so ranges can depend on other draws. */
function within(raw: number, low: number, high: number): number {
  assert.ok(low <= high, `empty range ${low}..${high}`);
  return low + (raw % (high - low + 1));
}

const raw = fc.nat({ max: 10 * centsMax });
const cardStatuses = ['active', 'frozen', 'closed'] as const;
const cardTypes = ['single', 'multi'] as const;

/** The policy-step failures drawn, each with the code it must produce. */
const policyFailures: readonly { code: DeclineCode; controls: Partial<PolicyControls>; usage: Partial<PolicyUsage> }[] = [
  { code: 'blocked_mcc', controls: { blockedMccs: ['5411'] }, usage: { mcc: '5411' } },
  { code: 'auth_count_exceeded', controls: { maxAuthCount: 3 }, usage: { authCount: 3 } },
  { code: 'cumulative_limit_exceeded', controls: { cumulativeMaxCents: 1 }, usage: { cumulativeSpentCents: 1 } },
];

/**
 * Which checks fail: the first one chosen uniformly, then any of those after it (at least `laterMin`), so every pair
 * of checks meets as first and later failure in a few hundred runs.
 */
function failingChecks<Check extends string>(checks: readonly Check[], laterMin: number): fc.Arbitrary<Check[]> {
  return fc
    .integer({ min: 0, max: checks.length - 1 - laterMin })
    .chain((first) => fc.subarray(checks.slice(first + 1), { minLength: laterMin }).map((later) => [checks[first] as Check, ...later]));
}

/** No failing check, or exactly one. */
function oneOrNoFailingCheck<Check extends string>(checks: readonly Check[]): fc.Arbitrary<Check[]> {
  return fc.option(fc.constantFrom(...checks)).map((check) => (check === null ? [] : [check]));
}

function policyUsage(amountCents: number, overrides: Partial<PolicyUsage> = {}): PolicyUsage {
  return { nowMs: Date.UTC(2026, 0, 5, 12), amountCents, mcc: '5812', merchantNormalizedName: 'bistro', authCount: 0, cumulativeSpentCents: 0, lastApprovedAtMs: null, attestation: 'attested', ...overrides };
}

// ---- decideAuthorization ------------------------------------------------------------------------------------------

/** SPEC §4's checks in its order. Two rows may share a code (maxAmount and the per-authorization limit). */
const authorizationChecks = ['credentials', 'cardState', 'singleUse', 'user', 'agent', 'maxAmount', 'perAuthLimit', 'dayLimit', 'monthLimit', 'agentLimit', 'policy', 'risk', 'funds'] as const;
type AuthorizationCheck = (typeof authorizationChecks)[number];

const authorizationCase = (failing: fc.Arbitrary<AuthorizationCheck[]>) =>
  fc.record({
    failing,
    amountCents: fc.integer({ min: 2, max: centsMax }),
    credentialFailure: fc.constantFrom('invalid_card', 'incorrect_cvv', 'card_expired') as fc.Arbitrary<'invalid_card' | 'incorrect_cvv' | 'card_expired'>,
    cardStateFailure: fc.constantFrom('closed', 'frozen') as fc.Arbitrary<'closed' | 'frozen'>,
    passingType: fc.constantFrom(...cardTypes),
    policyFailure: fc.constantFrom(...policyFailures),
    passingPolicyPresent: fc.boolean(),
    passingLimitsSet: fc.record({ perAuth: fc.boolean(), day: fc.boolean(), month: fc.boolean(), agent: fc.boolean() }),
    draws: fc.record({ max: raw, perAuth: raw, spentToday: raw, day: raw, spentMonth: raw, month: raw, agent: raw, reservation: raw, available: raw }),
  });
type AuthorizationCase = ReturnType<typeof authorizationCase> extends fc.Arbitrary<infer T> ? T : never;

/** Facts failing exactly `failing`, and the code the first of them names (null: approved). */
function authorizationFacts(c: AuthorizationCase): { facts: AuthorizationFacts; expected: DeclineCode | null } {
  const fails = (check: AuthorizationCheck) => c.failing.includes(check);
  const amountCents = c.amountCents;
  const draws = c.draws;
  const spentTodayCents = within(draws.spentToday, 0, centsMax);
  const spentThisMonthCents = within(draws.spentMonth, 0, centsMax);
  let reservationCents: number;
  let availableCents: number;
  if (fails('funds')) {
    reservationCents = within(draws.reservation, 0, amountCents - 1);
    availableCents = within(draws.available, 0, amountCents - 1 - reservationCents);
  } else {
    reservationCents = within(draws.reservation, 0, 2 * amountCents);
    availableCents = within(draws.available, Math.max(0, amountCents - reservationCents), centsMax + amountCents);
  }
  const policy = fails('policy')
    ? { controls: { ...noControls, ...c.policyFailure.controls }, usage: policyUsage(amountCents, c.policyFailure.usage) }
    : c.passingPolicyPresent
      ? { controls: noControls, usage: policyUsage(amountCents) }
      : undefined;
  const facts: AuthorizationFacts = {
    amountCents,
    credentials: fails('credentials') ? c.credentialFailure : 'valid',
    card: {
      status: fails('cardState') ? c.cardStateFailure : 'active',
      type: fails('singleUse') ? 'single' : c.passingType,
      singleUseConsumed: fails('singleUse') || c.passingType === 'multi',
      maxAmountCents: fails('maxAmount') ? within(draws.max, 1, amountCents - 1) : within(draws.max, amountCents, 2 * centsMax),
      reservationCents,
      limitPerAuthCents: fails('perAuthLimit') ? within(draws.perAuth, 1, amountCents - 1) : c.passingLimitsSet.perAuth ? within(draws.perAuth, amountCents, 2 * centsMax) : null,
      limitPerDayCents: fails('dayLimit') ? within(draws.day, 0, spentTodayCents + amountCents - 1) : c.passingLimitsSet.day ? within(draws.day, spentTodayCents + amountCents, 3 * centsMax) : null,
      limitPerMonthCents: fails('monthLimit') ? within(draws.month, 0, spentThisMonthCents + amountCents - 1) : c.passingLimitsSet.month ? within(draws.month, spentThisMonthCents + amountCents, 3 * centsMax) : null,
      spentTodayCents,
      spentThisMonthCents,
    },
    userApproved: !fails('user'),
    agentActive: !fails('agent'),
    agentRemainingCents: fails('agentLimit') ? within(draws.agent, 0, amountCents - 1) : c.passingLimitsSet.agent ? within(draws.agent, amountCents, 2 * centsMax) : null,
    policy,
    riskDeclineRule: fails('risk') ? 'velocity' : undefined,
    availableCents,
  };
  const codeOf: Record<AuthorizationCheck, DeclineCode> = {
    credentials: c.credentialFailure,
    cardState: c.cardStateFailure === 'closed' ? 'card_closed' : 'card_frozen',
    singleUse: 'single_use_consumed',
    user: 'user_not_approved',
    agent: 'agent_suspended',
    maxAmount: 'exceeds_max_amount',
    perAuthLimit: 'exceeds_max_amount',
    dayLimit: 'card_limit_exceeded',
    monthLimit: 'card_limit_exceeded',
    agentLimit: 'agent_limit_exceeded',
    policy: c.policyFailure.code,
    risk: 'risk_declined',
    funds: 'insufficient_funds',
  };
  const first = authorizationChecks.find(fails);
  return { facts, expected: first === undefined ? null : codeOf[first] };
}

describe('decideAuthorization', () => {
  it('the first failing check in SPEC §4 order names the decline, however many fail after it', () => {
    fc.assert(
      fc.property(
        authorizationCase(failingChecks(authorizationChecks, 1)),
        (c) => {
          const { facts, expected } = authorizationFacts(c);
          const decision = decideAuthorization(facts);
          assert.equal(decision.approved ? null : decision.code, expected, `failing: ${c.failing.join(', ')}`);
        },
      ),
      runs,
    );
  });

  it('one failing check declines with its code; none approves', () => {
    fc.assert(
      fc.property(
        authorizationCase(oneOrNoFailingCheck(authorizationChecks)),
        (c) => {
          const { facts, expected } = authorizationFacts(c);
          const decision = decideAuthorization(facts);
          assert.equal(decision.approved ? null : decision.code, expected, `failing: ${c.failing.join(', ') || 'none'}`);
        },
      ),
      runs,
    );
  });

  it('an approval holds exactly the amount: the reservation first, then available, neither beyond what is there', () => {
    fc.assert(
      fc.property(
        authorizationCase(fc.constant([])),
        (c) => {
          const { facts } = authorizationFacts(c);
          const decision = decideAuthorization(facts);
          assert.ok(decision.approved);
          assert.equal(decision.fromReservedCents + decision.fromAvailableCents, facts.amountCents);
          assert.ok(decision.fromReservedCents >= 0 && decision.fromAvailableCents >= 0);
          assert.equal(decision.fromReservedCents, Math.min(facts.card.reservationCents, facts.amountCents));
          assert.ok(decision.fromAvailableCents <= facts.availableCents);
        },
      ),
      runs,
    );
  });
});

// ---- reservationAfterApproval -------------------------------------------------------------------------------------

describe('reservationAfterApproval', () => {
  it('single-use gives back what is left; multi-use refills towards maxAmount from available; the reservation stays within 0..maxAmount', () => {
    fc.assert(
      fc.property(fc.constantFrom(...cardTypes), raw, raw, raw, raw, (type, maxDraw, reservationDraw, fromReservedDraw, availableDraw) => {
        const maxAmountCents = within(maxDraw, 1, centsMax);
        const reservationCents = within(reservationDraw, 0, maxAmountCents);
        const fromReservedCents = within(fromReservedDraw, 0, reservationCents);
        const availableAfterHoldCents = within(availableDraw, 0, centsMax);
        const change = reservationAfterApproval({ type, maxAmountCents, reservationCents }, fromReservedCents, availableAfterHoldCents);
        assert.ok(change.releaseCents >= 0 && change.topUpCents >= 0 && change.reservationAfterCents >= 0);
        assert.equal(change.reservationAfterCents, reservationCents - fromReservedCents - change.releaseCents + change.topUpCents);
        assert.ok(change.reservationAfterCents <= maxAmountCents);
        assert.ok(change.topUpCents <= availableAfterHoldCents);
        if (type === 'single') assert.deepEqual(change, { releaseCents: reservationCents - fromReservedCents, topUpCents: 0, reservationAfterCents: 0 });
        else assert.equal(change.reservationAfterCents, Math.min(maxAmountCents, reservationCents - fromReservedCents + availableAfterHoldCents));
      }),
      runs,
    );
  });
});

// ---- clearingSources ----------------------------------------------------------------------------------------------

describe('clearingSources', () => {
  it('the hold first, then the reservation, then available, then debt; they add up to the cleared amount and the hold is used or released', () => {
    fc.assert(
      fc.property(raw, raw, raw, raw, (clearDraw, heldDraw, reservationDraw, availableDraw) => {
        const clearCents = within(clearDraw, 1, centsMax);
        const heldCents = within(heldDraw, 0, centsMax); // 0: a force post, cleared with no authorization
        const reservationCents = within(reservationDraw, 0, centsMax);
        const availableCents = within(availableDraw, 0, centsMax);
        const s = clearingSources(clearCents, heldCents, reservationCents, availableCents);
        for (const [name, value] of Object.entries(s)) assert.ok(Number.isSafeInteger(value) && value >= 0, `${name} = ${value}`);
        assert.equal(s.fromHeldCents + s.fromReservedCents + s.fromAvailableCents + s.fromDebtCents, clearCents);
        assert.equal(s.fromHeldCents + s.releaseHeldCents, heldCents);
        assert.ok(s.fromReservedCents <= reservationCents && s.fromAvailableCents <= availableCents);
        if (s.releaseHeldCents > 0) assert.equal(s.fromHeldCents, clearCents, 'a release only when the hold covered all');
        if (s.fromReservedCents > 0) assert.equal(s.fromHeldCents, heldCents);
        if (s.fromAvailableCents > 0) assert.equal(s.fromReservedCents, reservationCents);
        if (s.fromDebtCents > 0) assert.equal(s.fromAvailableCents, availableCents);
      }),
      runs,
    );
  });
});

// ---- voidReturns --------------------------------------------------------------------------------------------------

describe('voidReturns', () => {
  it('the hold goes back whole, to the reservation up to maxAmount while the card is open, the rest to available; a voided single-use card reserves its maxAmount again as far as available allows', () => {
    fc.assert(
      fc.property(fc.constantFrom(...cardStatuses), fc.constantFrom(...cardTypes), raw, raw, raw, raw, (status, type, maxDraw, reservationDraw, heldDraw, availableDraw) => {
        const maxAmountCents = within(maxDraw, 1, centsMax);
        const reservationCents = within(reservationDraw, 0, maxAmountCents);
        const heldCents = within(heldDraw, 1, centsMax);
        const availableCents = within(availableDraw, 0, centsMax);
        const r = voidReturns(heldCents, { status, type, maxAmountCents, reservationCents }, availableCents);
        for (const [name, value] of Object.entries(r)) assert.ok(Number.isSafeInteger(value) && value >= 0, `${name} = ${value}`);
        assert.equal(r.toReservedCents + r.toAvailableCents, heldCents);
        assert.ok(r.topUpCents <= availableCents + r.toAvailableCents, 'the top-up never takes available below zero');
        assert.equal(r.reservationAfterCents, reservationCents + r.toReservedCents + r.topUpCents);
        assert.ok(r.reservationAfterCents <= maxAmountCents);
        if (status === 'closed') {
          assert.deepEqual(r, { toReservedCents: 0, toAvailableCents: heldCents, topUpCents: 0, reservationAfterCents: reservationCents });
        } else if (type === 'multi') {
          assert.equal(r.topUpCents, 0);
          assert.equal(r.reservationAfterCents, Math.min(maxAmountCents, reservationCents + heldCents));
        } else {
          assert.equal(r.reservationAfterCents, Math.min(maxAmountCents, reservationCents + heldCents + availableCents));
        }
      }),
      runs,
    );
  });
});

// ---- decideIncrement ----------------------------------------------------------------------------------------------

/** The checks an increment is judged on, in the authorization decision's order. */
const incrementChecks = ['cardState', 'user', 'agent', 'maxAmount', 'perAuthLimit', 'dayLimit', 'monthLimit', 'agentLimit', 'lifetimeCap', 'funds'] as const;
type IncrementCheck = (typeof incrementChecks)[number];

const incrementCase = (failing: fc.Arbitrary<IncrementCheck[]>) =>
  fc.record({
    failing,
    extraCents: fc.integer({ min: 2, max: centsMax }),
    authorizedCents: fc.integer({ min: 1, max: centsMax }),
    type: fc.constantFrom(...cardTypes),
    cardStateFailure: fc.constantFrom('closed', 'frozen') as fc.Arbitrary<'closed' | 'frozen'>,
    agentLimitPerTransaction: fc.boolean(),
    passingLimitsSet: fc.record({ perAuth: fc.boolean(), day: fc.boolean(), month: fc.boolean(), agent: fc.boolean(), lifetime: fc.boolean() }),
    draws: fc.record({ max: raw, perAuth: raw, spentToday: raw, day: raw, spentMonth: raw, month: raw, agent: raw, lifetimeSpent: raw, lifetimeCap: raw, reservation: raw, available: raw }),
  });
type IncrementCase = ReturnType<typeof incrementCase> extends fc.Arbitrary<infer T> ? T : never;

/** Facts failing exactly `failing`, and the code the first of them names (null: approved). */
function incrementFacts(c: IncrementCase): { facts: IncrementFacts; expected: DeclineCode | null } {
  const fails = (check: IncrementCheck) => c.failing.includes(check);
  const extraCents = c.extraCents;
  const totalCents = c.authorizedCents + extraCents;
  const draws = c.draws;
  // The pending authorization fitted maxAmount and the per-authorization limit when it was approved.
  const maxAmountCents = fails('maxAmount') ? within(draws.max, c.authorizedCents, totalCents - 1) : within(draws.max, totalCents, 3 * centsMax);
  const spentTodayCents = within(draws.spentToday, 0, centsMax);
  const spentThisMonthCents = within(draws.spentMonth, 0, centsMax);
  const lifetimeSpentCents = within(draws.lifetimeSpent, 0, centsMax);
  // A multi-use card's reservation is at most maxAmount; a single-use card released its reservation when approved.
  let reservationCents: number;
  let availableCents: number;
  const reservationMaxCents = c.type === 'single' ? 0 : maxAmountCents;
  if (fails('funds')) {
    reservationCents = within(draws.reservation, 0, Math.min(reservationMaxCents, extraCents - 1));
    availableCents = within(draws.available, 0, extraCents - 1 - reservationCents);
  } else {
    reservationCents = within(draws.reservation, 0, reservationMaxCents);
    availableCents = within(draws.available, Math.max(0, extraCents - reservationCents), centsMax + extraCents);
  }
  const agentNeededCents = c.agentLimitPerTransaction ? totalCents : extraCents;
  const facts: IncrementFacts = {
    extraCents,
    authorizedCents: c.authorizedCents,
    card: {
      status: fails('cardState') ? c.cardStateFailure : 'active',
      type: c.type,
      maxAmountCents,
      reservationCents,
      limitPerAuthCents: fails('perAuthLimit') ? within(draws.perAuth, c.authorizedCents, totalCents - 1) : c.passingLimitsSet.perAuth ? within(draws.perAuth, totalCents, 3 * centsMax) : null,
      limitPerDayCents: fails('dayLimit') ? within(draws.day, 0, spentTodayCents + extraCents - 1) : c.passingLimitsSet.day ? within(draws.day, spentTodayCents + extraCents, 3 * centsMax) : null,
      limitPerMonthCents: fails('monthLimit') ? within(draws.month, 0, spentThisMonthCents + extraCents - 1) : c.passingLimitsSet.month ? within(draws.month, spentThisMonthCents + extraCents, 3 * centsMax) : null,
      spentTodayCents,
      spentThisMonthCents,
    },
    userApproved: !fails('user'),
    agentActive: !fails('agent'),
    agentRemainingCents: fails('agentLimit') ? within(draws.agent, 0, agentNeededCents - 1) : c.passingLimitsSet.agent ? within(draws.agent, agentNeededCents, 3 * centsMax) : null,
    agentLimitPerTransaction: c.agentLimitPerTransaction,
    lifetime: fails('lifetimeCap')
      ? { cumulativeMaxCents: within(draws.lifetimeCap, 0, lifetimeSpentCents + extraCents - 1), spentCents: lifetimeSpentCents }
      : c.passingLimitsSet.lifetime
        ? { cumulativeMaxCents: within(draws.lifetimeCap, lifetimeSpentCents + extraCents, 3 * centsMax), spentCents: lifetimeSpentCents }
        : undefined,
    availableCents,
    nowMs: Date.UTC(2026, 0, 5, 12),
  };
  const codeOf: Record<IncrementCheck, DeclineCode> = {
    cardState: c.cardStateFailure === 'closed' ? 'card_closed' : 'card_frozen',
    user: 'user_not_approved',
    agent: 'agent_suspended',
    maxAmount: 'exceeds_max_amount',
    perAuthLimit: 'exceeds_max_amount',
    dayLimit: 'card_limit_exceeded',
    monthLimit: 'card_limit_exceeded',
    agentLimit: 'agent_limit_exceeded',
    lifetimeCap: 'cumulative_limit_exceeded',
    funds: 'insufficient_funds',
  };
  const first = incrementChecks.find(fails);
  return { facts, expected: first === undefined ? null : codeOf[first] };
}

describe('decideIncrement', () => {
  it('the new total against maxAmount and the per-authorization limit, the extra against the other limits and funds: the first failing check names the decline', () => {
    fc.assert(
      fc.property(incrementCase(failingChecks(incrementChecks, 1)), (c) => {
        const { facts, expected } = incrementFacts(c);
        const decision = decideIncrement(facts);
        assert.equal(decision.approved ? null : decision.code, expected, `failing: ${c.failing.join(', ')}`);
      }),
      runs,
    );
  });

  it('one failing check declines with its code; none approves', () => {
    fc.assert(
      fc.property(incrementCase(oneOrNoFailingCheck(incrementChecks)), (c) => {
        const { facts, expected } = incrementFacts(c);
        const decision = decideIncrement(facts);
        assert.equal(decision.approved ? null : decision.code, expected, `failing: ${c.failing.join(', ') || 'none'}`);
      }),
      runs,
    );
  });

  it('an approved increment holds exactly the extra amount, leaves available and the reservation non-negative, and refills a multi-use reservation towards maxAmount', () => {
    fc.assert(
      fc.property(
        incrementCase(fc.constant([])),
        (c) => {
          const { facts } = incrementFacts(c);
          const decision = decideIncrement(facts);
          assert.ok(decision.approved);
          const { fromReservedCents, fromAvailableCents, topUpCents, reservationAfterCents } = decision;
          for (const [name, value] of Object.entries({ fromReservedCents, fromAvailableCents, topUpCents, reservationAfterCents })) assert.ok(value >= 0, `${name} = ${value}`);
          assert.equal(fromReservedCents + fromAvailableCents, facts.extraCents);
          assert.equal(fromReservedCents, Math.min(facts.card.reservationCents, facts.extraCents), 'the reservation first');
          assert.ok(fromAvailableCents + topUpCents <= facts.availableCents, 'available never goes negative');
          assert.equal(reservationAfterCents, facts.card.reservationCents - fromReservedCents + topUpCents);
          if (facts.card.type === 'single') assert.equal(topUpCents, 0, 'nothing refills a single-use card');
          else {
            assert.equal(reservationAfterCents, Math.min(facts.card.maxAmountCents, facts.card.reservationCents - fromReservedCents + facts.availableCents - fromAvailableCents), 'refilled towards maxAmount');
            assert.ok(reservationAfterCents <= facts.card.maxAmountCents);
          }
        },
      ),
      runs,
    );
  });
});
