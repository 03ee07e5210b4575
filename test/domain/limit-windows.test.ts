import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dayMs, remainingSpendCents, spendingLimitFrequencies, spendWindow, weekMs, type SpendWindow } from '../../src/domain/limit-windows.js';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  assert.ok(Number.isFinite(ms), iso);
  return ms;
};

function isoWindow(window: SpendWindow | null): { start: string; end: string | null } | null {
  if (window === null) return null;
  return { start: new Date(window.startMs).toISOString(), end: window.endMs === null ? null : new Date(window.endMs).toISOString() };
}

const windowAt = (frequency: Parameters<typeof spendWindow>[0], iso: string) => isoWindow(spendWindow(frequency, at(iso)));

describe('spendWindow', () => {
  it('perTransaction has no window', () => {
    assert.equal(spendWindow('perTransaction', at('2026-01-05T12:00:00.000Z')), null);
  });

  it('per24HourPeriod is the rolling 24 hours ending now, whatever the calendar', () => {
    const nowMs = at('2026-03-01T00:00:00.000Z');
    assert.deepEqual(spendWindow('per24HourPeriod', nowMs), { startMs: nowMs - dayMs, endMs: nowMs });
    assert.deepEqual(windowAt('per24HourPeriod', '2025-01-01T00:30:00.001Z'), { start: '2024-12-31T00:30:00.001Z', end: '2025-01-01T00:30:00.001Z' });
  });

  describe('perWeek (UTC, weeks start on Monday)', () => {
    const mondayToMonday = { start: '2026-01-05T00:00:00.000Z', end: '2026-01-12T00:00:00.000Z' };

    it('Sunday 23:59:59.999 is the last moment of the week that began on Monday', () => {
      assert.deepEqual(windowAt('perWeek', '2026-01-11T23:59:59.999Z'), mondayToMonday);
    });

    it('Monday 00:00:00.000 starts the next week', () => {
      assert.deepEqual(windowAt('perWeek', '2026-01-12T00:00:00.000Z'), { start: '2026-01-12T00:00:00.000Z', end: '2026-01-19T00:00:00.000Z' });
    });

    it('every day of the week maps to the same Monday', () => {
      for (let day = 0; day < 7; day += 1) {
        const nowMs = at('2026-01-05T00:00:00.000Z') + day * dayMs + 12 * 3_600_000;
        assert.deepEqual(isoWindow(spendWindow('perWeek', nowMs)), mondayToMonday, `day ${day}`);
      }
      assert.deepEqual(windowAt('perWeek', '2026-01-05T00:00:00.000Z'), mondayToMonday);
    });

    it('spans month ends, leap days and year ends', () => {
      assert.deepEqual(windowAt('perWeek', '2025-12-31T18:00:00.000Z'), { start: '2025-12-29T00:00:00.000Z', end: '2026-01-05T00:00:00.000Z' });
      assert.deepEqual(windowAt('perWeek', '2026-01-04T23:59:59.999Z'), { start: '2025-12-29T00:00:00.000Z', end: '2026-01-05T00:00:00.000Z' });
      assert.deepEqual(windowAt('perWeek', '2024-02-29T09:00:00.000Z'), { start: '2024-02-26T00:00:00.000Z', end: '2024-03-04T00:00:00.000Z' });
      assert.deepEqual(windowAt('perWeek', '2024-03-03T23:59:59.999Z'), { start: '2024-02-26T00:00:00.000Z', end: '2024-03-04T00:00:00.000Z' });
    });
  });

  describe('perMonth (calendar, UTC)', () => {
    it('the last millisecond of a month and the first of the next fall in different windows', () => {
      assert.deepEqual(windowAt('perMonth', '2026-01-31T23:59:59.999Z'), { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' });
      assert.deepEqual(windowAt('perMonth', '2026-02-01T00:00:00.000Z'), { start: '2026-02-01T00:00:00.000Z', end: '2026-03-01T00:00:00.000Z' });
    });

    it('February has 29 days in leap years (2024, 2000) and 28 otherwise (2026, 2100)', () => {
      const length = (iso: string) => {
        const window = spendWindow('perMonth', at(iso))!;
        return (window.endMs! - window.startMs) / dayMs;
      };
      assert.equal(length('2024-02-29T23:59:59.999Z'), 29);
      assert.equal(length('2000-02-15T00:00:00.000Z'), 29);
      assert.equal(length('2026-02-28T23:59:59.999Z'), 28);
      assert.equal(length('2100-02-10T00:00:00.000Z'), 28);
      assert.deepEqual(windowAt('perMonth', '2024-02-29T23:59:59.999Z'), { start: '2024-02-01T00:00:00.000Z', end: '2024-03-01T00:00:00.000Z' });
      assert.deepEqual(windowAt('perMonth', '2024-03-01T00:00:00.000Z'), { start: '2024-03-01T00:00:00.000Z', end: '2024-04-01T00:00:00.000Z' });
    });

    it('30- and 31-day months end where they should', () => {
      assert.deepEqual(windowAt('perMonth', '2026-04-30T23:59:59.999Z'), { start: '2026-04-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' });
      assert.deepEqual(windowAt('perMonth', '2026-05-31T12:00:00.000Z'), { start: '2026-05-01T00:00:00.000Z', end: '2026-06-01T00:00:00.000Z' });
    });

    it('December runs into January of the next year', () => {
      assert.deepEqual(windowAt('perMonth', '2025-12-31T23:59:59.999Z'), { start: '2025-12-01T00:00:00.000Z', end: '2026-01-01T00:00:00.000Z' });
      assert.deepEqual(windowAt('perMonth', '2026-01-01T00:00:00.000Z'), { start: '2026-01-01T00:00:00.000Z', end: '2026-02-01T00:00:00.000Z' });
    });
  });

  describe('perYear (calendar, UTC)', () => {
    it('the last millisecond of a year and the first of the next fall in different windows', () => {
      assert.deepEqual(windowAt('perYear', '2025-12-31T23:59:59.999Z'), { start: '2025-01-01T00:00:00.000Z', end: '2026-01-01T00:00:00.000Z' });
      assert.deepEqual(windowAt('perYear', '2026-01-01T00:00:00.000Z'), { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
    });

    it('leap years have 366 days', () => {
      const length = (iso: string) => {
        const window = spendWindow('perYear', at(iso))!;
        return (window.endMs! - window.startMs) / dayMs;
      };
      assert.equal(length('2024-07-01T00:00:00.000Z'), 366);
      assert.equal(length('2025-07-01T00:00:00.000Z'), 365);
      assert.equal(length('2000-07-01T00:00:00.000Z'), 366);
      assert.equal(length('2100-07-01T00:00:00.000Z'), 365);
    });
  });

  it('allTime starts at the epoch and never ends', () => {
    assert.deepEqual(spendWindow('allTime', at('2026-01-05T12:00:00.000Z')), { startMs: 0, endMs: null });
  });

  it('refuses a time that is not whole, non-negative milliseconds', () => {
    assert.throws(() => spendWindow('perMonth', 1.5), RangeError);
    assert.throws(() => spendWindow('perMonth', Number.NaN), RangeError);
    assert.throws(() => spendWindow('perWeek', -1), RangeError);
  });

  describe('properties over random times (1971–9999)', () => {
    const minMs = at('1971-01-01T00:00:00.000Z'); // so that the window before is in range too
    const maxMs = at('9999-12-31T23:59:59.999Z');
    const anyTime = fc.integer({ min: minMs, max: maxMs });
    const calendar = fc.constantFrom('perWeek' as const, 'perMonth' as const, 'perYear' as const);
    const isMidnight = (ms: number) => new Date(ms).getUTCHours() === 0 && new Date(ms).getUTCMinutes() === 0 && new Date(ms).getUTCSeconds() === 0 && new Date(ms).getUTCMilliseconds() === 0;

    it('every window contains the time it was computed for', () => {
      fc.assert(
        fc.property(anyTime, fc.constantFrom(...spendingLimitFrequencies), (nowMs, frequency) => {
          const window = spendWindow(frequency, nowMs);
          if (window === null) return frequency === 'perTransaction';
          return window.startMs <= nowMs && (window.endMs === null || nowMs <= window.endMs);
        }),
      );
    });

    it('calendar windows start at midnight, contain now strictly before their end, and tile time with no gap or overlap', () => {
      fc.assert(
        fc.property(anyTime, calendar, (nowMs, frequency) => {
          const window = spendWindow(frequency, nowMs)!;
          assert.ok(window.endMs !== null);
          assert.ok(window.startMs <= nowMs && nowMs < window.endMs);
          assert.ok(isMidnight(window.startMs) && isMidnight(window.endMs));
          // The last millisecond belongs to this window, the end to the next one, which starts exactly there.
          assert.deepEqual(spendWindow(frequency, window.endMs - 1), window);
          assert.equal(spendWindow(frequency, window.endMs)!.startMs, window.endMs);
          assert.equal(spendWindow(frequency, window.startMs - 1)!.endMs, window.startMs);
        }),
      );
    });

    it('weeks are seven days from a Monday; months start on the 1st of the month of now; years on 1 January', () => {
      fc.assert(
        fc.property(anyTime, (nowMs) => {
          const now = new Date(nowMs);
          const week = spendWindow('perWeek', nowMs)!;
          assert.equal(new Date(week.startMs).getUTCDay(), 1);
          assert.equal(week.endMs! - week.startMs, weekMs);
          const month = spendWindow('perMonth', nowMs)!;
          assert.equal(new Date(month.startMs).getUTCDate(), 1);
          assert.equal(new Date(month.startMs).getUTCMonth(), now.getUTCMonth());
          assert.equal(new Date(month.startMs).getUTCFullYear(), now.getUTCFullYear());
          assert.ok([28, 29, 30, 31].includes((month.endMs! - month.startMs) / dayMs));
          const year = spendWindow('perYear', nowMs)!;
          assert.equal(new Date(year.startMs).getUTCFullYear(), now.getUTCFullYear());
          assert.equal(new Date(year.startMs).getUTCMonth(), 0);
          assert.equal(new Date(year.startMs).getUTCDate(), 1);
        }),
      );
    });
  });
});

describe('remainingSpendCents', () => {
  it('no limit means no remaining figure (unlimited)', () => {
    assert.equal(remainingSpendCents(null, 'perMonth', 12_345), null);
    assert.equal(remainingSpendCents(null, 'perTransaction', 0), null);
  });

  it('a per-transaction limit is the whole limit for every authorization, whatever was spent', () => {
    assert.equal(remainingSpendCents(50_000, 'perTransaction', 0), 50_000);
    assert.equal(remainingSpendCents(50_000, 'perTransaction', 1_000_000), 50_000);
  });

  it('windowed limits subtract the spend and never go below zero', () => {
    for (const frequency of ['per24HourPeriod', 'perWeek', 'perMonth', 'perYear', 'allTime'] as const) {
      assert.equal(remainingSpendCents(50_000, frequency, 0), 50_000);
      assert.equal(remainingSpendCents(50_000, frequency, 49_999), 1);
      assert.equal(remainingSpendCents(50_000, frequency, 50_000), 0);
      assert.equal(remainingSpendCents(50_000, frequency, 70_000), 0);
      assert.equal(remainingSpendCents(0, frequency, 0), 0);
    }
  });

  it('refuses negative or fractional amounts', () => {
    assert.throws(() => remainingSpendCents(-1, 'perMonth', 0), RangeError);
    assert.throws(() => remainingSpendCents(100, 'perMonth', -1), RangeError);
    assert.throws(() => remainingSpendCents(100.5, 'perMonth', 0), RangeError);
  });
});
