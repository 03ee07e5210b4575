// The SDK's verifyWebhook (src/sdk/webhooks.ts) against signatures made by the official `standardwebhooks` package
// and by cardrail's own signer, and every way a webhook can fail verification.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret, signatureHeader } from '../../../src/modules/webhooks/signing.js';
import { testSecrets } from '../../../src/secrets.js';
import { verifyWebhook, WebhookVerificationError } from '../../../src/sdk/webhooks.js';

const secret = newWebhookSecret();
const nowMs = Date.UTC(2026, 0, 5, 12, 0, 0);
const nowSeconds = nowMs / 1000;
const event = { id: 'evt_01jfake0000000000000000000', type: 'card.frozen', createdAt: '2026-01-05T12:00:00.000Z', environment: 'sandbox', data: { object: { id: 'card_x' } } };
const body = JSON.stringify(event);

function headersFor(signature: string, timestampSeconds = nowSeconds, id = event.id): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signature };
}

function rejects(run: () => unknown, code: string): void {
  assert.throws(run, (error: unknown) => error instanceof WebhookVerificationError && error.code === code);
}

describe('verifyWebhook', () => {
  it('verifies what the official standardwebhooks package signs, and cardrail signs what it verifies', () => {
    const official = new Webhook(secret).sign(event.id, new Date(nowMs), body);
    assert.equal(official, signatureHeader([secret], event.id, nowSeconds, body));
    assert.deepEqual(verifyWebhook(body, headersFor(official), secret, { nowMs }), event);
    assert.deepEqual(verifyWebhook(Buffer.from(body), headersFor(official), secret, { nowMs }), event);
  });

  it('reads headers in any letter case, as arrays, or as a fetch Headers object', () => {
    const signature = signatureHeader([secret], event.id, nowSeconds, body);
    const upper = { 'Webhook-Id': event.id, 'WEBHOOK-TIMESTAMP': String(nowSeconds), 'Webhook-Signature': [signature] };
    assert.equal(verifyWebhook(body, upper, secret, { nowMs }).id, event.id);
    assert.equal(verifyWebhook(body, new Headers(headersFor(signature)), secret, { nowMs }).id, event.id);
  });

  it('accepts any one of several signatures (rotation), and skips entries of other versions', () => {
    const other = newWebhookSecret();
    const both = signatureHeader([other, secret], event.id, nowSeconds, body);
    assert.equal(verifyWebhook(body, headersFor(both), secret, { nowMs }).id, event.id);
    assert.equal(verifyWebhook(body, headersFor(both), other, { nowMs }).id, event.id);
    const withV2 = `v2,${Buffer.alloc(32).toString('base64')} ${signatureHeader([secret], event.id, nowSeconds, body)}`;
    assert.equal(verifyWebhook(body, headersFor(withV2), secret, { nowMs }).id, event.id);
  });

  it('rejects a wrong secret, a changed body, a changed id and a changed timestamp', () => {
    const signature = signatureHeader([secret], event.id, nowSeconds, body);
    rejects(() => verifyWebhook(body, headersFor(signature), newWebhookSecret(), { nowMs }), 'no_matching_signature');
    rejects(() => verifyWebhook(JSON.stringify(event, null, 2), headersFor(signature), secret, { nowMs }), 'no_matching_signature');
    rejects(() => verifyWebhook(body.replace('card_x', 'card_y'), headersFor(signature), secret, { nowMs }), 'no_matching_signature');
    rejects(() => verifyWebhook(body, headersFor(signature, nowSeconds, 'evt_other'), secret, { nowMs }), 'no_matching_signature');
    rejects(() => verifyWebhook(body, headersFor(signature, nowSeconds - 1), secret, { nowMs }), 'no_matching_signature');
    rejects(() => verifyWebhook(body, headersFor('v1,not-base64!!'), secret, { nowMs }), 'no_matching_signature');
  });

  it('rejects timestamps beyond the tolerance either way (default 5 minutes)', () => {
    for (const [offsetSeconds, code] of [
      [-301, 'timestamp_too_old'],
      [301, 'timestamp_too_new'],
    ] as const) {
      const timestamp = nowSeconds + offsetSeconds;
      rejects(() => verifyWebhook(body, headersFor(signatureHeader([secret], event.id, timestamp, body), timestamp), secret, { nowMs }), code);
    }
    const edge = nowSeconds - 300;
    assert.equal(verifyWebhook(body, headersFor(signatureHeader([secret], event.id, edge, body), edge), secret, { nowMs }).id, event.id);
    const old = nowSeconds - 3600;
    assert.equal(verifyWebhook(body, headersFor(signatureHeader([secret], event.id, old, body), old), secret, { nowMs, toleranceSeconds: 7200 }).id, event.id);
  });

  it('rejects missing headers, a malformed timestamp or secret, and a body that is not the event of webhook-id', () => {
    const signature = signatureHeader([secret], event.id, nowSeconds, body);
    rejects(() => verifyWebhook(body, { 'webhook-id': event.id, 'webhook-timestamp': String(nowSeconds) }, secret, { nowMs }), 'missing_headers');
    rejects(() => verifyWebhook(body, headersFor(signature, 'soon' as unknown as number), secret, { nowMs }), 'invalid_timestamp');
    rejects(() => verifyWebhook(body, headersFor(signature), 'whsec_', { nowMs }), 'invalid_secret');
    rejects(() => verifyWebhook(body, headersFor(signature), 'whsec_%%%', { nowMs }), 'invalid_secret');
    const otherBody = JSON.stringify({ ...event, id: 'evt_someone_else' });
    rejects(() => verifyWebhook(otherBody, headersFor(signatureHeader([secret], event.id, nowSeconds, otherBody)), secret, { nowMs }), 'invalid_payload');
  });

  it('secrets are sealed at rest bound to their endpoint: another endpoint id or key cannot open them', () => {
    const sealed = sealWebhookSecret(testSecrets(), 'webhook_a', secret);
    assert.ok(!sealed.includes(secret.slice(6)));
    assert.equal(openWebhookSecret(testSecrets(), 'webhook_a', sealed), secret);
    assert.throws(() => openWebhookSecret(testSecrets(), 'webhook_b', sealed));
    assert.throws(() => openWebhookSecret({ masterKey: new Uint8Array(32).fill(9) }, 'webhook_a', sealed));
  });
});
