// Agent tokens over HTTP: issuing, listing and revoking them, and authenticating with them (SPEC §3 and the
// agent-token scope of §4): Api-Key header or Bearer, own agent only, API-key-only routes refused, revoked and
// expired tokens refused, environments kept apart, lastUsedAt to the minute.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveTokensPerAgentMax } from '../../../src/modules/agents/tokens.js';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { assertError, useTestApp } from '../../helpers/app.js';
import { advanceSandbox, sandboxNowMs } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import { registerAgent } from './arrange.js';

const tokenPattern = /^at_dev_[A-Za-z0-9_-]{43}$/;
const iso = (ms: number): string => new Date(ms).toISOString();

for (const kind of storeKinds) {
  describe(`agent tokens (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function tokenRecord(agentId: string, tokenId: string) {
      const listed = await testApp.request('GET', `/v1/agents/${agentId}/tokens?limit=100`);
      assert.equal(listed.statusCode, 200, listed.body);
      const found = listed.json.data.find((token: { id: string }) => token.id === tokenId);
      assert.ok(found, `token ${tokenId} is listed`);
      return found;
    }

    it('issues a named token with an expiry, shows the secret once and lists tokens without secrets', async () => {
      const agent = await registerAgent(testApp);
      const expiresAtMs = (await sandboxNowMs(testApp)) + 30 * 24 * 3_600_000;
      const created = await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'ci', expiresAt: iso(expiresAtMs) } });
      assert.equal(created.statusCode, 200, created.body);
      const { token, ...record } = created.json;
      assert.match(token, tokenPattern);
      assert.notEqual(token, agent.token);
      assert.match(record.id, /^tok_[0-9a-z]{26}$/);
      assert.deepEqual(
        { ...record, id: undefined, createdAt: undefined },
        {
          object: 'agent_token',
          id: undefined,
          agentId: agent.id,
          name: 'ci',
          tokenPrefix: 'at_dev_',
          redactedToken: `at_dev_…${token.slice(-4)}`,
          isActive: true,
          expiresAt: iso(expiresAtMs),
          createdAt: undefined,
          lastUsedAt: null,
          revokedAt: null,
        },
      );

      const listed = await testApp.request('GET', `/v1/agents/${agent.id}/tokens`);
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(listed.json.data.map((item: { name: string }) => item.name), ['ci', 'registration']);
      assert.deepEqual(listed.json.data[0], record);
      for (const item of listed.json.data) assert.equal('token' in item, false);
      assert.equal(listed.body.includes(token), false);
      assert.equal(listed.body.includes(agent.token), false);

      // An offset in expiresAt is accepted and normalised to UTC.
      const withOffset = await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'offset', expiresAt: '2999-01-01T02:00:00+02:00' } });
      assert.equal(withOffset.statusCode, 200, withOffset.body);
      assert.equal(withOffset.json.expiresAt, '2999-01-01T00:00:00.000Z');
    });

    it('validates token requests: a name, an ISO time in the future, an agent of this tenant', async () => {
      const agent = await registerAgent(testApp);
      const nowMs = await sandboxNowMs(testApp);
      const cases: { body: Record<string, unknown>; status: 400 | 422; code: string; param: string }[] = [
        { body: {}, status: 400, code: 'missing_parameter', param: 'name' },
        { body: { name: '' }, status: 422, code: 'invalid_parameter_value', param: 'name' },
        { body: { name: 'x', expiresAt: 'tomorrow' }, status: 422, code: 'invalid_parameter_value', param: 'expiresAt' },
        { body: { name: 'x', expiresAt: iso(nowMs - 1_000) }, status: 422, code: 'invalid_parameter_value', param: 'expiresAt' },
        { body: { name: 'x', expiresAt: 1_900_000_000_000 }, status: 400, code: 'invalid_parameter_type', param: 'expiresAt' },
      ];
      for (const { body, status, code, param } of cases) {
        assertError(await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body }), { status, type: status === 400 ? 'invalid_request_error' : 'validation_error', code, param });
      }
      assertError(await testApp.request('POST', '/v1/agents/agent_0000000000000000000000000/tokens', { body: { name: 'x' } }), {
        status: 404,
        type: 'not_found_error',
        code: 'resource_not_found',
      });
      const other = await initializeOrganization(testApp.store.db, 'Other tenant', testApp.clock.nowMs());
      for (const [method, url] of [
        ['POST', `/v1/agents/${agent.id}/tokens`],
        ['GET', `/v1/agents/${agent.id}/tokens`],
        ['GET', `/v1/agents/${agent.id}/policy`],
      ] as const) {
        assertError(await testApp.request(method, url, { key: other.sandboxKey, body: method === 'POST' ? { name: 'x' } : undefined }), {
          status: 404,
          type: 'not_found_error',
          code: 'resource_not_found',
        });
      }
    });

    it('revokes a token: it answers 401 agent_token_revoked from then on; revoking again is 409', async () => {
      const agent = await registerAgent(testApp);
      const otherAgent = await registerAgent(testApp);
      const created = await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'short-lived' } });
      const tokenId = created.json.id;
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: created.json.token })).statusCode, 200);

      // Through another agent's path the token does not exist.
      assertError(await testApp.request('DELETE', `/v1/agents/${otherAgent.id}/tokens/${tokenId}`), { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'tokenId' });
      assertError(await testApp.request('DELETE', `/v1/agents/${agent.id}/tokens/tok_0000000000000000000000000`), { status: 404, type: 'not_found_error', code: 'resource_not_found' });

      const revoked = await testApp.request('DELETE', `/v1/agents/${agent.id}/tokens/${tokenId}`);
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.equal(revoked.json.id, tokenId);
      assert.equal(typeof revoked.json.revokedAt, 'string');
      assert.equal(revoked.json.isActive, false);
      assert.equal('token' in revoked.json, false);
      for (const headers of [{ 'Api-Key': created.json.token }, { authorization: `Bearer ${created.json.token}` }] as Record<string, string>[]) {
        assertError(await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: null, headers }), { status: 401, type: 'authentication_error', code: 'agent_token_revoked' });
      }
      assertError(await testApp.request('DELETE', `/v1/agents/${agent.id}/tokens/${tokenId}`), { status: 409, type: 'conflict_error', code: 'agent_token_already_revoked' });
      // The agent's other token is untouched.
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: agent.token })).statusCode, 200);
      assert.equal((await tokenRecord(agent.id, tokenId)).revokedAt, revoked.json.revokedAt);
    });

    it('a token of a deregistered agent answers 401 agent_token_revoked even if its own row was somehow left unrevoked', async () => {
      const agent = await registerAgent(testApp);
      // Deregistration revokes every token; this checks the second line of defence in authentication alone.
      await testApp.store.db.run("UPDATE agents SET status = 'deregistered' WHERE id = ?", [agent.id]);
      assertError(await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: agent.token }), { status: 401, type: 'authentication_error', code: 'agent_token_revoked' });
    });

    it('authenticates in the Api-Key header or as Bearer, for its own agent only, and never on API-key-only routes', async () => {
      const agent = await registerAgent(testApp);
      const otherAgent = await registerAgent(testApp);
      for (const headers of [{ 'Api-Key': agent.token }, { 'api-key': agent.token }, { authorization: `Bearer ${agent.token}` }] as Record<string, string>[]) {
        const own = await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: null, headers });
        assert.equal(own.statusCode, 200, own.body);
        assert.equal(own.json.agentId, agent.id);
        assertError(await testApp.request('GET', `/v1/agents/${otherAgent.id}/policy`, { key: null, headers }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
        // An unknown agent answers exactly as another agent does: the token learns nothing.
        assertError(await testApp.request('GET', '/v1/agents/agent_0000000000000000000000000/policy', { key: null, headers }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      }
      const apiKeyOnly: [string, string, unknown?][] = [
        ['GET', '/v1/agents'],
        ['GET', `/v1/agents/${agent.id}`],
        ['POST', '/v1/agents/register', { userId: agent.userId, name: 'x' }],
        ['POST', '/v1/agents', { userId: agent.userId, name: 'x' }],
        ['PATCH', `/v1/agents/${agent.id}`, { spendingLimit: null }],
        ['POST', `/v1/agents/${agent.id}/suspend`],
        ['POST', `/v1/agents/${agent.id}/activate`],
        ['POST', `/v1/agents/${agent.id}/deregister`],
        ['POST', `/v1/agents/${agent.id}/tokens`, { name: 'self-minted' }],
        ['GET', `/v1/agents/${agent.id}/tokens`],
        ['DELETE', `/v1/agents/${agent.id}/tokens/tok_0000000000000000000000000`],
        ['GET', '/v1/users'],
        ['GET', '/v1/api-keys'],
      ];
      for (const [method, url, body] of apiKeyOnly) {
        assertError(await testApp.request(method, url, { key: agent.token, body }), { status: 403, type: 'authorization_error', code: 'insufficient_permissions' });
      }
      // None of those changed anything.
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}`)).json.status, 'active');
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}/tokens`)).json.data.length, 1);
    });

    it('a token expires at its expiresAt in environment time: advancing the sandbox clock past it answers 401 agent_token_expired', async () => {
      const agent = await registerAgent(testApp);
      const expiresAtMs = (await sandboxNowMs(testApp)) + 3_600_000;
      const created = await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'one hour', expiresAt: iso(expiresAtMs) } });
      assert.equal(created.statusCode, 200, created.body);
      const policy = () => testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: created.json.token });

      await advanceSandbox(testApp, 3_599);
      assert.equal((await policy()).statusCode, 200, 'one second before expiry it still works');
      await advanceSandbox(testApp, 1);
      const expired = await policy();
      assertError(expired, { status: 401, type: 'authentication_error', code: 'agent_token_expired' });
      assert.match(expired.json.error.message, new RegExp(iso(expiresAtMs).replace(/\./g, '\\.')));
      assertError(await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: null, headers: { authorization: `Bearer ${created.json.token}` } }), {
        status: 401,
        type: 'authentication_error',
        code: 'agent_token_expired',
      });
      // The token without expiry is unaffected; the list says which token still works.
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: agent.token })).statusCode, 200);
      const listed = (await testApp.request('GET', `/v1/agents/${agent.id}/tokens`)).json.data;
      assert.deepEqual(
        listed.map((item: { name: string; isActive: boolean; revokedAt: string | null }) => [item.name, item.isActive, item.revokedAt]),
        [
          ['one hour', false, null],
          ['registration', true, null],
        ],
      );
    });

    it('keeps environments apart: a live token never reaches sandbox data, and a sandbox secret under the live prefix is unknown', async () => {
      const sandboxAgent = await registerAgent(testApp);
      const liveAgent = await registerAgent(testApp, {}, { environment: 'live' });
      assert.match(liveAgent.token, /^at_live_/);
      const own = await testApp.request('GET', `/v1/agents/${liveAgent.id}/policy`, { key: liveAgent.token });
      assert.equal(own.statusCode, 200, own.body);
      assertError(await testApp.request('GET', `/v1/agents/${sandboxAgent.id}/policy`, { key: liveAgent.token }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      // The live agent's id seen through the sandbox key does not exist either.
      assertError(await testApp.request('GET', `/v1/agents/${liveAgent.id}/policy`), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      for (const forged of [sandboxAgent.token.replace(/^at_dev_/, 'at_live_'), liveAgent.token.replace(/^at_live_/, 'at_dev_')]) {
        assertError(await testApp.request('GET', `/v1/agents/${sandboxAgent.id}/policy`, { key: forged }), { status: 401, type: 'authentication_error', code: 'invalid_api_key' });
      }
      assertError(await testApp.request('GET', `/v1/agents/${sandboxAgent.id}/policy`, { key: `at_dev_${'b'.repeat(43)}` }), { status: 401, type: 'authentication_error', code: 'invalid_api_key' });
    });

    it('records lastUsedAt in environment time, to the minute', async () => {
      const agent = await registerAgent(testApp);
      const created = await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'tracked' } });
      const tokenId = created.json.id;
      const use = async () => assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: created.json.token })).statusCode, 200);
      assert.equal((await tokenRecord(agent.id, tokenId)).lastUsedAt, null);

      await advanceSandbox(testApp, 86_400); // sandbox time now runs a day ahead of the wall clock
      const firstUseMs = await sandboxNowMs(testApp);
      await use();
      assert.equal((await tokenRecord(agent.id, tokenId)).lastUsedAt, iso(firstUseMs));

      testApp.clock.advanceMs(30_000);
      await use();
      assert.equal((await tokenRecord(agent.id, tokenId)).lastUsedAt, iso(firstUseMs), 'within the minute nothing is written');

      testApp.clock.advanceMs(31_000);
      await use();
      assert.equal((await tokenRecord(agent.id, tokenId)).lastUsedAt, iso(firstUseMs + 61_000));
      // Refused attempts are not uses.
      await testApp.request('DELETE', `/v1/agents/${agent.id}/tokens/${tokenId}`);
      testApp.clock.advanceMs(120_000);
      assert.equal((await testApp.request('GET', `/v1/agents/${agent.id}/policy`, { key: created.json.token })).statusCode, 401);
      assert.equal((await tokenRecord(agent.id, tokenId)).lastUsedAt, iso(firstUseMs + 61_000));
    });

    it(`an agent holds at most ${liveTokensPerAgentMax} live tokens; revoking one makes room`, async () => {
      const agent = await registerAgent(testApp);
      let lastId = '';
      for (let count = 1; count < liveTokensPerAgentMax; count += 1) {
        const created = await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: `t${count}` } });
        assert.equal(created.statusCode, 200, created.body);
        lastId = created.json.id;
      }
      assertError(await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'one too many' } }), {
        status: 409,
        type: 'conflict_error',
        code: 'agent_token_limit_reached',
      });
      assert.equal((await testApp.request('DELETE', `/v1/agents/${agent.id}/tokens/${lastId}`)).statusCode, 200);
      assert.equal((await testApp.request('POST', `/v1/agents/${agent.id}/tokens`, { body: { name: 'room again' } })).statusCode, 200);
    });
  });
}
