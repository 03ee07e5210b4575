// Load shapes. Open loop: arrivals scheduled at a fixed rate by a timer, whatever the system's state, and each
// request's latency measured from its *scheduled* arrival time (so a stall delays the requests queued behind it and
// shows in the tail, instead of silently lowering the offered load as a closed loop would: no coordinated omission).
// Closed loop: N callers, each starting its next request when the previous one answers (throughput).
import { LatencyRecorder, type LatencySummary } from './stats.js';

export interface OpenLoopOptions {
  ratePerSecond: number;
  durationMs: number;
  /** Arrivals finding this many requests already unanswered are dropped (counted): it bounds a saturated run. */
  maxOutstanding: number;
  /** Waiting for the last arrivals to finish is bounded too. */
  drainTimeoutMs: number;
  fire: (index: number) => Promise<boolean>;
}

export interface OpenLoopResult {
  offeredPerSecond: number;
  scheduled: number;
  completed: number;
  /** fire() resolved false or rejected. */
  failed: number;
  /** Arrivals not sent because maxOutstanding requests were already waiting. */
  dropped: number;
  /** Arrivals still unanswered when the drain timeout passed (their age then is recorded as their latency). */
  unfinished: number;
  completedPerSecond: number;
  latency: LatencySummary;
}

export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.floor((options.ratePerSecond * options.durationMs) / 1000);
  const intervalMs = 1000 / options.ratePerSecond;
  const latencies = new LatencyRecorder(total);
  const done = new Uint8Array(total);
  let issued = 0;
  let outstanding = 0;
  let completed = 0;
  let failed = 0;
  let dropped = 0;
  let lastCompletionMs = 0;
  const start = performance.now();
  const scheduledAt = (index: number) => start + index * intervalMs;

  const finish = (index: number, ok: boolean) => {
    if (done[index] === 1) return;
    done[index] = 1;
    const now = performance.now();
    latencies.record(now - scheduledAt(index));
    lastCompletionMs = now;
    outstanding -= 1;
    completed += 1;
    if (!ok) failed += 1;
  };
  const launch = (index: number) => {
    if (outstanding >= options.maxOutstanding) {
      done[index] = 2;
      dropped += 1;
      return;
    }
    outstanding += 1;
    options.fire(index).then(
      (ok) => finish(index, ok),
      () => finish(index, false),
    );
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (issued < due) launch(issued++);
      if (issued < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const drainDeadline = performance.now() + options.drainTimeoutMs;
  while (outstanding > 0 && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 2));
  const unfinished = outstanding;
  if (unfinished > 0) {
    const now = performance.now();
    for (let index = 0; index < total; index += 1) if (done[index] === 0) latencies.record(now - scheduledAt(index));
  }
  const endMs = unfinished === 0 && completed > 0 ? lastCompletionMs : performance.now();
  return {
    offeredPerSecond: options.ratePerSecond,
    scheduled: total,
    completed,
    failed,
    dropped,
    unfinished,
    completedPerSecond: (completed * 1000) / (endMs - start),
    latency: latencies.summary(),
  };
}

export interface ClosedLoopOptions {
  concurrency: number;
  durationMs: number;
  maxCount: number;
  fire: (index: number) => Promise<boolean>;
}

export interface ClosedLoopResult {
  concurrency: number;
  completed: number;
  failed: number;
  elapsedMs: number;
  perSecond: number;
  /** Throughput of the first and the last fifth of the run: a drop shows work that grows with the data. */
  firstFifthPerSecond: number;
  lastFifthPerSecond: number;
  latency: LatencySummary;
}

/**
 * Closed loop: `concurrency` callers, each starting its next request when the previous one answers, until the
 * time or the count is used up. The callers check the clock themselves: with an in-process database the whole run
 * can proceed in microtasks without ever yielding to a timer.
 */
export async function closedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const latencies = new LatencyRecorder(options.maxCount);
  const completionTimes = new Float64Array(options.maxCount);
  let started = 0;
  let completed = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + options.durationMs;
  const caller = async () => {
    while (started < options.maxCount && performance.now() < deadline) {
      const index = started++;
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await options.fire(index);
      } catch {
        ok = false;
      }
      const now = performance.now();
      latencies.record(now - t0);
      completionTimes[completed] = now - start;
      completed += 1;
      if (!ok) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  const elapsedMs = performance.now() - start;
  const fifth = elapsedMs / 5;
  let first = 0;
  let last = 0;
  for (let index = 0; index < completed; index += 1) {
    const at = completionTimes[index]!;
    if (at < fifth) first += 1;
    else if (at >= elapsedMs - fifth) last += 1;
  }
  return {
    concurrency: options.concurrency,
    completed,
    failed,
    elapsedMs,
    perSecond: (completed * 1000) / elapsedMs,
    firstFifthPerSecond: (first * 1000) / fifth,
    lastFifthPerSecond: (last * 1000) / fifth,
    latency: latencies.summary(),
  };
}
