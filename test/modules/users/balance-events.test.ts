// `user.balance.updated` (SPEC §11, LedgerOS): one event per user and database transaction whose postings changed
// the user's balance — deposits, card reservations, authorizations (four transfers, one event), clearing, voids,
// withdrawals — carrying the balance as GET /v1/balances/{userId} answers it at that moment; none for a decline,
// for postings that cancel out, or for a transaction that rolled back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { externalAccountId, userAccountId } from '../../../src/ledger/accounts.js';
import { postTransfers } from '../../../src/ledger/transfers.js';
import type { Scope } from '../../../src/domain/scope.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createApprovedUser, fundUser } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { authorizeAt, fundedCardholder, issueCard, post } from '../../network/arrange.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

for (const kind of storeKinds) {
  describe(`user.balance.updated (${kind})`, () => {
    let testApp: TestApp;
    let scope: Scope;
    before(async () => {
      testApp = await startTestApp({ store: kind });
      scope = { organizationId: testApp.organizationId, environment: 'sandbox' };
    });
    after(async () => {
      await testApp?.close();
    });

    /** The user's balance events, oldest first, as the API lists them. */
    async function balanceEvents(userId: string): Promise<Json[]> {
      const response = await testApp.request('GET', '/v1/events?type=user.balance.updated&limit=100');
      assert.equal(response.statusCode, 200, response.body);
      return (response.json.data as Json[]).filter((event) => event.data.object.userId === userId).reverse();
    }

    async function balance(userId: string): Promise<Json> {
      const response = await testApp.request('GET', `/v1/balances/${userId}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json;
    }

    it('one event per transaction that moved the balance, carrying the balance GET /v1/balances answers then', async () => {
      const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
      assert.deepEqual(await balanceEvents(userId), [], 'opening accounts moves nothing');

      // A deposit (credit, and no debt to repay).
      const deposit = await testApp.request('POST', '/v1/sandbox/deposits', { body: { userId, network: 'base', token: 'USDC', amount: '50000000', confirmations: 12 } });
      assert.equal(deposit.json.status, 'completed', deposit.body);
      let events = await balanceEvents(userId);
      assert.equal(events.length, 1);
      assert.deepEqual(events[0].data.object, await balance(userId));
      assert.deepEqual(events[0].data.object, { object: 'balance', userId, currency: 'USD', total: 5_000, pending: 0, reserved: 0, available: 5_000, debt: 0 });
      assert.equal(events[0].organizationId, testApp.organizationId);

      // A card reserves its maxAmount; an authorization posts up to four transfers and makes one event.
      const registered = await testApp.request('POST', '/v1/agents/register', { body: { userId, name: 'balance-bot' } });
      const card = await testApp.request('POST', `/v1/agents/${registered.json.id}/cards`, { body: { purpose: 'balance', type: 'multi', maxAmount: 1_000, merchantDriftEnabled: false } });
      assert.equal(card.statusCode, 200, card.body);
      events = await balanceEvents(userId);
      assert.equal(events.length, 2);
      assert.deepEqual(events[1].data.object, { object: 'balance', userId, currency: 'USD', total: 5_000, pending: 0, reserved: 1_000, available: 4_000, debt: 0 });

      const transaction = await authorizeAt(testApp, { cardId: card.json.id }, 600, 'Amazon');
      assert.equal(transaction.status, 'pending');
      events = await balanceEvents(userId);
      assert.equal(events.length, 3, 'hold and reservation top-up in one transaction: one event');
      assert.deepEqual(events[2].data.object, await balance(userId));
      assert.deepEqual(events[2].data.object, { object: 'balance', userId, currency: 'USD', total: 5_000, pending: 600, reserved: 1_000, available: 3_400, debt: 0 });

      // A decline moves nothing and says nothing.
      const declined = await authorizeAt(testApp, { cardId: card.json.id }, 1_001, 'Amazon');
      assert.equal(declined.status, 'declined');
      assert.equal((await balanceEvents(userId)).length, 3);

      // Clearing for less: the rest goes back.
      await post(testApp, `/v1/sandbox/transactions/${transaction.id}/clear`, { amount: 500 });
      events = await balanceEvents(userId);
      assert.equal(events.length, 4);
      assert.deepEqual(events[3].data.object, { object: 'balance', userId, currency: 'USD', total: 4_500, pending: 0, reserved: 1_000, available: 3_500, debt: 0 });
      assert.deepEqual(events[3].data.object, await balance(userId));
    });

    it('one event per user when one transaction moves two users, none for postings that cancel out, none when it rolls back', async () => {
      const first = await fundedCardholder(testApp, 0);
      const second = await fundedCardholder(testApp, 0);
      const deposits = externalAccountId(scope, 'external:deposits');
      const nowMs = testApp.clock.nowMs();
      await testApp.store.db.transaction(async (tx) => {
        await postTransfers(tx, scope, [{ debitAccount: deposits, creditAccount: userAccountId(first.userId, 'available'), amountCents: 100, kind: 'test.credit', reference: `a_${first.userId}` }], nowMs);
        await postTransfers(tx, scope, [{ debitAccount: deposits, creditAccount: userAccountId(second.userId, 'available'), amountCents: 200, kind: 'test.credit', reference: `a_${second.userId}` }], nowMs);
        await postTransfers(tx, scope, [{ debitAccount: deposits, creditAccount: userAccountId(first.userId, 'available'), amountCents: 50, kind: 'test.credit', reference: `b_${first.userId}` }], nowMs);
      });
      assert.deepEqual(
        (await balanceEvents(first.userId)).map((event) => event.data.object.available),
        [150],
      );
      assert.deepEqual(
        (await balanceEvents(second.userId)).map((event) => event.data.object.available),
        [200],
      );

      // Reserve and release the same amount in one transaction: the balance is what it was.
      await testApp.store.db.transaction(async (tx) => {
        const available = userAccountId(first.userId, 'available');
        const reserved = userAccountId(first.userId, 'reserved');
        await postTransfers(tx, scope, [{ debitAccount: available, creditAccount: reserved, amountCents: 100, kind: 'test.reserve', reference: first.userId }], nowMs);
        await postTransfers(tx, scope, [{ debitAccount: reserved, creditAccount: available, amountCents: 100, kind: 'test.release', reference: first.userId }], nowMs);
      });
      assert.equal((await balanceEvents(first.userId)).length, 1);

      await assert.rejects(
        testApp.store.db.transaction(async (tx) => {
          await postTransfers(tx, scope, [{ debitAccount: deposits, creditAccount: userAccountId(first.userId, 'available'), amountCents: 100, kind: 'test.credit', reference: `c_${first.userId}` }], nowMs);
          throw new Error('the change fails after posting');
        }),
        /the change fails after posting/,
      );
      assert.equal((await balanceEvents(first.userId)).length, 1, 'no event for a change that rolled back');
      assert.equal((await balance(first.userId)).available, 150);
    });

    it('is a user.* event a webhook endpoint subscribes to, by name or family', async () => {
      for (const events of [['user.balance.updated'], ['user.*']]) {
        const endpoint = await testApp.request('POST', '/v1/webhooks', { body: { url: 'https://example.com/balances', events } });
        assert.equal(endpoint.statusCode, 200, endpoint.body);
      }
      const holder = await fundedCardholder(testApp, 0);
      await fundUser(testApp.store.db, scope, holder.userId, 700, testApp.clock.nowMs());
      await issueCard(testApp, holder, { maxAmount: 300 });
      assert.deepEqual(
        (await balanceEvents(holder.userId)).map((event) => [event.type, event.data.object.available, event.data.object.reserved]),
        [
          ['user.balance.updated', 700, 0],
          ['user.balance.updated', 400, 300],
        ],
      );
    });
  });
}
