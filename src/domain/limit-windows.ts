// Agent spending-limit windows (SPEC §4): which stretch of time a limit of each frequency counts spend over, and
// what is left of it. Pure: the time is passed in. Calendar windows are UTC and weeks start on Monday.

export const spendingLimitFrequencies = ['perTransaction', 'per24HourPeriod', 'perWeek', 'perMonth', 'perYear', 'allTime'] as const;
export type SpendingLimitFrequency = (typeof spendingLimitFrequencies)[number];

/**
 * The spend that counts against a limit: authorizations created at or after `startMs`. Calendar windows end at
 * `endMs` (exclusive, the start of the next period); a rolling window ends now (`endMs` is the time asked about,
 * inclusive); `allTime` has no end (`null`). Every window contains the time it was computed for.
 */
export interface SpendWindow {
  startMs: number;
  endMs: number | null;
}

export const dayMs = 24 * 60 * 60 * 1000;
export const weekMs = 7 * dayMs;

/** The window a limit of `frequency` counts at `nowMs`; `perTransaction` limits each authorization alone and has none. */
export function spendWindow(frequency: SpendingLimitFrequency, nowMs: number): SpendWindow | null {
  // Product times are never before 1970, and allTime's window starts at the epoch.
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new RangeError(`nowMs must be non-negative epoch milliseconds, got ${nowMs}`);
  const now = new Date(nowMs);
  switch (frequency) {
    case 'perTransaction':
      return null;
    case 'per24HourPeriod':
      return { startMs: nowMs - dayMs, endMs: nowMs };
    case 'perWeek': {
      const todayStartMs = Math.floor(nowMs / dayMs) * dayMs;
      const daysSinceMonday = (now.getUTCDay() + 6) % 7; // getUTCDay: 0 = Sunday … 6 = Saturday
      const startMs = todayStartMs - daysSinceMonday * dayMs;
      return { startMs, endMs: startMs + weekMs };
    }
    case 'perMonth':
      return { startMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), endMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) };
    case 'perYear':
      return { startMs: Date.UTC(now.getUTCFullYear(), 0, 1), endMs: Date.UTC(now.getUTCFullYear() + 1, 0, 1) };
    case 'allTime':
      return { startMs: 0, endMs: null };
  }
}

/**
 * What an agent may still spend: for `perTransaction` the limit itself (each authorization is judged alone), else
 * the limit less the window's spend, never below zero. An authorization of `amountCents` is within the limit
 * exactly when `amountCents <= remaining`. No limit → `null` (unlimited).
 */
export function remainingSpendCents(spendingLimitCents: number | null, frequency: SpendingLimitFrequency, currentSpendCents: number): number | null {
  if (spendingLimitCents === null) return null;
  if (!Number.isSafeInteger(spendingLimitCents) || spendingLimitCents < 0) throw new RangeError(`spending limit must be a non-negative integer of cents, got ${spendingLimitCents}`);
  if (!Number.isSafeInteger(currentSpendCents) || currentSpendCents < 0) throw new RangeError(`current spend must be a non-negative integer of cents, got ${currentSpendCents}`);
  if (frequency === 'perTransaction') return spendingLimitCents;
  return Math.max(0, spendingLimitCents - currentSpendCents);
}
