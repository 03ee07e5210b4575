// Signed approval records: what the deployment signs verifies with its public key set alone (the SDK's
// verifyApprovalRecord, offline), and any edit of a saved record — a field beside the JWS, the JWS's own payload or
// header, a field added or removed — or a record signed with another deployment's key, does not. The key is derived
// from the master key: the same for the same master key, another for another; the key set is public at
// /.well-known/jwks.json.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import {
  approvalJwks,
  approvalRecordPayloadSchema,
  approvalRecordSchema,
  presentApprovalRecord,
  signApprovalRecord,
  type ApprovalRecordPayload,
} from '../../../src/modules/approvals/record.js';
import { testSecrets, type Secrets } from '../../../src/secrets.js';
import { ApprovalRecordVerificationError, verifyApprovalRecord, type ApprovalRecordPayload as SdkApprovalRecordPayload, type ApprovalRecordVerificationErrorCode } from '../../../src/sdk/index.js';
import { useTestApp } from '../../helpers/app.js';
import { approvalTerms, base64UrlJson, decodeSegment, reencoded } from './arrange.js';

// The server's terms, the SDK's and the schema's are one shape: this file does not compile otherwise.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const serverAndSdkAgree: Same<ApprovalRecordPayload, SdkApprovalRecordPayload> = true;
const serverAndSchemaAgree: Same<ApprovalRecordPayload, z.output<typeof approvalRecordPayloadSchema>> = true;
void [serverAndSdkAgree, serverAndSchemaAgree];

const secrets = testSecrets();
const otherSecrets: Secrets = { ...testSecrets(), masterKey: new Uint8Array(32).fill(8) };

/** Two decisions between them cover every kind of field: strings, numbers, nested objects, nulls. */
const decisions: Array<[string, ApprovalRecordPayload]> = [
  ['a passkey approval', approvalTerms()],
  ['an API key rejection', approvalTerms({ decision: 'rejected', method: 'apiKey', reason: null, decidedBy: { type: 'apiKey', id: 'key_01jxq4t7x8y9z0a1b2c3d4e5f6' }, webauthn: null })],
  ['a timeout', approvalTerms({ decision: 'rejected', method: 'cardholder', reason: 'approval_expired', decidedBy: { type: 'timeout' }, webauthn: null })],
];

type Json = null | string | number | boolean | Json[] | { [key: string]: Json };

/** Every leaf of a JSON value, as a path of keys. */
function leafPaths(value: Json, path: string[] = []): string[][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...path, key]));
  return [path];
}

function changedLeaf(value: Json): Json {
  if (typeof value === 'string') return `${value}x`;
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  return 'x';
}

/** A deep copy of `value` with the leaf at `path` changed. */
function withLeafChanged<T>(value: T, path: string[]): T {
  const copy = structuredClone(value) as Record<string, Json>;
  let parent = copy as Record<string, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, Json>;
  const last = path[path.length - 1]!;
  parent[last] = changedLeaf(parent[last]!);
  return copy as T;
}

async function assertRefused(record: string | object, jwks: { keys: object[] }, code: ApprovalRecordVerificationErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(verifyApprovalRecord(record, jwks as never), (error: unknown) => {
    assert.ok(error instanceof ApprovalRecordVerificationError, `expected an ApprovalRecordVerificationError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

describe('signed approval records', () => {
  const jwks = approvalJwks(secrets);

  for (const [name, terms] of decisions) {
    describe(name, () => {
      const jws = signApprovalRecord(secrets, terms);
      const answer = presentApprovalRecord(jws, terms);

      it('verifies with the key set alone, as the JWS, as the API answer, and as the answer’s JSON text', async () => {
        assert.deepEqual(await verifyApprovalRecord(jws, jwks), terms);
        assert.deepEqual(await verifyApprovalRecord(answer, jwks), terms);
        assert.deepEqual(await verifyApprovalRecord(JSON.stringify(answer, null, 2), jwks), terms);
        // Key order carries no meaning in JSON.
        const reordered = Object.fromEntries(Object.entries(answer).reverse());
        assert.deepEqual(await verifyApprovalRecord(reordered, jwks), terms);
      });

      it('is a compact JWS with alg EdDSA, typ cardrail-approval+jws and the key set’s kid, over the terms', () => {
        const [header, payload, signature] = jws.split('.') as [string, string, string];
        assert.match(jws, /^[\w-]+\.[\w-]+\.[\w-]+$/);
        assert.deepEqual(decodeSegment(header), { alg: 'EdDSA', typ: 'cardrail-approval+jws', kid: jwks.keys[0].kid });
        assert.deepEqual(decodeSegment(payload), terms);
        assert.equal(Buffer.from(signature, 'base64url').length, 64);
      });

      it('refuses the API answer when any field beside the JWS is changed', async () => {
        const paths = leafPaths(answer as unknown as Json).filter((path) => path[0] !== 'jws');
        const names = paths.map((path) => path.join('.'));
        for (const expected of ['object', 'iss', 'jti', 'iat', 'decidedBy.type', 'intent.amount', 'intent.expiresAt', 'intent.currency']) assert.ok(names.includes(expected), expected);
        if (terms.webauthn !== null) for (const field of ['credentialId', 'clientDataJSON', 'authenticatorData', 'signature', 'userHandle']) assert.ok(names.includes(`webauthn.${field}`));
        assert.ok(paths.length >= 20, names.join(' '));
        for (const path of paths) {
          const tampered = withLeafChanged(answer, path);
          const field = path.join('.');
          if (field === 'object') await assertRefused(tampered, jwks, 'field_mismatch', /field object is not "approval_record"/);
          else await assertRefused(tampered, jwks, 'field_mismatch', new RegExp(`^field ${field.replace(/\./g, '\\.')} differs from the signed record$`));
        }
      });

      it('refuses the API answer with a field added or removed, at the top or inside intent', async () => {
        await assertRefused({ ...answer, approvedAmount: 99_999 }, jwks, 'field_mismatch', /^field approvedAmount is not in the signed record$/);
        await assertRefused({ ...answer, intent: { ...answer.intent, amountMax: 99_999 } }, jwks, 'field_mismatch', /^field intent\.amountMax is not in the signed record$/);
        const { reason: _reason, ...withoutReason } = answer;
        await assertRefused(withoutReason, jwks, 'field_mismatch', /^field reason is in the signed record but missing beside the JWS$/);
        const { merchantText: _merchantText, ...intentWithoutMerchant } = answer.intent;
        await assertRefused({ ...answer, intent: intentWithoutMerchant }, jwks, 'field_mismatch', /^field intent\.merchantText is in the signed record but missing/);
        const { object: _object, ...withoutObject } = answer;
        await assertRefused(withoutObject, jwks, 'field_mismatch', /field object/);
      });

      it('refuses a JWS whose payload was edited and re-encoded without signing it again, bare or inside the answer', async () => {
        const paths = leafPaths(terms as unknown as Json);
        assert.ok(paths.some((path) => path.join('.') === 'intent.merchantText'));
        for (const path of paths) {
          const tamperedTerms = withLeafChanged(terms, path);
          const tamperedJws = reencoded(jws, 'payload', () => tamperedTerms as unknown as Record<string, unknown>);
          await assertRefused(tamperedJws, jwks, 'invalid_signature', /signature does not verify/);
          // The forger also edits the fields beside the JWS to agree with it.
          await assertRefused({ ...tamperedTerms, object: 'approval_record', jws: tamperedJws }, jwks, 'invalid_signature', /signature does not verify/);
        }
        await assertRefused(reencoded(jws, 'payload', (payload) => ({ ...payload, note: 'added' })), jwks, 'invalid_signature', /signature does not verify/);
      });
    });
  }

  describe('the header, the key and the format', () => {
    const terms = approvalTerms();
    const jws = signApprovalRecord(secrets, terms);
    const jwks = approvalJwks(secrets);
    const kid = jwks.keys[0].kid;

    it('refuses another alg or typ, a crit extension or no kid', async () => {
      await assertRefused(reencoded(jws, 'header', (header) => ({ ...header, alg: 'none' })), jwks, 'unsupported_header', /alg is "none", not "EdDSA"/);
      await assertRefused(reencoded(jws, 'header', (header) => ({ ...header, alg: 'HS256' })), jwks, 'unsupported_header', /alg is "HS256"/);
      await assertRefused(reencoded(jws, 'header', (header) => ({ ...header, typ: 'JWT' })), jwks, 'unsupported_header', /typ is "JWT", not "cardrail-approval\+jws"/);
      await assertRefused(reencoded(jws, 'header', (header) => ({ ...header, crit: ['b64'], b64: false })), jwks, 'unsupported_header', /crit/);
      await assertRefused(reencoded(jws, 'header', ({ kid: _kid, ...header }) => header), jwks, 'unsupported_header', /no kid/);
      // The header is signed too: one the verifier accepts but that differs from what was signed still fails.
      await assertRefused(reencoded(jws, 'header', (header) => ({ typ: header.typ, alg: header.alg, kid: header.kid })), jwks, 'invalid_signature', /does not verify/);
      // The classic downgrade: alg none and no signature.
      const [, payload] = jws.split('.') as [string, string];
      await assertRefused(`${base64UrlJson({ alg: 'none', typ: 'cardrail-approval+jws', kid })}.${payload}.`, jwks, 'unsupported_header', /alg is "none"/);
    });

    it('refuses a record signed with another master key, and a key set without the record’s kid', async () => {
      const otherJwks = approvalJwks(otherSecrets);
      const forged = signApprovalRecord(otherSecrets, terms);
      await assertRefused(forged, jwks, 'unknown_key', new RegExp(`key ${otherJwks.keys[0].kid} that signed the record is not in the key set`));
      await assertRefused(presentApprovalRecord(forged, terms), jwks, 'unknown_key', /not in the key set/);
      // Even when the forger claims the deployment's kid, the signature is checked against the deployment's key.
      await assertRefused(reencoded(forged, 'header', (header) => ({ ...header, kid })), jwks, 'invalid_signature', /does not verify/);
      // A key set holding another key under the record's kid does not verify it either.
      await assertRefused(jws, { keys: [{ ...otherJwks.keys[0], kid }] }, 'invalid_signature', /does not verify/);
      await assertRefused(jws, { keys: [{ ...jwks.keys[0], kid: 'another' }] }, 'unknown_key', /not in the key set/);
      await assertRefused(jws, { keys: [] }, 'unknown_key', /not in the key set/);
    });

    it('refuses a key set that is not one, or whose key is not Ed25519', async () => {
      await assertRefused(jws, {} as never, 'invalid_jwks', /not a JWKS/);
      await assertRefused(jws, { keys: [{ ...jwks.keys[0], crv: 'X25519' }] }, 'invalid_jwks', /not an Ed25519 public key/);
      await assertRefused(jws, { keys: [{ ...jwks.keys[0], alg: 'ES256' }] }, 'invalid_jwks', /ES256/);
      await assertRefused(jws, { keys: [{ ...jwks.keys[0], x: 'AAAA' }] }, 'invalid_jwks', /not 32 bytes/);
    });

    it('refuses what is not a compact JWS or an approval_record', async () => {
      const [header, payload, signature] = jws.split('.') as [string, string, string];
      await assertRefused('', jwks, 'malformed_record', /three base64url parts/);
      await assertRefused(`${header}.${payload}`, jwks, 'malformed_record', /three base64url parts/);
      await assertRefused(`${jws}.${signature}`, jwks, 'malformed_record', /three base64url parts/);
      await assertRefused(`${header}.${payload}.${signature.slice(0, 40)}+/`, jwks, 'malformed_record', /signature is not base64url/);
      await assertRefused(`${header}.${payload}.${signature.slice(0, 40)}`, jwks, 'invalid_signature', /not 64 bytes/);
      await assertRefused(`e30.${payload}.${signature}`, jwks, 'unsupported_header', /alg/);
      await assertRefused(`bm90IGpzb24.${payload}.${signature}`, jwks, 'malformed_record', /header is not UTF-8 JSON/);
      await assertRefused(`${header}.bm90IGpzb24.${signature}`, jwks, 'invalid_signature', /does not verify/);
      await assertRefused('{"object": "approval_record"', jwks, 'malformed_record', /neither a compact JWS nor JSON/);
      await assertRefused({ object: 'approval_record' }, jwks, 'malformed_record', /no jws/);
      await assertRefused([jws], jwks, 'malformed_record', /neither/);
    });
  });

  describe('the signing key', () => {
    it('is derived from the master key: the same for the same master key, another for another', () => {
      const jwks = approvalJwks(secrets);
      assert.deepEqual(approvalJwks(testSecrets()), jwks);
      const [key] = jwks.keys;
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      assert.equal(key.kty, 'OKP');
      assert.equal(key.crv, 'Ed25519');
      assert.equal(key.alg, 'EdDSA');
      assert.equal(key.use, 'sig');
      assert.equal(Buffer.from(key.x, 'base64url').length, 32);
      assert.equal(key.kid, createHash('sha256').update(Buffer.from(key.x, 'base64url')).digest().subarray(0, 16).toString('base64url'));
      const other = approvalJwks(otherSecrets).keys[0];
      assert.notEqual(other.x, key.x);
      assert.notEqual(other.kid, key.kid);
    });

    it('signs the same terms the same way (Ed25519 is deterministic), in the schema’s field order', () => {
      const terms = approvalTerms();
      const shuffled = Object.fromEntries(Object.entries(terms).reverse()) as unknown as ApprovalRecordPayload;
      assert.equal(signApprovalRecord(testSecrets(), shuffled), signApprovalRecord(secrets, terms));
      assert.deepEqual(Object.keys(decodeSegment(signApprovalRecord(secrets, shuffled).split('.')[1]!)), Object.keys(approvalRecordPayloadSchema.shape));
    });

    it('never signs terms outside the schema, or whose iat is not decidedAt', () => {
      assert.throws(() => signApprovalRecord(secrets, { ...approvalTerms(), note: 'extra' } as ApprovalRecordPayload));
      assert.throws(() => signApprovalRecord(secrets, approvalTerms({ intent: { ...approvalTerms().intent, amount: 12.5 } })));
      assert.throws(() => signApprovalRecord(secrets, approvalTerms({ iat: approvalTerms().iat + 1 })), /iat/);
    });
  });

  describe('the API answer', () => {
    it('is the JWS and its terms, matching the strict response schema', () => {
      const terms = approvalTerms();
      const jws = signApprovalRecord(secrets, terms);
      const answer = presentApprovalRecord(jws, terms);
      assert.deepEqual(answer, { object: 'approval_record', jws, ...terms });
      assert.deepEqual(approvalRecordSchema.parse(answer), answer);
      assert.equal(approvalRecordSchema.safeParse({ ...answer, extra: 1 }).success, false);
      assert.equal(approvalRecordSchema.safeParse({ ...answer, intent: { ...answer.intent, extra: 1 } }).success, false);
    });

    it('refuses to present terms that differ from what the JWS signs', () => {
      const terms = approvalTerms();
      const jws = signApprovalRecord(secrets, terms);
      assert.throws(() => presentApprovalRecord(jws, approvalTerms({ decision: 'rejected' })), /differs from what its JWS signs/);
    });
  });
});

describe('GET /.well-known/jwks.json', () => {
  const testApp = useTestApp();

  it('answers the public key set without an API key, cacheable for 5 minutes, and it verifies the deployment’s records', async () => {
    const response = await testApp.request('GET', '/.well-known/jwks.json', { key: null });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['cache-control'], 'public, max-age=300');
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.deepEqual(response.json, approvalJwks(testSecrets()));
    // Public keys only: nothing that could sign.
    assert.deepEqual(Object.keys(response.json.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    const terms = approvalTerms({ organizationId: testApp.organizationId });
    assert.deepEqual(await verifyApprovalRecord(presentApprovalRecord(signApprovalRecord(testApp.app.context.secrets, terms), terms), response.json), terms);
  });

  it('answers the same with any credential, even a wrong one', async () => {
    const response = await testApp.request('GET', '/.well-known/jwks.json', { key: 'lk_dev_not_a_key' });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json, approvalJwks(testSecrets()));
  });
});
