// Work that falls due as an environment's time passes: deposit confirmations now; settlement, expiries and
// sweeps in later modules. It runs in the transaction that advances the sandbox clock (so tests see its effect at
// once) and from the background timer as wall-clock time passes. Each step must be idempotent.
import type { AppContext } from '../app-context.js';
import { environmentTimeMs } from '../domain/clock.js';
import type { Environment } from '../domain/environment.js';
import { closeExpiredCards } from '../modules/cards/service.js';
import { expireDueChallenges } from '../modules/challenges/service.js';
import { completeConfirmedDeposits } from '../modules/funding/service.js';
import { expireDueIntents } from '../modules/intents/service.js';
import type { Scope } from '../domain/scope.js';
import { expireDueAuthorizations, settleDueTransactions } from '../network/due.js';
import type { Sql } from '../store/database.js';

export type DueWorkStep = (tx: Sql, scope: Scope, nowMs: number) => Promise<number>;

/** The steps, in order. */
export const dueWorkSteps: Array<{ name: string; run: DueWorkStep }> = [
  // First: completing a challenge locks it before the agent, card and accounts, so expiry takes it first too.
  { name: 'challengesExpired', run: expireDueChallenges },
  { name: 'depositsCompleted', run: completeConfirmedDeposits },
  { name: 'cardsExpired', run: closeExpiredCards },
  { name: 'intentsExpired', run: expireDueIntents },
  { name: 'transactionsSettled', run: settleDueTransactions },
  { name: 'authorizationsExpired', run: expireDueAuthorizations },
];

export async function runDueWork(tx: Sql, scope: Scope, nowMs: number): Promise<Record<string, number>> {
  const done: Record<string, number> = {};
  for (const step of dueWorkSteps) done[step.name] = await step.run(tx, scope, nowMs);
  return done;
}

export const dueWorkIntervalMs = 1_000;

/** Runs due work for every organization and environment, each in its own transaction. */
export async function runDueWorkEverywhere(app: AppContext): Promise<void> {
  const clocks = await app.db.all<{ organization_id: string; environment: Environment; offset_ms: number }>('SELECT organization_id, environment, offset_ms FROM environment_clocks');
  const wallClockMs = app.clock.nowMs();
  for (const clock of clocks) {
    const scope: Scope = { organizationId: clock.organization_id, environment: clock.environment };
    await app.db.transaction((tx) => runDueWork(tx, scope, environmentTimeMs(wallClockMs, clock.environment, clock.offset_ms)));
  }
}

export function startDueWorkTimer(app: AppContext): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runDueWorkEverywhere(app)
      .catch((error: unknown) => app.logger.warn({ err: error }, 'due work failed'))
      .finally(() => {
        running = false;
      });
  }, dueWorkIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
