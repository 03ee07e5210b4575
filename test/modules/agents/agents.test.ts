// Agents over HTTP (SPEC §4 "Agents and agent tokens"): registration with its one-time token, externalId
// idempotency (also under concurrency), approval and validation errors, listing, and the status life.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashCredential } from '../../../src/domain/credentials.js';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import {
  deregisterAgent,
  registerAgent as registerAgentInTransaction,
  suspendAgent,
  type AgentStatusChange,
  type AgentStatusFollower,
} from '../../../src/modules/agents/service.js';
import type { Sql } from '../../../src/store/database.js';
import { assertError, scopeOf, useTestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { agentFields, approvedUser, eventTypesAbout, registerAgent } from './arrange.js';

const tokenPattern = /^at_dev_[A-Za-z0-9_-]{43}$/;

for (const kind of storeKinds) {
  describe(`agents (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function countRows(sql: string, params: (string | number)[]): Promise<number> {
      const row = await testApp.store.db.get<{ count: number | string }>(sql, params);
      return Number(row?.count ?? 0);
    }

    it('registers an agent of an approved user with a token shown once and stored only as a hash', async () => {
      const userId = await approvedUser(testApp);
      const response = await testApp.request('POST', '/v1/agents/register', {
        body: {
          userId,
          name: 'checkout-bot',
          description: 'Handles online purchases',
          spendingLimit: 50_000,
          spendingLimitFrequency: 'perMonth',
          onLimitExceeded: 'notify',
          metadata: { team: 'growth' },
          requireApproval: true,
          autoApproveBelow: 2_000,
        },
      });
      assert.equal(response.statusCode, 200, response.body);
      const { token, created: isNew, tokenId, ...agent } = response.json;
      assert.match(token, tokenPattern);
      assert.equal(isNew, true);
      assert.match(tokenId, /^tok_[0-9a-z]{26}$/);
      assert.deepEqual(Object.keys(agent).sort(), agentFields);
      assert.match(agent.id, /^agent_[0-9a-z]{26}$/);
      assert.deepEqual(
        { ...agent, id: undefined, createdAt: undefined, updatedAt: undefined },
        {
          object: 'agent',
          id: undefined,
          userId,
          name: 'checkout-bot',
          description: 'Handles online purchases',
          externalId: null,
          spendingLimit: 50_000,
          spendingLimitFrequency: 'perMonth',
          currentSpend: 0,
          limitWarningThreshold: 0.8,
          onLimitExceeded: 'notify',
          maxCards: null,
          cardCount: 0,
          defaultCardLimit: null,
          defaultCardLimitFrequency: 'perMonth',
          defaultPolicyId: null,
          requireApproval: true,
          autoApproveBelow: 2_000,
          approvalMethod: 'apiKey',
          approvalTimeoutMinutes: 60,
          status: 'active',
          statusReason: null,
          metadata: { team: 'growth' },
          createdAt: undefined,
          updatedAt: undefined,
          deregisteredAt: null,
        },
      );
      assert.equal(agent.createdAt, new Date(testApp.clock.nowMs()).toISOString());

      // Shown once: reading the agent or its tokens never shows the secret again.
      const fetched = await testApp.request('GET', `/v1/agents/${agent.id}`);
      assert.equal(fetched.statusCode, 200);
      assert.deepEqual(fetched.json, agent);
      const tokens = await testApp.request('GET', `/v1/agents/${agent.id}/tokens`);
      assert.equal(tokens.json.data.length, 1);
      assert.equal(tokens.json.data[0].name, 'registration');
      assert.equal(tokens.json.data[0].id, tokenId);
      assert.equal(tokens.json.data[0].redactedToken, `at_dev_…${token.slice(-4)}`);
      for (const body of [fetched.body, tokens.body]) assert.equal(body.includes(token), false);

      // Stored as its SHA-256 hash; the secret is in no row of any table we wrote, nor in any event.
      const rows = await testApp.store.db.all<Record<string, unknown>>('SELECT * FROM agent_tokens WHERE agent_id = ?', [agent.id]);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.token_hash, hashCredential(token));
      assert.equal(JSON.stringify(rows).includes(token), false);
      assert.equal(JSON.stringify(rows).includes(token.slice(7, 30)), false);
      const events = await testApp.store.db.all<{ type: string; data: string }>('SELECT type, data FROM events WHERE data LIKE ?', [`%${agent.id}%`]);
      assert.deepEqual(events.map((event) => event.type).sort(), ['agent.created', 'agent_token.created']);
      for (const event of events) assert.equal(event.data.includes(token.slice(7)), false, `${event.type} carries the token`);
      const created = JSON.parse(events.find((event) => event.type === 'agent.created')!.data);
      assert.deepEqual(created.object, agent);

      // The token is a working credential for the agent.
      const policy = await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: token });
      assert.equal(policy.statusCode, 200, policy.body);
    });

    it('applies defaults: no limit, perMonth, onLimitExceeded none, no approval', async () => {
      const { json } = await registerAgent(testApp);
      assert.equal(json.spendingLimit, null);
      assert.equal(json.spendingLimitFrequency, 'perMonth');
      assert.equal(json.onLimitExceeded, 'none');
      assert.equal(json.requireApproval, false);
      assert.equal(json.autoApproveBelow, null);
      assert.equal(json.description, null);
      assert.deepEqual(json.metadata, {});
    });

    it('a live key registers a live agent with an at_live_ token, invisible to sandbox keys', async () => {
      const live = await registerAgent(testApp, { externalId: 'shared-external-id' }, { environment: 'live' });
      assert.match(live.token, /^at_live_[A-Za-z0-9_-]{43}$/);
      assertError(await testApp.request('GET', `/v1/agents/${live.id}`), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      // The same externalId in the sandbox names another agent: natural keys are scoped by environment too.
      const sandbox = await registerAgent(testApp, { externalId: 'shared-external-id' });
      assert.notEqual(sandbox.id, live.id);
    });

    it('registering the same externalId again returns the existing agent, unchanged and without a token', async () => {
      const first = await registerAgent(testApp, { externalId: 'bot-42', spendingLimit: 10_000 });
      const again = await testApp.request('POST', '/v1/agents/register', {
        body: { userId: first.userId, name: 'renamed', externalId: 'bot-42', spendingLimit: 99_999 },
      });
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json.id, first.id);
      assert.equal(again.json.created, false);
      assert.equal(again.json.token, null);
      assert.equal(again.json.tokenId, null);
      assert.equal(again.json.name, 'checkout-bot');
      assert.equal(again.json.spendingLimit, 10_000);
      assert.equal(again.json.externalId, 'bot-42');
      assert.equal(await countRows('SELECT COUNT(*) AS count FROM agents WHERE external_id = ?', ['bot-42']), 1);
      assert.equal(await countRows('SELECT COUNT(*) AS count FROM agent_tokens WHERE agent_id = ?', [first.id]), 1);
      assert.deepEqual(await eventTypesAbout(testApp, first.id), ['agent.created', 'agent_token.created']);

      // Another user cannot take over the externalId: that would hand them this agent.
      const otherUser = await approvedUser(testApp);
      const stolen = await testApp.request('POST', '/v1/agents/register', { body: { userId: otherUser, name: 'x', externalId: 'bot-42' } });
      assertError(stolen, { status: 409, type: 'conflict_error', code: 'external_id_in_use', param: 'externalId' });
    });

    it('five concurrent registrations of one externalId create one agent and one token', async () => {
      const userId = await approvedUser(testApp);
      const responses = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          testApp.request('POST', '/v1/agents/register', { body: { userId, name: `racer-${index}`, externalId: 'race-1' } }),
        ),
      );
      for (const response of responses) assert.equal(response.statusCode, 200, response.body);
      const ids = new Set(responses.map((response) => response.json.id));
      assert.equal(ids.size, 1, 'every answer names the same agent');
      const tokens = responses.map((response) => response.json.token).filter((token) => token !== null);
      assert.equal(tokens.length, 1, 'exactly one answer carries a token');
      const [agentId] = [...ids] as string[];
      assert.equal(await countRows('SELECT COUNT(*) AS count FROM agents WHERE external_id = ?', ['race-1']), 1);
      assert.equal(await countRows('SELECT COUNT(*) AS count FROM agent_tokens WHERE agent_id = ?', [agentId!]), 1);
      assert.deepEqual(await eventTypesAbout(testApp, agentId!), ['agent.created', 'agent_token.created']);
    });

    if (kind === 'postgres') {
      it('a registration that lost the race on the unique index returns the winner (ON CONFLICT DO NOTHING, then re-read)', async () => {
        const scope = scopeOf(testApp);
        const userId = await approvedUser(testApp);
        const input = { userId, name: 'racer', externalId: 'race-2' };
        const deferred = () => {
          let resolve!: () => void;
          const promise = new Promise<void>((done) => (resolve = done));
          return { promise, resolve };
        };
        const firstInserted = deferred();
        const releaseFirst = deferred();
        const secondLookedUp = deferred();
        const secondInsertChanges: number[] = [];

        const first = testApp.store.db.transaction(async (tx) => {
          const result = await registerAgentInTransaction(tx, scope, input, testApp.clock.nowMs());
          firstInserted.resolve();
          await releaseFirst.promise; // hold the uncommitted row while the second registration runs
          return result;
        });
        await firstInserted.promise;
        const second = testApp.store.db.transaction(async (tx) => {
          // Watch the second transaction: its lookup runs while the first is uncommitted, so it finds nothing and
          // goes on to insert, which waits on the unique index until the first commits.
          const watched: Sql = {
            dialect: tx.dialect,
            all: (sql, params) => tx.all(sql, params),
            async get(sql, params) {
              const row = await tx.get(sql, params);
              if (sql.includes('external_id = ?') && secondInsertChanges.length === 0) {
                assert.equal(row, undefined, 'the first registration is not visible yet');
                secondLookedUp.resolve();
              }
              return row as never;
            },
            async run(sql, params) {
              const result = await tx.run(sql, params);
              if (sql.startsWith('INSERT INTO agents')) secondInsertChanges.push(result.changes);
              return result;
            },
          };
          return registerAgentInTransaction(watched, scope, input, testApp.clock.nowMs());
        });
        await secondLookedUp.promise;
        releaseFirst.resolve();
        const [winner, loser] = await Promise.all([first, second]);
        assert.deepEqual(secondInsertChanges, [0], 'the second insert did nothing');
        assert.equal(typeof winner.token, 'string');
        assert.equal(loser.token, null);
        assert.equal(loser.agent.id, winner.agent.id);
        assert.equal(await countRows('SELECT COUNT(*) AS count FROM agents WHERE external_id = ?', ['race-2']), 1);
        assert.equal(await countRows('SELECT COUNT(*) AS count FROM agent_tokens WHERE agent_id = ?', [winner.agent.id]), 1);
      });
    }

    it('refuses users who are not approved with 403 user_not_approved naming the status, and unknown users with 404', async () => {
      const created = await testApp.request('POST', '/v1/users', { body: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' } });
      assert.equal(created.statusCode, 200, created.body);
      const refused = await testApp.request('POST', '/v1/agents/register', { body: { userId: created.json.id, name: 'bot', externalId: 'unapproved-1' } });
      assertError(refused, { status: 403, type: 'authorization_error', code: 'user_not_approved' });
      assert.match(refused.json.error.message, /notStarted/);
      assert.equal(await countRows('SELECT COUNT(*) AS count FROM agents WHERE user_id = ?', [created.json.id]), 0);

      const unknown = await testApp.request('POST', '/v1/agents/register', { body: { userId: 'user_0000000000000000000000000', name: 'bot' } });
      assertError(unknown, { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'userId' });
    });

    it('validates the body: 422 for values out of range or enum, 400 for absent fields and wrong types', async () => {
      const userId = await approvedUser(testApp);
      const cases: { body: Record<string, unknown>; status: 400 | 422; code: string; param: string }[] = [
        { body: { spendingLimitFrequency: 'perFortnight' }, status: 422, code: 'invalid_parameter_value', param: 'spendingLimitFrequency' },
        { body: { spendingLimit: -1 }, status: 422, code: 'invalid_parameter_value', param: 'spendingLimit' },
        { body: { spendingLimit: 100_000_000_001 }, status: 422, code: 'invalid_parameter_value', param: 'spendingLimit' },
        { body: { autoApproveBelow: -5 }, status: 422, code: 'invalid_parameter_value', param: 'autoApproveBelow' },
        { body: { onLimitExceeded: 'explode' }, status: 422, code: 'invalid_parameter_value', param: 'onLimitExceeded' },
        { body: { name: '' }, status: 422, code: 'invalid_parameter_value', param: 'name' },
        { body: { externalId: 'x'.repeat(256) }, status: 422, code: 'invalid_parameter_value', param: 'externalId' },
        { body: { name: undefined }, status: 400, code: 'missing_parameter', param: 'name' },
        { body: { spendingLimit: '500' }, status: 400, code: 'invalid_parameter_type', param: 'spendingLimit' },
        { body: { requireApproval: 'yes' }, status: 400, code: 'invalid_parameter_type', param: 'requireApproval' },
      ];
      for (const { body, status, code, param } of cases) {
        const response = await testApp.request('POST', '/v1/agents/register', { body: { userId, name: 'bot', ...body } });
        assertError(response, { status, type: status === 400 ? 'invalid_request_error' : 'validation_error', code, param });
      }
      assertError(await testApp.request('POST', '/v1/agents/register', { body: { name: 'bot' } }), {
        status: 400,
        type: 'invalid_request_error',
        code: 'missing_parameter',
        param: 'userId',
      });
      assert.equal(await countRows('SELECT COUNT(*) AS count FROM agents WHERE user_id = ?', [userId]), 0);
    });

    it('lists agents newest first with cursor pages and a userId filter; other tenants and environments see 404', async () => {
      const userId = await approvedUser(testApp);
      const ids: string[] = [];
      for (let index = 0; index < 3; index += 1) ids.push((await registerAgent(testApp, { userId, name: `agent-${index}` })).id);
      const otherUsersAgent = await registerAgent(testApp);

      const firstPage = await testApp.request('GET', `/v1/agents?userId=${userId}&limit=2`);
      assert.equal(firstPage.statusCode, 200, firstPage.body);
      assert.equal(firstPage.json.object, 'list');
      assert.deepEqual(firstPage.json.data.map((agent: { id: string }) => agent.id), [ids[2], ids[1]]);
      assert.equal(firstPage.json.hasMore, true);
      for (const agent of firstPage.json.data) assert.equal('token' in agent, false);
      const secondPage = await testApp.request('GET', `/v1/agents?userId=${userId}&limit=2&cursor=${firstPage.json.nextCursor}`);
      assert.deepEqual(secondPage.json.data.map((agent: { id: string }) => agent.id), [ids[0]]);
      assert.equal(secondPage.json.hasMore, false);
      assert.equal(secondPage.json.nextCursor, null);

      const all = await testApp.request('GET', '/v1/agents?limit=100');
      const allIds = all.json.data.map((agent: { id: string }) => agent.id);
      assert.ok(allIds.includes(otherUsersAgent.id) && ids.every((id) => allIds.includes(id)));
      assert.deepEqual([...allIds].sort().reverse(), allIds, 'newest first');

      const other = await initializeOrganization(testApp.store.db, 'Other tenant', testApp.clock.nowMs());
      assertError(await testApp.request('GET', `/v1/agents/${ids[0]}`, { key: other.sandboxKey }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.deepEqual((await testApp.request('GET', '/v1/agents', { key: other.sandboxKey })).json.data, []);
      assertError(await testApp.request('GET', `/v1/agents/${ids[0]}`, { key: testApp.liveKey }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('POST', `/v1/agents/${ids[0]}/suspend`, { key: other.sandboxKey }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('GET', '/v1/agents/agent_0000000000000000000000000'), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
    });

    it('suspends and activates, deregisters for good (revoking every token), each with its event', async () => {
      const agent = await registerAgent(testApp);
      const extra = await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'ci' } });
      assert.equal(extra.statusCode, 200, extra.body);

      const suspended = await testApp.request('POST', `/v1/agents/${agent.id}/suspend`);
      assert.equal(suspended.statusCode, 200, suspended.body);
      assert.equal(suspended.json.status, 'suspended');
      assert.equal(suspended.json.statusReason, 'manual');
      assert.equal(suspended.json.previousStatus, 'active');
      assert.deepEqual(Object.keys(suspended.json).sort(), [...agentFields, 'previousStatus'].sort());
      assertError(await testApp.request('POST', `/v1/agents/${agent.id}/suspend`), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      // A suspended agent gets no new token, but its tokens still authenticate for reads.
      assertError(await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'more' } }), { status: 409, type: 'conflict_error', code: 'agent_not_active' });
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: agent.token })).statusCode, 200);

      const activated = await testApp.request('POST', `/v1/agents/${agent.id}/activate`);
      assert.equal(activated.json.status, 'active');
      assert.equal(activated.json.statusReason, null);
      assert.equal(activated.json.previousStatus, 'suspended');
      assertError(await testApp.request('POST', `/v1/agents/${agent.id}/activate`), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });

      const deregistered = await testApp.request('POST', `/v1/agents/${agent.id}/deregister`);
      assert.equal(deregistered.statusCode, 200, deregistered.body);
      assert.equal(deregistered.json.status, 'deregistered');
      assert.equal(deregistered.json.previousStatus, 'active');
      assert.equal(deregistered.json.deregisteredAt, new Date(testApp.clock.nowMs()).toISOString());
      assert.equal(deregistered.json.deregisteredAt, deregistered.json.updatedAt);
      for (const action of ['activate', 'suspend', 'deregister']) {
        const response = await testApp.request('POST', `/v1/agents/${agent.id}/${action}`);
        assertError(response, { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
        assert.match(response.json.error.message, /deregistered/);
      }
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}`)).json.status, 'deregistered');
      assertError(await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'again' } }), { status: 409, type: 'conflict_error', code: 'agent_not_active' });

      const tokens = await testApp.request('GET', `/v1/agents/${agent.id}/tokens`);
      assert.equal(tokens.json.data.length, 2);
      for (const token of tokens.json.data) assert.equal(token.revokedAt, deregistered.json.updatedAt);
      for (const secret of [agent.token, extra.json.token]) {
        assertError(await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: secret }), { status: 401, type: 'authentication_error', code: 'agent_token_revoked' });
      }

      assert.deepEqual(await eventTypesAbout(testApp, agent.id), [
        'agent.created',
        'agent_token.created',
        'agent_token.created',
        'agent.suspended',
        'agent.activated',
        'agent.deregistered',
        'agent_token.revoked',
        'agent_token.revoked',
      ]);
    });

    it('runs the follower it is given (the cards, in the app) inside the status change’s transaction', async () => {
      const agent = await registerAgent(testApp);
      const victim = await registerAgent(testApp);
      const scope = scopeOf(testApp);
      const seen: AgentStatusChange[] = [];
      const follower: AgentStatusFollower = async (_tx, _scope, change) => {
        if (change.agent.id === agent.id) seen.push(change);
        if (change.agent.id === victim.id && change.action === 'deregister') throw new Error('card module failed');
      };

      await testApp.store.db.transaction((tx) => suspendAgent(tx, scope, agent.id, 'manual', follower, testApp.clock.nowMs()));
      await testApp.store.db.transaction((tx) => deregisterAgent(tx, scope, agent.id, follower, testApp.clock.nowMs()));
      assert.deepEqual(
        seen.map((change) => [change.action, change.previousStatus, change.agent.status]),
        [
          ['suspend', 'active', 'suspended'],
          ['deregister', 'suspended', 'deregistered'],
        ],
      );

      // A failing follower rolls the whole change back: the agent stays active, its token still works, no event.
      await assert.rejects(
        testApp.store.db.transaction((tx) => deregisterAgent(tx, scope, victim.id, follower, testApp.clock.nowMs())),
        /card module failed/,
      );
      assert.equal((await testApp.request('GET', `/v1/agents/${victim.id}`)).json.status, 'active');
      assert.equal((await testApp.request('GET', `/v1/agents/${victim.id}/policy`, { key: victim.token })).statusCode, 200);
      assert.deepEqual(await eventTypesAbout(testApp, victim.id), ['agent.created', 'agent_token.created']);
    });
  });
}
