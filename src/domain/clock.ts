// Time is passed in: domain code never reads the system clock. A Clock is what the edges hold.
import type { Environment } from './environment.js';

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** The time an environment sees: live runs on the wall clock, sandbox adds its advanced offset. */
export function environmentTimeMs(wallClockMs: number, environment: Environment, sandboxOffsetMs: number): number {
  return environment === 'sandbox' ? wallClockMs + sandboxOffsetMs : wallClockMs;
}
