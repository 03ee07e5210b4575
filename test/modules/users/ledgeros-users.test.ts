// SPEC §11, users and funds: `POST /v1/applications/user/initiate` (a user and their verification link in one call),
// `GET /v1/users/{id}/balance` in LedgerOS's terms, and `GET /v1/users/{id}/cards` across the user's agents.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, startTestApp, type TestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { authorizeAt, fundedCardholder, issueCard, post, revealCard } from '../../network/arrange.js';

for (const kind of storeKinds) {
  describe(`LedgerOS users and funds (${kind})`, () => {
    let testApp: TestApp;
    before(async () => {
      testApp = await startTestApp({ store: kind });
    });
    after(async () => {
      await testApp?.close();
    });

    it('initiate creates the user and a working verification link in one call; bad input creates nothing', async () => {
      const users = async () => (await testApp.request('GET', '/v1/users?limit=100')).json.data.length as number;
      const before = await users();
      const initiated = await testApp.request('POST', '/v1/applications/user/initiate', { body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } });
      assert.equal(initiated.statusCode, 200, initiated.body);
      assert.equal(initiated.json.object, 'user');
      assert.match(initiated.json.id, /^user_/);
      assert.equal(initiated.json.email, 'ada@example.com');
      assert.ok(Date.parse(initiated.json.applicationCompletionLinkExpiresAt) > testApp.clock.nowMs());
      const page = await testApp.server.inject({ method: 'GET', url: new URL(initiated.json.applicationCompletionLink).pathname });
      assert.equal(page.statusCode, 200);
      const status = await testApp.request('GET', `/v1/verification/user/${initiated.json.id}`);
      assert.equal(status.json.applicationStatus, initiated.json.applicationStatus);
      assert.equal(await users(), before + 1);

      assertError(await testApp.request('POST', '/v1/applications/user/initiate', { body: { firstName: 'Ada', lastName: 'Lovelace', email: 'not an email' } }), {
        status: 422,
        type: 'validation_error',
        code: 'invalid_parameter_value',
        param: 'email',
      });
      assert.equal(await users(), before + 1);
    });

    it('balance: spendingPower, creditLimit, pendingCharges, postedCharges and balanceDue follow the ledger', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 4_000, 'Amazon');
      const first = await authorizeAt(testApp, { cardId: card.id }, 4_000, 'Amazon');
      const second = await authorizeAt(testApp, { cardId: card.id }, 1_500, 'Amazon');
      assert.ok(details.accessEventId);
      await post(testApp, `/v1/sandbox/transactions/${first.id}/clear`, {});
      await post(testApp, `/v1/sandbox/transactions/${first.id}/refund`, { amount: 1_000 });

      const legacy = (await testApp.request('GET', `/v1/balances/${holder.userId}`)).json;
      const balance = await testApp.request('GET', `/v1/users/${holder.userId}/balance`);
      assert.equal(balance.statusCode, 200, balance.body);
      assert.deepEqual(balance.json, {
        object: 'user_balance',
        userId: holder.userId,
        currency: 'USD',
        spendingPower: legacy.available,
        creditLimit: legacy.total,
        pendingCharges: legacy.pending,
        postedCharges: 3_000,
        balanceDue: legacy.debt,
      });
      assert.equal(balance.json.pendingCharges, second.amount);
      assertError(await testApp.request('GET', '/v1/users/user_00000000000000000000000000/balance'), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
    });

    it("cards lists the user's cards across agents, newest first, by status, and no other user's", async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const second = await testApp.request('POST', '/v1/agents/register', { body: { userId: holder.userId, name: 'second agent' } });
      const a = await issueCard(testApp, holder, { maxAmount: 100 });
      const b = await testApp.request('POST', `/v1/agents/${second.json.id}/cards`, { body: { purpose: 'second', maxAmount: 100 } });
      const other = await fundedCardholder(testApp, 1_000);
      await issueCard(testApp, other, { maxAmount: 100 });
      await post(testApp, `/v1/cards/${a.id}/freeze`);

      const listed = await testApp.request('GET', `/v1/users/${holder.userId}/cards`);
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual(listed.json.data.map((card: { id: string }) => card.id), [b.json.id, a.id]);
      const frozen = await testApp.request('GET', `/v1/users/${holder.userId}/cards?status=frozen`);
      assert.deepEqual(frozen.json.data.map((card: { id: string }) => card.id), [a.id]);
      const paged = await testApp.request('GET', `/v1/users/${holder.userId}/cards?limit=1`);
      assert.equal(paged.json.hasMore, true);
      const rest = await testApp.request('GET', `/v1/users/${holder.userId}/cards?limit=1&cursor=${paged.json.nextCursor}`);
      assert.deepEqual(rest.json.data.map((card: { id: string }) => card.id), [a.id]);
      assertError(await testApp.request('GET', '/v1/users/user_00000000000000000000000000/cards'), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('GET', `/v1/users/${holder.userId}/cards`, { key: holder.agentToken }), { status: 403, type: 'authorization_error', code: 'insufficient_permissions' });
    });
  });
}
