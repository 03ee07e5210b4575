// The budget warning (SPEC §11 Webhooks, `agent.limit_warning`): whether an agent's spend has reached the share of its
// spending limit it asked to be warned at, and whether the window it is in was already warned about. Pure: spend,
// limit and windows are passed in. Shares are basis points (8000 = 80 %) so no float ever meets cents.
import { dayMs, type SpendWindow, type SpendingLimitFrequency } from './limit-windows.js';

export const basisPointsPerUnit = 10_000;
/** 80 %: SPEC §11's default. */
export const defaultLimitWarningThresholdBps = 8_000;

/** Whether `spendCents` is at or above `thresholdBps` of `limitCents`, in integers (cents × 10,000 stays below 2^53). */
export function spendReachesThreshold(spendCents: number, limitCents: number, thresholdBps: number): boolean {
  const spendScaled = spendCents * basisPointsPerUnit;
  const thresholdScaled = limitCents * thresholdBps;
  if (!Number.isSafeInteger(spendScaled) || !Number.isSafeInteger(thresholdScaled)) {
    throw new RangeError(`spend ${spendCents} or limit ${limitCents} × ${thresholdBps} bps is outside the safe integer range`);
  }
  return spendScaled >= thresholdScaled;
}

/**
 * Whether `current` is another window than the one that started at `warnedStartMs`. Calendar windows (and allTime's
 * single one) are the same window exactly when they start together. A rolling 24 hours is a new window once it no
 * longer overlaps the warned one: 24 hours after the warning, when none of the spend that caused it still counts.
 */
export function isLaterWindow(frequency: SpendingLimitFrequency, warnedStartMs: number, current: SpendWindow): boolean {
  if (frequency === 'per24HourPeriod') return current.startMs >= warnedStartMs + dayMs;
  return current.startMs > warnedStartMs;
}

export interface LimitWarningFacts {
  frequency: SpendingLimitFrequency;
  /** null: no limit, nothing to warn about. */
  limitCents: number | null;
  thresholdBps: number;
  /** The window's spend including the authorization just approved. */
  spendCents: number;
  /** null for perTransaction: each authorization is judged alone, so there is no budget to run down. */
  window: SpendWindow | null;
  /** Start of the last window warned about; null when none was (or the limit changed since). */
  warnedWindowStartMs: number | null;
}

/** A warning is due when the spend has reached the threshold and this window has not been warned about yet. */
export function limitWarningDue(facts: LimitWarningFacts): boolean {
  if (facts.limitCents === null || facts.window === null) return false;
  if (!spendReachesThreshold(facts.spendCents, facts.limitCents, facts.thresholdBps)) return false;
  return facts.warnedWindowStartMs === null || isLaterWindow(facts.frequency, facts.warnedWindowStartMs, facts.window);
}
