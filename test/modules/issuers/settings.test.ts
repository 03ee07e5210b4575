// An organization's issuer per environment (GET/PATCH /v1/settings/issuer), the CARDRAIL_LITHIC_* configuration it
// depends on, and what a card creation answers when the processor cannot be reached.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { assertError, startTestApp, type TestApp } from '../../helpers/app.js';
import { createApprovedUser, fundUser } from '../../helpers/money.js';

const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

describe('Lithic configuration', () => {
  it('is off without an API key, and complete with one', () => {
    assert.equal(loadConfig({}).lithic, undefined);
    const config = loadConfig({ CARDRAIL_LITHIC_API_KEY: 'key', CARDRAIL_LITHIC_WEBHOOK_SECRET: secret, CARDRAIL_LITHIC_ASA_SECRET: secret });
    assert.deepEqual(config.lithic, { apiKey: 'key', environment: 'sandbox', baseUrl: undefined, webhookSecret: secret, asaSecret: secret });
    assert.equal(loadConfig({ CARDRAIL_LITHIC_API_KEY: 'key', CARDRAIL_LITHIC_WEBHOOK_SECRET: secret, CARDRAIL_LITHIC_ASA_SECRET: secret, CARDRAIL_LITHIC_ENVIRONMENT: 'production' }).lithic?.environment, 'production');
  });

  it('names what is missing or wrong, and the fix', () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ CARDRAIL_LITHIC_WEBHOOK_SECRET: secret }, /set without CARDRAIL_LITHIC_API_KEY/],
      [{ CARDRAIL_LITHIC_API_KEY: 'key', CARDRAIL_LITHIC_ASA_SECRET: secret }, /CARDRAIL_LITHIC_WEBHOOK_SECRET is required/],
      [{ CARDRAIL_LITHIC_API_KEY: 'key', CARDRAIL_LITHIC_WEBHOOK_SECRET: secret }, /CARDRAIL_LITHIC_ASA_SECRET is required/],
      [{ CARDRAIL_LITHIC_API_KEY: 'key', CARDRAIL_LITHIC_WEBHOOK_SECRET: 'secret', CARDRAIL_LITHIC_ASA_SECRET: secret }, /must be a whsec_/],
      [{ CARDRAIL_LITHIC_API_KEY: 'key', CARDRAIL_LITHIC_WEBHOOK_SECRET: secret, CARDRAIL_LITHIC_ASA_SECRET: secret, CARDRAIL_LITHIC_ENVIRONMENT: 'live' }, /sandbox or production/],
      [{ CARDRAIL_LITHIC_API_KEY: 'key', CARDRAIL_LITHIC_WEBHOOK_SECRET: secret, CARDRAIL_LITHIC_ASA_SECRET: secret, CARDRAIL_LITHIC_BASE_URL: 'ftp://x' }, /http\(s\) URL/],
    ];
    for (const [env, message] of cases) assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
  });
});

describe('issuer settings', () => {
  async function withApp(lithic: boolean, run: (testApp: TestApp) => Promise<void>): Promise<void> {
    // A Lithic program at an address nothing answers: every call to it fails.
    const testApp = await startTestApp(lithic ? { config: { lithic: { apiKey: 'key', environment: 'sandbox', baseUrl: 'http://127.0.0.1:9', webhookSecret: secret, asaSecret: secret } } } : {});
    try {
      await run(testApp);
    } finally {
      await testApp.close();
    }
  }

  it('starts on the sandbox simulator and refuses a processor the server has no program for', async () => {
    await withApp(false, async (testApp) => {
      const settings = await testApp.request('GET', '/v1/settings/issuer');
      assert.equal(settings.statusCode, 200);
      assert.deepEqual(settings.json, {
        object: 'issuer_settings',
        environment: 'sandbox',
        issuer: 'sandbox',
        issuers: [
          { name: 'sandbox', configured: true, environment: null },
          { name: 'lithic', configured: false, environment: null },
        ],
        updatedAt: null,
      });
      assertError(await testApp.request('PATCH', '/v1/settings/issuer', { body: { issuer: 'lithic' } }), { status: 409, type: 'conflict_error', code: 'issuer_not_configured', param: 'issuer' });
      assertError(await testApp.request('PATCH', '/v1/settings/issuer', { body: { issuer: 'visa' } }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'issuer' });
      assertError(await testApp.request('PATCH', '/v1/settings/issuer', { body: { issuer: 'sandbox', extra: 1 } }), { status: 422, type: 'validation_error', code: 'unknown_parameter', param: 'extra' });
      assert.equal((await testApp.request('GET', '/v1/settings/issuer')).json.issuer, 'sandbox');
    });
  });

  it('keeps each environment its own issuer, and answers 502 issuer_unavailable, creating nothing, when Lithic cannot be reached', async () => {
    await withApp(true, async (testApp) => {
      const chosen = await testApp.request('PATCH', '/v1/settings/issuer', { key: testApp.liveKey, body: { issuer: 'lithic' } });
      assert.equal(chosen.statusCode, 200, chosen.body);
      assert.equal(chosen.json.issuer, 'lithic');
      assert.equal((await testApp.request('GET', '/v1/settings/issuer')).json.issuer, 'sandbox', 'the sandbox environment is unchanged');
      const scope = { organizationId: testApp.organizationId, environment: 'live' as const };
      const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
      await fundUser(testApp.store.db, scope, userId, 10_000, testApp.clock.nowMs());
      const agent = await testApp.request('POST', '/v1/agents', { key: testApp.liveKey, body: { userId, name: 'Buyer' } });
      const refused = await testApp.request('POST', `/v1/agents/${agent.json.id}/cards`, { key: testApp.liveKey, body: { purpose: 'Books', maxAmount: 5_000 } });
      assertError(refused, { status: 502, type: 'service_error', code: 'issuer_unavailable' });
      assert.match(refused.json.error.message, /could not create a card: no answer from Lithic/);
      const cards = await testApp.request('GET', `/v1/agents/${agent.json.id}/cards`, { key: testApp.liveKey });
      assert.deepEqual(cards.json.data, []);
      const balance = await testApp.request('GET', `/v1/balances/${userId}`, { key: testApp.liveKey });
      assert.equal(balance.json.available, 10_000);
    });
  });
});
