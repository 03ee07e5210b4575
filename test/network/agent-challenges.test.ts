// An agent's 3-D Secure challenges across its cards (SPEC §11: "ledger_challenges works without cardId"):
// `GET /v1/agents/{id}/challenges` answers the pending, unexpired challenges of the agent's cards that have a revealed
// intent — the per-card rule — newest first with their passcodes; the agent's own token or an API key only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useTestApp, type TestApp } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';
import { fundedCardholder, issueCard, revealCard } from './arrange.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function challengeOn(testApp: TestApp, cardId: string, amount: number): Promise<Json> {
  const response = await testApp.request('POST', '/v1/sandbox/authorizations', { body: { cardId, amount, merchant: { name: 'Amazon' }, threeDS: true } });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json.status, 'challenge_required', response.body);
  return response.json;
}

for (const kind of storeKinds) {
  describe(`an agent's challenges across its cards (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function agentChallenges(agentId: string, key: string, query = ''): Promise<Json> {
      const response = await testApp.request('GET', `/v1/agents/${agentId}/challenges${query}`, { key });
      assert.equal(response.statusCode, 200, response.body);
      return response.json;
    }

    it('lists pending challenges of the cards with a revealed intent, newest first, with passcodes; others are left out', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const revealedA = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000 });
      const revealedB = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000 });
      const unrevealed = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000 });
      await revealCard(testApp, holder, revealedA.id, 1_000, 'Amazon');
      await revealCard(testApp, holder, revealedB.id, 2_000, 'Amazon');
      const first = await challengeOn(testApp, revealedA.id, 1_000);
      testApp.clock.advanceMs(1_000);
      const second = await challengeOn(testApp, revealedB.id, 2_000);
      await challengeOn(testApp, unrevealed.id, 3_000);

      const page = await agentChallenges(holder.agentId, holder.agentToken);
      assert.equal(page.object, 'list');
      assert.deepEqual(
        page.data.map((challenge: Json) => [challenge.id, challenge.cardId, challenge.status, challenge.amount]),
        [
          [second.id, revealedB.id, 'challenge_required', 2_000],
          [first.id, revealedA.id, 'challenge_required', 1_000],
        ],
      );
      // The same passcodes the per-card list shows.
      const perCard = await testApp.request('GET', `/v1/cards/${revealedA.id}/challenges`, { key: holder.agentToken });
      assert.equal(page.data[1].otp, perCard.json.data[0].otp);
      assert.match(page.data[0].otp, /^\d{6}$/);
      // The API key sees the same; pages follow the cursor.
      assert.deepEqual((await agentChallenges(holder.agentId, testApp.sandboxKey)).data, page.data);
      const firstPage = await agentChallenges(holder.agentId, holder.agentToken, '?limit=1');
      assert.equal(firstPage.hasMore, true);
      const secondPage = await agentChallenges(holder.agentId, holder.agentToken, `?limit=1&cursor=${firstPage.nextCursor}`);
      assert.deepEqual([...firstPage.data, ...secondPage.data], page.data);

      // Expired challenges are not pending any more.
      const advanced = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 5 * 60 } });
      assert.equal(advanced.statusCode, 200, advanced.body);
      assert.deepEqual((await agentChallenges(holder.agentId, holder.agentToken)).data, []);
    });

    it("another agent's id answers 404 to an agent token; an agent with no challenges gets an empty list", async () => {
      const holder = await fundedCardholder(testApp, 10_000);
      const other = await fundedCardholder(testApp, 10_000);
      assertError(await testApp.request('GET', `/v1/agents/${other.agentId}/challenges`, { key: holder.agentToken }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('GET', '/v1/agents/agent_00000000000000000000000000/challenges'), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.deepEqual((await agentChallenges(holder.agentId, holder.agentToken)).data, []);
    });
  });
}
