// The authorization engine on a thread of its own (SQLite files): its answers are the committed transactions, this
// thread's writes go on while it holds the write lock (they wait on timers, not in SQLite), this thread's commit
// listeners hear of its commits, and closing answers what it was given first.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readUserBalances } from '../../src/ledger/balances.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { registerAgent } from '../../src/modules/agents/service.js';
import { createCardBody } from '../../src/modules/cards/schemas.js';
import { createCard } from '../../src/modules/cards/service.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import type { Scope } from '../../src/domain/scope.js';
import { ThreadedAuthorizationEngine } from '../../src/network/engine-thread.js';
import { testSecrets } from '../../src/secrets.js';
import type { SqliteDatabase } from '../../src/store/sqlite/database.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';
import { openTestDatabase, type TestDatabase } from '../helpers/stores.js';

const secrets = testSecrets();
const nowMs = Date.UTC(2027, 2, 1);

describe('authorization engine thread (sqlite)', () => {
  let store: TestDatabase;
  let scope: Scope;
  let userId: string;
  const cardIds: string[] = [];

  before(async () => {
    store = await openTestDatabase('sqlite', { migrated: true });
    const { organization } = await initializeOrganization(store.db, 'Thread test', nowMs);
    scope = { organizationId: organization.id, environment: 'sandbox' };
    userId = await createApprovedUser(store.db, scope, nowMs);
    await fundUser(store.db, scope, userId, 100_000, nowMs);
    const { agent } = await store.db.transaction((tx) => registerAgent(tx, scope, { userId, name: 'thread-bot' }, nowMs));
    for (let index = 0; index < 4; index += 1) {
      const body = createCardBody.parse({ purpose: 'thread test', type: 'multi', maxAmount: 5_000, merchantDriftEnabled: false });
      cardIds.push((await store.db.transaction((tx) => createCard(tx, scope, secrets, agent.id, body, nowMs))).id);
    }
  });

  after(() => store.close());

  it('answers each authorization with its committed transaction while this thread writes too, and announces its commits', async () => {
    const engine = new ThreadedAuthorizationEngine(store.db as SqliteDatabase, { secrets, settlementDelayMs: 0 });
    let commitsHeard = 0;
    const stopListening = store.db.onCommit(() => (commitsHeard += 1));
    try {
      await engine.start();
      const first = await engine.authorize(scope, { cardId: cardIds[0]!, amountCents: 100, currency: 'USD', merchant: { name: 'Amazon' } }, nowMs);
      assert.equal(commitsHeard, 1, 'the engine thread commit reached this thread\'s listeners before its answer');
      const answers = Array.from({ length: 200 }, (_, index) =>
        engine.authorize(scope, { cardId: cardIds[index % cardIds.length]!, amountCents: 100 + index, currency: 'USD', merchant: { name: 'Amazon' } }, nowMs + index),
      );
      // Deposits on this thread in the meantime: each waits for the engine's write lock without blocking this thread.
      const deposits = Array.from({ length: 20 }, (_, index) => fundUser(store.db, scope, userId, 1_000, nowMs + index));
      const transactions = [first, ...(await Promise.all(answers))];
      await Promise.all(deposits);

      assert.deepEqual(new Set(transactions.map((transaction) => transaction.status)), new Set(['pending']));
      const heldCents = transactions.reduce((sum, transaction) => sum + transaction.amountCents, 0);
      const stored = await store.db.all<{ id: string; status: string }>('SELECT id, status FROM transactions WHERE organization_id = ?', [scope.organizationId]);
      assert.deepEqual(stored.map((row) => row.id).sort(), transactions.map((transaction) => transaction.id).sort());
      const balances = await readUserBalances(store.db, userId);
      assert.equal(balances.heldCents, heldCents);
      assert.equal(balances.availableCents + balances.reservedCents + balances.heldCents, 100_000 + 20 * 1_000);
      assert.equal(transactions.length, 201);
      assert.deepEqual((await verifyLedger(store.db)).problems, []);
    } finally {
      stopListening();
      await engine.close();
    }
  });

  it('on close answers what it was given first, then refuses', async () => {
    const engine = new ThreadedAuthorizationEngine(store.db as SqliteDatabase, { secrets, settlementDelayMs: 0 });
    const answers = Array.from({ length: 30 }, (_, index) => engine.authorize(scope, { cardId: cardIds[0]!, amountCents: 50, currency: 'USD', merchant: { name: 'Amazon' } }, nowMs + index));
    await engine.close();
    const settled = await Promise.allSettled(answers);
    assert.deepEqual(new Set(settled.map((outcome) => outcome.status)), new Set(['fulfilled']));
    await assert.rejects(engine.authorize(scope, { cardId: cardIds[0]!, amountCents: 50, currency: 'USD', merchant: { name: 'Amazon' } }, nowMs), /closed/);
  });
});
