// The delivery worker running on its own (as inside `cardrail serve`): it picks up new events without being driven,
// and stopping it aborts a request that does not finish and gives its lease back, recording no attempt.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { useTestApp } from '../helpers/app.js';
import { startWebhookReceiver, verifyBoth, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { createEndpoint, createUser, deliveries, newWorker } from '../modules/webhooks/arrange.js';

/** Polls `condition` until it holds or `timeoutMs` passes (the worker runs on real timers here). */
async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('webhook delivery worker in the background', () => {
  const testApp = useTestApp({ store: 'sqlite' });
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver();
    await newWorker(testApp).dispatch();
  });
  after(async () => receiver.close());

  it('delivers new events on its own, and on stop gives back the lease of a request that does not finish', async () => {
    const endpoint = await createEndpoint(testApp, receiver.url, { events: ['user.created'] });
    const worker = newWorker(testApp, { requestTimeoutMs: 10_000, pollIntervalMs: 20 });
    worker.start();
    try {
      await createUser(testApp);
      await eventually(() => receiver.received.length === 1, 10_000, 'the first webhook');
      verifyBoth(receiver.received[0]!, endpoint.secret);
      await eventually(async () => (await deliveries(testApp, endpoint.id))[0]?.status === 'succeeded', 10_000, 'the delivery to be recorded');

      receiver.setResponder(() => 'hang');
      await createUser(testApp, 'Hang');
      await eventually(() => receiver.received.length === 2, 10_000, 'the second webhook');
    } finally {
      await worker.stop(100);
    }
    const [hung] = await deliveries(testApp, endpoint.id);
    assert.equal(hung.status, 'pending');
    assert.equal(hung.attemptCount, 0);
    assert.deepEqual(hung.attempts, []);
    const lease = await testApp.store.db.get<{ lease_owner: string | null }>('SELECT lease_owner FROM webhook_deliveries WHERE id = ?', [hung.id]);
    assert.equal(lease?.lease_owner, null);
    // Stopped means stopped: nothing more is taken.
    receiver.setResponder(() => 200);
    assert.equal(await worker.deliverDue(), 0);
    // Another worker sends it at once.
    const results = await newWorker(testApp).runOnce();
    assert.deepEqual(results.map((result) => [result.deliveryId, result.outcome]), [[hung.id, 'succeeded']]);
  });
});
