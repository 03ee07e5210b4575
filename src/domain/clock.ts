// Time is passed in: domain code never reads the system clock. A Clock is what the edges hold.
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

export type Environment = 'sandbox' | 'live';
export const environments: readonly Environment[] = ['sandbox', 'live'];

/** The time an environment sees: live runs on the wall clock, sandbox adds its advanced offset. */
export function environmentTimeMs(wallClockMs: number, environment: Environment, sandboxOffsetMs: number): number {
  return environment === 'sandbox' ? wallClockMs + sandboxOffsetMs : wallClockMs;
}
