// The pure risk rules: each one at its boundary, the dry-run flag, the cascade and the merge patch of overrides.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attestationWarnings } from '../../src/domain/intents.js';
import {
  effectiveRiskSettings,
  evaluateDetailsRiskRules,
  evaluateRiskRules,
  patchRiskOverrides,
  patchRiskRules,
  riskDeclineOf,
  riskEventType,
  riskHistoryWindows,
  riskPresets,
  riskRuleNames,
  type DetailsRiskFacts,
  type RiskFacts,
  type RiskRuleName,
  type RiskSettings,
} from '../../src/domain/risk-rules.js';

const nowMs = Date.UTC(2026, 10, 21, 12, 0, 0);
const minuteMs = 60_000;

/** Every rule off but `rule`, with `action`. */
function only(rule: RiskRuleName, parameters: Record<string, number> = {}, action: 'alert' | 'decline' = 'alert', dryRun = false): RiskSettings {
  const rules = patchRiskRules(riskPresets.moderate, Object.fromEntries(riskRuleNames.map((name) => [name, { enabled: false }])));
  return { dryRun, rules: patchRiskRules(rules, { [rule]: { enabled: true, action, ...parameters } }) };
}

function facts(overrides: Partial<RiskFacts> = {}): RiskFacts {
  return {
    nowMs,
    amountCents: 1_000,
    merchantNormalizedName: 'amazon',
    card: { type: 'multi', merchantDriftEnabled: false, onDrift: 'alert', pinnedMerchant: null },
    cardHistory: { lastHourCount: 0, lastDayCount: 0, duplicateCount: 0, lastApprovedAtMs: null },
    agentBaseline: { count: 0, totalCents: 0 },
    attestation: 'attested',
    intentMatch: 'matched',
    ...overrides,
  };
}

function fired(settings: RiskSettings, input: RiskFacts): string[] {
  return evaluateRiskRules(input, settings).map((firing) => firing.rule);
}

describe('risk rules at their boundaries', () => {
  it('merchantDrift: a pinned multi-use card at another merchant, only when the card enables it', () => {
    const settings = only('velocity', { maxPerHour: 1_000, maxPerDay: 1_000 });
    const pinned = { type: 'multi' as const, merchantDriftEnabled: true, onDrift: 'freeze_card' as const, pinnedMerchant: 'amazon' };
    assert.deepEqual(fired(settings, facts({ card: pinned })), []);
    const drift = evaluateRiskRules(facts({ card: pinned, merchantNormalizedName: 'walmart' }), settings);
    assert.deepEqual(
      drift.map((firing) => [firing.rule, firing.action, firing.eventType]),
      [['merchantDrift', 'freeze_card', 'risk.merchant_drift']],
    );
    assert.deepEqual(fired(settings, facts({ card: { ...pinned, merchantDriftEnabled: false }, merchantNormalizedName: 'walmart' })), []);
    assert.deepEqual(fired(settings, facts({ card: { ...pinned, pinnedMerchant: null }, merchantNormalizedName: 'walmart' })), [], 'not pinned yet');
    assert.deepEqual(fired(settings, facts({ card: { ...pinned, type: 'single' }, merchantNormalizedName: 'walmart' })), []);
  });

  it('velocity: the (max + 1)th authorization in the hour or the day fires, the max-th does not', () => {
    const settings = only('velocity', { maxPerHour: 3, maxPerDay: 10 });
    const history = (hour: number, day: number) => ({ lastHourCount: hour, lastDayCount: day, duplicateCount: 0, lastApprovedAtMs: null });
    assert.deepEqual(fired(settings, facts({ cardHistory: history(2, 2) })), []);
    assert.deepEqual(fired(settings, facts({ cardHistory: history(3, 3) })), ['velocity']);
    assert.deepEqual(fired(settings, facts({ cardHistory: history(0, 9) })), []);
    assert.deepEqual(fired(settings, facts({ cardHistory: history(0, 10) })), ['velocity']);
  });

  it('duplicate: any same-merchant same-amount authorization in the window', () => {
    const settings = only('duplicate', { windowMinutes: 10 });
    assert.deepEqual(fired(settings, facts()), []);
    assert.deepEqual(fired(settings, facts({ cardHistory: { lastHourCount: 1, lastDayCount: 1, duplicateCount: 1, lastApprovedAtMs: nowMs } })), ['duplicate']);
  });

  it('spendSpike: strictly above multiplier × the mean, and only with a baseline of 3', () => {
    const settings = only('spendSpike', { multiplier: 2, baselineDays: 30 });
    assert.deepEqual(fired(settings, facts({ amountCents: 200, agentBaseline: { count: 3, totalCents: 300 } })), [], 'exactly 2 × the mean');
    assert.deepEqual(fired(settings, facts({ amountCents: 201, agentBaseline: { count: 3, totalCents: 300 } })), ['spendSpike']);
    assert.deepEqual(fired(settings, facts({ amountCents: 10_000, agentBaseline: { count: 2, totalCents: 200 } })), [], 'two authorizations are no baseline');
  });

  it('unattestedSpend: unattested and stale fire, attested does not', () => {
    const settings = only('unattestedSpend');
    assert.deepEqual(fired(settings, facts({ attestation: 'attested' })), []);
    assert.deepEqual(fired(settings, facts({ attestation: 'stale', intentMatch: null })), ['unattestedSpend']);
    assert.deepEqual(fired(settings, facts({ attestation: 'unattested', intentMatch: null })), ['unattestedSpend']);
  });

  it('intentMismatch: a mismatched intent fires; matched and no intent do not', () => {
    const settings = only('intentMismatch');
    assert.deepEqual(fired(settings, facts({ intentMatch: 'matched' })), []);
    assert.deepEqual(fired(settings, facts({ intentMatch: null, attestation: 'unattested' })), []);
    assert.deepEqual(fired(settings, facts({ intentMatch: 'mismatched' })), ['intentMismatch']);
  });

  it('cooldown: less than `minutes` since the last approval fires; exactly `minutes` does not', () => {
    const settings = only('cooldown', { minutes: 5 });
    const last = (ms: number | null) => ({ lastHourCount: 1, lastDayCount: 1, duplicateCount: 0, lastApprovedAtMs: ms });
    assert.deepEqual(fired(settings, facts({ cardHistory: last(null) })), []);
    assert.deepEqual(fired(settings, facts({ cardHistory: last(nowMs - 5 * minuteMs) })), []);
    assert.deepEqual(fired(settings, facts({ cardHistory: last(nowMs - 5 * minuteMs + 1) })), ['cooldown']);
  });

  it('a disabled rule never fires, whatever the facts', () => {
    const settings = only('cooldown', { minutes: 5 });
    const noisy = facts({ attestation: 'unattested', intentMatch: 'mismatched', cardHistory: { lastHourCount: 999, lastDayCount: 999, duplicateCount: 9, lastApprovedAtMs: null } });
    assert.deepEqual(fired(settings, noisy), []);
  });
});

describe('actions and dry run', () => {
  it('decline declines outside dry run only; other actions never decline', () => {
    const declining = evaluateRiskRules(facts({ attestation: 'unattested', intentMatch: null }), only('unattestedSpend', {}, 'decline'));
    assert.equal(riskDeclineOf(declining)?.rule, 'unattestedSpend');
    const dry = evaluateRiskRules(facts({ attestation: 'unattested', intentMatch: null }), only('unattestedSpend', {}, 'decline', true));
    assert.deepEqual(
      dry.map((firing) => [firing.rule, firing.dryRun]),
      [['unattestedSpend', true]],
    );
    assert.equal(riskDeclineOf(dry), undefined);
    assert.equal(riskDeclineOf(evaluateRiskRules(facts({ attestation: 'unattested', intentMatch: null }), only('unattestedSpend'))), undefined);
  });

  it('event types are risk.<snake_case rule>', () => {
    assert.deepEqual(
      riskRuleNames.map(riskEventType),
      ['risk.merchant_drift', 'risk.velocity', 'risk.duplicate', 'risk.spend_spike', 'risk.unattested_spend', 'risk.intent_mismatch', 'risk.cooldown', 'risk.attestation_mismatch'],
    );
  });
});

describe('attestationMismatch, evaluated when card details are read', () => {
  const declared = { amountCents: 12_999, merchantText: 'Amazon' };
  function detailsFacts(attested: { amountCents: number; merchantText: string }): DetailsRiskFacts {
    return { intentId: 'int_test', declared, attested, mismatches: attestationWarnings(declared, attested) };
  }

  it('fires when the attestation contradicts the intent, and only then, with the action and dry run of the settings', () => {
    assert.deepEqual(evaluateDetailsRiskRules(detailsFacts({ amountCents: 12_999, merchantText: 'AMAZON.COM' }), only('attestationMismatch')), []);
    const alerting = evaluateDetailsRiskRules(detailsFacts({ amountCents: 12_999, merchantText: 'Walmart' }), only('attestationMismatch'));
    assert.deepEqual(
      alerting.map((firing) => [firing.rule, firing.eventType, firing.action, firing.dryRun]),
      [['attestationMismatch', 'risk.attestation_mismatch', 'alert', false]],
    );
    assert.match(alerting[0]!.detail, /int_test/);
    assert.equal(riskDeclineOf(alerting), undefined);

    const declining = evaluateDetailsRiskRules(detailsFacts({ amountCents: 99_999, merchantText: 'Amazon' }), only('attestationMismatch', {}, 'decline'));
    assert.equal(riskDeclineOf(declining)?.rule, 'attestationMismatch');
    const dry = evaluateDetailsRiskRules(detailsFacts({ amountCents: 99_999, merchantText: 'Amazon' }), only('attestationMismatch', {}, 'decline', true));
    assert.equal(riskDeclineOf(dry), undefined);
    assert.deepEqual(evaluateDetailsRiskRules(detailsFacts({ amountCents: 99_999, merchantText: 'Walmart' }), only('cooldown')), [], 'disabled');
  });

  it('is never evaluated on an authorization, and the authorization rules never on details', () => {
    const everything = { dryRun: false, rules: patchRiskRules(riskPresets.paranoid, { attestationMismatch: { enabled: true, action: 'decline' } }) };
    const noisy = facts({ attestation: 'unattested', intentMatch: 'mismatched' });
    assert.ok(!fired(everything, noisy).includes('attestationMismatch'));
    assert.deepEqual(
      evaluateDetailsRiskRules(detailsFacts({ amountCents: 99_999, merchantText: 'Walmart' }), everything).map((firing) => firing.rule),
      ['attestationMismatch'],
    );
  });
});

describe('the settings cascade', () => {
  it('card overrides agent overrides organization, field by field', () => {
    const organization: RiskSettings = { dryRun: false, rules: riskPresets.moderate };
    const agent = { rules: { velocity: { action: 'freeze_card' as const, maxPerHour: 7 } } };
    const card = { dryRun: true, rules: { velocity: { action: 'decline' as const } } };
    assert.deepEqual(effectiveRiskSettings(organization, agent, card).rules.velocity, { enabled: true, action: 'decline', maxPerHour: 7, maxPerDay: 100 });
    assert.equal(effectiveRiskSettings(organization, agent, card).dryRun, true);
    assert.deepEqual(effectiveRiskSettings(organization, agent).rules.velocity, { enabled: true, action: 'freeze_card', maxPerHour: 7, maxPerDay: 100 });
    assert.deepEqual(effectiveRiskSettings(organization).rules.velocity, riskPresets.moderate.velocity);
    assert.deepEqual(effectiveRiskSettings(organization, undefined, { rules: { cooldown: { enabled: true } } }).rules.cooldown, { ...riskPresets.moderate.cooldown, enabled: true });
  });

  it('overrides merge-patch: values set, null removes a field or a whole rule', () => {
    let overrides = patchRiskOverrides({}, { dryRun: true, rules: { velocity: { maxPerHour: 3, action: 'decline' } } });
    assert.deepEqual(overrides, { dryRun: true, rules: { velocity: { maxPerHour: 3, action: 'decline' } } });
    overrides = patchRiskOverrides(overrides, { rules: { velocity: { action: null }, duplicate: { windowMinutes: 2 } } });
    assert.deepEqual(overrides, { dryRun: true, rules: { velocity: { maxPerHour: 3 }, duplicate: { windowMinutes: 2 } } });
    overrides = patchRiskOverrides(overrides, { dryRun: null, rules: { velocity: null, duplicate: { windowMinutes: null } } });
    assert.deepEqual(overrides, {});
  });

  it('presets: moderate is the default table; strict and paranoid only tighten it', () => {
    assert.equal(riskPresets.moderate.merchantDrift.action, 'alert', 'SPEC §4 Cards: onDrift default alert');
    for (const rule of ['velocity', 'duplicate', 'spendSpike', 'cooldown'] as const) {
      assert.ok(riskPresets.strict[rule].enabled && riskPresets.paranoid[rule].enabled, rule);
    }
    for (const preset of ['permissive', 'moderate', 'strict'] as const) assert.deepEqual(riskPresets[preset].attestationMismatch, { enabled: true, action: 'alert' }, preset);
    assert.deepEqual(riskPresets.paranoid.attestationMismatch, { enabled: true, action: 'decline' });
    assert.ok(riskPresets.paranoid.velocity.maxPerHour < riskPresets.strict.velocity.maxPerHour);
    assert.ok(riskPresets.strict.velocity.maxPerHour < riskPresets.moderate.velocity.maxPerHour);
  });

  it('reads history only for enabled rules, over the widest window they need', () => {
    const quiet = only('unattestedSpend');
    assert.deepEqual(riskHistoryWindows(quiet), { cardSinceMs: undefined, duplicateWindowMs: 0, cooldownMs: 0, agentBaselineMs: undefined });
    const settings = patchRiskRules(only('duplicate', { windowMinutes: 90 }).rules, { cooldown: { enabled: true, minutes: 30 } });
    assert.deepEqual(riskHistoryWindows({ dryRun: false, rules: settings }), { cardSinceMs: 90 * minuteMs, duplicateWindowMs: 90 * minuteMs, cooldownMs: 30 * minuteMs, agentBaselineMs: undefined });
  });
});
