// The SDK's webhook verification (SPEC §6, §8): checks a cardrail webhook per Standard Webhooks — HMAC-SHA256 of
// "webhook-id.webhook-timestamp.rawBody" under the base64-decoded `whsec_` secret, compared in constant time against
// each space-separated `v1,` signature, with the timestamp within a tolerance of this machine's clock — and returns
// the event. Use the raw request body: a body parsed and re-serialized by a framework no longer matches.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookVerificationErrorCode =
  | 'invalid_secret'
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  | 'invalid_payload';

export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode;
  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
  }
}

/** The envelope cardrail delivers: `webhook-id` is its `id`. */
export interface WebhookEvent<DataObject = Record<string, unknown>> {
  id: string;
  type: string;
  createdAt: string;
  /** The organization the event belongs to. */
  organizationId: string;
  environment: 'sandbox' | 'live';
  data: { object: DataObject };
}

export type WebhookHeaders = Record<string, string | string[] | undefined> | Headers;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way. Default 300 (5 minutes). */
  toleranceSeconds?: number;
  /** "Now" for the timestamp check; defaults to Date.now(). */
  nowMs?: number;
}

const secretPrefix = 'whsec_';

function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function secretKey(secret: string): Buffer {
  if (typeof secret !== 'string' || secret.length === 0) throw new WebhookVerificationError('invalid_secret', 'The webhook secret is empty');
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new WebhookVerificationError('invalid_secret', 'The webhook secret is not whsec_ followed by base64');
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new WebhookVerificationError('invalid_secret', 'The webhook secret is empty');
  return key;
}

/**
 * Verifies a webhook and returns its event, or throws a WebhookVerificationError whose `code` says why. During a
 * secret rotation either secret verifies (the header carries a signature per secret).
 */
export function verifyWebhook<DataObject = Record<string, unknown>>(
  rawBody: string | Buffer,
  headers: WebhookHeaders,
  secret: string,
  options: VerifyWebhookOptions = {},
): WebhookEvent<DataObject> {
  const key = secretKey(secret);
  const id = headerValue(headers, 'webhook-id');
  const timestamp = headerValue(headers, 'webhook-timestamp');
  const signatures = headerValue(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing_headers', 'Missing webhook-id, webhook-timestamp or webhook-signature header');

  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp is not a number of seconds');
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const nowSeconds = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const timestampSeconds = Number(timestamp);
  if (nowSeconds - timestampSeconds > toleranceSeconds) throw new WebhookVerificationError('timestamp_too_old', 'The webhook timestamp is too old (a replay, or this clock is off)');
  if (timestampSeconds - nowSeconds > toleranceSeconds) throw new WebhookVerificationError('timestamp_too_new', 'The webhook timestamp is in the future (this clock is off)');

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
  let matched = false;
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const presented = Buffer.from(entry.slice(comma + 1), 'base64');
    // Lengths differ only for malformed entries; compare equal lengths in constant time.
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) matched = true;
  }
  if (!matched) throw new WebhookVerificationError('no_matching_signature', 'No signature matches: check the secret (GET /v1/webhooks/{id}/secret) and verify the raw request body');

  let event: WebhookEvent<DataObject>;
  try {
    event = JSON.parse(body.toString('utf8')) as WebhookEvent<DataObject>;
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'The signed body is not JSON');
  }
  if (event === null || typeof event !== 'object' || event.id !== id) throw new WebhookVerificationError('invalid_payload', 'The body is not a cardrail event for this webhook-id');
  return event;
}
