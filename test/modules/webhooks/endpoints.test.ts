// Webhook endpoints and events through the API on both stores: the objects, validation in the SPEC §3 envelope
// (changing nothing), tenant and environment isolation, secrets (shown on create, revealed, rotated, sealed at rest),
// lists, the events API.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertError, useTestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { createEndpoint, createUser, newWorker } from './arrange.js';

for (const kind of storeKinds) {
  describe(`webhook endpoints and events API (${kind})`, () => {
    const testApp = useTestApp({ store: kind });
    before(async () => {
      await newWorker(testApp).dispatch();
    });

    async function endpointCount(): Promise<number> {
      const row = await testApp.store.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM webhook_endpoints');
      return Number(row?.count ?? 0);
    }

    it('creates an endpoint: the object, a whsec_ secret shown on create, sealed at rest, revealed by GET /secret', async () => {
      const response = await testApp.request('POST', '/v1/webhooks', { body: { url: 'https://example.com/hooks', events: ['card.*', 'user.created', 'user.created'], description: 'main' } });
      assert.equal(response.statusCode, 200, response.body);
      const endpoint = response.json;
      assert.match(endpoint.id, /^webhook_[0-9a-z]{26}$/);
      assert.equal(endpoint.object, 'webhook_endpoint');
      assert.equal(endpoint.url, 'https://example.com/hooks');
      assert.deepEqual(endpoint.events, ['card.*', 'user.created']);
      assert.equal(endpoint.description, 'main');
      assert.equal(endpoint.status, 'enabled');
      assert.equal(endpoint.enabled, true);
      assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);

      const fetched = await testApp.request('GET', `/v1/webhooks/${endpoint.id}`);
      const { secret: _shownOnce, ...withoutSecret } = endpoint;
      assert.deepEqual(fetched.json, withoutSecret);
      const secret = await testApp.request('GET', `/v1/webhooks/${endpoint.id}/secret`);
      assert.deepEqual(secret.json, { object: 'webhook_secret', endpointId: endpoint.id, secret: endpoint.secret, previousSecretExpiresAt: null });
      const stored = await testApp.store.db.get<{ secret_ciphertext: string }>('SELECT secret_ciphertext FROM webhook_endpoints WHERE id = ?', [endpoint.id]);
      assert.ok(stored !== undefined && !stored.secret_ciphertext.includes(endpoint.secret.slice(6)), 'the secret is not stored in the clear');
    });

    it('an idempotent replay of the create answers the same endpoint with the secret nulled, and creates nothing', async () => {
      const headers = { 'Idempotency-Key': `create-${kind}` };
      const first = await testApp.request('POST', '/v1/webhooks', { body: { url: 'https://example.com/replayed' }, headers });
      const count = await endpointCount();
      const replay = await testApp.request('POST', '/v1/webhooks', { body: { url: 'https://example.com/replayed' }, headers });
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.json.id, first.json.id);
      assert.equal(replay.json.secret, null);
      assert.equal(await endpointCount(), count);
    });

    it('refuses bad input in the error envelope and changes nothing', async () => {
      const count = await endpointCount();
      const cases: Array<[unknown, { status: number; type: string; code: string; param?: string }]> = [
        [{}, { status: 400, type: 'invalid_request_error', code: 'missing_parameter', param: 'url' }],
        [{ url: 42 }, { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'url' }],
        [{ url: 'not a url' }, { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'url' }],
        [{ url: 'ftp://example.com/hook' }, { status: 422, type: 'validation_error', code: 'webhook_url_not_allowed', param: 'url' }],
        [{ url: 'file:///etc/passwd' }, { status: 422, type: 'validation_error', code: 'webhook_url_not_allowed', param: 'url' }],
        [{ url: 'javascript:alert(1)' }, { status: 422, type: 'validation_error', code: 'webhook_url_not_allowed', param: 'url' }],
        [{ url: 'https://example.com', events: ['card.exploded'] }, { status: 422, type: 'validation_error', code: 'unknown_event_type', param: 'events[0]' }],
        [{ url: 'https://example.com', events: ['user.created', 'nope.*'] }, { status: 422, type: 'validation_error', code: 'unknown_event_type', param: 'events[1]' }],
        [{ url: 'https://example.com', events: ['**'] }, { status: 422, type: 'validation_error', code: 'unknown_event_type', param: 'events[0]' }],
        [{ url: 'https://example.com', events: 'card.*' }, { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'events' }],
        [{ url: 'https://example.com', secret: 'whsec_mine' }, { status: 422, type: 'validation_error', code: 'unknown_parameter', param: 'secret' }],
        [{ url: `https://example.com/${'a'.repeat(2100)}` }, { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'url' }],
      ];
      for (const [body, expected] of cases) assertError(await testApp.request('POST', '/v1/webhooks', { body }), expected);
      assertError(await testApp.request('POST', '/v1/webhooks', { rawBody: '{"url":', headers: { 'content-type': 'application/json' } }), { status: 400, type: 'invalid_request_error', code: 'invalid_json' });
      assert.equal(await endpointCount(), count);

      const endpoint = await createEndpoint(testApp, 'https://example.com/patch-me');
      assertError(await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { events: ['bogus'] } }), { status: 422, type: 'validation_error', code: 'unknown_event_type', param: 'events[0]' });
      assertError(await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { url: 'gopher://example.com' } }), { status: 422, type: 'validation_error', code: 'webhook_url_not_allowed', param: 'url' });
      assertError(await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { enabled: 'yes' } }), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'enabled' });
      assert.equal((await testApp.request('GET', `/v1/webhooks/${endpoint.id}`)).json.url, 'https://example.com/patch-me');
      assertError(await testApp.request('GET', '/v1/events?type=nothing.here'), { status: 422, type: 'validation_error', code: 'unknown_event_type', param: 'type' });
      assertError(await testApp.request('GET', '/v1/webhooks?limit=500'), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'limit' });
    });

    it('PATCH changes url, filters and description; enabled false disables, true re-enables', async () => {
      const endpoint = await createEndpoint(testApp, 'https://example.com/before');
      const patched = await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { url: 'https://example.org/after', events: ['risk.*'], description: null } });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json.url, 'https://example.org/after');
      assert.deepEqual(patched.json.events, ['risk.*']);
      assert.equal(patched.json.description, null);
      const disabled = await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { enabled: false } });
      assert.deepEqual([disabled.json.status, disabled.json.enabled, disabled.json.statusReason], ['disabled', false, 'manual']);
      const enabled = await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { enabled: true } });
      assert.deepEqual([enabled.json.status, enabled.json.enabled, enabled.json.statusReason], ['enabled', true, null]);
    });

    it('LedgerOS spellings: PATCH status enabled|disabled, and events ["*"] for every type', async () => {
      const endpoint = await createEndpoint(testApp, 'https://example.com/ledgeros');
      const disabled = await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { status: 'disabled' } });
      assert.deepEqual([disabled.json.status, disabled.json.enabled, disabled.json.statusReason], ['disabled', false, 'manual']);
      const enabled = await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { status: 'enabled', enabled: true } });
      assert.deepEqual([enabled.json.status, enabled.json.enabled], ['enabled', true]);
      assertError(await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { status: 'disabled', enabled: true } }), {
        status: 422,
        type: 'validation_error',
        code: 'invalid_parameter_value',
        param: 'status',
      });
      assertError(await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { status: 'paused' } }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'status' });
      assert.equal((await testApp.request('GET', `/v1/webhooks/${endpoint.id}`)).json.status, 'enabled');

      const everything = await testApp.request('POST', '/v1/webhooks', { body: { url: 'https://example.com/all', events: ['*'] } });
      assert.equal(everything.statusCode, 200, everything.body);
      assert.deepEqual(everything.json.events, [], 'every type, stored as the empty filter');
      const narrowed = await testApp.request('PATCH', `/v1/webhooks/${everything.json.id}`, { body: { events: ['card.*'] } });
      assert.deepEqual(narrowed.json.events, ['card.*']);
      const widened = await testApp.request('PATCH', `/v1/webhooks/${everything.json.id}`, { body: { events: ['*', 'card.frozen'] } });
      assert.deepEqual(widened.json.events, []);
    });

    it("rotate-secret answers the new secret and when the old one stops signing; other tenants and the live key see 404", async () => {
      const endpoint = await createEndpoint(testApp, 'https://example.com/rotate');
      const rotated = await testApp.request('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`);
      assert.equal(rotated.statusCode, 200, rotated.body);
      assert.notEqual(rotated.json.secret, endpoint.secret);
      assert.equal(Date.parse(rotated.json.previousSecretExpiresAt) - Date.parse((await testApp.request('GET', '/v1/sandbox/clock')).json.now), 24 * 3_600_000);

      const other = await initializeOrganization(testApp.store.db, `Other ${kind}`, testApp.clock.nowMs());
      for (const key of [other.sandboxKey, testApp.liveKey]) {
        for (const [method, path] of [
          ['GET', `/v1/webhooks/${endpoint.id}`],
          ['GET', `/v1/webhooks/${endpoint.id}/secret`],
          ['POST', `/v1/webhooks/${endpoint.id}/rotate-secret`],
          ['DELETE', `/v1/webhooks/${endpoint.id}`],
        ] as const) {
          assertError(await testApp.request(method, path, { key }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
        }
        const listed = await testApp.request('GET', '/v1/webhooks?limit=100', { key });
        assert.ok(!listed.body.includes(endpoint.id));
      }
    });

    it('lists endpoints newest first with a cursor, without deleted ones', async () => {
      const created = [];
      for (let index = 0; index < 3; index += 1) created.push((await createEndpoint(testApp, `https://example.com/list/${index}`)).id);
      await testApp.request('DELETE', `/v1/webhooks/${created[1]}`);
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await testApp.request('GET', `/v1/webhooks?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
        assert.equal(page.statusCode, 200, page.body);
        assert.ok(page.json.data.length <= 2);
        ids.push(...page.json.data.map((endpoint: { id: string }) => endpoint.id));
        cursor = page.json.nextCursor;
      } while (cursor !== null);
      assert.ok(ids.includes(created[0]!) && ids.includes(created[2]!));
      assert.ok(!ids.includes(created[1]!));
      assert.deepEqual(ids, [...ids].sort().reverse());
    });

    it('the events API: list by type or family, get one; envelopes never carry a PAN or CVV', async () => {
      const userId = await createUser(testApp, 'Events');
      const listed = await testApp.request('GET', '/v1/events?type=user.created&limit=100');
      assert.equal(listed.statusCode, 200, listed.body);
      const event = listed.json.data.find((candidate: any) => candidate.data.object.id === userId);
      assert.ok(event);
      assert.deepEqual(Object.keys(event).sort(), ['createdAt', 'data', 'environment', 'id', 'object', 'organizationId', 'type']);
      assert.equal(event.organizationId, testApp.organizationId);
      assert.ok(listed.json.data.every((candidate: any) => candidate.type === 'user.created'));
      const family = await testApp.request('GET', '/v1/events?type=user.*&limit=100');
      assert.ok(family.json.data.some((candidate: any) => candidate.id === event.id));
      assert.ok(family.json.data.every((candidate: any) => candidate.type.startsWith('user.')));
      const fetched = await testApp.request('GET', `/v1/events/${event.id}`);
      assert.deepEqual(fetched.json, event);
      assertError(await testApp.request('GET', `/v1/events/${event.id}`, { key: testApp.liveKey }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('POST', `/v1/events/${event.id}/redeliver`, { body: {}, key: testApp.liveKey }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
    });

    it('at most 50 endpoints per environment', async () => {
      const existing = (await testApp.store.db.get<{ count: number }>("SELECT COUNT(*) AS count FROM webhook_endpoints WHERE organization_id = ? AND environment = 'sandbox' AND deleted_at IS NULL", [testApp.organizationId]))!;
      for (let index = Number(existing.count); index < 50; index += 1) await createEndpoint(testApp, `https://example.com/many/${index}`);
      assertError(await testApp.request('POST', '/v1/webhooks', { body: { url: 'https://example.com/one-too-many' } }), { status: 409, type: 'conflict_error', code: 'webhook_endpoint_limit_reached' });
      const live = await testApp.request('POST', '/v1/webhooks', { key: testApp.liveKey, body: { url: 'https://example.com/live' } });
      assert.equal(live.statusCode, 200, live.body);
    });
  });
}
