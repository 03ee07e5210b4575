// Seed 000 "Webhook Issues", each symptom reproduced and then cured with the fix the troubleshooting page (and
// docs/webhooks.md) gives.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook } from '../../../src/sdk/webhooks.js';
import { useTestApp } from '../../helpers/app.js';
import { advanceSandbox, sandboxNowMs } from '../../helpers/sandbox-clock.js';
import { freePort } from '../../helpers/server-process.js';
import { startWebhookReceiver, verifyBoth, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { createEndpoint, createUser, deliveries, newWorker } from './arrange.js';

describe('seed 000 webhook issues', () => {
  const testApp = useTestApp({ store: 'sqlite' }, { perTest: true });
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    await newWorker(testApp).dispatch();
  });
  afterEach(async () => receiver.close());

  it('"events occur but no webhooks arrive": the deliveries log shows why (unreachable, errors); fixed, Send Test succeeds', async () => {
    const closedPort = await freePort();
    const endpoint = await createEndpoint(testApp, `http://127.0.0.1:${closedPort}/webhooks`);
    await createUser(testApp);
    const worker = newWorker(testApp);
    await worker.drain();
    const [unreachable] = await deliveries(testApp, endpoint.id);
    assert.equal(unreachable.status, 'pending');
    assert.equal(unreachable.attempts[0].statusCode, null);
    assert.match(unreachable.attempts[0].error, /ECONNREFUSED/);

    // "Endpoint returning errors": the right host, but the handler fails.
    receiver.setResponder(() => 500);
    const patched = await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { url: receiver.url } });
    assert.equal(patched.statusCode, 200, patched.body);
    await advanceSandbox(testApp, Math.ceil((Date.parse(unreachable.nextAttemptAt) - (await sandboxNowMs(testApp))) / 1000) + 1);
    await worker.drain();
    const [erroring] = await deliveries(testApp, endpoint.id);
    assert.deepEqual(erroring.attempts.map((attempt: any) => attempt.statusCode), [null, 500]);
    assert.equal(erroring.attempts[1].error, 'HTTP 500');

    // Fixed: the endpoint answers 2xx; Send Test proves it, and the pending event goes through at its next retry.
    receiver.setResponder(() => 200);
    const test = await testApp.request('POST', `/v1/webhooks/${endpoint.id}/test`);
    await worker.drain();
    const sent = (await deliveries(testApp, endpoint.id)).find((delivery) => delivery.id === test.json.id);
    assert.equal(sent.status, 'succeeded');
    assert.equal(sent.attempts[0].statusCode, 200);
    const webhookTest = receiver.received.find((webhook) => JSON.parse(webhook.rawBody).type === 'webhook.test')!;
    assert.equal(verifyBoth(webhookTest, endpoint.secret).data.object.endpointId, endpoint.id);
    await advanceSandbox(testApp, 6 * 60);
    await worker.drain();
    const original = (await deliveries(testApp, endpoint.id)).find((delivery) => delivery.id === unreachable.id);
    assert.equal(original.status, 'succeeded');
  });

  it('"signature doesn\'t match": a wrong secret or a body changed by middleware fails; the API\'s secret over the raw body verifies', async () => {
    const endpoint = await createEndpoint(testApp, receiver.url);
    const someoneElses = await createEndpoint(testApp, `${receiver.url}/other`, { events: ['card.frozen'] });
    await createUser(testApp);
    await newWorker(testApp).drain();
    const [webhook] = receiver.received;
    assert.ok(webhook);

    // Wrong secret (another endpoint's).
    assert.throws(() => new Webhook(someoneElses.secret).verify(webhook.rawBody, webhook.headers));
    assert.throws(() => verifyWebhook(webhook.rawBody, webhook.headers, someoneElses.secret), { code: 'no_matching_signature' });
    // Body modified by middleware: parsed then serialized again (key order, spacing).
    const parsedByMiddleware = JSON.parse(webhook.rawBody) as Record<string, unknown>;
    const reserialized = JSON.stringify(Object.fromEntries(Object.entries(parsedByMiddleware).reverse()));
    assert.throws(() => new Webhook(endpoint.secret).verify(reserialized, webhook.headers));
    assert.throws(() => verifyWebhook(reserialized, webhook.headers, endpoint.secret), { code: 'no_matching_signature' });

    // The fix: GET /v1/webhooks/{id}/secret, and verify the raw body.
    const secret = (await testApp.request('GET', `/v1/webhooks/${endpoint.id}/secret`)).json.secret;
    assert.equal(secret, endpoint.secret);
    assert.equal(verifyBoth(webhook, secret).type, 'user.created');
  });

  it('"same event delivered multiple times": a receiver that processes then times out or fails gets the same webhook-id again; deduping on it processes once', async () => {
    const processed = new Set<string>();
    let processing = 0;
    receiver.setResponder((webhook) => {
      const id = webhook.headers['webhook-id']!;
      if (!processed.has(id)) {
        processed.add(id);
        processing += 1;
      }
      // The first delivery is processed, then the answer is too late; the second processed, then a 500.
      if (webhook.index === 0) return 'hang';
      if (webhook.index === 1) return 500;
      return 200;
    });
    const endpoint = await createEndpoint(testApp, receiver.url, { events: ['user.created'] });
    await createUser(testApp);
    const worker = newWorker(testApp, { requestTimeoutMs: 300 });
    await worker.drain();
    for (let round = 0; round < 2; round += 1) {
      const [pending] = await deliveries(testApp, endpoint.id);
      await advanceSandbox(testApp, Math.ceil((Date.parse(pending.nextAttemptAt) - (await sandboxNowMs(testApp))) / 1000) + 1);
      await worker.drain();
    }
    assert.equal(receiver.received.length, 3);
    assert.equal(new Set(receiver.ids()).size, 1, 'every attempt carries the same webhook-id');
    assert.equal(processing, 1, 'deduping on webhook-id processes the event once');
    const [delivery] = await deliveries(testApp, endpoint.id);
    assert.equal(delivery.status, 'succeeded');
    assert.match(delivery.attempts[0].error, /no complete response within 300 ms/);
    assert.deepEqual(delivery.attempts.map((attempt: any) => attempt.statusCode), [null, 500, 200]);
  });
});
