// Many authorizations at once against one user's money (SPEC §5 "Concurrency": under any number of concurrent
// authorizations no balance goes below zero and no limit is exceeded). Each authorization is its own
// `db.transaction`, all started together: SQLite commits them in groups, PostgreSQL runs them over its pool of
// connections and serialises them with its row locks (agent → card → ledger accounts).
//
// After each burst: the approved total fits the funds and every limit, each decline names the constraint that
// really bound (judged on the final state, which is enough because nothing here gives money or headroom back:
// a card's reservation plus available and every spend only move one way), balances are never negative, held is
// the sum of the pending transactions and verifyLedger finds nothing. Where the outcome does not depend on the
// order the database picked, the exact count is asserted too.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { SpendingLimitFrequency } from '../../src/domain/limit-windows.js';
import { readUserBalances } from '../../src/ledger/balances.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { registerAgent } from '../../src/modules/agents/service.js';
import { createCardBody } from '../../src/modules/cards/schemas.js';
import { cardsFollowAgentStatus, createCard } from '../../src/modules/cards/service.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import type { Scope } from '../../src/domain/scope.js';
import type { Transaction } from '../../src/modules/transactions/service.js';
import { authorize } from '../../src/network/authorize.js';
import { testSecrets } from '../../src/secrets.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const secrets = testSecrets();
const network = { secrets, settlementDelayMs: 86_400_000, followAgentStatus: cardsFollowAgentStatus };
/** A Wednesday, mid-month and mid-day: every limit window (day, 24 h, month, all time) holds the whole burst. */
const nowMs = Date.UTC(2026, 2, 11, 12);

interface CardPlan {
  maxAmount: number;
  perDay?: number;
  perMonth?: number;
}

interface AgentPlan {
  spendingLimit?: number;
  frequency?: SpendingLimitFrequency;
  onLimitExceeded?: 'none' | 'notify';
  cards: CardPlan[];
}

interface Arranged {
  scope: Scope;
  userId: string;
  fundsCents: number;
  agents: Array<AgentPlan & { id: string }>;
  cards: Array<CardPlan & { id: string; agent: number }>;
}

interface Attempt {
  card: number;
  amountCents: number;
}

interface Outcome extends Attempt {
  transaction: Transaction;
}

/** mulberry32: a small seeded generator, so a failing burst can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function between(next: () => number, min: number, max: number): number {
  return min + Math.floor(next() * (max - min + 1));
}

function shuffle<T>(items: T[], next: () => number): T[] {
  const shuffled = [...items];
  for (let index = shuffled.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
  }
  return shuffled;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** One approved user funded with `fundsCents`; the agents and their multi-use cards (drift off) created concurrently. */
async function arrange(store: TestDatabase, name: string, fundsCents: number, agentPlans: AgentPlan[]): Promise<Arranged> {
  const { db } = store;
  const { organization } = await initializeOrganization(db, name, nowMs);
  const scope: Scope = { organizationId: organization.id, environment: 'sandbox' };
  const userId = await createApprovedUser(db, scope, nowMs);
  await fundUser(db, scope, userId, fundsCents, nowMs);
  const agents = await Promise.all(
    agentPlans.map(async (plan, index) => {
      const { agent } = await db.transaction((tx) =>
        registerAgent(
          tx,
          scope,
          { userId, name: `buyer-${index}`, spendingLimit: plan.spendingLimit ?? null, spendingLimitFrequency: plan.frequency, onLimitExceeded: plan.onLimitExceeded },
          nowMs,
        ),
      );
      return { ...plan, id: agent.id };
    }),
  );
  const plannedCards = agents.flatMap((agent, index) => agent.cards.map((card) => ({ ...card, agent: index })));
  const cards = await Promise.all(
    plannedCards.map(async (plan) => {
      const input = createCardBody.parse({
        purpose: 'office supplies',
        type: 'multi',
        maxAmount: plan.maxAmount,
        merchantDriftEnabled: false,
        limits: plan.perDay === undefined && plan.perMonth === undefined ? undefined : { perDay: plan.perDay, perMonth: plan.perMonth },
      });
      const card = await db.transaction((tx) => createCard(tx, scope, secrets, agents[plan.agent]!.id, input, nowMs));
      return { ...plan, id: card.id };
    }),
  );
  const balances = await readUserBalances(db, userId);
  assert.deepEqual(balances, { availableCents: fundsCents - sum(cards.map((card) => card.maxAmount)), reservedCents: sum(cards.map((card) => card.maxAmount)), heldCents: 0, debtCents: 0 });
  return { scope, userId, fundsCents, agents, cards };
}

/** Fires every attempt at once, each in its own database transaction. */
async function burst(store: TestDatabase, arranged: Arranged, attempts: Attempt[]): Promise<{ outcomes: Outcome[]; elapsedMs: number }> {
  const started = performance.now();
  const transactions = await Promise.all(
    attempts.map((attempt) =>
      store.db.transaction((tx) =>
        authorize(tx, arranged.scope, network, { cardId: arranged.cards[attempt.card]!.id, amountCents: attempt.amountCents, currency: 'USD', merchant: { name: 'Acme Office Supplies' } }, nowMs),
      ),
    ),
  );
  const elapsedMs = performance.now() - started;
  return { outcomes: attempts.map((attempt, index) => ({ ...attempt, transaction: transactions[index]! })), elapsedMs };
}

/**
 * Everything that must hold after a burst, whatever order the database chose. Returns how many were approved and
 * the count of each decline code.
 */
async function assertSound(store: TestDatabase, arranged: Arranged, outcomes: Outcome[]): Promise<{ approved: number; approvedCents: number; declines: Record<string, number> }> {
  const { db } = store;
  const balances = await readUserBalances(db, arranged.userId);
  assert.ok(balances.availableCents >= 0 && balances.reservedCents >= 0 && balances.heldCents >= 0, `a balance went negative: ${JSON.stringify(balances)}`);
  assert.equal(balances.debtCents, 0);

  const approved = outcomes.filter((outcome) => outcome.transaction.status === 'pending');
  const declined = outcomes.filter((outcome) => outcome.transaction.status === 'declined');
  assert.equal(approved.length + declined.length, outcomes.length, 'every authorization is approved (pending) or declined');
  for (const outcome of outcomes) assert.equal(outcome.transaction.amountCents, outcome.amountCents);
  const approvedCents = sum(approved.map((outcome) => outcome.amountCents));

  // Funds: nothing created or lost, nothing spent beyond them, and held is exactly the pending authorizations.
  assert.ok(approvedCents <= arranged.fundsCents, `approved ${approvedCents} of ${arranged.fundsCents}`);
  assert.equal(balances.availableCents + balances.reservedCents + balances.heldCents, arranged.fundsCents);
  assert.equal(balances.heldCents, approvedCents);
  const stored = await db.all<{ status: string; count: number; total: number | null }>('SELECT status, COUNT(*) AS count, SUM(amount) AS total FROM transactions WHERE user_id = ? GROUP BY status ORDER BY status', [
    arranged.userId,
  ]);
  assert.deepEqual(
    stored.map((row) => ({ status: row.status, count: Number(row.count), total: Number(row.total ?? 0) })),
    [
      ...(declined.length > 0 ? [{ status: 'declined', count: declined.length, total: sum(declined.map((outcome) => outcome.amountCents)) }] : []),
      ...(approved.length > 0 ? [{ status: 'pending', count: approved.length, total: balances.heldCents }] : []),
    ],
  );

  // Reservations: the cards' add up to reserved.
  const rows = await db.all<{ id: string; reservation: number }>('SELECT id, reservation FROM cards WHERE user_id = ?', [arranged.userId]);
  const reservationOf = new Map(rows.map((row) => [row.id, Number(row.reservation)]));
  assert.equal(sum([...reservationOf.values()]), balances.reservedCents);

  // Limits: maxAmount per authorization, the card's day and month, the agent's window.
  const cardSpent = arranged.cards.map((_, index) => sum(approved.filter((outcome) => outcome.card === index).map((outcome) => outcome.amountCents)));
  const agentSpent = arranged.agents.map((_, index) => sum(approved.filter((outcome) => arranged.cards[outcome.card]!.agent === index).map((outcome) => outcome.amountCents)));
  for (const outcome of approved) {
    const card = arranged.cards[outcome.card]!;
    const agent = arranged.agents[card.agent]!;
    assert.ok(outcome.amountCents <= card.maxAmount, `approved ${outcome.amountCents} above maxAmount ${card.maxAmount}`);
    if (agent.spendingLimit !== undefined && agent.frequency === 'perTransaction') assert.ok(outcome.amountCents <= agent.spendingLimit);
  }
  arranged.cards.forEach((card, index) => {
    if (card.perDay !== undefined) assert.ok(cardSpent[index]! <= card.perDay, `card ${index} spent ${cardSpent[index]} over its daily ${card.perDay}`);
    if (card.perMonth !== undefined) assert.ok(cardSpent[index]! <= card.perMonth, `card ${index} spent ${cardSpent[index]} over its monthly ${card.perMonth}`);
  });
  arranged.agents.forEach((agent, index) => {
    if (agent.spendingLimit !== undefined && agent.frequency !== 'perTransaction') assert.ok(agentSpent[index]! <= agent.spendingLimit, `agent ${index} spent ${agentSpent[index]} over its limit ${agent.spendingLimit}`);
  });

  // Every decline names a constraint that binds, judged on the final state.
  const declines: Record<string, number> = {};
  for (const outcome of declined) {
    const { declineReason } = outcome.transaction;
    const card = arranged.cards[outcome.card]!;
    const agent = arranged.agents[card.agent]!;
    const what = `${declineReason} of ${outcome.amountCents} on card ${outcome.card} (${outcome.transaction.declineDetail ?? ''})`;
    declines[declineReason ?? 'none'] = (declines[declineReason ?? 'none'] ?? 0) + 1;
    switch (declineReason) {
      case 'exceeds_max_amount':
        assert.ok(outcome.amountCents > card.maxAmount, what);
        break;
      case 'card_limit_exceeded':
        assert.ok(outcome.amountCents <= card.maxAmount, what);
        assert.ok(
          (card.perDay !== undefined && cardSpent[outcome.card]! + outcome.amountCents > card.perDay) || (card.perMonth !== undefined && cardSpent[outcome.card]! + outcome.amountCents > card.perMonth),
          what,
        );
        break;
      case 'agent_limit_exceeded':
        assert.ok(outcome.amountCents <= card.maxAmount && agent.spendingLimit !== undefined, what);
        assert.ok(agent.frequency === 'perTransaction' ? outcome.amountCents > agent.spendingLimit! : agentSpent[card.agent]! + outcome.amountCents > agent.spendingLimit!, what);
        break;
      case 'insufficient_funds':
        assert.ok(outcome.amountCents <= card.maxAmount, what);
        assert.ok(reservationOf.get(card.id)! + balances.availableCents < outcome.amountCents, what);
        break;
      default:
        assert.fail(`unexpected decline ${what}`);
    }
  }
  // exceeds_max_amount is decided by the request alone.
  for (const outcome of outcomes) {
    if (outcome.amountCents > arranged.cards[outcome.card]!.maxAmount) assert.equal(outcome.transaction.declineReason, 'exceeds_max_amount');
  }

  assert.deepEqual((await verifyLedger(db)).problems, []);
  return { approved: approved.length, approvedCents, declines };
}

function report(t: TestContext, label: string, count: number, elapsedMs: number, result: { approved: number; declines: Record<string, number> }): void {
  t.diagnostic(`${label}: ${count} authorizations in ${elapsedMs.toFixed(0)} ms (${((count * 1000) / elapsedMs).toFixed(0)}/s); approved ${result.approved}; declined ${JSON.stringify(result.declines)}`);
}

for (const kind of storeKinds) {
  describe(`concurrent authorizations (${kind})`, () => {
    let store: TestDatabase;
    before(async () => {
      store = await openTestDatabase(kind);
    });
    after(async () => store.close());

    it('funds bind: 200 equal authorizations on 40 cards of 4 agents approve exactly floor(funds / amount)', async (t) => {
      // 40 cards of maxAmount 2,000 reserve 80,000; available keeps 2,300. Each card is tried 5 times with 1,000,
      // more than it can ever draw (its 2,000 plus all of available's 2,300), so every card meets a decline; after
      // it its reservation plus available stay below 1,000. Money moves in whole authorizations except the 300,
      // which always sits in one place, so what is left is below 1,000: exactly ⌊82,300 / 1,000⌋ = 82 approve.
      const amountCents = 1_000;
      const cardPlan = { maxAmount: 2_000 };
      const fundsCents = 40 * 2_000 + 2_300;
      const arranged = await arrange(store, 'funds bind', fundsCents, [
        { cards: Array(10).fill(cardPlan) },
        { cards: Array(10).fill(cardPlan) },
        // Limits that never bind here: the funds run out first.
        { spendingLimit: 150_000, frequency: 'perMonth', cards: Array(10).fill(cardPlan) },
        { spendingLimit: 500_000, frequency: 'allTime', cards: Array(10).fill(cardPlan) },
      ]);
      const attempts = shuffle(
        arranged.cards.flatMap((_, card) => Array.from({ length: 5 }, () => ({ card, amountCents }))),
        random(1),
      );
      const { outcomes, elapsedMs } = await burst(store, arranged, attempts);
      const result = await assertSound(store, arranged, outcomes);
      report(t, 'funds bind', attempts.length, elapsedMs, result);
      assert.equal(result.approved, Math.floor(fundsCents / amountCents));
      assert.deepEqual(result.declines, { insufficient_funds: attempts.length - Math.floor(fundsCents / amountCents) });
      const balances = await readUserBalances(store.db, arranged.userId);
      assert.equal(balances.availableCents + balances.reservedCents, fundsCents % amountCents);
    });

    it('limits bind: exactly floor(limit / amount) of a limited agent approve, and each card stops at its own limit', async (t) => {
      // Plenty of money: only the limits decide, and each decides a count that no order can change.
      const amountCents = 1_000;
      const cardPlan = { maxAmount: 4_000 };
      const arranged = await arrange(store, 'limits bind', 1_000_000, [
        { spendingLimit: 7_500, frequency: 'perMonth', cards: Array(8).fill(cardPlan) },
        { spendingLimit: 12_000, frequency: 'per24HourPeriod', onLimitExceeded: 'notify', cards: Array(8).fill(cardPlan) },
        { spendingLimit: 2_000, frequency: 'perTransaction', cards: Array(8).fill(cardPlan) },
        {
          cards: [
            ...Array(6).fill({ maxAmount: 4_000, perDay: 2_500 }),
            ...Array(5).fill({ maxAmount: 4_000, perDay: 3_000, perMonth: 3_000 }),
            ...Array(5).fill(cardPlan),
          ],
        },
      ]);
      const attempts: Attempt[] = arranged.cards.flatMap((card, index) =>
        Array.from({ length: 5 }, (_, attempt) => {
          // The perTransaction agent's cards alternate an amount within its limit and one above it; the unlimited
          // cards' fifth attempt is above maxAmount.
          if (card.agent === 2) return { card: index, amountCents: attempt % 2 === 0 ? amountCents : 2_500 };
          if (card.agent === 3 && card.perDay === undefined && attempt === 4) return { card: index, amountCents: 4_001 };
          return { card: index, amountCents };
        }),
      );
      const { outcomes, elapsedMs } = await burst(store, arranged, shuffle(attempts, random(2)));
      const result = await assertSound(store, arranged, outcomes);
      report(t, 'limits bind', attempts.length, elapsedMs, result);

      const byAgent = (agent: number) => outcomes.filter((outcome) => arranged.cards[outcome.card]!.agent === agent);
      const approvedOf = (items: Outcome[]) => items.filter((outcome) => outcome.transaction.status === 'pending').length;
      const codesOf = (items: Outcome[]) => [...new Set(items.filter((outcome) => outcome.transaction.status === 'declined').map((outcome) => outcome.transaction.declineReason))];
      assert.equal(approvedOf(byAgent(0)), Math.floor(7_500 / amountCents));
      assert.deepEqual(codesOf(byAgent(0)), ['agent_limit_exceeded']);
      assert.equal(approvedOf(byAgent(1)), Math.floor(12_000 / amountCents));
      assert.deepEqual(codesOf(byAgent(1)), ['agent_limit_exceeded']);
      assert.equal(approvedOf(byAgent(2)), byAgent(2).filter((outcome) => outcome.amountCents === amountCents).length);
      assert.deepEqual(codesOf(byAgent(2)), ['agent_limit_exceeded']);
      arranged.cards.forEach((card, index) => {
        if (card.agent !== 3) return;
        const onCard = outcomes.filter((outcome) => outcome.card === index);
        if (card.perDay === 2_500) assert.deepEqual([approvedOf(onCard), codesOf(onCard)], [2, ['card_limit_exceeded']]);
        else if (card.perMonth === 3_000) assert.deepEqual([approvedOf(onCard), codesOf(onCard)], [3, ['card_limit_exceeded']]);
        else assert.deepEqual([approvedOf(onCard), codesOf(onCard)], [4, ['exceeds_max_amount']]);
      });
      assert.equal(result.approved, 7 + 12 + 8 * 3 + 6 * 2 + 5 * 3 + 5 * 4);
      // `notify` records one agent.limit_exceeded per decline of that agent.
      const notified = await store.db.get<{ count: number }>(`SELECT COUNT(*) AS count FROM events WHERE organization_id = ? AND type = 'agent.limit_exceeded'`, [arranged.scope.organizationId]);
      assert.equal(Number(notified?.count), 40 - 12);
    });

    it('every constraint at once: random amounts, maxAmounts, card and agent limits, tight funds', async (t) => {
      const next = random(3);
      const frequencies: Array<SpendingLimitFrequency | undefined> = [undefined, 'perMonth', 'per24HourPeriod', 'perTransaction', 'allTime'];
      const agentPlans: AgentPlan[] = frequencies.map((frequency) => ({
        ...(frequency === undefined ? {} : { frequency, spendingLimit: frequency === 'perTransaction' ? 3_000 : between(next, 10_000, 30_000) }),
        cards: Array.from({ length: 8 }, () => {
          const maxAmount = between(next, 2_000, 6_000);
          const limit = next();
          if (limit < 0.25) return { maxAmount, perDay: between(next, maxAmount, 3 * maxAmount) };
          if (limit < 0.4) return { maxAmount, perMonth: between(next, maxAmount, 3 * maxAmount) };
          return { maxAmount };
        }),
      }));
      const reservations = sum(agentPlans.flatMap((plan) => plan.cards.map((card) => card.maxAmount)));
      const fundsCents = reservations + 15_000;
      const arranged = await arrange(store, 'every constraint', fundsCents, agentPlans);
      const attempts = Array.from({ length: 200 }, () => {
        const card = between(next, 0, arranged.cards.length - 1);
        return { card, amountCents: between(next, 1, Math.ceil(arranged.cards[card]!.maxAmount * 1.1)) };
      });
      const { outcomes, elapsedMs } = await burst(store, arranged, attempts);
      const result = await assertSound(store, arranged, outcomes);
      report(t, 'every constraint', attempts.length, elapsedMs, result);
      assert.ok(result.approved > 0);
      assert.ok((result.declines.insufficient_funds ?? 0) > 0, 'the funds were meant to run out');
    });

    it('hot account: one user, 100 multi-use cards all authorizing at once, no overspend', async (t) => {
      const next = random(4);
      const agentPlans: AgentPlan[] = Array.from({ length: 5 }, () => ({ cards: Array.from({ length: 20 }, () => ({ maxAmount: between(next, 2_000, 5_000) })) }));
      const reservations = sum(agentPlans.flatMap((plan) => plan.cards.map((card) => card.maxAmount)));
      const fundsCents = reservations + Math.floor(reservations * 0.3);
      const arranged = await arrange(store, 'hot account', fundsCents, agentPlans);
      // Two authorizations per card: the first always fits its reservation; the second needs the top-up that every
      // other card's first authorization competes for.
      const attempts = shuffle(
        arranged.cards.flatMap((card, index) => [0, 1].map(() => ({ card: index, amountCents: between(next, Math.ceil(card.maxAmount / 2), card.maxAmount) }))),
        next,
      );
      const { outcomes, elapsedMs } = await burst(store, arranged, attempts);
      const result = await assertSound(store, arranged, outcomes);
      report(t, 'hot account', attempts.length, elapsedMs, result);
      assert.ok(result.approved >= 100, 'every card can pay once from its own reservation');
      assert.ok((result.declines.insufficient_funds ?? 0) > 0, 'the funds were meant to run out');
      assert.deepEqual(Object.keys(result.declines), ['insufficient_funds']);
    });
  });
}
