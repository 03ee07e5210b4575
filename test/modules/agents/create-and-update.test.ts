// LedgerOS's agent surface (SPEC §11 Agents): POST /v1/agents (an agent, no token), PATCH /v1/agents/{id} (settings,
// and status through the same transitions as suspend/activate, cards following), the agent object's figures
// (currentSpend, cardCount) and settings (maxCards, defaultCardLimit…), previousStatus and deregisteredAt.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, scopeOf, useTestApp } from '../../helpers/app.js';
import { fundUser } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { agentFields, approvedUser, eventTypesAbout, registerAgent } from './arrange.js';

for (const kind of storeKinds) {
  describe(`agents: create, update, figures (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function countRows(sql: string, params: (string | number)[]): Promise<number> {
      const row = await testApp.store.db.get<{ count: number | string }>(sql, params);
      return Number(row?.count ?? 0);
    }

    async function eventsOf(type: string, agentId: string) {
      const rows = await testApp.store.db.all<{ data: string }>('SELECT data FROM events WHERE type = ? AND data LIKE ? ORDER BY id', [type, `%"${agentId}"%`]);
      return rows.map((row) => JSON.parse(row.data).object);
    }

    async function patch(agentId: string, body: unknown) {
      return testApp.request('PATCH', `/v1/agents/${agentId}`, { body });
    }

    it('POST /v1/agents creates an agent with its settings and no token; each call is a new agent', async () => {
      const userId = await approvedUser(testApp);
      const body = {
        userId,
        name: 'travel-bot',
        description: 'Books trains',
        spendingLimit: 40_000,
        spendingLimitFrequency: 'perWeek',
        onLimitExceeded: 'notify',
        maxCards: 3,
        defaultCardLimit: 5_000,
        defaultCardLimitFrequency: 'perDay',
        limitWarningThreshold: 0.75,
        metadata: { team: 'travel' },
      };
      const response = await testApp.request('POST', '/v1/agents', { body });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(Object.keys(response.json).sort(), agentFields);
      assert.deepEqual(
        { ...response.json, id: undefined, createdAt: undefined, updatedAt: undefined },
        {
          object: 'agent',
          id: undefined,
          userId,
          name: 'travel-bot',
          description: 'Books trains',
          externalId: null,
          spendingLimit: 40_000,
          spendingLimitFrequency: 'perWeek',
          currentSpend: 0,
          limitWarningThreshold: 0.75,
          onLimitExceeded: 'notify',
          maxCards: 3,
          cardCount: 0,
          defaultCardLimit: 5_000,
          defaultCardLimitFrequency: 'perDay',
          defaultPolicyId: null,
          requireApproval: false,
          autoApproveBelow: null,
          approvalMethod: 'apiKey',
          approvalTimeoutMinutes: 60,
          status: 'active',
          statusReason: null,
          metadata: { team: 'travel' },
          createdAt: undefined,
          updatedAt: undefined,
          deregisteredAt: null,
        },
      );
      const agentId = response.json.id as string;
      assert.deepEqual(await eventTypesAbout(testApp, agentId), ['agent.created'], 'no token was issued');
      assert.equal(await countRows('SELECT COUNT(*) AS count FROM agent_tokens WHERE agent_id = ?', [agentId]), 0);
      assert.deepEqual((await eventsOf('agent.created', agentId))[0], response.json);
      assert.deepEqual((await testApp.request('GET', `/v1/agents/${agentId}`)).json, response.json);

      // No natural key: the same body again is another agent; externalId belongs to register.
      const again = await testApp.request('POST', '/v1/agents', { body });
      assert.equal(again.statusCode, 200, again.body);
      assert.notEqual(again.json.id, agentId);
      assertError(await testApp.request('POST', '/v1/agents', { body: { ...body, externalId: 'x-1' } }), {
        status: 422,
        type: 'validation_error',
        code: 'unknown_parameter',
        param: 'externalId',
      });

      // Tokens come from the tokens endpoint.
      const token = await testApp.request('POST', `/v1/agents/${agentId}/tokens`, { body: { name: 'first' } });
      assert.equal(token.statusCode, 200, token.body);
      assert.equal((await testApp.request('GET', `/v1/agents/${agentId}/policy`, { key: token.json.token })).statusCode, 200);
    });

    it('POST /v1/agents refuses unapproved and unknown users, and bad settings', async () => {
      const created = await testApp.request('POST', '/v1/users', { body: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' } });
      assertError(await testApp.request('POST', '/v1/agents', { body: { userId: created.json.id, name: 'bot' } }), {
        status: 403,
        type: 'authorization_error',
        code: 'user_not_approved',
      });
      assertError(await testApp.request('POST', '/v1/agents', { body: { userId: 'user_0000000000000000000000000', name: 'bot' } }), {
        status: 404,
        type: 'not_found_error',
        code: 'resource_not_found',
        param: 'userId',
      });
      const userId = await approvedUser(testApp);
      const cases: { body: Record<string, unknown>; status: 400 | 422; code: string; param: string }[] = [
        { body: { maxCards: 0 }, status: 422, code: 'invalid_parameter_value', param: 'maxCards' },
        { body: { maxCards: 10_001 }, status: 422, code: 'invalid_parameter_value', param: 'maxCards' },
        { body: { maxCards: 1.5 }, status: 400, code: 'invalid_parameter_type', param: 'maxCards' },
        { body: { defaultCardLimit: 0 }, status: 422, code: 'invalid_parameter_value', param: 'defaultCardLimit' },
        { body: { defaultCardLimitFrequency: 'perWeek' }, status: 422, code: 'invalid_parameter_value', param: 'defaultCardLimitFrequency' },
        { body: { limitWarningThreshold: 0 }, status: 422, code: 'invalid_parameter_value', param: 'limitWarningThreshold' },
        { body: { limitWarningThreshold: 1.01 }, status: 422, code: 'invalid_parameter_value', param: 'limitWarningThreshold' },
        { body: { limitWarningThreshold: 0.12345 }, status: 422, code: 'invalid_parameter_value', param: 'limitWarningThreshold' },
        { body: { limitWarningThreshold: '0.8' }, status: 400, code: 'invalid_parameter_type', param: 'limitWarningThreshold' },
        { body: { maxCards: '3' }, status: 400, code: 'invalid_parameter_type', param: 'maxCards' },
      ];
      for (const { body, status, code, param } of cases) {
        for (const path of ['/v1/agents', '/v1/agents/register']) {
          const response = await testApp.request('POST', path, { body: { userId, name: 'bot', ...body } });
          assertError(response, { status, type: status === 400 ? 'invalid_request_error' : 'validation_error', code, param });
        }
      }
      assert.equal(await countRows('SELECT COUNT(*) AS count FROM agents WHERE user_id = ?', [userId]), 0);
      // Limits of the range are accepted.
      const edge = await testApp.request('POST', '/v1/agents', { body: { userId, name: 'edge', maxCards: 10_000, limitWarningThreshold: 1 } });
      assert.equal(edge.statusCode, 200, edge.body);
      assert.equal(edge.json.limitWarningThreshold, 1);
      const small = await testApp.request('POST', '/v1/agents', { body: { userId, name: 'edge', limitWarningThreshold: 0.0001 } });
      assert.equal(small.json.limitWarningThreshold, 0.0001);
    });

    it('PATCH changes settings (null clears), records agent.updated with previousAttributes, and only when something changed', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 10_000, description: 'old', maxCards: 2, metadata: { a: '1' } });
      const response = await patch(agent.id, {
        name: 'renamed-bot',
        description: null,
        spendingLimit: 20_000,
        spendingLimitFrequency: 'perYear',
        onLimitExceeded: 'suspend',
        maxCards: null,
        defaultCardLimit: 2_500,
        defaultCardLimitFrequency: 'perDay',
        limitWarningThreshold: 0.5,
        metadata: { b: '2' },
        requireApproval: true,
        autoApproveBelow: 1_000,
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(Object.keys(response.json).sort(), agentFields);
      assert.deepEqual(
        {
          name: response.json.name,
          description: response.json.description,
          spendingLimit: response.json.spendingLimit,
          spendingLimitFrequency: response.json.spendingLimitFrequency,
          onLimitExceeded: response.json.onLimitExceeded,
          maxCards: response.json.maxCards,
          defaultCardLimit: response.json.defaultCardLimit,
          defaultCardLimitFrequency: response.json.defaultCardLimitFrequency,
          limitWarningThreshold: response.json.limitWarningThreshold,
          metadata: response.json.metadata,
          requireApproval: response.json.requireApproval,
          autoApproveBelow: response.json.autoApproveBelow,
          status: response.json.status,
        },
        {
          name: 'renamed-bot',
          description: null,
          spendingLimit: 20_000,
          spendingLimitFrequency: 'perYear',
          onLimitExceeded: 'suspend',
          maxCards: null,
          defaultCardLimit: 2_500,
          defaultCardLimitFrequency: 'perDay',
          limitWarningThreshold: 0.5,
          metadata: { b: '2' },
          requireApproval: true,
          autoApproveBelow: 1_000,
          status: 'active',
        },
      );
      assert.deepEqual((await testApp.request('GET', `/v1/agents/${agent.id}`)).json, response.json);
      const [updated] = await eventsOf('agent.updated', agent.id);
      assert.deepEqual(updated.previousAttributes, {
        name: 'checkout-bot',
        description: 'old',
        spendingLimit: 10_000,
        spendingLimitFrequency: 'perMonth',
        onLimitExceeded: 'none',
        maxCards: 2,
        defaultCardLimit: null,
        defaultCardLimitFrequency: 'perMonth',
        limitWarningThreshold: 0.8,
        metadata: { a: '1' },
        requireApproval: false,
        autoApproveBelow: null,
      });
      const { previousAttributes, ...updatedAgent } = updated;
      assert.ok(previousAttributes !== undefined);
      assert.deepEqual(updatedAgent, response.json);

      // Absent fields stay; the same values again change nothing and record nothing.
      const same = await patch(agent.id, { name: 'renamed-bot', spendingLimit: 20_000 });
      assert.equal(same.statusCode, 200, same.body);
      assert.deepEqual(same.json, response.json);
      const empty = await patch(agent.id, {});
      assert.deepEqual(empty.json, response.json);
      assert.equal((await eventsOf('agent.updated', agent.id)).length, 1);
    });

    it('PATCH status goes through suspend and activate: events, statusReason manual, cards freeze and unfreeze', async () => {
      const agent = await registerAgent(testApp);
      await fundUser(testApp.store.db, scopeOf(testApp), agent.userId, 10_000, testApp.clock.nowMs());
      const card = await testApp.request('POST', `/v1/agents/${agent.id}/cards`, { body: { purpose: 'p', maxAmount: 1_000 } });
      assert.equal(card.statusCode, 200, card.body);

      const suspended = await patch(agent.id, { status: 'suspended', name: 'paused-bot' });
      assert.equal(suspended.statusCode, 200, suspended.body);
      assert.equal(suspended.json.status, 'suspended');
      assert.equal(suspended.json.statusReason, 'manual');
      assert.equal(suspended.json.name, 'paused-bot');
      const frozen = await testApp.request('GET', `/v1/cards/${card.json.id}`);
      assert.deepEqual([frozen.json.status, frozen.json.statusReason], ['frozen', 'agent_suspended']);

      // The status it already has is no change (no error, no event).
      const again = await patch(agent.id, { status: 'suspended' });
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json.status, 'suspended');

      const activated = await patch(agent.id, { status: 'active' });
      assert.equal(activated.statusCode, 200, activated.body);
      assert.deepEqual([activated.json.status, activated.json.statusReason], ['active', null]);
      assert.equal((await testApp.request('GET', `/v1/cards/${card.json.id}`)).json.status, 'active');
      assert.deepEqual(await eventTypesAbout(testApp, agent.id), [
        'agent.created',
        'agent_token.created',
        'card.created',
        'agent.updated',
        'agent.suspended',
        'card.frozen',
        'agent.activated',
        'card.unfrozen',
      ]);

      // Deregistration is not a PATCH.
      assertError(await patch(agent.id, { status: 'deregistered' }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'status' });
    });

    it('a deregistered agent refuses every PATCH with 409 agent_deregistered and stays as it was', async () => {
      const agent = await registerAgent(testApp);
      const deregistered = await testApp.request('POST', `/v1/agents/${agent.id}/deregister`);
      assert.equal(deregistered.statusCode, 200, deregistered.body);
      for (const body of [{ name: 'zombie' }, { status: 'active' }, { status: 'suspended' }, {}]) {
        assertError(await patch(agent.id, body), { status: 409, type: 'conflict_error', code: 'agent_deregistered' });
      }
      const { previousStatus, ...agentAfter } = deregistered.json;
      assert.equal(previousStatus, 'active');
      assert.deepEqual((await testApp.request('GET', `/v1/agents/${agent.id}`)).json, agentAfter);
      assert.equal((await eventsOf('agent.updated', agent.id)).length, 0);
    });

    it('PATCH refuses bad input, unknown agents and other tenants', async () => {
      const agent = await registerAgent(testApp);
      assertError(await patch(agent.id, { spendingLimt: 5 }), { status: 422, type: 'validation_error', code: 'unknown_parameter', param: 'spendingLimt' });
      assertError(await patch(agent.id, { externalId: 'x' }), { status: 422, type: 'validation_error', code: 'unknown_parameter', param: 'externalId' });
      assertError(await patch(agent.id, { userId: 'user_x' }), { status: 422, type: 'validation_error', code: 'unknown_parameter', param: 'userId' });
      assertError(await patch(agent.id, { name: '' }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'name' });
      assertError(await patch(agent.id, { name: null }), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'name' });
      assertError(await patch(agent.id, { maxCards: -1 }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'maxCards' });
      assertError(await patch(agent.id, { limitWarningThreshold: null }), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'limitWarningThreshold' });
      assertError(await patch('agent_0000000000000000000000000', { name: 'x' }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('PATCH', `/v1/agents/${agent.id}`, { key: testApp.liveKey, body: { name: 'x' } }), {
        status: 404,
        type: 'not_found_error',
        code: 'resource_not_found',
      });
      assertError(await testApp.request('PATCH', `/v1/agents/${agent.id}`, { key: agent.token, body: { name: 'x' } }), {
        status: 403,
        type: 'authorization_error',
        code: 'insufficient_permissions',
      });
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}`)).json.name, 'checkout-bot');
    });

    it('cardCount counts cards that are not closed; currentSpend is the spend of the current window, in lists too', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 50_000, spendingLimitFrequency: 'perMonth' });
      await fundUser(testApp.store.db, scopeOf(testApp), agent.userId, 20_000, testApp.clock.nowMs());
      const cards: string[] = [];
      for (let index = 0; index < 3; index += 1) {
        const card = await testApp.request('POST', `/v1/agents/${agent.id}/cards`, { body: { purpose: `card ${index}`, type: 'multi', maxAmount: 2_000, merchantDriftEnabled: false } });
        assert.equal(card.statusCode, 200, card.body);
        cards.push(card.json.id);
      }
      await testApp.request('POST', `/v1/cards/${cards[0]}/freeze`);
      await testApp.request('POST', `/v1/cards/${cards[1]}/close`);
      for (const amount of [1_200, 300]) {
        const authorization = await testApp.request('POST', '/v1/sandbox/authorizations', { body: { cardId: cards[2], amount, merchant: { name: 'Amazon' } } });
        assert.equal(authorization.json.status, 'pending', authorization.body);
      }

      const fetched = (await testApp.request('GET', `/v1/agents/${agent.id}`)).json;
      assert.equal(fetched.cardCount, 2, 'a frozen card counts, a closed one does not');
      assert.equal(fetched.currentSpend, 1_500);
      assert.equal(fetched.currentSpend, (await testApp.request('GET', `/v1/agents/${agent.id}/policy`)).json.currentSpend);
      const listed = (await testApp.request('GET', `/v1/agents?userId=${agent.userId}`)).json.data;
      assert.deepEqual(listed, [fetched]);
      const other = await registerAgent(testApp, { userId: agent.userId, spendingLimitFrequency: 'perTransaction' });
      const both = (await testApp.request('GET', `/v1/agents?userId=${agent.userId}`)).json.data;
      assert.deepEqual(
        both.map((item: { id: string; cardCount: number; currentSpend: number }) => [item.id, item.cardCount, item.currentSpend]),
        [
          [other.id, 0, 0],
          [agent.id, 2, 1_500],
        ],
      );

      // Deregistration closes the rest; its answer shows none open.
      const deregistered = await testApp.request('POST', `/v1/agents/${agent.id}/deregister`);
      assert.equal(deregistered.json.cardCount, 0);
    });
  });
}
