// An agent's settings applied to its cards (SPEC §11 Agents, MCP): maxCards for every credential, the default card
// limit for a card without limits of its own, and an agent token creating and freezing its own cards — within its
// spending limit, with only the fields an agent may set, and never unfreezing or closing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, scopeOf, useTestApp } from '../../helpers/app.js';
import { fundUser } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { eventTypesAbout, registerAgent, type RegisteredAgent } from './arrange.js';

for (const kind of storeKinds) {
  describe(`agents and their cards (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function fundedAgent(body: Record<string, unknown> = {}, fundsCents = 100_000): Promise<RegisteredAgent> {
      const agent = await registerAgent(testApp, body);
      await fundUser(testApp.store.db, scopeOf(testApp), agent.userId, fundsCents, testApp.clock.nowMs());
      return agent;
    }

    function createCard(agentId: string, body: Record<string, unknown> = {}, key?: string) {
      return testApp.request('POST', `/v1/agents/${agentId}/cards`, { ...(key === undefined ? {} : { key }), body: { purpose: 'groceries', maxAmount: 1_000, ...body } });
    }

    async function agentOf(agentId: string) {
      return (await testApp.request('GET', `/v1/agents/${agentId}`)).json;
    }

    it('maxCards bounds the open cards for API keys and agent tokens alike, naming the count and the limit', async () => {
      const agent = await fundedAgent({ maxCards: 2 });
      const first = await createCard(agent.id);
      assert.equal(first.statusCode, 200, first.body);
      const second = await createCard(agent.id, {}, agent.token);
      assert.equal(second.statusCode, 200, second.body);
      for (const key of [undefined, agent.token]) {
        const refused = await createCard(agent.id, {}, key);
        assertError(refused, { status: 409, type: 'conflict_error', code: 'max_cards_reached' });
        assert.match(refused.json.error.message, /2 open cards, its maxCards limit of 2/);
      }
      assert.equal((await agentOf(agent.id)).cardCount, 2);

      // A frozen card still counts; a closed one frees its place.
      await testApp.request('POST', `/v1/cards/${first.json.id}/freeze`);
      assertError(await createCard(agent.id), { status: 409, type: 'conflict_error', code: 'max_cards_reached' });
      await testApp.request('POST', `/v1/cards/${first.json.id}/close`);
      assert.equal((await createCard(agent.id)).statusCode, 200);

      // Lowering maxCards below the open cards closes none; raising or clearing it lets more in.
      const lowered = await testApp.request('PATCH', `/v1/agents/${agent.id}`, { body: { maxCards: 1 } });
      assert.deepEqual([lowered.json.maxCards, lowered.json.cardCount], [1, 2]);
      assertError(await createCard(agent.id), { status: 409, type: 'conflict_error', code: 'max_cards_reached' });
      await testApp.request('PATCH', `/v1/agents/${agent.id}`, { body: { maxCards: null } });
      assert.equal((await createCard(agent.id)).statusCode, 200);
      assert.equal((await agentOf(agent.id)).cardCount, 3);
    });

    it('concurrent creations never pass maxCards', async () => {
      const agent = await fundedAgent({ maxCards: 3 });
      const responses = await Promise.all(Array.from({ length: 8 }, (_, index) => createCard(agent.id, { purpose: `racer ${index}` }, index % 2 === 0 ? agent.token : undefined)));
      const created = responses.filter((response) => response.statusCode === 200);
      assert.equal(created.length, 3, responses.map((response) => response.body).join('\n'));
      for (const response of responses.filter((candidate) => candidate.statusCode !== 200)) {
        assertError(response, { status: 409, type: 'conflict_error', code: 'max_cards_reached' });
      }
      assert.equal((await agentOf(agent.id)).cardCount, 3);
    });

    it('a card without limits of its own gets the agent’s default card limit; its own limits replace it', async () => {
      const monthly = await fundedAgent({ defaultCardLimit: 4_000 });
      const defaulted = await createCard(monthly.id);
      assert.deepEqual(defaulted.json.limits, { perAuth: null, perDay: null, perMonth: 4_000 });
      const daily = await fundedAgent({ defaultCardLimit: 1_500, defaultCardLimitFrequency: 'perDay' });
      assert.deepEqual((await createCard(daily.id, {}, daily.token)).json.limits, { perAuth: null, perDay: 1_500, perMonth: null });
      assert.deepEqual((await createCard(daily.id, { limits: { perMonth: 9_000 } })).json.limits, { perAuth: null, perDay: null, perMonth: 9_000 });
      assert.deepEqual((await createCard(daily.id, { limits: {} })).json.limits, { perAuth: null, perDay: 1_500, perMonth: null }, 'an empty limits object sets none');
      const none = await fundedAgent();
      assert.deepEqual((await createCard(none.id)).json.limits, { perAuth: null, perDay: null, perMonth: null });

      // A change applies to cards created from then on; existing cards keep theirs.
      await testApp.request('PATCH', `/v1/agents/${monthly.id}`, { body: { defaultCardLimit: null } });
      assert.deepEqual((await createCard(monthly.id)).json.limits, { perAuth: null, perDay: null, perMonth: null });
      assert.deepEqual((await testApp.request('GET', `/v1/cards/${defaulted.json.id}`)).json.limits, { perAuth: null, perDay: null, perMonth: 4_000 });
    });

    it('the default card limit is enforced like a card’s own limit', async () => {
      const agent = await fundedAgent({ defaultCardLimit: 1_000, defaultCardLimitFrequency: 'perDay' });
      const card = await createCard(agent.id, { type: 'multi', maxAmount: 800, merchantDriftEnabled: false });
      const authorize = (amount: number) => testApp.request('POST', '/v1/sandbox/authorizations', { body: { cardId: card.json.id, amount, merchant: { name: 'Amazon' } } });
      assert.equal((await authorize(700)).json.status, 'pending');
      const declined = (await authorize(400)).json;
      assert.deepEqual([declined.status, declined.declineReason], ['declined', 'card_limit_exceeded']);
    });

    it('an agent token creates cards for its own agent only, within what its spending limit still allows', async () => {
      const agent = await fundedAgent({ spendingLimit: 5_000, spendingLimitFrequency: 'perMonth' });
      const own = await createCard(agent.id, { type: 'multi', maxAmount: 3_000, limits: { perDay: 2_000 }, expiresInMinutes: 60, metadata: { why: 'books' } }, agent.token);
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(own.json.agentId, agent.id);
      const [created] = (await testApp.store.db.all<{ data: string }>("SELECT data FROM events WHERE type = 'card.created' AND data LIKE ?", [`%${own.json.id}%`])).map((row) => JSON.parse(row.data));
      assert.equal(created.object.id, own.json.id);

      // Another agent's id is not its to see; an unknown one neither.
      const sibling = await registerAgent(testApp, { userId: agent.userId });
      for (const agentId of [sibling.id, 'agent_0000000000000000000000000']) {
        assertError(await createCard(agentId, {}, agent.token), { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'id' });
      }
      assert.equal((await agentOf(sibling.id)).cardCount, 0);

      // The whole limit is available while nothing is spent: a card above it is refused for the token, not the key.
      const tooBig = await createCard(agent.id, { maxAmount: 5_001 }, agent.token);
      assertError(tooBig, { status: 409, type: 'conflict_error', code: 'card_exceeds_agent_limit', param: 'maxAmount' });
      assert.match(tooBig.json.error.message, /5001 exceeds .* 5000 cents of its perMonth limit of 5000/);
      assert.equal((await createCard(agent.id, { maxAmount: 5_001 })).statusCode, 200, 'an API key may give more room; authorizations are still limited');

      // Spend shrinks what the agent may give itself.
      const authorization = await testApp.request('POST', '/v1/sandbox/authorizations', { body: { cardId: own.json.id, amount: 1_500, merchant: { name: 'Bookshop' } } });
      assert.equal(authorization.json.status, 'pending', authorization.body);
      assertError(await createCard(agent.id, { maxAmount: 3_501 }, agent.token), { status: 409, type: 'conflict_error', code: 'card_exceeds_agent_limit', param: 'maxAmount' });
      assert.equal((await createCard(agent.id, { maxAmount: 3_500 }, agent.token)).statusCode, 200);

      // No limit: nothing to exceed.
      const unlimited = await fundedAgent();
      assert.equal((await createCard(unlimited.id, { maxAmount: 90_000 }, unlimited.token)).statusCode, 200);
    });

    it('an agent token sets only what a card is for and how much it holds; controls stay its operator’s', async () => {
      const agent = await fundedAgent({ requireApproval: true });
      for (const [field, value] of [
        ['requireApproval', false],
        ['autoApproveBelow', 100_000],
        ['merchantDriftEnabled', false],
        ['onDrift', 'alert'],
      ] as const) {
        const refused = await createCard(agent.id, { type: 'multi', [field]: value }, agent.token);
        assertError(refused, { status: 403, type: 'authorization_error', code: 'field_not_allowed_for_agent_token', param: field });
      }
      // Defaults the schema fills in are not the agent's doing.
      const plain = await createCard(agent.id, { type: 'single', onLimitExceeded: 'freeze' }, agent.token);
      assert.equal(plain.statusCode, 200, plain.body);
      assert.equal(plain.json.requireApproval, null, "the agent's policy applies");
      assert.equal((await agentOf(agent.id)).cardCount, 1);
    });

    it('an agent token freezes its own cards, never another agent’s, and never unfreezes or closes', async () => {
      const agent = await fundedAgent();
      const sibling = await registerAgent(testApp, { userId: agent.userId });
      const card = await createCard(agent.id, {}, agent.token);
      const siblingCard = await createCard(sibling.id);

      const frozen = await testApp.request('POST', `/v1/cards/${card.json.id}/freeze`, { key: agent.token });
      assert.equal(frozen.statusCode, 200, frozen.body);
      assert.deepEqual([frozen.json.status, frozen.json.statusReason, frozen.json.previousStatus], ['frozen', 'manual', 'active']);
      const [event] = (await testApp.store.db.all<{ data: string }>("SELECT data FROM events WHERE type = 'card.frozen' AND data LIKE ?", [`%${card.json.id}%`])).map((row) =>
        JSON.parse(row.data),
      );
      assert.equal(event.object.statusChange.by.kind, 'agentToken');
      assertError(await testApp.request('POST', `/v1/cards/${card.json.id}/freeze`, { key: agent.token }), { status: 409, type: 'conflict_error', code: 'card_already_frozen' });

      for (const action of ['unfreeze', 'close']) {
        assertError(await testApp.request('POST', `/v1/cards/${card.json.id}/${action}`, { key: agent.token }), {
          status: 403,
          type: 'authorization_error',
          code: 'insufficient_permissions',
        });
      }
      assertError(await testApp.request('POST', `/v1/cards/${siblingCard.json.id}/freeze`, { key: agent.token }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.equal((await testApp.request('GET', `/v1/cards/${siblingCard.json.id}`)).json.status, 'active');
      assert.equal((await testApp.request('GET', `/v1/cards/${card.json.id}`)).json.status, 'frozen');
      assert.ok((await eventTypesAbout(testApp, card.json.id)).includes('card.frozen'));
    });

    it('a suspended agent’s token creates no card; its cards are already frozen', async () => {
      const agent = await fundedAgent();
      const card = await createCard(agent.id);
      await testApp.request('POST', `/v1/agents/${agent.id}/suspend`);
      assertError(await createCard(agent.id, {}, agent.token), { status: 409, type: 'conflict_error', code: 'agent_not_active' });
      // Its card was frozen by the suspension: freezing again says so.
      assertError(await testApp.request('POST', `/v1/cards/${card.json.id}/freeze`, { key: agent.token }), { status: 409, type: 'conflict_error', code: 'card_already_frozen' });
    });
  });
}
