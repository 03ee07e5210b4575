// Authentication through HTTP (SPEC §3): the Api-Key header, key lifecycle (create, use, revoke), tenant and
// environment isolation of keys, and the sandbox-only endpoints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { assertError, useTestApp } from '../helpers/app.js';

const wellFormedButUnknownKey = `lk_dev_${'A'.repeat(43)}`;
const secretPattern = /^lk_dev_[A-Za-z0-9_-]{43,}$/;

describe('authentication', () => {
  const testApp = useTestApp({}, { perTest: true });

  const iso = (ms: number): string => new Date(ms).toISOString();

  async function createKey(body: Record<string, unknown> = {}, key: string = testApp.sandboxKey): Promise<{ id: string; key: string }> {
    const response = await testApp.request('POST', '/v1/api-keys', { key, body });
    assert.equal(response.statusCode, 200, response.body);
    return { id: response.json.id, key: response.json.key };
  }

  async function keyIdsVisibleTo(key: string): Promise<string[]> {
    const response = await testApp.request('GET', '/v1/api-keys', { key });
    assert.equal(response.statusCode, 200, response.body);
    return response.json.data.map((apiKey: { id: string }) => apiKey.id);
  }

  test('a sandbox key lists its organization’s sandbox keys without their secrets', async () => {
    const response = await testApp.request('GET', '/v1/api-keys');
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json.object, 'list');
    assert.equal(response.json.hasMore, false);
    assert.equal(response.json.nextCursor, null);
    assert.equal(response.json.data.length, 1);
    const [apiKey] = response.json.data;
    assert.equal(apiKey.object, 'api_key');
    assert.match(apiKey.id, /^key_/);
    assert.equal(apiKey.environment, 'sandbox');
    assert.equal(apiKey.name, 'default sandbox key');
    assert.equal(apiKey.redactedKey, `lk_dev_…${testApp.sandboxKey.slice(-4)}`);
    assert.equal(apiKey.revokedAt, null);
    assert.equal('key' in apiKey, false);
    assert.equal(response.body.includes(testApp.sandboxKey), false);
  });

  test('no credential answers 401 missing_api_key', async () => {
    assertError(await testApp.request('GET', '/v1/api-keys', { key: null }), { status: 401, type: 'authentication_error', code: 'missing_api_key' });
    assertError(await testApp.request('GET', '/v1/api-keys', { key: '' }), { status: 401, type: 'authentication_error', code: 'missing_api_key' });
    assertError(await testApp.request('POST', '/v1/api-keys', { key: null, body: { name: 'x' } }), { status: 401, type: 'authentication_error', code: 'missing_api_key' });
  });

  test('an unknown or malformed key answers 401 invalid_api_key', async () => {
    const candidates = [
      wellFormedButUnknownKey,
      'garbage',
      'lk_dev_short',
      `${testApp.sandboxKey}x`,
      testApp.sandboxKey.slice(0, -1),
      // Header values are case-sensitive even though header names are not.
      testApp.sandboxKey.toUpperCase(),
      // The right secret under the other environment's prefix is not a key.
      testApp.sandboxKey.replace(/^lk_dev_/, 'lk_live_'),
    ];
    for (const key of candidates) {
      assertError(await testApp.request('GET', '/v1/api-keys', { key }), { status: 401, type: 'authentication_error', code: 'invalid_api_key' });
    }
  });

  test('an API key sent as Authorization: Bearer is refused with a message naming the Api-Key header', async () => {
    for (const secret of [testApp.sandboxKey, testApp.liveKey, wellFormedButUnknownKey]) {
      const response = await testApp.request('GET', '/v1/api-keys', { key: null, headers: { authorization: `Bearer ${secret}` } });
      assertError(response, { status: 401, type: 'authentication_error', code: 'api_key_in_authorization_header' });
      assert.ok(response.json.error.message.includes('Api-Key'), response.json.error.message);
      assert.equal(response.body.includes(secret), false, 'the secret is not echoed back');
    }
  });

  test('an unknown agent token in Authorization: Bearer answers 401 invalid_api_key', async () => {
    const response = await testApp.request('GET', '/v1/api-keys', { key: null, headers: { authorization: `Bearer at_dev_${'a'.repeat(43)}` } });
    assertError(response, { status: 401, type: 'authentication_error', code: 'invalid_api_key' });
  });

  test('the Api-Key header name is case-insensitive', async () => {
    for (const headerName of ['api-key', 'API-KEY', 'Api-Key', 'aPi-kEy']) {
      const response = await testApp.request('GET', '/v1/api-keys', { key: null, headers: { [headerName]: testApp.sandboxKey } });
      assert.equal(response.statusCode, 200, `${headerName}: ${response.body}`);
      assert.equal(response.json.object, 'list');
    }
  });

  test('a created key works at once and its secret appears only in the create response', async () => {
    const created = await testApp.request('POST', '/v1/api-keys', { body: { name: 'ci' } });
    assert.equal(created.statusCode, 200, created.body);
    const { id, key } = created.json;
    assert.equal(created.json.object, 'api_key');
    assert.match(id, /^key_[0-9a-z]{26}$/);
    assert.equal(created.json.name, 'ci');
    assert.equal(created.json.environment, 'sandbox');
    assert.equal(created.json.allowedIps, null);
    assert.equal(created.json.createdAt, iso(testApp.clock.nowMs()));
    assert.equal(created.json.lastUsedAt, null);
    assert.equal(created.json.revokedAt, null);
    assert.match(key, secretPattern);
    assert.equal(created.json.redactedKey, `lk_dev_…${key.slice(-4)}`);

    const ownList = await testApp.request('GET', '/v1/api-keys', { key });
    assert.equal(ownList.statusCode, 200, ownList.body);
    assert.ok(ownList.json.data.some((apiKey: { id: string }) => apiKey.id === id));

    const list = await testApp.request('GET', '/v1/api-keys');
    const listed = list.json.data.find((apiKey: { id: string }) => apiKey.id === id);
    assert.equal(listed.name, 'ci');
    assert.equal('key' in listed, false);
    assert.equal(list.body.includes(key), false);
    assert.equal(ownList.body.includes(key), false);

    const one = await testApp.request('GET', `/v1/api-keys/${id}`);
    assert.equal(one.statusCode, 200, one.body);
    assert.equal(one.json.id, id);
    assert.equal('key' in one.json, false);
    assert.equal(one.body.includes(key), false);
  });

  test('keys carry at least 32 bytes of randomness in base64url and never repeat', async () => {
    const secrets = new Set<string>();
    for (let index = 0; index < 5; index += 1) {
      const { key } = await createKey();
      assert.match(key, secretPattern);
      const randomPart = key.slice('lk_dev_'.length);
      assert.ok(Buffer.from(randomPart, 'base64url').length >= 32, `${randomPart} decodes to fewer than 32 bytes`);
      secrets.add(key);
    }
    assert.equal(secrets.size, 5);
  });

  test('a live key creates live keys', async () => {
    const created = await testApp.request('POST', '/v1/api-keys', { key: testApp.liveKey, body: { name: 'prod' } });
    assert.equal(created.statusCode, 200, created.body);
    assert.equal(created.json.environment, 'live');
    assert.match(created.json.key, /^lk_live_[A-Za-z0-9_-]{43,}$/);
    const used = await testApp.request('GET', '/v1/api-keys', { key: created.json.key });
    assert.equal(used.statusCode, 200, used.body);
    assert.ok(used.json.data.every((apiKey: { environment: string }) => apiKey.environment === 'live'));
  });

  test('lastUsedAt is set on use and kept to the minute', async () => {
    const { id, key } = await createKey({ name: 'worker' });
    const lastUsedAt = async (): Promise<string | null> => (await testApp.request('GET', `/v1/api-keys/${id}`)).json.lastUsedAt;
    assert.equal(await lastUsedAt(), null);

    const firstUseMs = testApp.clock.nowMs();
    assert.equal((await testApp.request('GET', '/v1/organization', { key })).statusCode, 200);
    assert.equal(await lastUsedAt(), iso(firstUseMs));

    testApp.clock.advanceMs(30_000);
    assert.equal((await testApp.request('GET', '/v1/organization', { key })).statusCode, 200);
    assert.equal(await lastUsedAt(), iso(firstUseMs), 'a use within the minute does not write');

    testApp.clock.advanceMs(45_000);
    const secondUseMs = testApp.clock.nowMs();
    assert.equal((await testApp.request('GET', '/v1/organization', { key })).statusCode, 200);
    assert.equal(await lastUsedAt(), iso(secondUseMs));
  });

  test('a revoked key answers 401 api_key_revoked; revoking it again answers 409', async () => {
    const { id, key } = await createKey({ name: 'to revoke' });
    assert.equal((await testApp.request('GET', '/v1/api-keys', { key })).statusCode, 200);

    const revoked = await testApp.request('DELETE', `/v1/api-keys/${id}`);
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(revoked.json.object, 'api_key');
    assert.equal(revoked.json.id, id);
    assert.equal(revoked.json.revokedAt, iso(testApp.clock.nowMs()));
    assert.equal('key' in revoked.json, false);

    assertError(await testApp.request('GET', '/v1/api-keys', { key }), { status: 401, type: 'authentication_error', code: 'api_key_revoked' });
    assertError(await testApp.request('POST', '/v1/api-keys', { key, body: {} }), { status: 401, type: 'authentication_error', code: 'api_key_revoked' });
    assertError(await testApp.request('DELETE', `/v1/api-keys/${id}`), { status: 409, type: 'conflict_error', code: 'api_key_already_revoked' });

    const after = await testApp.request('GET', `/v1/api-keys/${id}`);
    assert.equal(after.json.revokedAt, revoked.json.revokedAt);
    // The key that revoked it is unaffected.
    assert.equal((await testApp.request('GET', '/v1/api-keys')).statusCode, 200);
  });

  test('a key may revoke itself and is refused from then on', async () => {
    const { id, key } = await createKey();
    assert.equal((await testApp.request('DELETE', `/v1/api-keys/${id}`, { key })).statusCode, 200);
    assertError(await testApp.request('GET', '/v1/api-keys', { key }), { status: 401, type: 'authentication_error', code: 'api_key_revoked' });
  });

  test('sandbox and live keys never see each other', async () => {
    const liveIds = await keyIdsVisibleTo(testApp.liveKey);
    const sandboxIds = await keyIdsVisibleTo(testApp.sandboxKey);
    assert.equal(liveIds.length, 1);
    assert.equal(sandboxIds.length, 1);
    const [liveKeyId] = liveIds as [string];
    const [sandboxKeyId] = sandboxIds as [string];
    assert.notEqual(liveKeyId, sandboxKeyId);

    const sandboxList = await testApp.request('GET', '/v1/api-keys');
    assert.ok(sandboxList.json.data.every((apiKey: { environment: string }) => apiKey.environment === 'sandbox'));

    const notFound = { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'id' };
    assertError(await testApp.request('GET', `/v1/api-keys/${liveKeyId}`), notFound);
    assertError(await testApp.request('DELETE', `/v1/api-keys/${liveKeyId}`), notFound);
    assertError(await testApp.request('GET', `/v1/api-keys/${sandboxKeyId}`, { key: testApp.liveKey }), notFound);

    // The failed revocation changed nothing.
    assert.equal((await testApp.request('GET', '/v1/api-keys', { key: testApp.liveKey })).statusCode, 200);
  });

  test('another organization’s key ids answer 404, never 403', async () => {
    const other = await initializeOrganization(testApp.store.db, 'Other organization', testApp.clock.nowMs());
    const [otherKeyId] = (await keyIdsVisibleTo(other.sandboxKey)) as [string];
    const ownIds = await keyIdsVisibleTo(testApp.sandboxKey);
    assert.equal(ownIds.includes(otherKeyId), false);
    assert.equal((await keyIdsVisibleTo(other.sandboxKey)).some((id) => ownIds.includes(id)), false);

    const notFound = { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'id' };
    assertError(await testApp.request('GET', `/v1/api-keys/${otherKeyId}`), notFound);
    assertError(await testApp.request('DELETE', `/v1/api-keys/${otherKeyId}`), notFound);
    const stillWorks = await testApp.request('GET', `/v1/api-keys/${otherKeyId}`, { key: other.sandboxKey });
    assert.equal(stillWorks.statusCode, 200, stillWorks.body);
    assert.equal(stillWorks.json.revokedAt, null);
  });

  test('a live key calling a sandbox-only endpoint answers 403 sandbox_only', async () => {
    const forbidden = { status: 403, type: 'authorization_error', code: 'sandbox_only' };
    assertError(await testApp.request('POST', '/v1/sandbox/clock/advance', { key: testApp.liveKey, body: { seconds: 60 } }), forbidden);
    assertError(await testApp.request('GET', '/v1/sandbox/clock', { key: testApp.liveKey }), forbidden);
    const clock = await testApp.request('GET', '/v1/sandbox/clock');
    assert.equal(clock.json.offsetSeconds, 0, 'the refused advance did not move the clock');
  });

  test('advancing the sandbox clock moves the organization’s sandbox time and nobody else’s', async () => {
    const wallClockMs = testApp.clock.nowMs();
    const initial = await testApp.request('GET', '/v1/sandbox/clock');
    assert.equal(initial.statusCode, 200, initial.body);
    assert.deepEqual(initial.json, { object: 'sandbox_clock', now: iso(wallClockMs), offsetSeconds: 0 });

    const advanced = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 3600 } });
    assert.equal(advanced.statusCode, 200, advanced.body);
    assert.deepEqual(advanced.json, { object: 'sandbox_clock', now: iso(wallClockMs + 3_600_000), offsetSeconds: 3600 });

    const again = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 60 } });
    assert.equal(again.json.offsetSeconds, 3660);

    const read = await testApp.request('GET', '/v1/sandbox/clock');
    assert.deepEqual(read.json, { object: 'sandbox_clock', now: iso(wallClockMs + 3_660_000), offsetSeconds: 3660 });

    const other = await initializeOrganization(testApp.store.db, 'Other organization', testApp.clock.nowMs());
    const otherClock = await testApp.request('GET', '/v1/sandbox/clock', { key: other.sandboxKey });
    assert.equal(otherClock.json.offsetSeconds, 0);
  });
});
