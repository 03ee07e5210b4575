// GET /v1/agents/{id}/status and /funding (SPEC §7 ledger_status, ledger_funding): what an agent token learns about
// its own standing — verification, balance, status, policy, cards — with canSpend and the reasons it is false, in
// the order the authorization decision checks them; and its user's deposit instructions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getUser, setApplicationStatus } from '../../../src/modules/users/service.js';
import { assertError, scopeOf, useTestApp } from '../../helpers/app.js';
import { fundUser } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { registerAgent } from './arrange.js';

for (const kind of storeKinds) {
  describe(`agent status and funding (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    const fund = (userId: string, cents: number) => fundUser(testApp.store.db, scopeOf(testApp), userId, cents, testApp.clock.nowMs());
    const status = async (agentId: string, key?: string) => {
      const response = await testApp.request('GET', `/v1/agents/${agentId}/status`, key === undefined ? {} : { key });
      assert.equal(response.statusCode, 200, response.body);
      return response.json;
    };
    const reasonCodes = (answer: { reasons: Array<{ code: string }> }) => answer.reasons.map((reason) => reason.code);
    const newCard = async (agentId: string, maxAmount: number) => {
      const response = await testApp.request('POST', `/v1/agents/${agentId}/cards`, { body: { purpose: 'status test', type: 'multi', maxAmount, merchantDriftEnabled: false } });
      assert.equal(response.statusCode, 200, response.body);
      return response.json.id as string;
    };

    it('an agent with funds and an active card can spend; its own token reads it', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 50_000, spendingLimitFrequency: 'perMonth' });
      await fund(agent.userId, 30_000);
      await newCard(agent.id, 10_000);
      const answer = await status(agent.id, agent.token);
      assert.equal(answer.object, 'agent_status');
      assert.equal(answer.agentId, agent.id);
      assert.equal(answer.userId, agent.userId);
      assert.deepEqual(answer.agent, { status: 'active', statusReason: null });
      assert.deepEqual(answer.verification, { applicationStatus: 'approved', rejectionReason: null });
      assert.deepEqual(answer.balance, { currency: 'USD', total: 30_000, available: 20_000, reserved: 10_000, pending: 0, debt: 0 });
      assert.equal(answer.policy.object, 'agent_policy');
      assert.equal(answer.policy.remaining, 50_000);
      assert.deepEqual(answer.cards, { active: 1, reserved: 10_000 });
      assert.equal(answer.canSpend, true);
      assert.deepEqual(answer.reasons, []);
    });

    it('without a card, and without money, it cannot spend and says why', async () => {
      const agent = await registerAgent(testApp);
      const answer = await status(agent.id);
      assert.equal(answer.canSpend, false);
      assert.deepEqual(reasonCodes(answer), ['no_active_card', 'insufficient_funds']);
      for (const reason of answer.reasons) assert.ok(reason.message.length > 20, reason.message);
    });

    it('a card holding all the money still lets the agent spend: its reservation counts', async () => {
      const agent = await registerAgent(testApp);
      await fund(agent.userId, 5_000);
      await newCard(agent.id, 5_000);
      const answer = await status(agent.id);
      assert.equal(answer.balance.available, 0);
      assert.equal(answer.canSpend, true, JSON.stringify(answer.reasons));
    });

    it('a suspended agent (whose token still reads its status) and a used-up limit are reasons', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 1_000, spendingLimitFrequency: 'perMonth' });
      await fund(agent.userId, 10_000);
      const cardId = await newCard(agent.id, 2_000);
      const authorization = await testApp.request('POST', '/v1/sandbox/authorizations', { body: { cardId, amount: 1_000, merchant: { name: 'Amazon' } } });
      assert.equal(authorization.json.status, 'pending', authorization.body);
      assert.deepEqual(reasonCodes(await status(agent.id)), ['agent_limit_exceeded']);

      assert.equal((await testApp.request('POST', `/v1/agents/${agent.id}/suspend`)).statusCode, 200);
      const answer = await status(agent.id, agent.token);
      assert.deepEqual(answer.agent, { status: 'suspended', statusReason: 'manual' });
      // Suspension freezes the agent's cards too, so it has no active card either.
      assert.deepEqual(reasonCodes(answer), ['agent_suspended', 'agent_limit_exceeded', 'no_active_card']);
    });

    it('a user whose verification is no longer approved blocks spending first', async () => {
      const agent = await registerAgent(testApp);
      await fund(agent.userId, 10_000);
      await newCard(agent.id, 1_000);
      const scope = scopeOf(testApp);
      await testApp.store.db.transaction(async (tx) => {
        await setApplicationStatus(tx, scope, await getUser(tx, scope, agent.userId), 'manualReview', null, testApp.clock.nowMs());
      });
      const answer = await status(agent.id);
      assert.deepEqual(answer.verification, { applicationStatus: 'manualReview', rejectionReason: null });
      assert.deepEqual(reasonCodes(answer), ['user_not_approved']);
    });

    it("funding answers the agent's user's deposit instructions, the same as the user endpoint", async () => {
      const agent = await registerAgent(testApp);
      const viaAgent = await testApp.request('GET', `/v1/agents/${agent.id}/funding`, { key: agent.token });
      assert.equal(viaAgent.statusCode, 200, viaAgent.body);
      const viaUser = await testApp.request('GET', `/v1/users/${agent.userId}/funding`);
      assert.deepEqual(viaAgent.json, viaUser.json);
      assert.equal(viaAgent.json.object, 'funding_instructions');
    });

    it("another agent's token gets 404 for both; an unknown agent is 404", async () => {
      const agent = await registerAgent(testApp);
      const sibling = await registerAgent(testApp, { userId: agent.userId, name: 'sibling' });
      for (const path of ['status', 'funding']) {
        assertError(await testApp.request('GET', `/v1/agents/${agent.id}/${path}`, { key: sibling.token }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
        assertError(await testApp.request('GET', `/v1/agents/agent_00000000000000000000000000/${path}`), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      }
    });
  });
}
