// The batched authorization engine against one-at-a-time decisions (issue: decide in batches). Two databases are
// arranged alike — two users, one with an agent holding three cards and the other with an agent holding one, random
// funding, agent limits, card limits, card types, limit actions and risk preset — and the same random batches of
// authorizations (several on one card and one user in a batch, unknown cards among them) are sent to both: to one as
// `authorizeBatch` batches, each in one transaction; to the other one authorization per transaction. Every
// authorization must get the same outcome, and afterwards every balance, card, agent, alert and event (but the
// `user.balance.updated` ones, one per user and transaction) must agree, with the SPEC §5 invariants holding in both.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { riskPresetNames } from '../../src/domain/risk-rules.js';
import { readUserBalances } from '../../src/ledger/balances.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { registerAgent } from '../../src/modules/agents/service.js';
import { createCardBody } from '../../src/modules/cards/schemas.js';
import { cardsFollowAgentStatus, createCard } from '../../src/modules/cards/service.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { applyRiskPreset } from '../../src/modules/risk/settings.js';
import type { Scope } from '../../src/domain/scope.js';
import { authorize, authorizeBatch, type AuthorizationItem, type NetworkSettings } from '../../src/network/authorize.js';
import { testSecrets } from '../../src/secrets.js';
import type { Database } from '../../src/store/database.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const secrets = testSecrets();
const network: NetworkSettings = { secrets, settlementDelayMs: 0, followAgentStatus: cardsFollowAgentStatus };
const hourMs = 3_600_000;
const descriptors = ['AMZN Mktp US*2K4L59', 'Amazon.com', 'SQ *BLUE BOTTLE COFFEE', 'OPENAI *CHATGPT SUBSCR'] as const;

const cardArbitrary = fc.record({
  type: fc.constantFrom('single' as const, 'multi' as const, 'multi' as const),
  maxAmount: fc.integer({ min: 1_000, max: 15_000 }),
  perDay: fc.option(fc.integer({ min: 500, max: 30_000 }), { nil: undefined }),
  merchantDriftEnabled: fc.boolean(),
  onLimitExceeded: fc.constantFrom('decline' as const, 'freeze' as const),
});

const worldArbitrary = fc.record({
  startMs: fc.integer({ min: Date.UTC(2027, 0, 1), max: Date.UTC(2027, 11, 31) }),
  funding: fc.tuple(fc.integer({ min: 3_000, max: 30_000 }), fc.integer({ min: 3_000, max: 30_000 })),
  agentLimit: fc.option(fc.record({ cents: fc.integer({ min: 1_000, max: 40_000 }), frequency: fc.constantFrom('per24HourPeriod' as const, 'perWeek' as const), onLimitExceeded: fc.constantFrom('none' as const, 'notify' as const, 'suspend' as const), warnAt: fc.constantFrom(0.8, 1) }), { nil: undefined }),
  cards: fc.tuple(cardArbitrary, cardArbitrary, cardArbitrary, cardArbitrary),
  preset: fc.constantFrom(...riskPresetNames),
});

/** A batch: authorizations (card 0–3, or 4 for an unknown card) and how far the clock moves before it. */
const batchArbitrary = fc.record({
  advanceMs: fc.constantFrom(0, 1_000, 10 * 60_000, 3 * hourMs, 20 * hourMs),
  authorizations: fc.array(
    fc.record({
      card: fc.constantFrom(0, 0, 1, 1, 2, 3, 4),
      // Repeated amounts, so the duplicate rule (same card, merchant and amount) fires within a batch too.
      cents: fc.oneof(fc.integer({ min: 100, max: 6_000 }), fc.constantFrom(500, 1_500)),
      descriptor: fc.constantFrom(...descriptors),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

type World = typeof worldArbitrary extends fc.Arbitrary<infer W> ? W : never;

interface Arranged {
  scope: Scope;
  userIds: [string, string];
  cardIds: string[];
  agentIds: string[];
}

async function arrange(db: Database, world: World): Promise<Arranged> {
  const nowMs = world.startMs;
  const organization = await initializeOrganization(db, 'batch property', nowMs);
  const scope: Scope = { organizationId: organization.organization.id, environment: 'sandbox' };
  await db.transaction((tx) => applyRiskPreset(tx, scope, world.preset, false, nowMs));
  const userIds: [string, string] = [await createApprovedUser(db, scope, nowMs, 'One'), await createApprovedUser(db, scope, nowMs, 'Two')];
  await fundUser(db, scope, userIds[0], world.funding[0], nowMs);
  await fundUser(db, scope, userIds[1], world.funding[1], nowMs);
  const agentIds: string[] = [];
  for (const userId of userIds) {
    const limit = world.agentLimit === undefined ? {} : { spendingLimit: world.agentLimit.cents, spendingLimitFrequency: world.agentLimit.frequency, onLimitExceeded: world.agentLimit.onLimitExceeded, limitWarningThreshold: world.agentLimit.warnAt };
    const { agent } = await db.transaction((tx) => registerAgent(tx, scope, { userId, name: `agent of ${userId}`, ...limit }, nowMs));
    agentIds.push(agent.id);
  }
  const cardIds: string[] = [];
  for (const [index, card] of world.cards.entries()) {
    const agentId = agentIds[index < 3 ? 0 : 1]!;
    const body = createCardBody.parse({
      purpose: 'batch property',
      type: card.type,
      maxAmount: card.maxAmount,
      ...(card.perDay === undefined ? {} : { limits: { perDay: Math.max(card.perDay, card.maxAmount) } }),
      merchantDriftEnabled: card.merchantDriftEnabled,
      onLimitExceeded: card.onLimitExceeded,
    });
    // A card the user cannot fund is left out, the same way in both databases.
    try {
      cardIds.push((await db.transaction((tx) => createCard(tx, scope, secrets, agentId, body, nowMs))).id);
    } catch {
      cardIds.push('card_not_issued');
    }
  }
  return { scope, userIds, cardIds, agentIds };
}

/** What must agree between the two databases: balances, cards, agents, alerts and events (in order, by type). */
async function snapshot(db: Database, arranged: Arranged) {
  const balances = await Promise.all(arranged.userIds.map((userId) => readUserBalances(db, userId)));
  const cards = await Promise.all(
    arranged.cardIds.map((id) => db.get<{ status: string; status_reason: string | null; reservation: number; single_use_consumed: number; pinned_merchant: string | null }>(
      'SELECT status, status_reason, reservation, single_use_consumed, pinned_merchant FROM cards WHERE id = ?',
      [id],
    )),
  );
  const agents = await Promise.all(arranged.agentIds.map((id) => db.get<{ status: string; status_reason: string | null }>('SELECT status, status_reason FROM agents WHERE id = ?', [id])));
  const alerts = await db.all<{ rule: string; outcome: string }>('SELECT rule, outcome FROM risk_alerts WHERE organization_id = ? ORDER BY id', [arranged.scope.organizationId]);
  const events = await db.all<{ type: string }>("SELECT type FROM events WHERE organization_id = ? AND type <> 'user.balance.updated' ORDER BY id", [arranged.scope.organizationId]);
  return { balances, cards, agents, alerts: alerts.map((alert) => `${alert.rule}:${alert.outcome}`), events: events.map((event) => event.type) };
}

for (const kind of storeKinds) {
  describe(`batched authorizations (${kind})`, () => {
    let batched: TestDatabase;
    let single: TestDatabase;
    before(async () => {
      batched = await openTestDatabase(kind);
      single = await openTestDatabase(kind);
    });
    after(async () => {
      await batched.close();
      await single.close();
    });

    it('decide as one-at-a-time decisions do: same outcomes, balances, cards, agents, alerts and events', async () => {
      const reached = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(worldArbitrary, fc.array(batchArbitrary, { minLength: 1, maxLength: 6 }), async (world, batches) => {
          const a = await arrange(batched.db, world);
          const b = await arrange(single.db, world);
          let nowMs = world.startMs;
          for (const batch of batches) {
            nowMs += batch.advanceMs;
            const itemsFor = (arranged: Arranged): AuthorizationItem[] =>
              batch.authorizations.map((authorization) => ({
                scope: arranged.scope,
                nowMs,
                request: { cardId: arranged.cardIds[authorization.card] ?? 'card_unknown', amountCents: authorization.cents, currency: 'USD', merchant: { name: authorization.descriptor } },
              }));
            const fromBatch = await batched.db.transaction((tx) => authorizeBatch(tx, network, itemsFor(a)));
            const oneByOne = [];
            for (const item of itemsFor(b)) oneByOne.push(await single.db.transaction((tx) => authorize(tx, item.scope, network, item.request, item.nowMs)));
            assert.deepEqual(
              fromBatch.map((transaction) => `${transaction.status} ${transaction.declineReason ?? ''} ${transaction.attestationStatus}`),
              oneByOne.map((transaction) => `${transaction.status} ${transaction.declineReason ?? ''} ${transaction.attestationStatus}`),
            );
            for (const transaction of fromBatch) {
              const outcome = transaction.declineReason ?? 'approved';
              reached.set(outcome, (reached.get(outcome) ?? 0) + 1);
            }
          }
          assert.deepEqual(await snapshot(batched.db, a), await snapshot(single.db, b));
        }),
        { numRuns: kind === 'sqlite' ? 40 : 20, seed: 20261203 },
      );
      for (const database of [batched.db, single.db]) {
        const report = await verifyLedger(database);
        assert.equal(report.ok, true, JSON.stringify(report.problems));
      }
      for (const outcome of ['approved', 'insufficient_funds', 'invalid_card', 'card_limit_exceeded']) assert.ok((reached.get(outcome) ?? 0) > 0, `no authorization reached ${outcome}: ${JSON.stringify([...reached])}`);
      console.log(`# reached: ${[...reached].map(([outcome, count]) => `${outcome} ×${count}`).join(', ')}`);
    });
  });
}
