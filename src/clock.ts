// The wall clock and a manual clock for tests. Everything else receives a Clock.
import type { Clock } from './domain/clock.js';

export const systemClock: Clock = { nowMs: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private currentMs: number = Date.UTC(2026, 0, 5, 12, 0, 0)) {}
  nowMs(): number {
    return this.currentMs;
  }
  advanceMs(deltaMs: number): void {
    this.currentMs += deltaMs;
  }
  setMs(timeMs: number): void {
    this.currentMs = timeMs;
  }
}
