// The pure spending-policy rules (SPEC §4 "Spending policies", §11 "Policies"): times of day, active hours in a time
// zone (boundaries, windows spanning midnight, days, DST), how a card's levels merge, the order and edges of the
// policy step, and where that step sits in the authorization decision.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAuthorization, type AuthorizationFacts } from '../../src/domain/authorization.js';
import { normalizeMerchantName } from '../../src/domain/merchants.js';
import {
  cooldownEnd,
  isKnownTimeZone,
  isWithinActiveHours,
  mergeControls,
  noControls,
  parseTimeOfDay,
  perAuthorizationCapCents,
  policyDeclineOf,
  type PolicyControls,
  type PolicyUsage,
  type Weekday,
} from '../../src/domain/spending-policy.js';

const minuteMs = 60_000;

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  assert.ok(Number.isFinite(ms), iso);
  return ms;
};

function hours(start: string | null, end: string | null, timezone: string | null, days: readonly Weekday[] | null = null) {
  return { activeHoursStart: start, activeHoursEnd: end, activeTimezone: timezone, activeDays: days };
}

/** Each instant (ISO, UTC) → whether it is within `window`. */
function within(window: ReturnType<typeof hours>, instants: readonly string[]): Record<string, boolean> {
  return Object.fromEntries(instants.map((iso) => [iso, isWithinActiveHours(window, at(iso))]));
}

describe('parseTimeOfDay', () => {
  it('reads 24-hour "HH:MM" from 00:00 to 23:59 as minutes after midnight', () => {
    assert.equal(parseTimeOfDay('00:00'), 0);
    assert.equal(parseTimeOfDay('00:01'), 1);
    assert.equal(parseTimeOfDay('09:30'), 570);
    assert.equal(parseTimeOfDay('12:00'), 720);
    assert.equal(parseTimeOfDay('23:59'), 1439);
  });

  it('refuses everything else', () => {
    for (const text of ['24:00', '23:60', '12:5', '7:00', '07:0', '-1:00', '12:00 ', ' 12:00', '12:00\n', '12h00', '1200', '', '12:00:00', '０９:００']) {
      assert.equal(parseTimeOfDay(text), undefined, JSON.stringify(text));
    }
  });
});

describe('isKnownTimeZone', () => {
  it('knows IANA zones, UTC and Etc/…', () => {
    for (const zone of ['UTC', 'Etc/UTC', 'Etc/GMT+5', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland']) assert.equal(isKnownTimeZone(zone), true, zone);
  });

  it('does not know made-up or misspelled names', () => {
    for (const zone of ['', 'Mars/Olympus', 'America/NewYork', 'Europe/Pariss', 'UTC+25']) assert.equal(isKnownTimeZone(zone), false, zone);
  });
});

describe('isWithinActiveHours', () => {
  it('no hours and no days: always within', () => {
    assert.equal(isWithinActiveHours(hours(null, null, null), at('2026-01-05T03:00:00Z')), true);
    assert.equal(isWithinActiveHours(hours(null, null, 'Asia/Tokyo', []), at('2026-01-10T23:59:00Z')), true);
  });

  it('a plain window is [start, end): the start minute is in, the end minute is out', () => {
    const window = hours('09:00', '17:00', 'UTC');
    assert.deepEqual(within(window, ['2026-01-05T08:59:59.999Z', '2026-01-05T09:00:00Z', '2026-01-05T12:00:00Z', '2026-01-05T16:59:59.999Z', '2026-01-05T17:00:00Z', '2026-01-05T23:00:00Z']), {
      '2026-01-05T08:59:59.999Z': false,
      '2026-01-05T09:00:00Z': true,
      '2026-01-05T12:00:00Z': true,
      '2026-01-05T16:59:59.999Z': true,
      '2026-01-05T17:00:00Z': false,
      '2026-01-05T23:00:00Z': false,
    });
  });

  it('without a time zone, UTC', () => {
    assert.equal(isWithinActiveHours(hours('09:00', '17:00', null), at('2026-01-05T09:00:00Z')), true);
    assert.equal(isWithinActiveHours(hours('09:00', '17:00', null), at('2026-01-05T17:00:00Z')), false);
  });

  it('hours without days: the window every day, Saturday and Sunday included', () => {
    const window = hours('09:00', '17:00', 'UTC');
    // 2026-01-05 is a Monday.
    for (let day = 5; day <= 11; day += 1) {
      const date = `2026-01-${String(day).padStart(2, '0')}`;
      assert.equal(isWithinActiveHours(window, at(`${date}T10:00:00Z`)), true, date);
      assert.equal(isWithinActiveHours(window, at(`${date}T08:00:00Z`)), false, date);
    }
  });

  it('days without hours: the whole of those days, from their midnight to the next', () => {
    const weekend = hours(null, null, 'UTC', ['sat', 'sun']);
    assert.deepEqual(within(weekend, ['2026-01-09T23:59:59.999Z', '2026-01-10T00:00:00Z', '2026-01-11T23:59:59.999Z', '2026-01-12T00:00:00Z', '2026-01-07T12:00:00Z']), {
      '2026-01-09T23:59:59.999Z': false,
      '2026-01-10T00:00:00Z': true,
      '2026-01-11T23:59:59.999Z': true,
      '2026-01-12T00:00:00Z': false,
      '2026-01-07T12:00:00Z': false,
    });
  });

  it('hours on some days: both must hold', () => {
    const weekdaysOnly = hours('09:00', '17:00', 'UTC', ['mon', 'tue', 'wed', 'thu', 'fri']);
    assert.equal(isWithinActiveHours(weekdaysOnly, at('2026-01-09T10:00:00Z')), true, 'Friday 10:00');
    assert.equal(isWithinActiveHours(weekdaysOnly, at('2026-01-10T10:00:00Z')), false, 'Saturday 10:00');
    assert.equal(isWithinActiveHours(weekdaysOnly, at('2026-01-09T18:00:00Z')), false, 'Friday 18:00');
  });

  it('a window spanning midnight belongs to the day it starts: Friday 22:00–06:00 covers Saturday 03:00, not Friday 03:00', () => {
    const fridayNight = hours('22:00', '06:00', 'UTC', ['fri']);
    // 2026-01-08 Thursday, 09 Friday, 10 Saturday.
    assert.deepEqual(
      within(fridayNight, [
        '2026-01-09T03:00:00Z',
        '2026-01-09T21:59:59.999Z',
        '2026-01-09T22:00:00Z',
        '2026-01-09T23:59:59.999Z',
        '2026-01-10T00:00:00Z',
        '2026-01-10T03:00:00Z',
        '2026-01-10T05:59:59.999Z',
        '2026-01-10T06:00:00Z',
        '2026-01-10T22:00:00Z',
        '2026-01-08T23:00:00Z',
      ]),
      {
        '2026-01-09T03:00:00Z': false,
        '2026-01-09T21:59:59.999Z': false,
        '2026-01-09T22:00:00Z': true,
        '2026-01-09T23:59:59.999Z': true,
        '2026-01-10T00:00:00Z': true,
        '2026-01-10T03:00:00Z': true,
        '2026-01-10T05:59:59.999Z': true,
        '2026-01-10T06:00:00Z': false,
        '2026-01-10T22:00:00Z': false,
        '2026-01-08T23:00:00Z': false,
      },
    );
  });

  it('an overnight window without days runs every night; the gap between end and start is out', () => {
    const nights = hours('22:00', '06:00', 'UTC');
    assert.deepEqual(within(nights, ['2026-01-05T05:59:00Z', '2026-01-05T06:00:00Z', '2026-01-05T21:59:00Z', '2026-01-05T22:00:00Z', '2026-01-06T00:00:00Z']), {
      '2026-01-05T05:59:00Z': true,
      '2026-01-05T06:00:00Z': false,
      '2026-01-05T21:59:00Z': false,
      '2026-01-05T22:00:00Z': true,
      '2026-01-06T00:00:00Z': true,
    });
  });

  it('an overnight window ending at 00:00 is the evening only; one starting at 00:00 is an ordinary morning window', () => {
    const evening = hours('18:00', '00:00', 'UTC', ['mon']);
    assert.equal(isWithinActiveHours(evening, at('2026-01-05T23:59:00Z')), true);
    assert.equal(isWithinActiveHours(evening, at('2026-01-06T00:00:00Z')), false);
    const morning = hours('00:00', '06:00', 'UTC', ['tue']);
    assert.equal(isWithinActiveHours(morning, at('2026-01-06T00:00:00Z')), true);
    assert.equal(isWithinActiveHours(morning, at('2026-01-05T23:59:00Z')), false);
  });

  it('Asia/Tokyo (UTC+9): local 09:00–17:00 is 00:00–08:00 UTC; local Monday begins on Sunday 15:00 UTC', () => {
    const office = hours('09:00', '17:00', 'Asia/Tokyo');
    assert.deepEqual(within(office, ['2026-01-04T23:59:00Z', '2026-01-05T00:00:00Z', '2026-01-05T07:59:00Z', '2026-01-05T08:00:00Z', '2026-01-05T12:00:00Z']), {
      '2026-01-04T23:59:00Z': false,
      '2026-01-05T00:00:00Z': true,
      '2026-01-05T07:59:00Z': true,
      '2026-01-05T08:00:00Z': false,
      '2026-01-05T12:00:00Z': false,
    });
    const mondays = hours(null, null, 'Asia/Tokyo', ['mon']);
    assert.deepEqual(within(mondays, ['2026-01-04T14:59:00Z', '2026-01-04T15:00:00Z', '2026-01-05T14:59:00Z', '2026-01-05T15:00:00Z']), {
      '2026-01-04T14:59:00Z': false,
      '2026-01-04T15:00:00Z': true,
      '2026-01-05T14:59:00Z': true,
      '2026-01-05T15:00:00Z': false,
    });
  });

  it('America/Los_Angeles (UTC−8 in January): a Monday afternoon there is already Tuesday in UTC', () => {
    const mondayAfternoon = hours('13:00', '17:00', 'America/Los_Angeles', ['mon']);
    // Monday 16:30 in Los Angeles = Tuesday 00:30 UTC.
    assert.equal(isWithinActiveHours(mondayAfternoon, at('2026-01-06T00:30:00Z')), true);
    assert.equal(isWithinActiveHours(mondayAfternoon, at('2026-01-06T01:00:00Z')), false, 'Monday 17:00 there');
    assert.equal(isWithinActiveHours(mondayAfternoon, at('2026-01-05T16:30:00Z')), false, 'Monday 08:30 there');
    // Tuesday 16:30 in UTC is Tuesday 08:30 there: not Monday.
    assert.equal(isWithinActiveHours(hours('08:00', '09:00', 'America/Los_Angeles', ['mon']), at('2026-01-06T16:30:00Z')), false);
  });

  it('Asia/Kolkata (UTC+5:30): local midnight is 18:30 UTC', () => {
    const tuesdays = hours(null, null, 'Asia/Kolkata', ['tue']);
    assert.equal(isWithinActiveHours(tuesdays, at('2026-01-05T18:29:59.999Z')), false);
    assert.equal(isWithinActiveHours(tuesdays, at('2026-01-05T18:30:00Z')), true);
    assert.equal(isWithinActiveHours(hours('09:30', '10:00', 'Asia/Kolkata'), at('2026-01-05T04:00:00Z')), true);
    assert.equal(isWithinActiveHours(hours('09:30', '10:00', 'Asia/Kolkata'), at('2026-01-05T04:30:00Z')), false);
  });

  describe('DST: local wall-clock times count, not a fixed offset', () => {
    // America/New_York: 2032-03-14 02:00 EST → 03:00 EDT; 2032-11-07 02:00 EDT → 01:00 EST.
    it('the same local window is an hour earlier in UTC after clocks spring forward', () => {
      const sundayMorning = hours('08:00', '09:00', 'America/New_York', ['sun']);
      assert.deepEqual(within(sundayMorning, ['2032-03-07T12:59:00Z', '2032-03-07T13:00:00Z', '2032-03-07T13:59:00Z', '2032-03-07T14:00:00Z']), {
        '2032-03-07T12:59:00Z': false,
        '2032-03-07T13:00:00Z': true,
        '2032-03-07T13:59:00Z': true,
        '2032-03-07T14:00:00Z': false,
      });
      assert.deepEqual(within(sundayMorning, ['2032-03-14T11:59:00Z', '2032-03-14T12:00:00Z', '2032-03-14T12:59:00Z', '2032-03-14T13:00:00Z']), {
        '2032-03-14T11:59:00Z': false,
        '2032-03-14T12:00:00Z': true,
        '2032-03-14T12:59:00Z': true,
        '2032-03-14T13:00:00Z': false,
      });
    });

    it('a window around the skipped hour: 01:59 EST is in, the next minute is 03:00 EDT and out', () => {
      const small = hours('01:00', '03:00', 'America/New_York', ['sun']);
      assert.equal(isWithinActiveHours(small, at('2032-03-14T06:00:00Z')), true, '01:00 EST');
      assert.equal(isWithinActiveHours(small, at('2032-03-14T06:59:00Z')), true, '01:59 EST');
      assert.equal(isWithinActiveHours(small, at('2032-03-14T07:00:00Z')), false, '03:00 EDT');
    });

    it('an overnight window across the change ends at 06:00 EDT', () => {
      const saturdayNight = hours('22:00', '06:00', 'America/New_York', ['sat']);
      assert.equal(isWithinActiveHours(saturdayNight, at('2032-03-14T03:00:00Z')), true, 'Saturday 22:00 EST');
      assert.equal(isWithinActiveHours(saturdayNight, at('2032-03-14T09:59:00Z')), true, 'Sunday 05:59 EDT');
      assert.equal(isWithinActiveHours(saturdayNight, at('2032-03-14T10:00:00Z')), false, 'Sunday 06:00 EDT (05:00 at the old offset)');
    });

    it('the repeated hour in autumn is in the window both times', () => {
      const repeated = hours('01:00', '02:00', 'America/New_York', ['sun']);
      assert.equal(isWithinActiveHours(repeated, at('2032-11-07T05:30:00Z')), true, '01:30 EDT');
      assert.equal(isWithinActiveHours(repeated, at('2032-11-07T06:30:00Z')), true, '01:30 EST');
      assert.equal(isWithinActiveHours(repeated, at('2032-11-07T07:00:00Z')), false, '02:00 EST');
    });

    it('Pacific/Auckland: Sunday 2032-04-04 03:00 NZDT → 02:00 NZST; the local Monday begins at 12:00 UTC, not 11:00', () => {
      const mondays = hours(null, null, 'Pacific/Auckland', ['mon']);
      assert.equal(isWithinActiveHours(mondays, at('2032-04-04T11:59:00Z')), false);
      assert.equal(isWithinActiveHours(mondays, at('2032-04-04T12:00:00Z')), true);
    });
  });
});

describe('mergeControls', () => {
  it('each field comes from the first level that sets it: card, then policy, then the agent default policy', () => {
    const card: Partial<PolicyControls> = { maxAuthCount: 5, limitPerAuthCents: null };
    const policy: Partial<PolicyControls> = { maxAuthCount: 3, cumulativeMaxCents: 10_000, blockedMccs: ['7995'], limitPerAuthCents: 2_000 };
    const agentPolicy: Partial<PolicyControls> = { maxAuthCount: 2, cumulativeMaxCents: 50_000, cooldownMinutes: 15, blockedMccs: ['5411', '7995'], requireAttestation: true };
    const merged = mergeControls([card, policy, agentPolicy]);
    assert.equal(merged.maxAuthCount, 5);
    assert.equal(merged.cumulativeMaxCents, 10_000);
    assert.equal(merged.limitPerAuthCents, 2_000, 'null on the card is "not set", not a value');
    assert.deepEqual(merged.blockedMccs, ['7995'], 'lists are not combined');
    assert.equal(merged.cooldownMinutes, 15);
    assert.equal(merged.requireAttestation, true);
    assert.equal(merged.allowedMerchants, null);
    assert.deepEqual(mergeControls([{}, undefined, agentPolicy]).maxAuthCount, 2);
    assert.deepEqual(mergeControls([undefined, undefined, undefined]), noControls);
  });

  it('false is a value: a card or policy may switch off what the agent default requires', () => {
    assert.equal(mergeControls([{}, { requireAttestation: false }, { requireAttestation: true }]).requireAttestation, false);
  });

  it('active hours move as one piece: start, end, zone and days from the same level', () => {
    const policy: Partial<PolicyControls> = { activeDays: ['sat', 'sun'] };
    const agentPolicy: Partial<PolicyControls> = { activeHoursStart: '09:00', activeHoursEnd: '17:00', activeTimezone: 'Asia/Tokyo', activeDays: ['mon'] };
    const merged = mergeControls([{}, policy, agentPolicy]);
    assert.deepEqual([merged.activeHoursStart, merged.activeHoursEnd, merged.activeTimezone, merged.activeDays], [null, null, null, ['sat', 'sun']]);

    const hoursOnly: Partial<PolicyControls> = { activeHoursStart: '22:00', activeHoursEnd: '06:00', activeTimezone: 'America/New_York' };
    const fromHours = mergeControls([{}, hoursOnly, agentPolicy]);
    assert.deepEqual([fromHours.activeHoursStart, fromHours.activeHoursEnd, fromHours.activeTimezone, fromHours.activeDays], ['22:00', '06:00', 'America/New_York', null]);

    const fromAgent = mergeControls([{}, { maxAuthCount: 1 }, agentPolicy]);
    assert.deepEqual([fromAgent.activeHoursStart, fromAgent.activeHoursEnd, fromAgent.activeTimezone, fromAgent.activeDays], ['09:00', '17:00', 'Asia/Tokyo', ['mon']]);
  });
});

const mondayNoon = at('2026-01-05T12:00:00Z');

function usage(overrides: Partial<PolicyUsage> = {}): PolicyUsage {
  return {
    nowMs: mondayNoon,
    amountCents: 1_000,
    mcc: '5411',
    merchantNormalizedName: 'amazon',
    authCount: 0,
    cumulativeSpentCents: 0,
    lastApprovedAtMs: null,
    attestation: 'attested',
    ...overrides,
  };
}

const controlsOf = (overrides: Partial<PolicyControls>): PolicyControls => ({ ...noControls, ...overrides });
const codeOf = (controls: Partial<PolicyControls>, use: Partial<PolicyUsage> = {}) => policyDeclineOf(controlsOf(controls), usage(use))?.code ?? null;

describe('policyDeclineOf', () => {
  it('no controls: nothing declines', () => {
    assert.equal(codeOf({}), null);
    assert.equal(codeOf({}, { mcc: null, authCount: 1_000, cumulativeSpentCents: 10 ** 9, lastApprovedAtMs: mondayNoon, attestation: 'unattested' }), null);
  });

  it('in SPEC order: active hours, MCC, merchant, authorization count, cooldown, lifetime cap, attestation', () => {
    // Every control fails; taking away the first failing one each time reveals the next.
    const failing: Array<[Partial<PolicyControls>, string]> = [
      [{ activeHoursStart: '00:00', activeHoursEnd: '01:00', activeTimezone: 'UTC' }, 'outside_active_hours'],
      [{ blockedMccs: ['5411'] }, 'blocked_mcc'],
      [{ blockedMerchants: ['Amazon.com'] }, 'blocked_merchant'],
      [{ maxAuthCount: 3 }, 'auth_count_exceeded'],
      [{ cooldownMinutes: 30 }, 'cooldown_active'],
      [{ cumulativeMaxCents: 1_500 }, 'cumulative_limit_exceeded'],
      [{ requireAttestation: true }, 'attestation_required'],
    ];
    const use: Partial<PolicyUsage> = { authCount: 3, lastApprovedAtMs: mondayNoon - 10 * minuteMs, cumulativeSpentCents: 1_000, attestation: 'stale' };
    for (let first = 0; first < failing.length; first += 1) {
      const controls = Object.assign({}, ...failing.slice(first).map(([control]) => control)) as Partial<PolicyControls>;
      assert.equal(codeOf(controls, use), failing[first]![1], `with controls ${JSON.stringify(controls)}`);
    }
    assert.equal(codeOf({}, use), null);
  });

  it('MCC lists: an allow list admits only what it names; the block list wins over it', () => {
    assert.equal(codeOf({ allowedMccs: ['5411', '5812'] }), null);
    assert.equal(codeOf({ allowedMccs: ['5812'] }), 'blocked_mcc');
    assert.equal(codeOf({ allowedMccs: ['5411'], blockedMccs: ['5411'] }), 'blocked_mcc');
    assert.equal(codeOf({ allowedMccs: ['5411'], blockedMccs: ['7995'] }), null);
    assert.equal(codeOf({ blockedMccs: ['7995'] }), null);
    assert.equal(codeOf({ allowedMccs: [] }), null, 'an empty allow list restricts nothing');
  });

  it('an authorization without an MCC fails an allow list but passes a block list', () => {
    assert.equal(codeOf({ allowedMccs: ['5411'] }, { mcc: null }), 'blocked_mcc');
    assert.equal(codeOf({ blockedMccs: ['5411'] }, { mcc: null }), null);
  });

  it('merchant lists compare normalized names: descriptor aliases and legal suffixes do not matter', () => {
    const amazonDescriptor = { merchantNormalizedName: normalizeMerchantName('AMZN Mktp US*2K4L59') };
    assert.equal(codeOf({ blockedMerchants: ['AMZN Mktp US*2K4L59'] }, amazonDescriptor), 'blocked_merchant');
    assert.equal(codeOf({ blockedMerchants: ['Amazon.com, Inc.'] }, amazonDescriptor), 'blocked_merchant');
    assert.equal(codeOf({ allowedMerchants: ['amazon'] }, amazonDescriptor), null);
    assert.equal(codeOf({ allowedMerchants: ['ACME SUPPLIES LLC'] }, { merchantNormalizedName: normalizeMerchantName('Acme Supplies, Inc.') }), null);
    assert.equal(codeOf({ allowedMerchants: ['Acme Supplies, Inc.'] }, amazonDescriptor), 'blocked_merchant');
    assert.equal(codeOf({ allowedMerchants: ['amazon'], blockedMerchants: ['AMZN'] }, amazonDescriptor), 'blocked_merchant', 'the block list wins');
    assert.equal(codeOf({ blockedMerchants: ['Walmart'] }, amazonDescriptor), null);
    assert.equal(codeOf({ allowedMerchants: [] }, amazonDescriptor), null);
  });

  it('authorization count: the count before this one must be below the maximum', () => {
    assert.equal(codeOf({ maxAuthCount: 3 }, { authCount: 2 }), null);
    assert.equal(codeOf({ maxAuthCount: 3 }, { authCount: 3 }), 'auth_count_exceeded');
    assert.equal(codeOf({ maxAuthCount: 1 }, { authCount: 0 }), null);
  });

  it('cooldown: declined until exactly cooldownMinutes after the last approval', () => {
    const last = mondayNoon;
    assert.equal(codeOf({ cooldownMinutes: 10 }, { lastApprovedAtMs: last, nowMs: last + 10 * minuteMs - 1 }), 'cooldown_active');
    assert.equal(codeOf({ cooldownMinutes: 10 }, { lastApprovedAtMs: last, nowMs: last + 10 * minuteMs }), null);
    assert.equal(codeOf({ cooldownMinutes: 10 }, { lastApprovedAtMs: null }), null, 'no previous approval');
  });

  it('lifetime cap: spent plus this amount may equal the cap, not exceed it', () => {
    assert.equal(codeOf({ cumulativeMaxCents: 1_000 }, { cumulativeSpentCents: 400, amountCents: 600 }), null);
    assert.equal(codeOf({ cumulativeMaxCents: 1_000 }, { cumulativeSpentCents: 400, amountCents: 601 }), 'cumulative_limit_exceeded');
    assert.equal(codeOf({ cumulativeMaxCents: 1_000 }, { cumulativeSpentCents: 0, amountCents: 1_001 }), 'cumulative_limit_exceeded');
  });

  it('attestation: required means attested; stale and unattested are declined', () => {
    assert.equal(codeOf({ requireAttestation: true }, { attestation: 'attested' }), null);
    assert.equal(codeOf({ requireAttestation: true }, { attestation: 'stale' }), 'attestation_required');
    assert.equal(codeOf({ requireAttestation: true }, { attestation: 'unattested' }), 'attestation_required');
    assert.equal(codeOf({ requireAttestation: false }, { attestation: 'unattested' }), null);
  });
});

describe('cooldownEnd and perAuthorizationCapCents', () => {
  it('cooldownEnd: the last approval plus the cooldown; null without either', () => {
    assert.equal(cooldownEnd({ cooldownMinutes: 15 }, mondayNoon), mondayNoon + 15 * minuteMs);
    assert.equal(cooldownEnd({ cooldownMinutes: null }, mondayNoon), null);
    assert.equal(cooldownEnd({ cooldownMinutes: 15 }, null), null);
  });

  it('perAuthorizationCapCents: the lower of maxAmount and the per-authorization limit', () => {
    assert.equal(perAuthorizationCapCents(5_000, { limitPerAuthCents: null }), 5_000);
    assert.equal(perAuthorizationCapCents(5_000, { limitPerAuthCents: 2_000 }), 2_000);
    assert.equal(perAuthorizationCapCents(5_000, { limitPerAuthCents: 9_000 }), 5_000);
  });
});

describe('decideAuthorization: where the policy step sits', () => {
  /** Facts that approve; `policy` declines with blocked_mcc unless overridden. */
  function facts(overrides: Partial<AuthorizationFacts> = {}, card: Partial<AuthorizationFacts['card']> = {}): AuthorizationFacts {
    return {
      amountCents: 1_000,
      credentials: 'valid',
      card: {
        status: 'active',
        type: 'multi',
        singleUseConsumed: false,
        maxAmountCents: 5_000,
        reservationCents: 5_000,
        limitPerAuthCents: null,
        limitPerDayCents: null,
        limitPerMonthCents: null,
        spentTodayCents: 0,
        spentThisMonthCents: 0,
        ...card,
      },
      userApproved: true,
      agentActive: true,
      agentRemainingCents: null,
      riskDeclineRule: undefined,
      availableCents: 100_000,
      ...overrides,
    };
  }
  const blockingPolicy = { controls: controlsOf({ blockedMccs: ['5411'] }), usage: usage() };
  const codeOfDecision = (input: AuthorizationFacts) => {
    const decision = decideAuthorization(input);
    return decision.approved ? null : decision.code;
  };

  it('after the agent limit and the card limits', () => {
    assert.equal(codeOfDecision(facts({ policy: blockingPolicy, agentRemainingCents: 999 })), 'agent_limit_exceeded');
    assert.equal(codeOfDecision(facts({ policy: blockingPolicy }, { limitPerDayCents: 500 })), 'card_limit_exceeded');
    assert.equal(codeOfDecision(facts({ policy: blockingPolicy }, { limitPerAuthCents: 500 })), 'exceeds_max_amount');
    assert.equal(codeOfDecision(facts({ policy: blockingPolicy, agentRemainingCents: 1_000 })), 'blocked_mcc', 'the agent limit exactly met passes');
  });

  it('before risk and funds', () => {
    assert.equal(codeOfDecision(facts({ policy: blockingPolicy, riskDeclineRule: 'velocity', availableCents: 0 }, { reservationCents: 0 })), 'blocked_mcc');
    assert.equal(codeOfDecision(facts({ policy: { ...blockingPolicy, controls: noControls }, riskDeclineRule: 'velocity', availableCents: 0 }, { reservationCents: 0 })), 'risk_declined');
    assert.equal(codeOfDecision(facts({ availableCents: 0 }, { reservationCents: 0 })), 'insufficient_funds');
  });

  it('every policy code passes through as the decline code', () => {
    const use = usage({ authCount: 1, lastApprovedAtMs: mondayNoon - minuteMs, cumulativeSpentCents: 4_500, attestation: 'unattested' });
    const cases: Array<[Partial<PolicyControls>, string]> = [
      [{ activeDays: ['sun'] }, 'outside_active_hours'],
      [{ allowedMccs: ['5812'] }, 'blocked_mcc'],
      [{ allowedMerchants: ['walmart'] }, 'blocked_merchant'],
      [{ maxAuthCount: 1 }, 'auth_count_exceeded'],
      [{ cooldownMinutes: 5 }, 'cooldown_active'],
      [{ cumulativeMaxCents: 5_000 }, 'cumulative_limit_exceeded'],
      [{ requireAttestation: true }, 'attestation_required'],
    ];
    for (const [controls, code] of cases) assert.equal(codeOfDecision(facts({ policy: { controls: controlsOf(controls), usage: use } })), code, JSON.stringify(controls));
    assert.equal(codeOfDecision(facts({ policy: { controls: noControls, usage: use } })), null);
  });
});
