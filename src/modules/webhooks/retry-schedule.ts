// When a failed delivery is tried again (SPEC §6): about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each
// failure, each ±10 % so that receivers coming back from an outage are not hit by every retry at once. Eight
// attempts in all; after the eighth fails the delivery is `failed`. Times are the organization environment's, so an
// advanced sandbox clock makes a retry due.

const second = 1_000;
const minute = 60 * second;
const hour = 60 * minute;

export const retryDelaysMs: readonly number[] = [5 * second, 5 * minute, 30 * minute, 2 * hour, 5 * hour, 10 * hour, 10 * hour];
export const attemptsMax = retryDelaysMs.length + 1;
export const retryJitterFraction = 0.1;

/**
 * The environment time of the next attempt after attempt `attemptNumber` (1-based) failed at `nowMs`, or undefined
 * when it was the last. `random` is in [0, 1).
 */
export function nextAttemptAtMs(attemptNumber: number, nowMs: number, random: number = Math.random()): number | undefined {
  const delayMs = retryDelaysMs[attemptNumber - 1];
  if (delayMs === undefined) return undefined;
  const jitter = 1 + retryJitterFraction * (2 * random - 1);
  return nowMs + Math.round(delayMs * jitter);
}
