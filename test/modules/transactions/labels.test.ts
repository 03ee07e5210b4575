// The transaction fields LedgerOS integrators read and write (SPEC §11): notes, tags and category set through
// PATCH /v1/transactions/{id}, and authorizedAmount / authorizedAt, which keep what the authorization approved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { assertError, useTestApp, type TestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { authorizeAt, eventsAbout, fundedCardholder, issueCard, post, transactionOf } from '../../network/arrange.js';

async function approvedTransaction(testApp: TestApp, amountCents = 2_000) {
  const holder = await fundedCardholder(testApp, 50_000);
  const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
  const transaction = await authorizeAt(testApp, { cardId: card.id }, amountCents, 'Amazon');
  assert.equal(transaction.status, 'pending', JSON.stringify(transaction));
  return { holder, card, transaction };
}

for (const kind of storeKinds) {
  describe(`transaction labels and authorized amount (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('a new authorization has no labels, its authorized amount and time', async () => {
      const { transaction } = await approvedTransaction(testApp);
      assert.deepEqual([transaction.notes, transaction.tags, transaction.category], [null, [], null]);
      assert.equal(transaction.authorizedAmount, 2_000);
      assert.equal(transaction.authorizedAt, transaction.createdAt);
      const listed = await testApp.request('GET', `/v1/transactions?limit=100`);
      const fromList = listed.json.data.find((candidate: { id: string }) => candidate.id === transaction.id);
      assert.deepEqual([fromList.authorizedAmount, fromList.authorizedAt, fromList.tags], [2_000, transaction.createdAt, []]);
    });

    it('PATCH sets, replaces and clears notes, tags and category, and records transaction.updated', async () => {
      const { transaction } = await approvedTransaction(testApp);
      const set = await testApp.request('PATCH', `/v1/transactions/${transaction.id}`, { body: { notes: 'team lunch', tags: ['travel', 'q3'], category: 'meals' } });
      assert.equal(set.statusCode, 200, set.body);
      assert.deepEqual([set.json.notes, set.json.tags, set.json.category], ['team lunch', ['travel', 'q3'], 'meals']);
      assert.deepEqual([set.json.status, set.json.amount, set.json.authorizedAmount], ['pending', 2_000, 2_000], 'money and status unchanged');

      // A field left out keeps its value.
      const replaced = await testApp.request('PATCH', `/v1/transactions/${transaction.id}`, { body: { tags: ['office'] } });
      assert.equal(replaced.statusCode, 200, replaced.body);
      assert.deepEqual([replaced.json.notes, replaced.json.tags, replaced.json.category], ['team lunch', ['office'], 'meals']);

      const cleared = await testApp.request('PATCH', `/v1/transactions/${transaction.id}`, { body: { notes: null, tags: [], category: null } });
      assert.equal(cleared.statusCode, 200, cleared.body);
      const read = await transactionOf(testApp, transaction.id);
      assert.deepEqual([read.notes, read.tags, read.category], [null, [], null]);

      const updates = await eventsAbout(testApp, transaction.id, 'transaction.updated');
      assert.equal(updates.length, 3);
      assert.deepEqual(updates[0]!.object.tags, ['travel', 'q3']);
      assert.equal(updates[2]!.object.notes, null);
    });

    it('Idempotency-Key replays the answer without a second event', async () => {
      const { transaction } = await approvedTransaction(testApp);
      const headers = { 'Idempotency-Key': `labels-${transaction.id}` };
      const first = await testApp.request('PATCH', `/v1/transactions/${transaction.id}`, { body: { notes: 'once' }, headers });
      const again = await testApp.request('PATCH', `/v1/transactions/${transaction.id}`, { body: { notes: 'once' }, headers });
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.json, first.json);
      assert.equal((await eventsAbout(testApp, transaction.id, 'transaction.updated')).length, 1);
    });

    it('bad input is refused and changes nothing', async () => {
      const { transaction } = await approvedTransaction(testApp);
      const url = `/v1/transactions/${transaction.id}`;
      assert.equal((await testApp.request('PATCH', url, { body: { notes: 'kept', tags: ['kept'], category: 'kept' } })).statusCode, 200);
      const refusals: Array<[unknown, number, string, string]> = [
        [{ notes: 'n'.repeat(2_001) }, 422, 'validation_error', 'notes'],
        [{ tags: Array.from({ length: 21 }, (_, index) => `tag${index}`) }, 422, 'validation_error', 'tags'],
        [{ tags: [''] }, 422, 'validation_error', 'tags[0]'],
        [{ tags: ['t'.repeat(51)] }, 422, 'validation_error', 'tags[0]'],
        [{ category: 'c'.repeat(101) }, 422, 'validation_error', 'category'],
        [{ tags: 'travel' }, 400, 'invalid_request_error', 'tags'],
        [{ notes: 5 }, 400, 'invalid_request_error', 'notes'],
        [{ amount: 1 }, 422, 'validation_error', 'amount'],
        [{ notes: 'a\u0000b' }, 422, 'validation_error', 'notes'],
      ];
      for (const [body, status, type, param] of refusals) {
        const response = await testApp.request('PATCH', url, { body });
        assert.equal(response.statusCode, status, `${JSON.stringify(body).slice(0, 80)}: ${response.body}`);
        assert.equal(response.json.error.type, type, response.body);
        assert.equal(response.json.error.param, param, response.body);
      }
      const read = await transactionOf(testApp, transaction.id);
      assert.deepEqual([read.notes, read.tags, read.category, read.amount], ['kept', ['kept'], 'kept', 2_000]);
    });

    it("another tenant's transaction answers 404; an agent token 403", async () => {
      const { holder, transaction } = await approvedTransaction(testApp);
      const other = await initializeOrganization(testApp.store.db, 'Labels neighbour', testApp.clock.nowMs());
      const foreign = await testApp.request('PATCH', `/v1/transactions/${transaction.id}`, { key: other.sandboxKey, body: { notes: 'not mine' } });
      assertError(foreign, { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      const byAgent = await testApp.request('PATCH', `/v1/transactions/${transaction.id}`, { key: holder.agentToken, body: { notes: 'mine?' } });
      assert.equal(byAgent.statusCode, 403, byAgent.body);
      assert.equal(byAgent.json.error.type, 'authorization_error');
      assert.equal((await transactionOf(testApp, transaction.id)).notes, null);
    });

    it('authorizedAmount stays what was approved after an increment and a partial clear', async () => {
      const { transaction } = await approvedTransaction(testApp, 3_000);
      const incremented = await post(testApp, `/v1/sandbox/transactions/${transaction.id}/increment`, { amount: 500 });
      assert.deepEqual([incremented.amount, incremented.authorizedAmount], [3_500, 3_000]);
      const settled = await post(testApp, `/v1/sandbox/transactions/${transaction.id}/clear`, { amount: 2_000 });
      assert.deepEqual([settled.amount, settled.settledAmount, settled.authorizedAmount, settled.authorizedAt], [3_500, 2_000, 3_000, transaction.createdAt]);
      const read = await transactionOf(testApp, transaction.id);
      assert.deepEqual([read.authorizedAmount, read.authorizedAt], [3_000, transaction.createdAt]);
    });

    it('a decline and a force post were never authorized', async () => {
      const { card } = await approvedTransaction(testApp);
      const declined = await authorizeAt(testApp, { cardId: card.id }, 20_000, 'Amazon');
      assert.equal(declined.status, 'declined');
      assert.deepEqual([declined.authorizedAmount, declined.authorizedAt], [null, null]);
      const forced = await post(testApp, '/v1/sandbox/force-posts', { cardId: card.id, amount: 100, merchant: { name: 'Amazon' } });
      assert.deepEqual([forced.authorizedAmount, forced.authorizedAt], [null, null]);
    });
  });
}
