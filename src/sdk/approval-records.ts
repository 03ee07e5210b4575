// The SDK's check of a signed approval record (docs/approvals.md): a compact JWS, signed with the deployment's
// Ed25519 key, whose public half is at `/.well-known/jwks.json`. Verification needs that key set only, no API key and
// no call to the server, so an auditor can check a saved record years later. Runs in Node and in browsers (WebCrypto).

/** The terms of an approval decision, as the deployment signed them. */
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
  /** The note given with the decision, or `approval_expired` when nobody answered in time. */
  reason: string | null;
  decidedBy: { type: 'apiKey'; id: string } | { type: 'cardholder'; userId: string } | { type: 'timeout' };
  /** ISO 8601. */
  decidedAt: string;
  intent: { id: string; cardId: string; agentId: string; userId: string; amount: number; currency: 'USD'; merchantText: string; summary: string; expiresAt: string };
  /** The cardholder's passkey assertion (base64url fields, as the browser produced them); null for other methods. */
  webauthn: null | { credentialId: string; clientDataJSON: string; authenticatorData: string; signature: string; userHandle: string | null };
}

/** What `GET /v1/intents/{id}/approval` answers: the JWS and, beside it, the terms it signs. */
export type ApprovalRecord = { object: 'approval_record'; jws: string } & ApprovalRecordPayload;

/** One public key of the key set; only Ed25519 keys (`kty: OKP`, `crv: Ed25519`) can verify approval records. */
export interface ApprovalJwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

export interface ApprovalJwks {
  keys: ApprovalJwk[];
}

const approvalRecordAlgorithm = 'EdDSA';
const approvalRecordType = 'cardrail-approval+jws';

export type ApprovalRecordVerificationErrorCode =
  | 'malformed_record'
  | 'unsupported_header'
  | 'invalid_jwks'
  | 'unknown_key'
  | 'invalid_signature'
  | 'invalid_payload'
  | 'field_mismatch';

export class ApprovalRecordVerificationError extends Error {
  readonly code: ApprovalRecordVerificationErrorCode;
  constructor(code: ApprovalRecordVerificationErrorCode, message: string) {
    super(message);
    this.name = 'ApprovalRecordVerificationError';
    this.code = code;
  }
}

/** A real record is a few kilobytes; a compact JWS longer than this is not one. */
const jwsLengthMax = 65_536;
const ed25519SignatureBytes = 64;
const ed25519PublicKeyBytes = 32;
const base64UrlPattern = /^[A-Za-z0-9_-]*$/;

function fail(code: ApprovalRecordVerificationErrorCode, message: string): never {
  throw new ApprovalRecordVerificationError(code, message);
}

function base64UrlBytes(text: string, what: string): Uint8Array<ArrayBuffer> {
  if (!base64UrlPattern.test(text) || text.length % 4 === 1) fail('malformed_record', `the JWS ${what} is not base64url`);
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function jsonObjectOf(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    fail('malformed_record', `the JWS ${what} is not UTF-8 JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('malformed_record', `the JWS ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

interface FieldDifference {
  /** `intent.amount`, `webauthn.signature`, `note`. */
  path: string;
  /** added: not in the signed record; removed: in it, missing from the answer; changed: another value. */
  kind: 'added' | 'removed' | 'changed';
}

/**
 * Where the presented JSON value first differs from the signed one, or undefined when they are equal. Object keys are
 * compared as sets: their order carries no meaning in JSON.
 */
function firstDifference(signed: unknown, presented: unknown, path: string): FieldDifference | undefined {
  if (Array.isArray(signed) || Array.isArray(presented)) {
    if (!Array.isArray(signed) || !Array.isArray(presented) || signed.length !== presented.length) return { path, kind: 'changed' };
    for (let index = 0; index < signed.length; index += 1) {
      const difference = firstDifference(signed[index], presented[index], `${path}[${index}]`);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  if (isPlainObject(signed) || isPlainObject(presented)) {
    if (!isPlainObject(signed) || !isPlainObject(presented)) return { path, kind: 'changed' };
    const keys = new Set([...Object.keys(signed), ...Object.keys(presented)]);
    for (const key of [...keys].sort()) {
      const keyPath = path === '' ? key : `${path}.${key}`;
      if (!Object.hasOwn(signed, key)) return { path: keyPath, kind: 'added' };
      if (!Object.hasOwn(presented, key)) return { path: keyPath, kind: 'removed' };
      const difference = firstDifference(signed[key], presented[key], keyPath);
      if (difference !== undefined) return difference;
    }
    return undefined;
  }
  return Object.is(signed, presented) ? undefined : { path, kind: 'changed' };
}

const differenceWords: Record<FieldDifference['kind'], string> = {
  added: 'is not in the signed record',
  removed: 'is in the signed record but missing beside the JWS',
  changed: 'differs from the signed record',
};

interface ParsedRecord {
  jws: string;
  /** The API's answer beside the JWS (without `object` and `jws`), for the JSON form; undefined for a bare JWS. */
  presentedFields: Record<string, unknown> | undefined;
}

function parseRecordInput(record: unknown): ParsedRecord {
  if (typeof record === 'string') {
    const text = record.trim();
    // A file may hold the API's JSON answer as text; anything else is taken for a bare JWS.
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        fail('malformed_record', 'the record is neither a compact JWS nor JSON');
      }
      return parseRecordInput(parsed);
    }
    return { jws: text, presentedFields: undefined };
  }
  if (!isPlainObject(record)) fail('malformed_record', 'the record is neither a compact JWS nor an approval_record object');
  const { object, jws, ...presentedFields } = record;
  if (object !== 'approval_record') fail('field_mismatch', 'field object is not "approval_record"');
  if (typeof jws !== 'string') fail('malformed_record', 'the approval_record has no jws string');
  return { jws, presentedFields };
}

async function verificationKey(jwks: ApprovalJwks, kid: string): Promise<CryptoKey> {
  if (!isPlainObject(jwks) || !Array.isArray(jwks.keys)) fail('invalid_jwks', 'the key set is not a JWKS ({"keys": [...]})');
  const jwk = jwks.keys.find((candidate) => isPlainObject(candidate) && candidate.kid === kid);
  if (jwk === undefined) fail('unknown_key', `the key ${kid} that signed the record is not in the key set`);
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') fail('invalid_jwks', `the key ${kid} is not an Ed25519 public key (kty OKP, crv Ed25519)`);
  if (jwk.alg !== undefined && jwk.alg !== approvalRecordAlgorithm) fail('invalid_jwks', `the key ${kid} is for ${String(jwk.alg)}, not ${approvalRecordAlgorithm}`);
  if (jwk.use !== undefined && jwk.use !== 'sig') fail('invalid_jwks', `the key ${kid} is not a signing key (use ${String(jwk.use)})`);
  const publicKeyBytes = base64UrlBytes(jwk.x, 'key x');
  if (publicKeyBytes.length !== ed25519PublicKeyBytes) fail('invalid_jwks', `the key ${kid} is not ${ed25519PublicKeyBytes} bytes`);
  try {
    return await webCrypto().importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
  } catch (error) {
    // DataError: the bytes are no point on the curve. Anything else (no Ed25519 in this runtime) is not about the key.
    if (error instanceof Error && error.name === 'DataError') fail('invalid_jwks', `the key ${kid} is not a valid Ed25519 public key`);
    throw error;
  }
}

/** WebCrypto: global in Node 20 and in browsers, where only secure contexts (https, localhost) have it. */
function webCrypto(): SubtleCrypto {
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (subtle === undefined) throw new Error('verifyApprovalRecord needs WebCrypto (crypto.subtle): Node 20 or later, or a browser page served over https or from localhost');
  return subtle;
}

/**
 * Verifies an approval record offline and returns the terms it signs. `record` is the compact JWS, or the JSON answer
 * of `GET /v1/intents/{id}/approval` (as an object or as its text): then every field beside `jws` must equal the signed
 * terms, none added and none missing. `jwks` is the deployment's `/.well-known/jwks.json`. Throws an
 * ApprovalRecordVerificationError whose `code` says what failed and whose message names it.
 */
export async function verifyApprovalRecord(record: string | object, jwks: ApprovalJwks): Promise<ApprovalRecordPayload> {
  const { jws, presentedFields } = parseRecordInput(record);
  if (jws.length > jwsLengthMax) fail('malformed_record', `the JWS is longer than ${jwsLengthMax} characters`);
  const parts = jws.split('.');
  if (parts.length !== 3) fail('malformed_record', 'the JWS is not three base64url parts separated by dots');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];

  const header = jsonObjectOf(base64UrlBytes(encodedHeader, 'header'), 'header');
  if (header.alg !== approvalRecordAlgorithm) fail('unsupported_header', `the JWS header alg is ${JSON.stringify(header.alg)}, not "${approvalRecordAlgorithm}"`);
  if (header.typ !== approvalRecordType) fail('unsupported_header', `the JWS header typ is ${JSON.stringify(header.typ)}, not "${approvalRecordType}"`);
  // Extensions this verifier does not know must not be ignored (RFC 7515 §4.1.11); approval records use none.
  if (header.crit !== undefined) fail('unsupported_header', 'the JWS header has crit extensions this verifier does not support');
  if (typeof header.kid !== 'string' || header.kid === '') fail('unsupported_header', 'the JWS header has no kid');

  const signature = base64UrlBytes(encodedSignature, 'signature');
  if (signature.length !== ed25519SignatureBytes) fail('invalid_signature', `the signature is not ${ed25519SignatureBytes} bytes`);
  const payloadBytes = base64UrlBytes(encodedPayload, 'payload');
  const key = await verificationKey(jwks, header.kid);
  const signingInput = new TextEncoder().encode(`${encodedHeader}.${encodedPayload}`);
  const valid = await webCrypto().verify({ name: 'Ed25519' }, key, signature, signingInput);
  if (!valid) fail('invalid_signature', `the signature does not verify with key ${header.kid}: the JWS was altered or signed by another key`);

  const payload = jsonObjectOf(payloadBytes, 'payload');
  if (payload.iss !== 'cardrail') fail('invalid_payload', `the signed payload's iss is ${JSON.stringify(payload.iss)}, not "cardrail"`);
  if (presentedFields !== undefined) {
    const difference = firstDifference(payload, presentedFields, '');
    if (difference !== undefined) fail('field_mismatch', `field ${difference.path} ${differenceWords[difference.kind]}`);
  }
  return payload as unknown as ApprovalRecordPayload;
}
