// SPEC §11: API keys may carry `expiresAt`; from then on the key answers 401 expired_api_key. Expiry is in the
// environment's time, as for agent tokens, so the sandbox clock can reach it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useTestApp } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';

for (const kind of storeKinds) {
  describe(`API key expiry (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('a key works until its expiresAt, then answers 401 expired_api_key naming when', async () => {
      const now = Date.parse((await testApp.request('GET', '/v1/sandbox/clock')).json.now);
      const expiresAt = new Date(now + 3_600_000).toISOString();
      const created = await testApp.request('POST', '/v1/api-keys', { body: { name: 'one hour', expiresAt } });
      assert.equal(created.statusCode, 200, created.body);
      assert.equal(created.json.expiresAt, expiresAt);
      assert.equal((await testApp.request('GET', `/v1/api-keys/${created.json.id}`)).json.expiresAt, expiresAt);
      assert.equal((await testApp.request('GET', '/v1/organization', { key: created.json.key })).statusCode, 200);

      assert.equal((await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 3_600 } })).statusCode, 200);
      const expired = await testApp.request('GET', '/v1/organization', { key: created.json.key });
      assertError(expired, { status: 401, type: 'authentication_error', code: 'expired_api_key' });
      assert.match(expired.json.error.message, new RegExp(expiresAt.replace(/[.]/g, '\\.')));
      // Keys without expiresAt never expire.
      assert.equal((await testApp.request('GET', '/v1/organization')).statusCode, 200);
      assert.equal((await testApp.request('GET', '/v1/api-keys?limit=100')).json.data.find((key: { id: string }) => key.id !== created.json.id).expiresAt, null);
    });

    it('an expiresAt that is not in the future, or not a time, creates no key', async () => {
      const count = async () => (await testApp.request('GET', '/v1/api-keys?limit=100')).json.data.length as number;
      const before = await count();
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { expiresAt: '2000-01-01T00:00:00Z' } }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'expiresAt' });
      assertError(await testApp.request('POST', '/v1/api-keys', { body: { expiresAt: 'tomorrow' } }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'expiresAt' });
      assert.equal(await count(), before);
    });
  });
}
