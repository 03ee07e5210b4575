// Work that falls due as an environment's time passes: challenge, card and intent expiry, deposit confirmations,
// scheduled settlement and authorization expiry. It runs for one scope in one transaction: the one that advances the
// sandbox clock (so tests see its effect at once), and the background timer's (src/workers/due-work.ts) as
// wall-clock time passes. Each step must be idempotent.
import type { Scope } from '../domain/scope.js';
import { expireDueAuthorizations, settleDueTransactions } from '../network/due.js';
import type { Sql } from '../store/database.js';
import { closeExpiredCards } from './cards/service.js';
import { expireDueChallenges } from './challenges/service.js';
import { completeConfirmedDeposits } from './funding/service.js';
import { expireDueIntents } from './intents/service.js';

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
