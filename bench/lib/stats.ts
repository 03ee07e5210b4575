// Latency and throughput arithmetic for the benchmarks: percentiles of recorded latencies and number formatting.

/** Latencies in milliseconds, recorded into a fixed-size buffer (the count is bounded by the caller). */
export class LatencyRecorder {
  private readonly values: Float64Array;
  private length = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(capacity);
  }
  record(valueMs: number): void {
    if (this.length < this.values.length) this.values[this.length++] = valueMs;
  }
  get count(): number {
    return this.length;
  }
  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.length).sort();
    const at = (fraction: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!);
    return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]! };
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function formatRate(perSecond: number): string {
  return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
}

export function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

export function formatCount(count: number): string {
  return Math.round(count).toLocaleString('en-US');
}

/** Progress on stderr, so the table on stdout stays clean. */
export function progress(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}
