// The sandbox clock as tests drive it through the API: read the environment's time, move it forward (due work —
// settlement, expiries — runs as it moves).
import assert from 'node:assert/strict';
import type { TestApp } from './app.js';

/** The sandbox environment's time (the test app's wall clock plus the sandbox offset), as the API answers it. */
export async function sandboxNowMs(testApp: TestApp): Promise<number> {
  const response = await testApp.request('GET', '/v1/sandbox/clock');
  assert.equal(response.statusCode, 200, response.body);
  return Date.parse(response.json.now);
}

/** `POST /v1/sandbox/clock/advance` by `seconds`, asserting 200; nothing when `seconds` is not positive. */
export async function advanceSandbox(testApp: TestApp, seconds: number): Promise<void> {
  if (seconds <= 0) return;
  const response = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds } });
  assert.equal(response.statusCode, 200, response.body);
}
