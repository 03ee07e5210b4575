// Random spending policies and random sequences of authorizations, clock advances, voids, clearings, incremental
// authorizations and force posts against a reference model, on both stores: every authorization is approved or
// declined exactly as the model predicts (SPEC §4 "Authorization decision", the policy step), GET
// /v1/cards/{id}/policy shows the model's live state, and every SPEC §5 invariant holds (verifyLedger).
//
// Each run has one multi-use card whose effective controls come from its own maxAuthCount (maybe), its policy
// (policyId, maybe) and its agent's default policy (maybe; written to the agent's row directly). Policies draw MCC
// and merchant allow/block lists from small pools (merchant entries in other spellings than the descriptors:
// aliases, legal suffixes), active hours on a 30-minute grid (windows spanning midnight included) or active days alone in a zone whose midnight is not UTC's, a lifetime cap, an authorization count, a
// cooldown and, rarely, attestation. Runs start near DST changes (America/New_York, Pacific/Auckland), so clock
// advances cross them. Everything else that could decline is kept out of the way: the user is funded far beyond
// the card, the card's maxAmount is far above any amount, no agent limit, no card limits, drift off, risk rules off.
//
// The model judges active hours on its own: it reads the local wall-clock date and time with its own
// Intl.DateTimeFormat (year…minute, not the weekday), numbers local minutes from 1970, and asks whether that minute
// lies in the window of the local day or of the day before — never calling the domain's isWithinActiveHours.
// Lifetime use: approved authorizations not voided count and start the cooldown; spend is the pending amount, or the
// settled amount once cleared, force posts included (they are spend, but nothing authorized them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../../src/domain/errors.js';
import { riskRuleNames } from '../../src/domain/risk-rules.js';
import { weekdays, type Weekday } from '../../src/domain/spending-policy.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { registerAgent } from '../../src/modules/agents/service.js';
import { createCardBody } from '../../src/modules/cards/schemas.js';
import { cardsFollowAgentStatus, createCard } from '../../src/modules/cards/service.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { cardPolicyView } from '../../src/modules/policies/card-policy.js';
import { createPolicyBody } from '../../src/modules/policies/schemas.js';
import { createPolicy } from '../../src/modules/policies/service.js';
import type { ApiKeyPrincipal } from '../../src/domain/principal.js';
import { updateOrganizationRiskSettings } from '../../src/modules/risk/settings.js';
import type { Scope } from '../../src/domain/scope.js';
import { authorize } from '../../src/network/authorize.js';
import { clearTransaction } from '../../src/network/clear.js';
import { forcePost } from '../../src/network/force-post.js';
import { incrementAuthorization } from '../../src/network/increment.js';
import { voidTransaction } from '../../src/network/void.js';
import { testSecrets } from '../../src/secrets.js';
import { runDueWork } from '../../src/modules/due-work-steps.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const minuteMs = 60_000;
const dayMs = 24 * 60 * minuteMs;

// ---- pools ---------------------------------------------------------------------------------------------------------

const mccPool = ['5411', '5812', '5999', '7995'] as const;
const cooldownMinutesPool = [5, 30, 60, 240] as const;
/** Descriptors a merchant presents, each with the merchant it is (the model's own notion, not the normalizer's). */
const merchantPool = [
  { descriptor: 'AMZN Mktp US*2K4L59', merchant: 'amazon' },
  { descriptor: 'Amazon.com', merchant: 'amazon' },
  { descriptor: 'Acme Supplies', merchant: 'acme' },
  { descriptor: 'ACME SUPPLIES LLC', merchant: 'acme' },
  { descriptor: 'SQ *BLUE BOTTLE COFFEE', merchant: 'blue bottle' },
  { descriptor: 'WM SUPERCENTER #1234', merchant: 'walmart' },
] as const;
/** How a policy names merchants: other spellings of the same ones. */
const merchantEntryPool = [
  { entry: 'amazon', merchant: 'amazon' },
  { entry: 'Acme Supplies, Inc.', merchant: 'acme' },
  { entry: 'Blue Bottle Coffee Co', merchant: 'blue bottle' },
  { entry: 'Wal-Mart Stores, Inc.', merchant: 'walmart' },
] as const;
/** Local midnight at 00:00, 05:00/04:00, 18:30, 11:00/12:00/13:00 and 08:00/07:00 UTC. */
const zonePool = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland', 'America/Los_Angeles'] as const;
/** Where runs start: plain January, and the weekends of DST changes in New York and Auckland. */
const startAnchors = [
  Date.UTC(2026, 0, 5), // Monday
  Date.UTC(2032, 2, 13), // New York springs forward on Sunday the 14th
  Date.UTC(2032, 10, 6), // New York falls back on Sunday the 7th
  Date.UTC(2032, 3, 3), // Auckland falls back on Sunday the 4th (14:00 UTC on the 3rd)
  Date.UTC(2032, 8, 25), // Auckland springs forward on Sunday the 26th (14:00 UTC on the 25th)
] as const;

// ---- the model's clock: local wall-clock minutes ------------------------------------------------------------------

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes from 1970-01-01 00:00 to the local wall-clock date and time at `ms` in `zone` (seconds dropped). */
function localMinuteNumber(ms: number, zone: string): number {
  let format = wallClockFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });
    wallClockFormats.set(zone, format);
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(format.formatToParts(new Date(ms)).find((item) => item.type === type)!.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute')) / minuteMs;
}

/** The weekday of local day number `day` (days from 1970-01-01, a Thursday). */
const weekdayOfDay = (day: number): Weekday => (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[new Date(day * dayMs).getUTCDay()]!;

type ModelHours = { start: number; end: number; zone: string; days: Weekday[] | null } | { start: null; end: null; zone: string; days: Weekday[] };

/**
 * Whether `ms` is within the hours: the windows are [day + start, day + end) in local minutes, with the end pushed to
 * the next day when it is not after the start, for each active local day; the minute now can be in today's window or
 * in yesterday's when it spans midnight. Days alone: the whole local day.
 */
function modelWithinActiveHours(hours: ModelHours | null, ms: number): boolean {
  if (hours === null) return true;
  const minuteNow = localMinuteNumber(ms, hours.zone);
  const today = Math.floor(minuteNow / 1440);
  const dayIsActive = (day: number) => hours.days === null || hours.days.includes(weekdayOfDay(day));
  if (hours.start === null) return dayIsActive(today);
  const length = hours.end > hours.start ? hours.end - hours.start : hours.end + 1440 - hours.start;
  return [today - 1, today].some((day) => dayIsActive(day) && day * 1440 + hours.start <= minuteNow && minuteNow < day * 1440 + hours.start + length);
}

const timeOfDayText = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

// ---- generated runs ------------------------------------------------------------------------------------------------

interface PolicyDraft {
  allowedMccs: string[] | null;
  blockedMccs: string[] | null;
  /** Indices into merchantEntryPool. */
  allowedMerchants: number[] | null;
  blockedMerchants: number[] | null;
  hours: ModelHours | null;
  cumulativeMax: number | null;
  maxAuthCount: number | null;
  cooldownMinutes: number | null;
  requireAttestation: boolean | null;
}

/** `arbitrary` in `setWeight` of `setWeight + unsetWeight` runs, else null (not set at this level). */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, setWeight: number, unsetWeight: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: unsetWeight, arbitrary: fc.constant(null) }, { weight: setWeight, arbitrary });

const daysArbitrary = fc.subarray([...weekdays], { minLength: 1, maxLength: 6 });
/** Hours on every day more often than on some: hours and days together leave few minutes of the week open. */
const hoursDaysArbitrary = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: daysArbitrary });
const hoursArbitrary: fc.Arbitrary<ModelHours | null> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  {
    weight: 2,
    arbitrary: fc
      .record({ startSlot: fc.integer({ min: 0, max: 47 }), lengthSlots: fc.oneof(fc.integer({ min: 1, max: 47 }), fc.integer({ min: 24, max: 47 })), zone: fc.constantFrom(...zonePool), days: hoursDaysArbitrary })
      .map(({ startSlot, lengthSlots, zone, days }) => ({ start: startSlot * 30, end: ((startSlot + lengthSlots) % 48) * 30, zone, days })),
  },
  { weight: 1, arbitrary: fc.record({ start: fc.constant(null), end: fc.constant(null), zone: fc.constantFrom(...zonePool), days: daysArbitrary }) },
);

// Weighted so that a run's controls seldom decline everything at the first step: lists and attestation now and then,
// the counted controls (cap, count, cooldown) in half the drafts.
const policyDraftArbitrary: fc.Arbitrary<PolicyDraft> = fc.record({
  allowedMccs: sometimes(fc.subarray([...mccPool], { minLength: 2 }), 1, 3),
  blockedMccs: sometimes(fc.subarray([...mccPool], { maxLength: 2 }), 1, 3),
  allowedMerchants: sometimes(fc.subarray([0, 1, 2, 3], { minLength: 2 }), 1, 4),
  blockedMerchants: sometimes(fc.subarray([0, 1, 2, 3], { maxLength: 1 }), 1, 4),
  hours: hoursArbitrary,
  cumulativeMax: sometimes(fc.integer({ min: 2_000, max: 30_000 }), 1, 1),
  maxAuthCount: sometimes(fc.integer({ min: 1, max: 8 }), 1, 1),
  cooldownMinutes: sometimes(fc.constantFrom(...cooldownMinutesPool), 1, 1),
  requireAttestation: sometimes(fc.boolean(), 1, 9),
});

/** Which levels hold a policy: the card's policyId, the agent's default policy, or both (the card's over the agent's). */
const attachmentArbitrary = fc.constantFrom('card' as const, 'agent' as const, 'both' as const);

type Command =
  | { kind: 'authorize'; cents: number; mcc: string | null; merchant: number }
  | { kind: 'advance'; minutes: number }
  | { kind: 'void'; transaction: Target }
  | { kind: 'clear'; transaction: Target; mode: 'equal' | 'less' | 'more'; delta: number }
  | { kind: 'forcePost'; cents: number; merchant: number }
  | { kind: 'increment'; transaction: Target; cents: number };

/** A transaction: mostly a pending one, else any (so refusals are exercised); index modulo the candidates. */
interface Target {
  fitting: boolean;
  index: number;
}
const targetArbitrary: fc.Arbitrary<Target> = fc.record({ fitting: fc.integer({ min: 0, max: 9 }).map((value) => value < 8), index: fc.nat(30) });

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('authorize' as const),
      cents: fc.oneof(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 1, max: 20_000 })),
      mcc: fc.option(fc.constantFrom(...mccPool), { nil: null, freq: 5 }),
      merchant: fc.nat(merchantPool.length - 1),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      // Minutes, exactly a cooldown (its edge), half hours (the active-hours grid), days (across DST changes,
      // settlement, expiry).
      minutes: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 90 }) },
        { weight: 1, arbitrary: fc.constantFrom(...cooldownMinutesPool) },
        { weight: 2, arbitrary: fc.integer({ min: 1, max: 48 }).map((slots) => slots * 30) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((days) => days * 1440) },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), transaction: targetArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), transaction: targetArbitrary, mode: fc.constantFrom('equal' as const, 'less' as const, 'more' as const), delta: fc.integer({ min: 1, max: 2_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forcePost' as const), cents: fc.integer({ min: 1, max: 5_000 }), merchant: fc.nat(merchantPool.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('increment' as const), transaction: targetArbitrary, cents: fc.integer({ min: 1, max: 5_000 }) }) },
);

const startArbitrary = fc
  .record({
    anchor: fc.constantFrom(...startAnchors),
    // On the half-hour grid of the active hours half of the time, so runs meet their edges; anywhere otherwise.
    minutes: fc.oneof(fc.integer({ min: 0, max: 3 * 48 }).map((slots) => slots * 30), fc.integer({ min: 0, max: 3 * 1440 })),
    seconds: fc.constantFrom(0, 0, 30, 59),
  })
  .map(({ anchor, minutes, seconds }) => anchor + minutes * minuteMs + seconds * 1_000);

// ---- the model -----------------------------------------------------------------------------------------------------

interface EffectiveControls {
  allowedMccs: readonly string[] | null;
  blockedMccs: readonly string[] | null;
  allowedMerchants: readonly string[] | null;
  blockedMerchants: readonly string[] | null;
  hours: ModelHours | null;
  cumulativeMax: number | null;
  maxAuthCount: number | null;
  cooldownMinutes: number | null;
  requireAttestation: boolean | null;
}

const firstSet = <T>(...values: Array<T | null | undefined>): T | null => values.find((value) => value !== null && value !== undefined) ?? null;
const merchantsOf = (indices: number[] | null | undefined) => (indices === null || indices === undefined ? indices : indices.map((index) => merchantEntryPool[index]!.merchant));

/** SPEC §4: field by field the card's own value, else its policy's, else the agent's default policy's; active hours as one piece. */
function effectiveControlsOf(cardMaxAuthCount: number | null, cardPolicy: PolicyDraft | null, agentPolicy: PolicyDraft | null): EffectiveControls {
  return {
    allowedMccs: firstSet(cardPolicy?.allowedMccs, agentPolicy?.allowedMccs),
    blockedMccs: firstSet(cardPolicy?.blockedMccs, agentPolicy?.blockedMccs),
    allowedMerchants: firstSet(merchantsOf(cardPolicy?.allowedMerchants), merchantsOf(agentPolicy?.allowedMerchants)),
    blockedMerchants: firstSet(merchantsOf(cardPolicy?.blockedMerchants), merchantsOf(agentPolicy?.blockedMerchants)),
    hours: firstSet(cardPolicy?.hours, agentPolicy?.hours),
    cumulativeMax: firstSet(cardPolicy?.cumulativeMax, agentPolicy?.cumulativeMax),
    maxAuthCount: firstSet(cardMaxAuthCount, cardPolicy?.maxAuthCount, agentPolicy?.maxAuthCount),
    cooldownMinutes: firstSet(cardPolicy?.cooldownMinutes, agentPolicy?.cooldownMinutes),
    requireAttestation: firstSet(cardPolicy?.requireAttestation, agentPolicy?.requireAttestation),
  };
}

interface ModelTransaction {
  id: string;
  status: 'pending' | 'settled' | 'voided' | 'declined';
  declineReason: string | null;
  amount: number;
  settled: number;
  createdAtMs: number;
  settleAtMs: number | null;
  expiresAtMs: number | null;
  /** A clearing without an authorization: spend on the card, but no authorization. */
  forcePost: boolean;
}

/**
 * Approved, not voided authorizations count towards the authorization count and start the cooldown; their spend
 * (and a force post's) towards the lifetime cap.
 */
function lifetimeUse(transactions: readonly ModelTransaction[]) {
  const spending = transactions.filter((transaction) => transaction.status === 'pending' || transaction.status === 'settled');
  const authorizations = spending.filter((transaction) => !transaction.forcePost);
  return {
    authCount: authorizations.length,
    spentCents: spending.reduce((sum, transaction) => sum + (transaction.status === 'pending' ? transaction.amount : transaction.settled), 0),
    lastApprovedAtMs: authorizations.length === 0 ? null : Math.max(...authorizations.map((transaction) => transaction.createdAtMs)),
  };
}

/** The decline the model expects (the policy step in SPEC order), or null for an approval. */
function expectedDecline(controls: EffectiveControls, transactions: readonly ModelTransaction[], command: Extract<Command, { kind: 'authorize' }>, nowMs: number): string | null {
  const use = lifetimeUse(transactions);
  const merchant = merchantPool[command.merchant]!.merchant;
  if (!modelWithinActiveHours(controls.hours, nowMs)) return 'outside_active_hours';
  if (controls.blockedMccs !== null && command.mcc !== null && controls.blockedMccs.includes(command.mcc)) return 'blocked_mcc';
  if (controls.allowedMccs !== null && controls.allowedMccs.length > 0 && (command.mcc === null || !controls.allowedMccs.includes(command.mcc))) return 'blocked_mcc';
  if (controls.blockedMerchants !== null && controls.blockedMerchants.includes(merchant)) return 'blocked_merchant';
  if (controls.allowedMerchants !== null && controls.allowedMerchants.length > 0 && !controls.allowedMerchants.includes(merchant)) return 'blocked_merchant';
  if (controls.maxAuthCount !== null && use.authCount >= controls.maxAuthCount) return 'auth_count_exceeded';
  if (controls.cooldownMinutes !== null && use.lastApprovedAtMs !== null && nowMs < use.lastApprovedAtMs + controls.cooldownMinutes * minuteMs) return 'cooldown_active';
  if (controls.cumulativeMax !== null && use.spentCents + command.cents > controls.cumulativeMax) return 'cumulative_limit_exceeded';
  // No intent is ever declared here, so every authorization is unattested.
  if (controls.requireAttestation === true) return 'attestation_required';
  return null;
}

/** The API body of a drafted policy. */
function policyBody(draft: PolicyDraft, name: string) {
  const { hours } = draft;
  return createPolicyBody.parse({
    name,
    ...(draft.allowedMccs === null ? {} : { allowedMccs: draft.allowedMccs }),
    ...(draft.blockedMccs === null ? {} : { blockedMccs: draft.blockedMccs }),
    ...(draft.allowedMerchants === null ? {} : { allowedMerchants: draft.allowedMerchants.map((index) => merchantEntryPool[index]!.entry) }),
    ...(draft.blockedMerchants === null ? {} : { blockedMerchants: draft.blockedMerchants.map((index) => merchantEntryPool[index]!.entry) }),
    ...(hours === null ? {} : { activeTimezone: hours.zone }),
    ...(hours === null || hours.start === null ? {} : { activeHoursStart: timeOfDayText(hours.start), activeHoursEnd: timeOfDayText(hours.end) }),
    ...(hours === null || hours.days === null ? {} : { activeDays: hours.days }),
    ...(draft.cumulativeMax === null ? {} : { cumulativeMax: draft.cumulativeMax }),
    ...(draft.maxAuthCount === null ? {} : { maxAuthCount: draft.maxAuthCount }),
    ...(draft.cooldownMinutes === null ? {} : { cooldownMinutes: draft.cooldownMinutes }),
    ...(draft.requireAttestation === null ? {} : { requireAttestation: draft.requireAttestation }),
  });
}

async function expectAppError(work: () => Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (isAppError(error) && error.code === code) return;
    throw error;
  }
  assert.fail(`${what}: expected ${code}, but it succeeded`);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('the policy model reads local wall-clock time right', () => {
  // Offsets checked by hand, so a model that misreads Intl cannot agree with a domain that does the same.
  const at = (isoText: string) => Date.parse(isoText);
  const local = (isoText: string, zone: string) => {
    const minute = localMinuteNumber(at(isoText), zone);
    return `${weekdayOfDay(Math.floor(minute / 1440))} ${timeOfDayText(minute % 1440)}`;
  };
  it('zones whose midnight is not UTC’s, and DST changes', () => {
    assert.equal(local('2026-01-05T00:00:00Z', 'UTC'), 'mon 00:00');
    assert.equal(local('2026-01-05T04:59:00Z', 'America/New_York'), 'sun 23:59');
    assert.equal(local('2026-01-05T18:30:00Z', 'Asia/Kolkata'), 'tue 00:00');
    assert.equal(local('2026-01-05T11:00:00Z', 'Pacific/Auckland'), 'tue 00:00');
    assert.equal(local('2026-01-06T08:00:00Z', 'America/Los_Angeles'), 'tue 00:00');
    assert.equal(local('2032-03-14T06:59:00Z', 'America/New_York'), 'sun 01:59');
    assert.equal(local('2032-03-14T07:00:00Z', 'America/New_York'), 'sun 03:00');
    assert.equal(local('2032-11-07T06:30:00Z', 'America/New_York'), 'sun 01:30');
    assert.equal(local('2032-04-03T13:59:00Z', 'Pacific/Auckland'), 'sun 02:59');
    assert.equal(local('2032-04-03T14:00:00Z', 'Pacific/Auckland'), 'sun 02:00');
    assert.equal(local('2032-09-25T13:59:00Z', 'Pacific/Auckland'), 'sun 01:59');
    assert.equal(local('2032-09-25T14:00:00Z', 'Pacific/Auckland'), 'sun 03:00');
  });
  it('windows spanning midnight belong to the day they start', () => {
    const fridayNight: ModelHours = { start: 22 * 60, end: 6 * 60, zone: 'UTC', days: ['fri'] };
    assert.equal(modelWithinActiveHours(fridayNight, at('2026-01-10T03:00:00Z')), true, 'Saturday 03:00');
    assert.equal(modelWithinActiveHours(fridayNight, at('2026-01-09T03:00:00Z')), false, 'Friday 03:00');
  });
});

for (const kind of storeKinds) {
  describe(`spending policy property (${kind})`, () => {
    let store: TestDatabase;
    before(async () => {
      store = await openTestDatabase(kind);
    });
    after(async () => store.close());

    it('authorizations are approved or declined as the model says, the card policy view agrees, and the ledger holds', async (t) => {
      const secrets = testSecrets();
      const reached = new Map<string, number>();
      const count = (what: string) => reached.set(what, (reached.get(what) ?? 0) + 1);
      await fc.assert(
        fc.asyncProperty(
          startArbitrary,
          fc.constantFrom(0, dayMs),
          attachmentArbitrary,
          policyDraftArbitrary,
          policyDraftArbitrary,
          sometimes(fc.integer({ min: 1, max: 8 }), 1, 2),
          fc.array(commandArbitrary, { minLength: 5, maxLength: 25 }),
          async (startMs, settlementDelayMs, attachment, cardPolicyDraft, agentPolicyDraft, cardMaxAuthCount, commands) => {
            const db = store.db;
            const network = { secrets, settlementDelayMs, followAgentStatus: cardsFollowAgentStatus };
            let nowMs = startMs;
            const organization = await initializeOrganization(db, 'policy property', nowMs);
            const scope: Scope = { organizationId: organization.organization.id, environment: 'sandbox' };
            const principal: ApiKeyPrincipal = { kind: 'apiKey', id: 'key_property', organizationId: scope.organizationId, environment: scope.environment, allowedIps: null };
            const noRules = Object.fromEntries(riskRuleNames.map((rule) => [rule, { enabled: false }]));
            await db.transaction((tx) => updateOrganizationRiskSettings(tx, scope, { dryRun: undefined, rules: noRules }, nowMs));
            const userId = await createApprovedUser(db, scope, nowMs);
            await fundUser(db, scope, userId, 100_000_000, nowMs);
            const { agent } = await db.transaction((tx) => registerAgent(tx, scope, { userId, name: 'policy-agent' }, nowMs));

            const cardPolicy = attachment === 'agent' ? null : cardPolicyDraft;
            const agentPolicy = attachment === 'card' ? null : agentPolicyDraft;
            const cardPolicyId = cardPolicy === null ? undefined : (await db.transaction((tx) => createPolicy(tx, scope, policyBody(cardPolicy, 'card policy'), nowMs))).id;
            if (agentPolicy !== null) {
              const { id } = await db.transaction((tx) => createPolicy(tx, scope, policyBody(agentPolicy, 'agent default policy'), nowMs));
              await db.transaction((tx) => tx.run('UPDATE agents SET default_policy_id = ? WHERE id = ?', [id, agent.id]));
            }
            const card = await db.transaction((tx) =>
              createCard(
                tx,
                scope,
                secrets,
                agent.id,
                createCardBody.parse({
                  purpose: 'policy property',
                  type: 'multi',
                  maxAmount: 1_000_000,
                  merchantDriftEnabled: false,
                  ...(cardPolicyId === undefined ? {} : { policyId: cardPolicyId }),
                  ...(cardMaxAuthCount === null ? {} : { maxAuthCount: cardMaxAuthCount }),
                }),
                nowMs,
              ),
            );
            const controls = effectiveControlsOf(cardMaxAuthCount, cardPolicy, agentPolicy);
            const transactions: ModelTransaction[] = [];
            const pick = (target: Target) => {
              const pending = target.fitting ? transactions.filter((transaction) => transaction.status === 'pending') : [];
              const candidates = pending.length > 0 ? pending : transactions;
              return candidates.length === 0 ? undefined : candidates[target.index % candidates.length];
            };

            for (const command of commands) {
              if (command.kind === 'authorize') {
                const expected = expectedDecline(controls, transactions, command, nowMs);
                const { descriptor } = merchantPool[command.merchant]!;
                const transaction = await db.transaction((tx) =>
                  authorize(tx, scope, network, { cardId: card.id, amountCents: command.cents, currency: 'USD', merchant: { name: descriptor, ...(command.mcc === null ? {} : { mcc: command.mcc }) } }, nowMs),
                );
                assert.deepEqual(
                  [transaction.status, transaction.declineReason],
                  [expected === null ? 'pending' : 'declined', expected],
                  `${command.cents} at ${descriptor} (mcc ${command.mcc}) at ${iso(nowMs)}: ${transaction.declineDetail ?? 'approved'}; effective ${JSON.stringify(controls)}; use ${JSON.stringify(lifetimeUse(transactions))}`,
                );
                count(`authorize ${expected ?? 'approved'}`);
                transactions.push({
                  id: transaction.id,
                  status: expected === null ? 'pending' : 'declined',
                  declineReason: expected,
                  amount: command.cents,
                  settled: 0,
                  createdAtMs: nowMs,
                  settleAtMs: transaction.settleAtMs,
                  expiresAtMs: transaction.expiresAtMs,
                  forcePost: false,
                });
              } else if (command.kind === 'advance') {
                nowMs += command.minutes * minuteMs;
                await db.transaction((tx) => runDueWork(tx, scope, nowMs));
                // runDueWork's order: due settlements (in full), then authorizations uncleared for 7 days are voided.
                for (const transaction of transactions) {
                  if (transaction.status === 'pending' && transaction.settleAtMs !== null && transaction.settleAtMs <= nowMs) {
                    transaction.status = 'settled';
                    transaction.settled = transaction.amount;
                    count('settled when due');
                  }
                }
                for (const transaction of transactions) {
                  if (transaction.status === 'pending' && transaction.expiresAtMs !== null && transaction.expiresAtMs <= nowMs) {
                    transaction.status = 'voided';
                    count('expired');
                  }
                }
              } else if (command.kind === 'void') {
                const transaction = pick(command.transaction);
                if (transaction === undefined) continue;
                const reverse = () => db.transaction((tx) => voidTransaction(tx, scope, transaction.id, 'reversal', nowMs));
                if (transaction.status !== 'pending') {
                  await expectAppError(reverse, 'invalid_status_transition', `voiding a ${transaction.status} transaction`);
                } else {
                  await reverse();
                  transaction.status = 'voided';
                  count('void');
                }
              } else if (command.kind === 'forcePost') {
                const posted = await db.transaction((tx) => forcePost(tx, scope, card.id, command.cents, { name: merchantPool[command.merchant]!.descriptor }, nowMs));
                transactions.push({ id: posted.id, status: 'settled', declineReason: null, amount: command.cents, settled: command.cents, createdAtMs: nowMs, settleAtMs: null, expiresAtMs: null, forcePost: true });
                count('force post');
              } else if (command.kind === 'increment') {
                const transaction = pick(command.transaction);
                if (transaction === undefined) continue;
                const increment = () => db.transaction((tx) => incrementAuthorization(tx, scope, transaction.id, command.cents, nowMs));
                // Of the policy controls only the lifetime cap judges an increment; the others judged the authorization.
                const overCap = controls.cumulativeMax !== null && lifetimeUse(transactions).spentCents + command.cents > controls.cumulativeMax;
                if (transaction.status !== 'pending') {
                  await expectAppError(increment, 'invalid_status_transition', `incrementing a ${transaction.status} transaction`);
                } else if (overCap) {
                  await expectAppError(increment, 'increment_declined', `incrementing by ${command.cents} beyond the lifetime cap`);
                  count('increment declined');
                } else {
                  await increment();
                  transaction.amount += command.cents;
                  count('increment');
                }
              } else {
                const transaction = pick(command.transaction);
                if (transaction === undefined) continue;
                const cents = command.mode === 'equal' ? transaction.amount : command.mode === 'less' ? Math.max(1, transaction.amount - command.delta) : transaction.amount + command.delta;
                const clear = () => db.transaction((tx) => clearTransaction(tx, scope, transaction.id, cents, nowMs));
                if (transaction.status !== 'pending') {
                  await expectAppError(clear, 'invalid_status_transition', `clearing a ${transaction.status} transaction`);
                } else {
                  await clear();
                  transaction.status = 'settled';
                  transaction.settled = cents;
                  count(`clear ${command.mode}`);
                }
              }

              const rows = await db.all<{ id: string; status: string; decline_reason: string | null; amount: number; settled_amount: number }>(
                'SELECT id, status, decline_reason, amount, settled_amount FROM transactions WHERE card_id = ? ORDER BY id',
                [card.id],
              );
              assert.deepEqual(
                rows.map((row) => ({ id: row.id, status: row.status, declineReason: row.decline_reason, amount: Number(row.amount), settled: Number(row.settled_amount) })),
                transactions
                  .map((transaction) => ({ id: transaction.id, status: transaction.status, declineReason: transaction.declineReason, amount: transaction.amount, settled: transaction.settled }))
                  .sort((left, right) => (left.id < right.id ? -1 : 1)),
                `transactions after ${JSON.stringify(command)}`,
              );

              const use = lifetimeUse(transactions);
              const cooldownEndsAtMs = controls.cooldownMinutes === null || use.lastApprovedAtMs === null ? null : use.lastApprovedAtMs + controls.cooldownMinutes * minuteMs;
              const view = await cardPolicyView(db, scope, principal, card.id, nowMs);
              assert.deepEqual(
                {
                  isWithinActiveHours: view.activeHours.isWithinActiveHours,
                  timezone: view.activeHours.timezone,
                  authCount: view.authCount,
                  cumulative: view.cumulative,
                  cooldown: view.cooldown,
                },
                {
                  isWithinActiveHours: modelWithinActiveHours(controls.hours, nowMs),
                  timezone: controls.hours?.zone ?? 'UTC',
                  authCount: { max: controls.maxAuthCount, current: use.authCount, remaining: controls.maxAuthCount === null ? null : Math.max(0, controls.maxAuthCount - use.authCount) },
                  cumulative: { max: controls.cumulativeMax, spent: use.spentCents, remaining: controls.cumulativeMax === null ? null : Math.max(0, controls.cumulativeMax - use.spentCents) },
                  cooldown: {
                    minutes: controls.cooldownMinutes,
                    lastTransactionAt: iso(use.lastApprovedAtMs),
                    cooldownEndsAt: iso(cooldownEndsAtMs),
                    isInCooldown: cooldownEndsAtMs !== null && nowMs < cooldownEndsAtMs,
                  },
                },
                `GET /v1/cards/{id}/policy at ${iso(nowMs)} after ${JSON.stringify(command)}`,
              );
              const report = await verifyLedger(db);
              assert.deepEqual(report.problems, []);
            }
          },
        ),
        // Shrinking replays whole runs on a database that keeps growing: past 2 minutes the smallest failure so far is reported.
        { numRuns: 40, interruptAfterTimeLimit: 120_000 },
      );
      t.diagnostic(`reached: ${[...reached.entries()].sort().map(([what, times]) => `${what} ×${times}`).join(', ')}`);
    });
  });
}
