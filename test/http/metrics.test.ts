// `/metrics` (Prometheus text): open without CARDRAIL_METRICS_TOKEN; with it, only `Authorization: Bearer <token>`
// is answered, anything else is a 401 in the error envelope that names no token.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useTestApp } from '../helpers/app.js';

const metricsToken = 'metrics-token-4b7f2a9c1e';

describe('/metrics without a metrics token configured', () => {
  const testApp = useTestApp();

  it('is open to anyone, with or without an Authorization header', async () => {
    const open = await testApp.request('GET', '/metrics', { key: null });
    assert.equal(open.statusCode, 200);
    assert.match(String(open.headers['content-type']), /^text\/plain/);
    assert.match(open.body, /# TYPE cardrail_http_request_duration_seconds histogram/);
    const withHeader = await testApp.request('GET', '/metrics', { key: null, headers: { Authorization: 'Bearer anything' } });
    assert.equal(withHeader.statusCode, 200);
  });
});

describe('/metrics with CARDRAIL_METRICS_TOKEN', () => {
  const testApp = useTestApp({ config: { metricsToken } });

  it('answers the Prometheus text to Authorization: Bearer <token>', async () => {
    const metrics = await testApp.request('GET', '/metrics', { key: null, headers: { Authorization: `Bearer ${metricsToken}` } });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /# TYPE cardrail_http_request_duration_seconds histogram/);
    const lowercaseScheme = await testApp.request('GET', '/metrics', { key: null, headers: { authorization: `bearer ${metricsToken}` } });
    assert.equal(lowercaseScheme.statusCode, 200);
  });

  it('answers 401 missing_metrics_token without a header, in the envelope, with a Bearer challenge', async () => {
    const missing = await testApp.request('GET', '/metrics', { key: null });
    assertError(missing, { status: 401, type: 'authentication_error', code: 'missing_metrics_token' });
    assert.match(String(missing.headers['www-authenticate']), /^Bearer /);
    assert.doesNotMatch(missing.body, /# TYPE/);
  });

  it('answers 401 invalid_metrics_token to a wrong, longer, shorter or differently sent token, never echoing it', async () => {
    const wrongValues = [
      `Bearer ${metricsToken.slice(0, -1)}x`,
      `Bearer ${metricsToken}0`,
      `Bearer ${metricsToken.slice(0, 4)}`,
      'Bearer ',
      metricsToken,
      `Basic ${Buffer.from(`user:${metricsToken}`).toString('base64')}`,
      `Bearer ${metricsToken} extra`,
    ];
    for (const authorization of wrongValues) {
      const refused = await testApp.request('GET', '/metrics', { key: null, headers: { Authorization: authorization } });
      assertError(refused, { status: 401, type: 'authentication_error', code: 'invalid_metrics_token' });
      assert.ok(!refused.body.includes(metricsToken.slice(0, 8)), `the answer to "${authorization}" names no token`);
    }
    // An API key is no metrics token.
    const apiKey = await testApp.request('GET', '/metrics');
    assertError(apiKey, { status: 401, type: 'authentication_error', code: 'missing_metrics_token' });
  });

  it('leaves /health and /ready open (liveness and readiness probes carry no token)', async () => {
    assert.equal((await testApp.request('GET', '/health', { key: null })).statusCode, 200);
    assert.equal((await testApp.request('GET', '/ready', { key: null })).statusCode, 200);
  });

  it('writes the token into no log line', async () => {
    await testApp.request('GET', '/metrics', { key: null, headers: { Authorization: `Bearer ${metricsToken}` } });
    assert.ok(testApp.logs.length > 0);
    for (const line of testApp.logs) assert.ok(!line.includes(metricsToken), `a log line contains the token: ${line}`);
  });
});
