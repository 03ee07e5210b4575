// The error envelope of SPEC §3 through HTTP: one case or more per error type, body parsing whatever the
// Content-Type, and the Request-Id on every response.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { requestFingerprint } from '../../src/http/idempotency.js';
import { assertError, startTestApp, type TestApp, type TestAppOptions } from '../helpers/app.js';

const leakedInternals = 'SELECT secret FROM users; at Object.<anonymous> (/x.ts:1:1)';

describe('errors', () => {
  const opened: TestApp[] = [];
  async function open(options: TestAppOptions = {}): Promise<TestApp> {
    const testApp = await startTestApp({
      extraRoutes: (server) => {
        server.get('/boom', async () => {
          throw new Error(leakedInternals);
        });
      },
      ...options,
    });
    opened.push(testApp);
    return testApp;
  }
  afterEach(async () => {
    for (const testApp of opened.splice(0)) await testApp.close();
  });

  async function keyNames(testApp: TestApp): Promise<Array<string | null>> {
    const response = await testApp.request('GET', '/v1/api-keys?limit=100');
    assert.equal(response.statusCode, 200, response.body);
    return response.json.data.map((apiKey: { name: string | null }) => apiKey.name);
  }

  describe('authentication_error 401', () => {
    test('a request without a credential', async () => {
      const testApp = await open();
      assertError(await testApp.request('GET', '/v1/organization', { key: null }), { status: 401, type: 'authentication_error', code: 'missing_api_key' });
    });
  });

  describe('authorization_error 403', () => {
    test('a live key on a sandbox-only endpoint', async () => {
      const testApp = await open();
      assertError(await testApp.request('POST', '/v1/sandbox/clock/advance', { key: testApp.liveKey, body: { seconds: 1 } }), {
        status: 403,
        type: 'authorization_error',
        code: 'sandbox_only',
      });
    });
  });

  describe('invalid_request_error 400', () => {
    test('malformed JSON answers invalid_json', async () => {
      const testApp = await open();
      for (const rawBody of ['{"name":', '{name: "x"}', "{'name':'x'}", 'not json']) {
        const response = await testApp.request('POST', '/v1/api-keys', { rawBody, headers: { 'content-type': 'application/json' } });
        assertError(response, { status: 400, type: 'invalid_request_error', code: 'invalid_json' });
        assert.equal('param' in response.json.error, false);
      }
      assert.deepEqual(await keyNames(testApp), ['default sandbox key']);
    });

    test('a wrong JSON type answers invalid_parameter_type naming the field', async () => {
      const testApp = await open();
      const invalidType = (param: string) => ({ status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param });
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { name: 42 } }), invalidType('name'));
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { allowedIps: '10.0.0.0/8' } }), invalidType('allowedIps'));
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { allowedIps: [10] } }), invalidType('allowedIps[0]'));
      assertError(await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: '60' } }), invalidType('seconds'));
      assertError(await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: null } }), invalidType('seconds'));
      assertError(await testApp.request('PATCH', '/v1/organization', { body: { requireIpAllowlist: 'yes' } }), invalidType('requireIpAllowlist'));
      assertError(await testApp.request('GET', '/v1/api-keys?limit=abc'), invalidType('limit'));
      assert.deepEqual(await keyNames(testApp), ['default sandbox key']);
    });

    test('a body that is JSON but not an object answers invalid_parameter_type for body', async () => {
      const testApp = await open();
      for (const rawBody of ['[1,2]', '"text"', '42']) {
        const response = await testApp.request('POST', '/v1/api-keys', { rawBody, headers: { 'content-type': 'application/json' } });
        assertError(response, { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'body' });
      }
    });

    test('a missing required field answers missing_parameter naming it', async () => {
      const testApp = await open();
      const missing = { status: 400, type: 'invalid_request_error', code: 'missing_parameter', param: 'seconds' };
      assertError(await testApp.request('POST', '/v1/sandbox/clock/advance', { body: {} }), missing);
      assertError(await testApp.request('POST', '/v1/sandbox/clock/advance'), missing);
      // A misspelt required field is reported as unknown, the likelier cause, with the name it probably meant.
      const misspelt = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { second: 60 } });
      assertError(misspelt, { status: 422, type: 'validation_error', code: 'unknown_parameter', param: 'second' });
      assert.match(misspelt.json.error.message, /did you mean seconds\?/);
      assert.equal((await testApp.request('GET', '/v1/sandbox/clock')).json.offsetSeconds, 0);
    });

    test('an Idempotency-Key longer than 255 characters answers invalid_idempotency_key', async () => {
      const testApp = await open();
      const tooLong = await testApp.request('POST', '/v1/api-keys', { body: { name: 'too long' }, headers: { 'idempotency-key': 'k'.repeat(256) } });
      assertError(tooLong, { status: 400, type: 'invalid_request_error', code: 'invalid_idempotency_key' });
      assert.deepEqual(await keyNames(testApp), ['default sandbox key'], 'the refused request had no effect');

      const longest = await testApp.request('POST', '/v1/api-keys', { body: { name: 'longest' }, headers: { 'idempotency-key': 'k'.repeat(255) } });
      assert.equal(longest.statusCode, 200, longest.body);
    });

    test('a cursor that was not issued answers invalid_cursor', async () => {
      const testApp = await open();
      assertError(await testApp.request('GET', '/v1/api-keys?cursor=not-a-cursor'), { status: 400, type: 'invalid_request_error', code: 'invalid_cursor', param: 'cursor' });
    });

    test('a body over the configured limit answers 413 payload_too_large', async () => {
      const testApp = await open({ config: { bodyLimitBytes: 1024 } });
      const response = await testApp.request('POST', '/v1/api-keys', { body: { name: 'x', padding: 'p'.repeat(2000) } });
      assertError(response, { status: 413, type: 'invalid_request_error', code: 'payload_too_large' });
      assert.deepEqual(await keyNames(testApp), ['default sandbox key']);

      const small = await testApp.request('POST', '/v1/api-keys', { body: { name: 'small' } });
      assert.equal(small.statusCode, 200, small.body);
    });
  });

  describe('validation_error 422', () => {
    test('a well-formed value that breaks a constraint answers invalid_parameter_value naming the field', async () => {
      const testApp = await open();
      const invalidValue = (param: string) => ({ status: 422, type: 'validation_error', code: 'invalid_parameter_value', param });
      assertError(await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: -5 } }), invalidValue('seconds'));
      assertError(await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 0 } }), invalidValue('seconds'));
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { name: 'n'.repeat(101) } }), invalidValue('name'));
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { name: '' } }), invalidValue('name'));
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { allowedIps: ['not-an-ip'] } }), invalidValue('allowedIps[0]'));
      assertError(await testApp.request('GET', '/v1/api-keys?limit=0'), invalidValue('limit'));
      assertError(await testApp.request('GET', '/v1/api-keys?limit=101'), invalidValue('limit'));
      assert.equal((await testApp.request('GET', '/v1/sandbox/clock')).json.offsetSeconds, 0);
      assert.deepEqual(await keyNames(testApp), ['default sandbox key']);

      const longestName = await testApp.request('POST', '/v1/api-keys', { body: { name: 'n'.repeat(100) } });
      assert.equal(longestName.statusCode, 200, longestName.body);
    });
  });

  describe('not_found_error 404', () => {
    test('an unknown route answers route_not_found, with or without a credential', async () => {
      const testApp = await open();
      const notFound = { status: 404, type: 'not_found_error', code: 'route_not_found' };
      assertError(await testApp.request('GET', '/v1/nope'), notFound);
      assertError(await testApp.request('GET', '/v1/nope', { key: null }), notFound);
      assertError(await testApp.request('GET', '/v1/nope', { key: 'garbage' }), notFound);
      assertError(await testApp.request('POST', '/v1/nope', { key: null }), notFound);
      assertError(await testApp.request('GET', '/nope', { key: null }), notFound);
      // A known path with a method it does not have.
      assertError(await testApp.request('PUT', '/v1/api-keys', { key: null }), notFound);
    });

    test('an unknown id answers resource_not_found', async () => {
      const testApp = await open();
      const notFound = { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'id' };
      assertError(await testApp.request('GET', '/v1/api-keys/key_00000000000000000000000000'), notFound);
      assertError(await testApp.request('DELETE', '/v1/api-keys/key_00000000000000000000000000'), notFound);
    });
  });

  describe('conflict_error 409', () => {
    test('revoking a key twice answers api_key_already_revoked', async () => {
      const testApp = await open();
      const created = await testApp.request('POST', '/v1/api-keys', { body: { name: 'twice' } });
      assert.equal((await testApp.request('DELETE', `/v1/api-keys/${created.json.id}`)).statusCode, 200);
      assertError(await testApp.request('DELETE', `/v1/api-keys/${created.json.id}`), { status: 409, type: 'conflict_error', code: 'api_key_already_revoked' });
    });

    test('requiring an IP allowlist from a key that has none answers ip_allowlist_required_for_caller', async () => {
      const testApp = await open();
      const response = await testApp.request('PATCH', '/v1/organization', { body: { requireIpAllowlist: true } });
      assertError(response, { status: 409, type: 'conflict_error', code: 'ip_allowlist_required_for_caller', param: 'requireIpAllowlist' });
      const organization = await testApp.request('GET', '/v1/organization');
      assert.equal(organization.json.requireIpAllowlist, false);
    });
  });

  describe('idempotency_error', () => {
    test('the same key with a different request answers 422 idempotency_key_reused', async () => {
      const testApp = await open();
      const headers = { 'idempotency-key': 'create-ci-key' };
      const first = await testApp.request('POST', '/v1/api-keys', { body: { name: 'first' }, headers });
      assert.equal(first.statusCode, 200, first.body);

      const reused = { status: 422, type: 'idempotency_error', code: 'idempotency_key_reused' };
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { name: 'second' }, headers }), reused);
      assertError(await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 60 }, headers }), reused);
      assert.deepEqual((await keyNames(testApp)).sort(), ['default sandbox key', 'first']);
      assert.equal((await testApp.request('GET', '/v1/sandbox/clock')).json.offsetSeconds, 0);
    });

    test('the same key while its twin is in flight answers 409 idempotency_key_in_use', async () => {
      const testApp = await open();
      const body = { name: 'in flight' };
      // A twin request that has claimed the key and not finished: no public call can be held mid-flight
      // deterministically, so its claim row is written as claimIdempotencyKey writes it.
      const nowMs = testApp.clock.nowMs();
      await testApp.store.db.run(
        `INSERT INTO idempotency_keys (organization_id, environment, idempotency_key, fingerprint, method, path, state, created_at, locked_until)
         VALUES (?, ?, ?, ?, ?, ?, 'processing', ?, ?)`,
        [testApp.organizationId, 'sandbox', 'twin-key', requestFingerprint('POST', '/v1/api-keys', body), 'POST', '/v1/api-keys', nowMs, nowMs + 60_000],
      );
      const response = await testApp.request('POST', '/v1/api-keys', { body, headers: { 'idempotency-key': 'twin-key' } });
      assertError(response, { status: 409, type: 'idempotency_error', code: 'idempotency_key_in_use' });
      assert.deepEqual(await keyNames(testApp), ['default sandbox key']);
    });
  });

  describe('rate_limit_error 429', () => {
    test('a credential over its read budget', async () => {
      const testApp = await open({
        config: { rateLimits: { read: { perMinute: 1, burst: 1 }, write: { perMinute: 1, burst: 1 }, cardCreate: { perMinute: 1, burst: 1 }, sandboxMultiplier: 1 } },
      });
      assert.equal((await testApp.request('GET', '/v1/organization')).statusCode, 200);
      assert.equal((await testApp.request('GET', '/v1/organization')).statusCode, 200);
      const limited = await testApp.request('GET', '/v1/organization');
      assertError(limited, { status: 429, type: 'rate_limit_error', code: 'rate_limited' });
      assert.match(String(limited.headers['retry-after']), /^[1-9][0-9]*$/);
    });
  });

  describe('service_error 5xx', () => {
    test('an unexpected failure answers 500 internal_error without internals and is logged in full', async () => {
      const testApp = await open();
      const response = await testApp.request('GET', '/boom');
      assertError(response, { status: 500, type: 'service_error', code: 'internal_error' });
      for (const internal of ['SELECT', 'secret', 'at Object', '.ts:', 'stack']) {
        assert.equal(response.body.includes(internal), false, `the body contains ${internal}`);
      }
      const requestId = response.json.requestId as string;
      const logged = testApp.logs.filter((line) => line.includes(requestId) && line.includes('SELECT secret FROM users'));
      assert.equal(logged.length, 1, 'the error is logged once, with the request id');
      assert.equal(JSON.parse(logged[0]!).level, 50);
    });
  });

  describe('request bodies', () => {
    test('JSON is read without a Content-Type, as form-encoded (curl -d) and as application/json', async () => {
      const testApp = await open();
      const cases: Array<[string, Record<string, string>]> = [
        ['no content-type', {}],
        ['form', { 'content-type': 'application/x-www-form-urlencoded' }],
        ['text', { 'content-type': 'text/plain' }],
        ['json', { 'content-type': 'application/json; charset=utf-8' }],
      ];
      for (const [name, headers] of cases) {
        const response = await testApp.request('POST', '/v1/api-keys', { rawBody: JSON.stringify({ name, allowedIps: ['10.0.0.0/8'] }), headers });
        assert.equal(response.statusCode, 200, `${name}: ${response.body}`);
        assert.equal(response.json.name, name);
        assert.deepEqual(response.json.allowedIps, ['10.0.0.0/8']);
      }
    });

    test('a POST with no body at all, or an empty one, is an empty object', async () => {
      const testApp = await open();
      const noBody = await testApp.request('POST', '/v1/api-keys');
      assert.equal(noBody.statusCode, 200, noBody.body);
      assert.equal(noBody.json.name, null);
      assert.match(noBody.json.key, /^lk_dev_/);

      const emptyJson = await testApp.request('POST', '/v1/api-keys', { rawBody: '', headers: { 'content-type': 'application/json' } });
      assert.equal(emptyJson.statusCode, 200, emptyJson.body);
      assert.equal(emptyJson.json.name, null);
    });
  });

  describe('request ids', () => {
    test('every response carries a fresh Request-Id starting with req_', async () => {
      const testApp = await open({ config: { bodyLimitBytes: 1024 } });
      const responses = [
        await testApp.request('GET', '/v1/api-keys'),
        await testApp.request('POST', '/v1/api-keys', { body: { name: 'ok' } }),
        await testApp.request('GET', '/v1/api-keys', { key: null }),
        await testApp.request('GET', '/v1/nope', { key: null }),
        await testApp.request('POST', '/v1/api-keys', { rawBody: '{', headers: { 'content-type': 'application/json' } }),
        await testApp.request('POST', '/v1/api-keys', { body: { padding: 'p'.repeat(2000) } }),
        await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: -5 } }),
        await testApp.request('GET', '/boom'),
        await testApp.request('GET', '/health', { key: null }),
      ];
      const expectedStatuses = [200, 200, 401, 404, 400, 413, 422, 500, 200];
      assert.deepEqual(
        responses.map((response) => response.statusCode),
        expectedStatuses,
      );
      const ids = responses.map((response) => response.headers['request-id']);
      for (const [index, id] of ids.entries()) {
        assert.match(String(id), /^req_[0-9a-z]{26}$/, `response ${index}`);
        if (responses[index]!.statusCode >= 400) assert.equal(responses[index]!.json.requestId, id);
      }
      assert.equal(new Set(ids).size, ids.length);
    });

    test('a Request-Id sent by the client is not adopted', async () => {
      const testApp = await open();
      const response = await testApp.request('GET', '/v1/nope', { headers: { 'request-id': 'req_forged' } });
      assertError(response, { status: 404, type: 'not_found_error', code: 'route_not_found' });
      assert.notEqual(response.headers['request-id'], 'req_forged');
    });
  });
});
