// The authorization engine in process (src/network/engine.ts: authorizations arriving together are decided as one
// batch in one transaction), as the HTTP route runs it, on the durable SQLite store (WAL, synchronous=FULL). Throughput with N callers in flight (closed loop) and
// decision latency at a fixed offered rate (open loop).
import type { AuthorizationRequest, NetworkSettings } from '../src/network/authorize.js';
import { AuthorizationEngine } from '../src/network/engine.js';
import type { Scope } from '../src/domain/scope.js';
import type { Database } from '../src/store/database.js';
import { closedLoop, openLoop, type ClosedLoopResult, type OpenLoopResult } from './lib/open-loop.js';
import type { BenchCard } from './lib/population.js';
import { seededRandom } from './lib/random.js';

export type CardForm = 'pan' | 'cardId';

/** Mean of the uniform $1.00–$49.99 amounts drawn here and by the HTTP load generator (bench/http-load.ts). */
export const meanAmountCents = 2_550;

/** A purchase of $1.00–$50.00 with the card as a merchant presents it (PAN, CVV, expiry) or by id. */
export function requestFor(card: BenchCard, form: CardForm, random: () => number): AuthorizationRequest {
  const amountCents = 100 + Math.floor(random() * 4_900);
  const merchant = { name: card.merchant };
  return form === 'cardId'
    ? { cardId: card.id, amountCents, currency: 'USD', merchant }
    : { pan: card.pan, cvv: card.cvv, expirationMonth: card.expirationMonth, expirationYear: card.expirationYear, amountCents, currency: 'USD', merchant };
}

export interface EngineTarget {
  db: Database;
  scope: Scope;
  settings: NetworkSettings;
  cards: readonly BenchCard[];
  form: CardForm;
}

export interface DecisionCounts {
  approved: number;
  declined: Map<string, number>;
}

export function newCounts(): DecisionCounts {
  return { approved: 0, declined: new Map() };
}

export function describeDeclines(counts: DecisionCounts): string {
  if (counts.declined.size === 0) return 'none';
  return [...counts.declined].map(([code, count]) => `${code} ${count}`).join(', ');
}

function decider(target: EngineTarget, counts: DecisionCounts, seed: number) {
  const random = seededRandom(seed);
  const engine = new AuthorizationEngine(target.db, target.settings);
  return async (): Promise<boolean> => {
    const card = target.cards[Math.floor(random() * target.cards.length)]!;
    const request = requestFor(card, target.form, random);
    const transaction = await engine.authorize(target.scope, request, Date.now());
    if (transaction.status === 'pending') counts.approved += 1;
    else counts.declined.set(transaction.declineReason ?? 'unknown', (counts.declined.get(transaction.declineReason ?? 'unknown') ?? 0) + 1);
    return true;
  };
}

export async function engineThroughput(target: EngineTarget, options: { concurrency: number; durationMs: number; maxCount: number; seed: number }): Promise<ClosedLoopResult & { counts: DecisionCounts }> {
  const counts = newCounts();
  const result = await closedLoop({ concurrency: options.concurrency, durationMs: options.durationMs, maxCount: options.maxCount, fire: decider(target, counts, options.seed) });
  return { ...result, counts };
}

export async function engineLatency(
  target: EngineTarget,
  options: { ratePerSecond: number; durationMs: number; maxOutstanding: number; drainTimeoutMs: number; seed: number },
): Promise<OpenLoopResult & { counts: DecisionCounts }> {
  const counts = newCounts();
  const result = await openLoop({ ...options, fire: decider(target, counts, options.seed) });
  return { ...result, counts };
}
