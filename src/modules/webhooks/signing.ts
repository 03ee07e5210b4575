// Webhook secrets and Standard Webhooks signatures: a secret is `whsec_` + base64 of 32 random bytes; at rest it is
// sealed with AES-256-GCM under a key derived from the master key (bound to its endpoint id), because
// `GET /v1/webhooks/{id}/secret` must show it again. A signature is `v1,` + base64 HMAC-SHA256 of
// "id.timestamp.body" under the base64-decoded secret.
import crypto from 'node:crypto';
import { openSealedValue, sealValue } from '../../sealing.js';
import type { Secrets } from '../../secrets.js';

export const webhookSecretPrefix = 'whsec_';
const secretBytes = 32;

export function newWebhookSecret(): string {
  return webhookSecretPrefix + crypto.randomBytes(secretBytes).toString('base64');
}

/** The key that seals webhook secrets: derived from the master key, so a card-number key is never reused as is. */
function sealingKey(secrets: Pick<Secrets, 'masterKey'>): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secrets.masterKey), Buffer.alloc(0), 'cardrail webhook secrets v1', 32));
}

/** Sealed (src/sealing.ts) under the webhook-secret key and bound to its endpoint: another endpoint's id will not open it. */
export function sealWebhookSecret(secrets: Pick<Secrets, 'masterKey'>, endpointId: string, secret: string): string {
  return sealValue(sealingKey(secrets), secret, { associatedData: endpointId });
}

/** Throws (without detail) when the stored value is malformed, altered, of another endpoint or under another key. */
export function openWebhookSecret(secrets: Pick<Secrets, 'masterKey'>, endpointId: string, sealed: string): string {
  return openSealedValue(sealingKey(secrets), sealed, 'webhook secret', { associatedData: endpointId });
}

/** The HMAC key of a `whsec_…` secret: its base64 part, decoded. */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(webhookSecretPrefix) ? secret.slice(webhookSecretPrefix.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>` for one secret. */
export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const digest = crypto.createHmac('sha256', webhookSecretKey(secret)).update(`${messageId}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${digest}`;
}

/** The `webhook-signature` header: one `v1,…` entry per secret in force (two during a rotation), space-separated. */
export function signatureHeader(secretsInForce: readonly string[], messageId: string, timestampSeconds: number, body: string): string {
  return secretsInForce.map((secret) => signWebhook(secret, messageId, timestampSeconds, body)).join(' ');
}

/**
 * The headers of a signed webhook request: Standard Webhooks' `webhook-id`, `webhook-timestamp` and
 * `webhook-signature`, and the same under the names LedgerOS's setup page verifies (Svix's, which Standard Webhooks
 * renamed). The delivery worker and `cardrail listen --forward-to` both send these.
 */
export function signedWebhookHeaders(secretsInForce: readonly string[], messageId: string, timestampSeconds: number, body: string): Record<string, string> {
  const signature = signatureHeader(secretsInForce, messageId, timestampSeconds, body);
  return {
    'content-type': 'application/json',
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signature,
    'svix-id': messageId,
    'svix-timestamp': String(timestampSeconds),
    'svix-signature': signature,
  };
}
