// Arranging webhook tests through the public API: an endpoint pointing at a local receiver, events produced by
// ordinary API calls, the sandbox clock moved past a delivery's next attempt, and a delivery worker driven pass by pass.
import assert from 'node:assert/strict';
import type { TestApp } from '../../helpers/app.js';
import type { WebhookConfig } from '../../../src/config.js';
import { advanceSandbox, sandboxNowMs } from '../../helpers/sandbox-clock.js';
import { WebhookDeliveryWorker } from '../../../src/workers/webhook-delivery.js';

export interface CreatedEndpoint {
  id: string;
  secret: string;
  url: string;
}

export async function createEndpoint(testApp: TestApp, url: string, extra: Record<string, unknown> = {}, key?: string): Promise<CreatedEndpoint> {
  const response = await testApp.request('POST', '/v1/webhooks', { body: { url, ...extra }, ...(key === undefined ? {} : { key }) });
  assert.equal(response.statusCode, 200, response.body);
  return { id: response.json.id, secret: response.json.secret, url: response.json.url };
}

/** One `user.created` event per call. */
export async function createUser(testApp: TestApp, lastName = 'Doe', key?: string): Promise<string> {
  const response = await testApp.request('POST', '/v1/users', { body: { firstName: 'Jane', lastName, email: 'jane@example.com' }, ...(key === undefined ? {} : { key }) });
  assert.equal(response.statusCode, 200, response.body);
  return response.json.id;
}

/** A worker with the app's webhook configuration, a 5 s request timeout and `settings` on top. */
export function newWorker(testApp: TestApp, settings: Partial<WebhookConfig> = {}, workerId?: string): WebhookDeliveryWorker {
  const { webhooks } = testApp.app.context.config;
  return new WebhookDeliveryWorker(testApp.app.context, { settings: { ...webhooks, requestTimeoutMs: 5_000, ...settings }, ...(workerId === undefined ? {} : { workerId }) });
}

export async function deliveries(testApp: TestApp, endpointId: string, query = ''): Promise<any[]> {
  const response = await testApp.request('GET', `/v1/webhooks/${endpointId}/deliveries?limit=100${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json.data;
}

/**
 * Moves the sandbox clock to just before `atMs` (at least a second short of it), so a test can show that nothing
 * is sent early, and answers the seconds still needed to pass it.
 */
export async function advanceToJustBefore(testApp: TestApp, atMs: number): Promise<number> {
  const deltaMs = atMs - (await sandboxNowMs(testApp));
  const beforeSeconds = Math.floor(deltaMs / 1000) - 1;
  await advanceSandbox(testApp, beforeSeconds);
  return Math.max(1, Math.ceil((atMs - (await sandboxNowMs(testApp))) / 1000) + 1);
}
