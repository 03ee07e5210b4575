// Signed approval records (docs/approvals.md): every approval decision on an intent is written down as a compact JWS
// signed with the deployment's Ed25519 key, so the organization, the cardholder or an auditor can later prove who
// decided what, on which terms, with nothing but the public key set at `/.well-known/jwks.json`. The key is derived
// from the master key, never stored: every process of a deployment signs with the same key.
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { masterKeyDigest, type Secrets } from '../../secrets.js';

export interface ApprovalRecordPayload {
  iss: 'cardrail';
  /** The record id, `apr_…`. */
  jti: string;
  /** Seconds since the epoch: the decision time. */
  iat: number;
  organizationId: string;
  environment: 'sandbox' | 'live';
  decision: 'approved' | 'rejected';
  method: 'apiKey' | 'cardholder' | 'cardholderPasskey';
  /** The note given with the decision, or 'approval_expired' for a timeout. */
  reason: string | null;
  decidedBy: { type: 'apiKey'; id: string } | { type: 'cardholder'; userId: string } | { type: 'timeout' };
  /** ISO 8601. */
  decidedAt: string;
  intent: { id: string; cardId: string; agentId: string; userId: string; amount: number; currency: 'USD'; merchantText: string; summary: string; expiresAt: string };
  /** The cardholder's passkey assertion, base64url fields as the browser produced them; null for other methods. */
  webauthn: null | { credentialId: string; clientDataJSON: string; authenticatorData: string; signature: string; userHandle: string | null };
}

const approvalRecordAlgorithm = 'EdDSA';
const approvalRecordType = 'cardrail-approval+jws';
/** Where the public key set is served (src/modules/approvals/jwks-route.ts). */
export const approvalJwksPath = '/.well-known/jwks.json';

const base64Url = z.string().regex(/^[A-Za-z0-9_-]*$/);

export const approvalRecordPayloadSchema = z.strictObject({
  iss: z.literal('cardrail'),
  jti: z.string().min(1).describe('The record id (apr_…)'),
  iat: z.number().int().min(0).describe('The decision time, in seconds since the epoch'),
  organizationId: z.string().min(1),
  environment: z.enum(['sandbox', 'live']),
  decision: z.enum(['approved', 'rejected']),
  method: z.enum(['apiKey', 'cardholder', 'cardholderPasskey']).describe('How the decision was asked for: the approvalMethod of the policy'),
  reason: z.string().nullable().describe('The note given with the decision, or approval_expired when nobody answered in time'),
  decidedBy: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('apiKey'), id: z.string().min(1).describe('The API key that decided') }),
      z.strictObject({ type: z.literal('cardholder'), userId: z.string().min(1) }),
      z.strictObject({ type: z.literal('timeout') }),
    ])
    .describe('Who decided: an API key, the cardholder on the approval page, or nobody (the approval timed out)'),
  decidedAt: z.string().min(1).describe('ISO 8601; the same instant as iat'),
  intent: z
    .strictObject({
      id: z.string().min(1),
      cardId: z.string().min(1),
      agentId: z.string().min(1),
      userId: z.string().min(1),
      amount: z.number().int().min(1).describe('Cents'),
      currency: z.literal('USD'),
      merchantText: z.string(),
      summary: z.string(),
      expiresAt: z.string(),
    })
    .describe('The terms that were decided on, as the agent declared them'),
  webauthn: z
    .strictObject({
      credentialId: base64Url,
      clientDataJSON: base64Url,
      authenticatorData: base64Url,
      signature: base64Url,
      userHandle: base64Url.nullable(),
    })
    .nullable()
    .describe("The cardholder's passkey assertion (base64url, as the browser produced it) for method cardholderPasskey; null otherwise"),
});

/** The answer of `GET /v1/intents/{id}/approval`: the JWS and, beside it, the terms it signs. */
export const approvalRecordSchema = z.strictObject({
  object: z.literal('approval_record'),
  jws: z.string().describe(`The record as a compact JWS (alg ${approvalRecordAlgorithm}, typ ${approvalRecordType}), verifiable with the keys at ${approvalJwksPath}; the other fields repeat its payload`),
  ...approvalRecordPayloadSchema.shape,
});
export type ApprovalRecord = z.output<typeof approvalRecordSchema>;

interface ApprovalSigningKey {
  privateKey: KeyObject;
  kid: string;
  /** The raw public key, base64url (the JWK's `x`). */
  x: string;
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): the DER header, then the seed.
const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
const kidDigestBytes = 16;
const signingKeys = new WeakMap<Uint8Array, ApprovalSigningKey>();

function signingKeyOf(secrets: Pick<Secrets, 'masterKey'>): ApprovalSigningKey {
  const cached = signingKeys.get(secrets.masterKey);
  if (cached !== undefined) return cached;
  const seed = masterKeyDigest(secrets, 'approval-signing-key', 'ed25519');
  const privateKey = createPrivateKey({ key: Buffer.concat([ed25519Pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
  const x = createPublicKey(privateKey).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('the approval signing key has no public x');
  const kid = createHash('sha256').update(Buffer.from(x, 'base64url')).digest().subarray(0, kidDigestBytes).toString('base64url');
  const key = { privateKey, kid, x };
  signingKeys.set(secrets.masterKey, key);
  return key;
}

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * The approval record of one decision, as a compact JWS signed with the deployment's key. The payload is checked
 * against its schema first (a record with a wrong or extra field is never signed) and serialized in the schema's
 * field order.
 */
export function signApprovalRecord(secrets: Pick<Secrets, 'masterKey'>, payload: ApprovalRecordPayload): string {
  const terms = approvalRecordPayloadSchema.parse(payload);
  if (terms.iat !== Math.floor(Date.parse(terms.decidedAt) / 1000)) throw new Error(`approval record ${terms.jti}: iat ${terms.iat} is not decidedAt ${terms.decidedAt}`);
  if (!Number.isSafeInteger(terms.intent.amount)) throw new Error(`approval record ${terms.jti}: amount ${terms.intent.amount} is not a safe integer of cents`);
  const key = signingKeyOf(secrets);
  const signingInput = `${base64UrlJson({ alg: approvalRecordAlgorithm, typ: approvalRecordType, kid: key.kid })}.${base64UrlJson(terms)}`;
  const signature = sign(null, Buffer.from(signingInput, 'ascii'), key.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** The deployment's public key set, served at `/.well-known/jwks.json`: what verifies every approval record. */
export function approvalJwks(secrets: Pick<Secrets, 'masterKey'>): { keys: [{ kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' }] } {
  const key = signingKeyOf(secrets);
  return { keys: [{ kty: 'OKP', crv: 'Ed25519', x: key.x, kid: key.kid, alg: 'EdDSA', use: 'sig' }] };
}

/**
 * The API's answer for a record: the JWS and its terms beside it. `payload` must be what `jws` signs (a verifier
 * refuses any difference), so it is checked against the JWS here rather than found wrong by a customer.
 */
export function presentApprovalRecord(jws: string, payload: ApprovalRecordPayload): ApprovalRecord {
  const encodedPayload = jws.split('.')[1];
  const signed: unknown = encodedPayload === undefined ? undefined : JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'));
  if (!isDeepStrictEqual(signed, JSON.parse(JSON.stringify(payload)))) throw new Error(`approval record ${payload.jti}: the payload differs from what its JWS signs`);
  return { object: 'approval_record', jws, ...payload };
}
