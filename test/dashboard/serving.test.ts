// Serving the dashboard (SPEC §8): index.html for /dashboard and every deep link under it, hashed assets cached for a
// year, a strict Content-Security-Policy and framing / referrer headers on all of it, a 404 (not index.html) for a
// missing asset, and a page saying how to build when there is no build. Runs on a small stand-in build; the browser
// test runs the real one.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp, type TestResponse } from '../helpers/app.js';

const indexHtml = '<!doctype html><html lang="en"><head><script type="module" src="/dashboard/assets/index-Ab12Cd34.js"></script></head><body><div id="root"></div></body></html>';
const script = 'console.log("dashboard");';

function assertDashboardHeaders(response: TestResponse): void {
  const policy = String(response.headers['content-security-policy']);
  assert.match(policy, /(^|; )default-src 'self'(;|$)/);
  assert.match(policy, /(^|; )script-src 'self'(;|$)/);
  assert.match(policy, /(^|; )style-src 'self'(;|$)/);
  assert.match(policy, /(^|; )connect-src 'self'(;|$)/);
  assert.match(policy, /(^|; )frame-ancestors 'none'(;|$)/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:|\*/, 'no inline code, no eval, no other origin');
  assert.equal(response.headers['x-frame-options'], 'DENY');
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
}

describe('dashboard serving', () => {
  const directory = mkdtempSync(join(tmpdir(), 'cardrail-dashboard-'));
  let testApp: TestApp;
  let unbuilt: TestApp;

  before(async () => {
    mkdirSync(join(directory, 'assets'));
    writeFileSync(join(directory, 'index.html'), indexHtml);
    writeFileSync(join(directory, 'assets', 'index-Ab12Cd34.js'), script);
    testApp = await startTestApp({ dashboardDirectory: directory });
    unbuilt = await startTestApp({ dashboardDirectory: join(directory, 'missing') });
  });

  after(async () => {
    await testApp.close();
    await unbuilt.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers index.html at /dashboard and /dashboard/, never cached without revalidation', async () => {
    for (const url of ['/dashboard', '/dashboard/']) {
      const response = await testApp.request('GET', url, { key: null });
      assert.equal(response.statusCode, 200, url);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.equal(response.headers['cache-control'], 'no-cache');
      assert.equal(response.body, indexHtml);
      assertDashboardHeaders(response);
    }
  });

  it('answers index.html for deep links, so the app opens on that screen', async () => {
    for (const url of ['/dashboard/cards/card_01jabcdefghjkmnpqrstvwxyz0', '/dashboard/webhooks/webhook_1?tab=deliveries', '/dashboard/no/such/screen']) {
      const response = await testApp.request('GET', url, { key: null });
      assert.equal(response.statusCode, 200, url);
      assert.equal(response.body, indexHtml);
      assert.equal(response.headers['cache-control'], 'no-cache');
      assertDashboardHeaders(response);
    }
  });

  it('serves hashed assets with a year of immutable caching', async () => {
    const response = await testApp.request('GET', '/dashboard/assets/index-Ab12Cd34.js', { key: null });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /javascript/);
    assert.equal(response.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(response.body, script);
    assertDashboardHeaders(response);
  });

  it('answers 404 for a missing asset instead of index.html', async () => {
    const response = await testApp.request('GET', '/dashboard/assets/index-Missing0.js', { key: null });
    assert.equal(response.statusCode, 404);
    assert.notEqual(response.body, indexHtml);
    const traversal = await testApp.request('GET', '/dashboard/assets/..%2f..%2fpackage.json', { key: null });
    assert.ok([400, 403, 404].includes(traversal.statusCode), `traversal answered ${traversal.statusCode}`);
    assert.doesNotMatch(traversal.body, /"name":\s*"cardrail"/);
  });

  it('leaves the API without the dashboard headers', async () => {
    const response = await testApp.request('GET', '/v1/organization');
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-security-policy'], undefined);
  });

  it('says how to build the dashboard when there is no build, at every dashboard address', async () => {
    for (const url of ['/dashboard', '/dashboard/cards/card_1', '/dashboard/assets/index-Ab12Cd34.js']) {
      const response = await unbuilt.request('GET', url, { key: null });
      assert.equal(response.statusCode, 503, url);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.match(response.body, /has not been built/);
      assert.match(response.body, /npm run build/);
      assertDashboardHeaders(response);
    }
  });
});
