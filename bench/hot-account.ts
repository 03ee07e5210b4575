// The hot account: one user, one agent, 100 multi-use cards, all authorizing at once. Every decision locks the
// same three ledger accounts (available, reserved, held) and the same agent. The user is funded for only about
// half of what is attempted, so the run crosses the point where money runs out: after it, zero overspend means
// exactly the approved amounts are held, no balance went negative and the ledger's invariants all hold. The same
// checks (`overspendChecks`) follow the PostgreSQL hot account (bench/postgres.ts).
import { verifyLedger, type LedgerReport } from '../src/ledger/verify.js';
import { userAccountId } from '../src/ledger/accounts.js';
import { cardsFollowAgentStatus } from '../src/modules/cards/service.js';
import type { NetworkSettings } from '../src/network/authorize.js';
import { closedLoop, type ClosedLoopResult } from './lib/open-loop.js';
import { arrangePopulation, type TempDatabase } from './lib/population.js';
import { newCounts, requestFor, type DecisionCounts } from './engine.js';
import { seededRandom } from './lib/random.js';
import { AuthorizationEngine } from '../src/network/engine.js';
import type { Secrets } from '../src/secrets.js';
import type { Database } from '../src/store/database.js';

export interface HotAccountResult extends ClosedLoopResult {
  counts: DecisionCounts;
  fundedCents: number;
  approvedCents: number;
  balances: { available: number; reserved: number; held: number };
  /** Problems found: the ledger's own invariants plus the overspend checks of this run. */
  problems: string[];
  ledger: LedgerReport;
}

export async function hotAccount(
  temp: TempDatabase,
  secrets: Secrets,
  options: { cards: number; concurrency: number; attempts: number; durationMs: number; fundsCents: number; cardMaxAmountCents: number; seed: number },
): Promise<HotAccountResult> {
  const { db } = temp;
  const population = await arrangePopulation(db, secrets, {
    users: 1,
    cardsPerUser: options.cards,
    fundsPerUserCents: options.fundsCents,
    cardMaxAmountCents: options.cardMaxAmountCents,
    nowMs: Date.now(),
  });
  const settings: NetworkSettings = { secrets, settlementDelayMs: 86_400_000, followAgentStatus: cardsFollowAgentStatus };
  const engine = new AuthorizationEngine(db, settings);
  const counts = newCounts();
  let approvedCents = 0;
  const random = seededRandom(options.seed);
  const result = await closedLoop({
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    maxCount: options.attempts,
    fire: async () => {
      const card = population.cards[Math.floor(random() * population.cards.length)]!;
      const request = requestFor(card, 'pan', random);
      const transaction = await engine.authorize(population.scope, request, Date.now());
      if (transaction.status === 'pending') {
        counts.approved += 1;
        approvedCents += transaction.amountCents;
      } else {
        counts.declined.set(transaction.declineReason ?? 'unknown', (counts.declined.get(transaction.declineReason ?? 'unknown') ?? 0) + 1);
      }
      return true;
    },
  });

  const checks = await overspendChecks(db, population.userIds[0]!, options.fundsCents, approvedCents);
  return { ...result, counts, fundedCents: options.fundsCents, approvedCents, ...checks };
}

/**
 * After a hot-account run, on either store: the ledger's invariants (`verifyLedger`, the whole database), then the
 * overspend checks of the one user: no more approved than funded, held = the approved amounts, available + reserved +
 * held = the funding, and no balance negative.
 */
export async function overspendChecks(
  db: Database,
  userId: string,
  fundedCents: number,
  approvedCents: number,
): Promise<{ balances: HotAccountResult['balances']; problems: string[]; ledger: LedgerReport }> {
  const balanceOf = async (kind: 'available' | 'reserved' | 'held') =>
    (await db.get<{ balance: number }>('SELECT balance FROM ledger_accounts WHERE id = ?', [userAccountId(userId, kind)]))!.balance;
  const balances = { available: await balanceOf('available'), reserved: await balanceOf('reserved'), held: await balanceOf('held') };
  const ledger = await verifyLedger(db);
  const problems = [...ledger.problems];
  if (approvedCents > fundedCents) problems.push(`approved ${approvedCents} cents of ${fundedCents} funded: overspend`);
  if (balances.held !== approvedCents) problems.push(`held is ${balances.held} cents, approved authorizations total ${approvedCents}`);
  if (balances.available + balances.reserved + balances.held !== fundedCents) {
    problems.push(`available + reserved + held = ${balances.available + balances.reserved + balances.held}, funded ${fundedCents}`);
  }
  for (const [kind, balance] of Object.entries(balances)) if (balance < 0) problems.push(`${kind} is negative: ${balance}`);
  return { balances, problems, ledger };
}
