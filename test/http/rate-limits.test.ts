// Rate limits through HTTP (SPEC §3): per-credential token buckets with a burst allowance, separate read and write
// budgets, the sandbox multiplier, the IETF RateLimit headers, and buckets shared through Redis.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, describe, test } from 'node:test';
import { createApp, type RunningApp } from '../../src/app.js';
import type { Config, RateLimitConfig } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { assertError, startTestApp, type TestApp, type TestResponse } from '../helpers/app.js';

// Reads: 3 a minute plus a burst of 1, so 4 pass and the 5th is refused. Writes: 2 + 1.
const smallLimits: RateLimitConfig = {
  read: { perMinute: 3, burst: 1 },
  write: { perMinute: 2, burst: 1 },
  cardCreate: { perMinute: 1, burst: 1 },
  sandboxMultiplier: 1,
};
const readsAllowed = 4;
const writesAllowed = 3;
const redisUrl = 'redis://127.0.0.1:6379';

/** `"read";r=2;t=60` → its parts. */
function parseRateLimit(header: unknown): { policy: string; remaining: number; resetSeconds: number } {
  const match = /^"(\w+)";r=(\d+);t=(\d+)$/.exec(String(header));
  assert.ok(match !== null, `malformed RateLimit header: ${String(header)}`);
  return { policy: match[1]!, remaining: Number(match[2]), resetSeconds: Number(match[3]) };
}

function assertRateLimited(response: TestResponse, rateClass: string, perMinute: number): void {
  assertError(response, { status: 429, type: 'rate_limit_error', code: 'rate_limited' });
  const retryAfter = String(response.headers['retry-after']);
  assert.match(retryAfter, /^[1-9][0-9]*$/);
  assert.ok(Number(retryAfter) <= 60, `Retry-After ${retryAfter} is longer than the window`);
  assert.equal(response.headers['ratelimit-policy'], `"${rateClass}";q=${perMinute};w=60`);
  assert.equal(response.headers.ratelimit, `"${rateClass}";r=0;t=${retryAfter}`);
}

/**
 * The app connects to Redis in the background and serves requests unlimited until it is ready (fail-open). Requests
 * through inject never wait on I/O, so a test waits for the app's own connection before it counts on Redis.
 */
async function redisReady(app: RunningApp): Promise<void> {
  const redis = app.context.rateLimiter['redis'];
  assert.ok(redis !== undefined, 'the app was started without Redis');
  if (redis.status !== 'ready') await once(redis, 'ready');
}

describe('rate limits', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  async function open(config: Partial<Config> = { rateLimits: smallLimits }): Promise<TestApp> {
    const testApp = await startTestApp({ config });
    opened.push(testApp);
    return testApp;
  }
  afterEach(async () => {
    for (const app of opened.splice(0).reverse()) await app.close();
  });

  async function readsUntilRefused(testApp: TestApp, key: string, attempts: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let index = 0; index < attempts; index += 1) statuses.push((await testApp.request('GET', '/v1/api-keys', { key })).statusCode);
    return statuses;
  }

  test('successful responses carry RateLimit-Policy and RateLimit counting down', async () => {
    const testApp = await open();
    for (const expectedRemaining of [2, 1, 0]) {
      const response = await testApp.request('GET', '/v1/organization');
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['ratelimit-policy'], '"read";q=3;w=60');
      const rateLimit = parseRateLimit(response.headers.ratelimit);
      assert.deepEqual({ policy: rateLimit.policy, remaining: rateLimit.remaining }, { policy: 'read', remaining: expectedRemaining });
      assert.ok(rateLimit.resetSeconds >= 1 && rateLimit.resetSeconds <= 60, `t=${rateLimit.resetSeconds}`);
    }
    const write = await testApp.request('POST', '/v1/api-keys', { body: { name: 'w' } });
    assert.equal(write.statusCode, 200, write.body);
    assert.equal(write.headers['ratelimit-policy'], '"write";q=2;w=60');
    assert.equal(parseRateLimit(write.headers.ratelimit).remaining, 1);
  });

  test('exceeding the read budget answers 429 rate_limited with Retry-After and RateLimit headers', async () => {
    const testApp = await open();
    const statuses = await readsUntilRefused(testApp, testApp.sandboxKey, readsAllowed);
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    const limited = await testApp.request('GET', '/v1/api-keys');
    assertRateLimited(limited, 'read', 3);
    // It stays refused, on every read route.
    assertRateLimited(await testApp.request('GET', '/v1/organization'), 'read', 3);
  });

  test('limits are per credential', async () => {
    const testApp = await open();
    const created = await testApp.request('POST', '/v1/api-keys', { body: { name: 'second' } });
    assert.equal(created.statusCode, 200, created.body);
    const secondKey = created.json.key as string;

    assert.deepEqual(await readsUntilRefused(testApp, testApp.sandboxKey, readsAllowed + 1), [200, 200, 200, 200, 429]);
    const second = await testApp.request('GET', '/v1/api-keys', { key: secondKey });
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(parseRateLimit(second.headers.ratelimit).remaining, 2, 'the second key has its own full bucket');
    assertRateLimited(await testApp.request('GET', '/v1/api-keys'), 'read', 3);
  });

  test('writes have their own budget', async () => {
    const testApp = await open();
    assert.deepEqual(await readsUntilRefused(testApp, testApp.sandboxKey, readsAllowed + 1), [200, 200, 200, 200, 429]);

    const writeStatuses: number[] = [];
    for (let index = 0; index < writesAllowed; index += 1) {
      const response = await testApp.request('POST', '/v1/api-keys', { body: { name: `w${index}` } });
      assert.equal(response.headers['ratelimit-policy'], '"write";q=2;w=60');
      writeStatuses.push(response.statusCode);
    }
    assert.deepEqual(writeStatuses, [200, 200, 200]);
    const limited = await testApp.request('POST', '/v1/api-keys', { body: { name: 'one too many' } });
    assertRateLimited(limited, 'write', 2);

    // Spending the write budget gave no reads back, and another credential still writes.
    assertRateLimited(await testApp.request('GET', '/v1/api-keys'), 'read', 3);
    const other = await testApp.request('POST', '/v1/api-keys', { key: testApp.liveKey, body: {} });
    assert.equal(other.statusCode, 200, other.body);
    assert.equal(parseRateLimit(other.headers.ratelimit).remaining, 1);
  });

  test('sandbox credentials get sandboxMultiplier times the budget', async () => {
    const testApp = await open({ rateLimits: { ...smallLimits, sandboxMultiplier: 100 } });
    const sandboxStatuses = await readsUntilRefused(testApp, testApp.sandboxKey, 10);
    assert.deepEqual(sandboxStatuses, Array<number>(10).fill(200));
    const sandbox = await testApp.request('GET', '/v1/api-keys');
    assert.equal(sandbox.headers['ratelimit-policy'], '"read";q=300;w=60');
    assert.equal(parseRateLimit(sandbox.headers.ratelimit).remaining, 300 - 11);
    const sandboxWrite = await testApp.request('POST', '/v1/api-keys', { body: {} });
    assert.equal(sandboxWrite.headers['ratelimit-policy'], '"write";q=200;w=60');

    const liveStatuses = await readsUntilRefused(testApp, testApp.liveKey, readsAllowed + 1);
    assert.deepEqual(liveStatuses, [200, 200, 200, 200, 429]);
    assertRateLimited(await testApp.request('GET', '/v1/api-keys', { key: testApp.liveKey }), 'read', 3);
  });

  test('with Redis: exceeding the budget answers 429 with the same headers', async () => {
    const testApp = await open({ rateLimits: smallLimits, redisUrl });
    await redisReady(testApp.app);
    const first = await testApp.request('GET', '/v1/api-keys');
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.headers['ratelimit-policy'], '"read";q=3;w=60');
    assert.equal(parseRateLimit(first.headers.ratelimit).remaining, 2);
    assert.deepEqual(await readsUntilRefused(testApp, testApp.sandboxKey, readsAllowed - 1), [200, 200, 200]);
    assertRateLimited(await testApp.request('GET', '/v1/api-keys'), 'read', 3);
    assert.equal(
      testApp.logs.some((line) => line.includes('rate limiter store unavailable')),
      false,
      'every request was counted in Redis',
    );
  });

  test('with Redis: several processes share one bucket per credential', async () => {
    const testApp = await open({ rateLimits: smallLimits, redisUrl });
    const config: Config = { ...testApp.app.context.config };
    const secondProcess = await createApp({ config, db: testApp.store.db, clock: testApp.clock, logger: createLogger('silent') });
    opened.push(secondProcess);
    await secondProcess.server.ready();
    await Promise.all([redisReady(testApp.app), redisReady(secondProcess)]);

    const readThroughSecond = async (): Promise<TestResponse> => {
      const response = await secondProcess.server.inject({ method: 'GET', url: '/v1/api-keys', headers: { 'api-key': testApp.sandboxKey } });
      return { statusCode: response.statusCode, headers: response.headers, body: response.body, json: JSON.parse(response.body) };
    };
    assert.deepEqual(await readsUntilRefused(testApp, testApp.sandboxKey, 2), [200, 200]);
    const second = await readThroughSecond();
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(parseRateLimit(second.headers.ratelimit).remaining, 0, 'the second process sees the first one’s requests');
    assert.equal((await readThroughSecond()).statusCode, 200, 'the burst allowance');
    assertRateLimited(await testApp.request('GET', '/v1/api-keys'), 'read', 3);
    assertRateLimited(await readThroughSecond(), 'read', 3);
  });
});
