// The budget warning's pure rule (src/domain/limit-warnings.ts): the threshold in integers, and which window was
// already warned about.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isLaterWindow, limitWarningDue, spendReachesThreshold, type LimitWarningFacts } from '../../src/domain/limit-warnings.js';
import { dayMs, spendingLimitFrequencies, spendWindow } from '../../src/domain/limit-windows.js';

const at = (iso: string): number => Date.parse(iso);

describe('spendReachesThreshold', () => {
  it('compares in basis points, without float rounding', () => {
    assert.equal(spendReachesThreshold(7_999, 10_000, 8_000), false);
    assert.equal(spendReachesThreshold(8_000, 10_000, 8_000), true);
    // 0.7 × 100 is 70.00000000000001 in floating point; in basis points 70 cents is exactly 70 %.
    assert.equal(spendReachesThreshold(70, 100, 7_000), true);
    assert.equal(spendReachesThreshold(69, 100, 7_000), false);
    assert.equal(spendReachesThreshold(100_000_000_000, 100_000_000_000, 10_000), true);
  });

  it('agrees with exact rational comparison for any spend, limit and share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000_000_000 }), fc.integer({ min: 0, max: 100_000_000_000 }), fc.integer({ min: 1, max: 10_000 }), (spend, limit, bps) => {
        assert.equal(spendReachesThreshold(spend, limit, bps), BigInt(spend) * 10_000n >= BigInt(limit) * BigInt(bps));
      }),
    );
  });
});

describe('isLaterWindow', () => {
  it('calendar windows are the same exactly when they start together; allTime has one window', () => {
    const march = spendWindow('perMonth', at('2026-03-10T00:00:00.000Z'))!;
    assert.equal(isLaterWindow('perMonth', march.startMs, spendWindow('perMonth', at('2026-03-31T23:59:59.999Z'))!), false);
    assert.equal(isLaterWindow('perMonth', march.startMs, spendWindow('perMonth', at('2026-04-01T00:00:00.000Z'))!), true);
    const allTime = spendWindow('allTime', at('2026-03-10T00:00:00.000Z'))!;
    assert.equal(isLaterWindow('allTime', allTime.startMs, spendWindow('allTime', at('2099-01-01T00:00:00.000Z'))!), false);
  });

  it('a rolling 24 hours is a new window once it no longer overlaps the warned one', () => {
    const warnedAtMs = at('2026-03-10T12:00:00.000Z');
    const warned = spendWindow('per24HourPeriod', warnedAtMs)!;
    assert.equal(isLaterWindow('per24HourPeriod', warned.startMs, spendWindow('per24HourPeriod', warnedAtMs + dayMs - 1)!), false);
    assert.equal(isLaterWindow('per24HourPeriod', warned.startMs, spendWindow('per24HourPeriod', warnedAtMs + dayMs)!), true);
  });
});

describe('limitWarningDue', () => {
  const facts = (overrides: Partial<LimitWarningFacts>): LimitWarningFacts => ({
    frequency: 'perMonth',
    limitCents: 10_000,
    thresholdBps: 8_000,
    spendCents: 8_000,
    window: spendWindow('perMonth', at('2026-03-10T00:00:00.000Z')),
    warnedWindowStartMs: null,
    ...overrides,
  });

  it('is due at the threshold when the window was not warned about', () => {
    assert.equal(limitWarningDue(facts({})), true);
    assert.equal(limitWarningDue(facts({ spendCents: 7_999 })), false);
    assert.equal(limitWarningDue(facts({ warnedWindowStartMs: at('2026-03-01T00:00:00.000Z') })), false);
    assert.equal(limitWarningDue(facts({ warnedWindowStartMs: at('2026-02-01T00:00:00.000Z') })), true);
  });

  it('is never due without a limit or without a window (perTransaction)', () => {
    assert.equal(limitWarningDue(facts({ limitCents: null, spendCents: 1_000_000 })), false);
    assert.equal(limitWarningDue(facts({ frequency: 'perTransaction', window: null })), false);
  });

  it('is due at most once per window, whatever the sequence of spends', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...spendingLimitFrequencies.filter((frequency) => frequency !== 'perTransaction')),
        fc.array(fc.record({ afterMs: fc.integer({ min: 0, max: 3 * dayMs }), amountCents: fc.integer({ min: 1, max: 5_000 }) }), { maxLength: 40 }),
        (frequency, steps) => {
          let nowMs = at('2026-03-10T00:00:00.000Z');
          let warnedWindowStartMs: number | null = null;
          const spends: Array<{ atMs: number; amountCents: number }> = [];
          const warnedWindows: number[] = [];
          for (const step of steps) {
            nowMs += step.afterMs;
            spends.push({ atMs: nowMs, amountCents: step.amountCents });
            const window = spendWindow(frequency, nowMs)!;
            const spendCents = spends.filter((spend) => spend.atMs >= window.startMs).reduce((sum, spend) => sum + spend.amountCents, 0);
            if (limitWarningDue({ frequency, limitCents: 10_000, thresholdBps: 8_000, spendCents, window, warnedWindowStartMs })) {
              if (warnedWindowStartMs !== null) assert.ok(isLaterWindow(frequency, warnedWindowStartMs, window));
              warnedWindowStartMs = window.startMs;
              warnedWindows.push(window.startMs);
            }
          }
          // Calendar windows: each start at most once. Rolling: warnings at least 24 hours apart.
          if (frequency === 'per24HourPeriod') {
            for (let index = 1; index < warnedWindows.length; index += 1) assert.ok(warnedWindows[index]! - warnedWindows[index - 1]! >= dayMs);
          } else {
            assert.equal(new Set(warnedWindows).size, warnedWindows.length);
          }
        },
      ),
    );
  });
});
