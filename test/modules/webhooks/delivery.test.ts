// Webhook delivery on both stores (SPEC §6): signed per Standard Webhooks (checked with the official package and the
// SDK), retried on the environment's clock, exhausted, disabled by 410, rotated secrets, leases.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { leaseDueDeliveries, recordAttempt } from '../../../src/modules/webhooks/dispatch.js';
import { attemptsMax, retryDelaysMs } from '../../../src/modules/webhooks/retry-schedule.js';
import { defaultWebhookConfig } from '../../../src/config.js';
import { verifyWebhook } from '../../../src/sdk/webhooks.js';
import { startTestApp, useTestApp } from '../../helpers/app.js';
import { advanceSandbox, sandboxNowMs } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import { startWebhookReceiver, verifyBoth, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { advanceToJustBefore, createEndpoint, createUser, deliveries, newWorker } from './arrange.js';

for (const kind of storeKinds) {
  describe(`webhook delivery (${kind})`, () => {
    const testApp = useTestApp({ store: kind }, { perTest: true });
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      receiver = await startWebhookReceiver();
      // The organization's set-up events (its API keys) are fanned out before any endpoint exists, as a running
      // worker would have done long before: each test sees only the events it causes.
      await newWorker(testApp).dispatch();
    });
    afterEach(async () => {
      await receiver.close();
    });

    it('delivers each event as the SPEC envelope, verified by standardwebhooks and by verifyWebhook', async () => {
      const endpoint = await createEndpoint(testApp, receiver.url);
      assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(Buffer.from(endpoint.secret.slice(6), 'base64').length, 32);
      const userId = await createUser(testApp);
      const worker = newWorker(testApp);
      const results = await worker.drain();
      assert.deepEqual(results.map((result) => result.outcome), ['succeeded']);
      assert.equal(receiver.received.length, 1);
      const webhook = receiver.received[0]!;
      assert.equal(webhook.headers['content-type'], 'application/json');
      const event = verifyBoth(webhook, endpoint.secret);
      assert.deepEqual(Object.keys(event).sort(), ['createdAt', 'data', 'environment', 'id', 'organizationId', 'type']);
      assert.match(event.id, /^evt_/);
      assert.equal(webhook.headers['webhook-id'], event.id);
      assert.equal(event.type, 'user.created');
      assert.equal(event.environment, 'sandbox');
      assert.equal(event.organizationId, testApp.organizationId);
      assert.equal((event.data.object as { id: string }).id, userId);
      // webhook-timestamp is the real wall clock (receivers compare it with theirs), within a few seconds of now.
      assert.ok(Math.abs(Number(webhook.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
      // The envelope is the API's event.
      const fromApi = await testApp.request('GET', `/v1/events/${event.id}`);
      assert.deepEqual({ ...fromApi.json, object: undefined }, { ...event, object: undefined });
      // LedgerOS's receivers read svix-id, svix-timestamp and svix-signature: the same values, verifiable alone.
      assert.equal(webhook.headers['svix-id'], webhook.headers['webhook-id']);
      const svixOnly = { 'webhook-id': webhook.headers['svix-id']!, 'webhook-timestamp': webhook.headers['svix-timestamp']!, 'webhook-signature': webhook.headers['svix-signature']! };
      assert.deepEqual(new Webhook(endpoint.secret).verify(webhook.rawBody, svixOnly), event);
      // A wrong secret or a changed body fails both verifiers.
      const other = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
      assert.throws(() => new Webhook(other).verify(webhook.rawBody, webhook.headers));
      assert.throws(() => verifyWebhook(webhook.rawBody, webhook.headers, other), { code: 'no_matching_signature' });
      const reformatted = JSON.stringify(JSON.parse(webhook.rawBody), null, 2);
      assert.throws(() => new Webhook(endpoint.secret).verify(reformatted, webhook.headers));
      assert.throws(() => verifyWebhook(reformatted, webhook.headers, endpoint.secret), { code: 'no_matching_signature' });

      const [delivery] = await deliveries(testApp, endpoint.id);
      assert.equal(delivery.status, 'succeeded');
      assert.equal(delivery.eventId, event.id);
      assert.equal(delivery.attempts.length, 1);
      assert.equal(delivery.attempts[0].statusCode, 200);
      assert.equal(typeof delivery.attempts[0].latencyMs, 'number');
    });

    it("keeps the start of the receiver's answer on each attempt: at most 500 bytes, readable, … when cut", async () => {
      const refusal = `database unavailable\u0000, retry later ${'é'.repeat(600)}`;
      receiver.setResponder((webhook) => (webhook.index === 0 ? { status: 503, body: refusal } : 200));
      const endpoint = await createEndpoint(testApp, receiver.url, { events: ['user.created'] });
      await createUser(testApp);
      const worker = newWorker(testApp);
      assert.deepEqual((await worker.runOnce()).map((result) => result.outcome), ['retrying']);
      const [failed] = await deliveries(testApp, endpoint.id);
      const excerpt: string = failed.attempts[0].responseExcerpt;
      assert.ok(excerpt.startsWith('database unavailable, retry later éé'), excerpt);
      assert.ok(excerpt.endsWith('…'));
      assert.ok(Buffer.byteLength(excerpt.slice(0, -1), 'utf8') <= 500);
      assert.doesNotMatch(excerpt, /[\u0000\ufffd]/);
      const next = Date.parse(failed.nextAttemptAt);
      await advanceSandbox(testApp, Math.ceil((next - (await sandboxNowMs(testApp))) / 1000) + 1);
      await worker.runOnce();
      const [delivered] = await deliveries(testApp, endpoint.id);
      assert.deepEqual(delivered.attempts.map((attempt: any) => attempt.responseExcerpt), [excerpt, 'ok']);
    });

    it('sends only the types an endpoint subscribed to (exact or family wildcard), and nothing after it is deleted', async () => {
      const users = await createEndpoint(testApp, `${receiver.url}/users`, { events: ['user.*'] });
      const cards = await createEndpoint(testApp, `${receiver.url}/cards`, { events: ['card.frozen'] });
      await createUser(testApp);
      const worker = newWorker(testApp);
      await worker.drain();
      assert.deepEqual(receiver.received.map((webhook) => webhook.path), ['/webhooks/users']);
      assert.equal((await deliveries(testApp, cards.id)).length, 0);

      const deleted = await testApp.request('DELETE', `/v1/webhooks/${users.id}`);
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.equal(deleted.json.deleted, true);
      await createUser(testApp);
      await worker.drain();
      assert.equal(receiver.received.length, 1);
      assert.equal((await testApp.request('GET', `/v1/webhooks/${users.id}`)).statusCode, 404);
    });

    it('retries a failing receiver on the schedule of the environment clock: 500 four times, then delivered on the fifth attempt at its time', async () => {
      receiver.setResponder((webhook) => (webhook.index < 4 ? 500 : 200));
      const endpoint = await createEndpoint(testApp, receiver.url, { events: ['user.created'] });
      await createUser(testApp);
      const worker = newWorker(testApp);
      assert.deepEqual((await worker.runOnce()).map((result) => result.outcome), ['retrying']);
      assert.equal(receiver.received.length, 1);

      for (let attempt = 2; attempt <= 5; attempt += 1) {
        const [pending] = await deliveries(testApp, endpoint.id);
        assert.equal(pending.status, 'pending');
        assert.equal(pending.attemptCount, attempt - 1);
        const previous = Date.parse(pending.attempts[attempt - 2].attemptedAt);
        const next = Date.parse(pending.nextAttemptAt);
        const delay = retryDelaysMs[attempt - 2]!;
        assert.ok(next - previous >= delay * 0.9 - 1 && next - previous <= delay * 1.1 + 1, `retry ${attempt - 1} after ${next - previous} ms, expected ${delay} ms ± 10 %`);

        const remainingSeconds = await advanceToJustBefore(testApp, next);
        assert.deepEqual(await worker.runOnce(), [], `attempt ${attempt} must not go before ${pending.nextAttemptAt}`);
        assert.equal(receiver.received.length, attempt - 1);
        await advanceSandbox(testApp, remainingSeconds);
        const results = await worker.runOnce();
        assert.deepEqual(results.map((result) => result.attemptNumber), [attempt]);
        assert.equal(receiver.received.length, attempt);
      }

      const [delivered] = await deliveries(testApp, endpoint.id);
      assert.equal(delivered.status, 'succeeded');
      assert.equal(delivered.attemptCount, 5);
      assert.deepEqual(delivered.attempts.map((attempt: any) => attempt.number), [1, 2, 3, 4, 5]);
      assert.deepEqual(delivered.attempts.map((attempt: any) => attempt.statusCode), [500, 500, 500, 500, 200]);
      for (const attempt of delivered.attempts) {
        assert.ok(Number.isInteger(attempt.latencyMs) && attempt.latencyMs >= 0);
        assert.equal(attempt.error === null, attempt.statusCode === 200);
      }
      // Every attempt carried the same webhook-id: receivers dedupe on it.
      assert.equal(new Set(receiver.ids()).size, 1);
      for (const webhook of receiver.received) verifyBoth(webhook, (await testApp.request('GET', `/v1/webhooks/${endpoint.id}/secret`)).json.secret);
    });

    it('after the last retry the delivery is failed and webhook.delivery_exhausted is recorded (and sent elsewhere, not to the failing endpoint)', async () => {
      receiver.setResponder((webhook) => (webhook.path.endsWith('/failing') ? 500 : 200));
      const failing = await createEndpoint(testApp, `${receiver.url}/failing`);
      const watcher = await createEndpoint(testApp, `${receiver.url}/watcher`, { events: ['webhook.*'] });
      await createUser(testApp);
      const worker = newWorker(testApp);
      await worker.runOnce();
      for (let attempt = 2; attempt <= attemptsMax; attempt += 1) {
        const [pending] = await deliveries(testApp, failing.id);
        assert.equal(pending.status, 'pending', `before attempt ${attempt}`);
        await advanceSandbox(testApp, Math.ceil((Date.parse(pending.nextAttemptAt) - (await sandboxNowMs(testApp))) / 1000) + 1);
        await worker.runOnce();
      }
      await worker.drain();
      const [failed] = await deliveries(testApp, failing.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.attemptCount, attemptsMax);
      assert.equal(failed.nextAttemptAt, null);
      assert.equal(failed.attempts.length, 8);

      const exhausted = await testApp.request('GET', '/v1/events?type=webhook.delivery_exhausted');
      assert.equal(exhausted.json.data.length, 1);
      assert.equal(exhausted.json.data[0].data.object.id, failed.id);
      assert.equal(exhausted.json.data[0].data.object.endpointId, failing.id);
      const toFailing = receiver.received.filter((webhook) => webhook.path.endsWith('/failing'));
      assert.equal(toFailing.length, attemptsMax);
      assert.ok(toFailing.every((webhook) => JSON.parse(webhook.rawBody).type === 'user.created'));
      const toWatcher = receiver.received.filter((webhook) => webhook.path.endsWith('/watcher'));
      assert.deepEqual(toWatcher.map((webhook) => verifyBoth(webhook, watcher.secret).type), ['webhook.delivery_exhausted']);
      // Nothing more is due, however far the clock goes.
      await advanceSandbox(testApp, 7 * 24 * 3600);
      assert.deepEqual(await worker.drain(), []);
    });

    it('410 Gone disables the endpoint (statusReason says so) and cancels its other pending deliveries; PATCH enabled re-enables it', async () => {
      receiver.setResponder(() => 410);
      const endpoint = await createEndpoint(testApp, receiver.url);
      await createUser(testApp);
      await createUser(testApp, 'Roe');
      const worker = newWorker(testApp, { endpointConcurrencyMax: 1, concurrencyMax: 1 });
      const results = await worker.runOnce();
      assert.deepEqual(results.map((result) => result.outcome), ['endpoint_disabled']);
      const disabled = (await testApp.request('GET', `/v1/webhooks/${endpoint.id}`)).json;
      assert.equal(disabled.status, 'disabled');
      assert.equal(disabled.enabled, false);
      assert.match(disabled.statusReason, /410/);
      const list = await deliveries(testApp, endpoint.id);
      assert.deepEqual(list.map((delivery) => delivery.status).sort(), ['canceled', 'failed']);
      await createUser(testApp, 'Poe');
      await advanceSandbox(testApp, 24 * 3600);
      assert.deepEqual(await worker.drain(), []);
      assert.equal(receiver.received.length, 1);

      const test = await testApp.request('POST', `/v1/webhooks/${endpoint.id}/test`);
      assert.equal(test.statusCode, 409);
      assert.equal(test.json.error.code, 'invalid_status_transition');

      receiver.setResponder(() => 204);
      const enabled = await testApp.request('PATCH', `/v1/webhooks/${endpoint.id}`, { body: { enabled: true } });
      assert.equal(enabled.json.status, 'enabled');
      assert.equal(enabled.json.statusReason, null);
      const userId = await createUser(testApp, 'Moe');
      await worker.drain();
      assert.equal(receiver.received.length, 2);
      assert.equal((verifyBoth(receiver.received[1]!, endpoint.secret).data.object as { id: string }).id, userId);
    });

    it('rotation: both secrets verify for 24 h of environment time, then only the new one is sent', async () => {
      const endpoint = await createEndpoint(testApp, receiver.url, { events: ['user.created'] });
      const worker = newWorker(testApp);
      await createUser(testApp);
      await worker.drain();
      const oldSecret = endpoint.secret;
      verifyBoth(receiver.received[0]!, oldSecret);
      assert.equal(receiver.received[0]!.headers['webhook-signature']!.split(' ').length, 1);

      const rotated = await testApp.request('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`);
      assert.equal(rotated.statusCode, 200, rotated.body);
      const newSecret: string = rotated.json.secret;
      assert.notEqual(newSecret, oldSecret);
      assert.equal(Date.parse(rotated.json.previousSecretExpiresAt) - (await sandboxNowMs(testApp)), 24 * 3600 * 1000);
      assert.equal((await testApp.request('GET', `/v1/webhooks/${endpoint.id}/secret`)).json.secret, newSecret);

      await createUser(testApp, 'Roe');
      await worker.drain();
      const during = receiver.received[1]!;
      const signatures = during.headers['webhook-signature']!.split(' ');
      assert.equal(signatures.length, 2);
      assert.ok(signatures.every((signature) => signature.startsWith('v1,')));
      verifyBoth(during, oldSecret);
      verifyBoth(during, newSecret);

      await advanceSandbox(testApp, 23 * 3600);
      await createUser(testApp, 'Poe');
      await worker.drain();
      verifyBoth(receiver.received[2]!, oldSecret);

      await advanceSandbox(testApp, 3600 + 1);
      await createUser(testApp, 'Moe');
      await worker.drain();
      const afterWindow = receiver.received[3]!;
      assert.equal(afterWindow.headers['webhook-signature']!.split(' ').length, 1);
      verifyBoth(afterWindow, newSecret);
      assert.throws(() => new Webhook(oldSecret).verify(afterWindow.rawBody, afterWindow.headers));
      assert.throws(() => verifyWebhook(afterWindow.rawBody, afterWindow.headers, oldSecret), { code: 'no_matching_signature' });
      assert.equal((await testApp.request('GET', `/v1/webhooks/${endpoint.id}/secret`)).json.previousSecretExpiresAt, null);
    });

    it('Send Test delivers a webhook.test event to that endpoint only, once', async () => {
      const target = await createEndpoint(testApp, `${receiver.url}/target`);
      await createEndpoint(testApp, `${receiver.url}/bystander`);
      const test = await testApp.request('POST', `/v1/webhooks/${target.id}/test`);
      assert.equal(test.statusCode, 200, test.body);
      assert.equal(test.json.object, 'webhook_delivery');
      assert.equal(test.json.status, 'pending');
      assert.equal(test.json.eventType, 'webhook.test');
      await newWorker(testApp).drain();
      assert.deepEqual(receiver.received.map((webhook) => webhook.path), ['/webhooks/target']);
      assert.equal(verifyBoth(receiver.received[0]!, target.secret).type, 'webhook.test');
      const [delivery] = await deliveries(testApp, target.id);
      assert.equal(delivery.id, test.json.id);
      assert.equal(delivery.status, 'succeeded');
    });

    it('redeliver: a new delivery with the same webhook-id, to every matching endpoint or to one', async () => {
      const first = await createEndpoint(testApp, `${receiver.url}/first`);
      const second = await createEndpoint(testApp, `${receiver.url}/second`, { events: ['card.*'] });
      await createUser(testApp);
      const worker = newWorker(testApp);
      await worker.drain();
      const eventId = receiver.ids()[0]!;

      const all = await testApp.request('POST', `/v1/events/${eventId}/redeliver`, { body: {} });
      assert.equal(all.statusCode, 200, all.body);
      assert.deepEqual(all.json.deliveries.map((delivery: any) => delivery.endpointId), [first.id]);
      const one = await testApp.request('POST', `/v1/events/${eventId}/redeliver`, { body: { endpointId: second.id } });
      assert.deepEqual(one.json.deliveries.map((delivery: any) => [delivery.endpointId, delivery.origin]), [[second.id, 'redeliver']]);
      await worker.drain();
      assert.deepEqual(receiver.received.map((webhook) => webhook.path).sort(), ['/webhooks/first', '/webhooks/first', '/webhooks/second']);
      assert.deepEqual(new Set(receiver.ids()), new Set([eventId]));
      verifyBoth(receiver.received.find((webhook) => webhook.path === '/webhooks/second')!, second.secret);

      const missing = await testApp.request('POST', `/v1/events/${eventId}/redeliver`, { body: { endpointId: 'webhook_00000000000000000000000000' } });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json.error.param, 'endpointId');
    });

    it('leases: a held lease is not sent by another worker until it expires; the old holder then cannot record its result', async () => {
      const endpoint = await createEndpoint(testApp, receiver.url);
      await createUser(testApp);
      const first = newWorker(testApp, {}, 'first');
      const second = newWorker(testApp, {}, 'second');
      await first.dispatch();
      const [held] = await leaseDueDeliveries(testApp.store.db, {
        workerId: 'first',
        wallClockMs: testApp.clock.nowMs(),
        leaseMs: first.leaseMs,
        limit: 10,
        endpointSlots: new Map(),
        endpointCapacity: 4,
        secrets: testApp.app.context.secrets,
      });
      assert.ok(held);
      assert.deepEqual(await second.runOnce(), []);
      testApp.clock.advanceMs(first.leaseMs - 1);
      assert.deepEqual(await second.runOnce(), []);
      testApp.clock.advanceMs(2);
      const taken = await second.runOnce();
      assert.deepEqual(taken.map((result) => [result.deliveryId, result.attemptNumber, result.outcome]), [[held.deliveryId, 1, 'succeeded']]);
      const late = await recordAttempt(testApp.store.db, held, { statusCode: 500, latencyMs: 1, error: 'HTTP 500', responseExcerpt: null, aborted: false }, testApp.clock.nowMs());
      assert.equal(late, 'lease_lost');
      const [delivery] = await deliveries(testApp, endpoint.id);
      assert.equal(delivery.status, 'succeeded');
      assert.deepEqual(delivery.attempts.map((attempt: any) => attempt.statusCode), [200]);
    });

    it('two workers on one database send each event once, within the per-endpoint bound', async () => {
      let inFlight = 0;
      let inFlightMax = 0;
      receiver.setResponder(async () => {
        inFlight += 1;
        inFlightMax = Math.max(inFlightMax, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return 200;
      });
      await createEndpoint(testApp, receiver.url, { events: ['user.created'] });
      const userIds = [];
      for (let index = 0; index < 60; index += 1) userIds.push(await createUser(testApp, `Doe${index}`));
      const workers = [newWorker(testApp, { fanOutBatchSize: 7 }, 'a'), newWorker(testApp, { fanOutBatchSize: 7 }, 'b')];
      for (let pass = 0; pass < 50 && receiver.received.length < 60; pass += 1) await Promise.all(workers.map((worker) => worker.runOnce()));
      assert.equal(receiver.received.length, 60);
      assert.equal(new Set(receiver.ids()).size, 60);
      assert.ok(inFlightMax <= 8, `at most 4 per endpoint per worker, saw ${inFlightMax}`);
    });

    it('live endpoints: private addresses are refused at registration and at delivery unless allowed; sandbox ones may be local', async () => {
      const refused = await testApp.request('POST', '/v1/webhooks', { key: testApp.liveKey, body: { url: receiver.url } });
      assert.equal(refused.statusCode, 422, refused.body);
      assert.equal(refused.json.error.code, 'webhook_url_not_allowed');
      const localhost = await testApp.request('POST', '/v1/webhooks', { key: testApp.liveKey, body: { url: 'http://localhost:9/hook' } });
      assert.equal(localhost.json.error.code, 'webhook_url_not_allowed');

      // A deployment that allows them (CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS) registers it; a worker that does
      // not refuses, at delivery, the address localhost resolves to, and the receiver sees nothing.
      const allowing = await startTestApp({ store: kind, config: { webhooks: { ...defaultWebhookConfig, allowPrivateNetworksInLive: true } } });
      try {
        await newWorker(allowing).dispatch();
        const port = new URL(receiver.url).port;
        const live = await createEndpoint(allowing, `http://localhost:${port}/live`, {}, allowing.liveKey);
        await createUser(allowing, 'Live', allowing.liveKey);
        const results = await newWorker(allowing, { allowPrivateNetworksInLive: false }).runOnce();
        assert.deepEqual(results.map((result) => [result.statusCode, result.outcome]), [[null, 'retrying']]);
        assert.equal(receiver.received.length, 0);
        const [attempted] = (await allowing.request('GET', `/v1/webhooks/${live.id}/deliveries`, { key: allowing.liveKey })).json.data;
        assert.match(attempted.attempts[0].error, /private or reserved address/);
        // With private networks allowed (the app's configuration), the same live endpoint is reached.
        allowing.clock.advanceMs(10_000);
        const allowed = await newWorker(allowing).runOnce();
        assert.deepEqual(allowed.map((result) => result.outcome), ['succeeded']);
        assert.equal(verifyBoth(receiver.received[0]!, live.secret).environment, 'live');
      } finally {
        await allowing.close();
      }
    });
  });
}

describe('webhook delivery: timeouts', () => {
  const testApp = useTestApp({ store: 'sqlite' });
  let receiver: WebhookReceiver;
  before(async () => {
    receiver = await startWebhookReceiver(() => 'hang');
  });
  after(async () => receiver.close());

  it('a receiver that does not answer within the timeout is a failed attempt (no status), retried later', async () => {
    await newWorker(testApp).dispatch();
    const endpoint = await createEndpoint(testApp, receiver.url);
    await createUser(testApp);
    const results = await newWorker(testApp, { requestTimeoutMs: 200 }).runOnce();
    assert.deepEqual(results.map((result) => [result.statusCode, result.outcome]), [[null, 'retrying']]);
    const [delivery] = await deliveries(testApp, endpoint.id);
    assert.match(delivery.attempts[0].error, /no complete response within 200 ms/);
    assert.equal(receiver.received.length, 1);
  });
});
