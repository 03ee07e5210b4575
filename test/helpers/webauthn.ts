// A software authenticator for tests: a P-256 key made with node:crypto that answers registration and authentication
// ceremonies as a browser would post them (WebAuthn's JSON encoding), with 'none' attestation. Each answer can be
// bent (another origin, challenge or relying party, no user verification, a chosen counter) so that tests show
// what the server refuses. `enrollPasskey` runs the hosted enrollment of cardrail with it, end to end.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { TestApp } from './app.js';

/** Authenticator data flags (WebAuthn §6.1). */
const flagBits = { userPresent: 0x01, userVerified: 0x04, backupEligible: 0x08, backedUp: 0x10, attestedCredentialData: 0x40 } as const;

/** What an answer may be made to say instead of the truth. */
export interface CeremonyOverrides {
  /** The origin written into clientDataJSON (default: the one given). */
  origin?: string;
  /** The challenge written into clientDataJSON (default: the options'). */
  challenge?: string;
  /** The relying party whose hash starts authenticatorData (default: the options'). */
  rpID?: string;
  /** Sets the UV flag (default true). */
  userVerified?: boolean;
  /** The signature counter to report (default: the authenticator's next one). */
  signCount?: number;
  /** clientDataJSON's type (default webauthn.create / webauthn.get). */
  type?: string;
}

/** Request options as `passkeyAuthenticationOptions` answers them; only these fields are read. */
export interface AssertionRequest {
  challenge: string;
  rpId?: string;
}

function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

export class SoftwareAuthenticator {
  /** The credential id, base64url (what `passkeys.credential_id` holds once enrolled). */
  readonly credentialId: string;
  private readonly credentialIdBytes: Buffer;
  private readonly privateKey: KeyObject;
  private readonly cosePublicKey: Uint8Array;
  /** The counter the last answer reported; each ceremony adds one (a synced passkey would keep 0: `{ counting: false }`). */
  signCount = 0;
  private readonly counting: boolean;
  /** The user handle the registration stored (base64url), returned with assertions as a platform authenticator does. */
  userHandle: string | undefined;

  constructor(options: { counting?: boolean } = {}) {
    this.counting = options.counting ?? true;
    this.credentialIdBytes = randomBytes(32);
    this.credentialId = this.credentialIdBytes.toString('base64url');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    // COSE_Key of an EC2 P-256 key for ES256: kty 2, alg -7, crv 1, x, y.
    this.cosePublicKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    );
  }

  private nextSignCount(overrides: CeremonyOverrides): number {
    if (overrides.signCount !== undefined) return overrides.signCount;
    if (this.counting) this.signCount += 1;
    return this.signCount;
  }

  private authenticatorData(rpID: string, flags: number, signCount: number, attested?: Buffer): Buffer {
    return Buffer.concat([sha256(rpID), Buffer.from([flags]), uint32(signCount), ...(attested === undefined ? [] : [attested])]);
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  private flags(overrides: CeremonyOverrides, extra: number): number {
    return flagBits.userPresent | (overrides.userVerified === false ? 0 : flagBits.userVerified) | extra;
  }

  /** The answer of `navigator.credentials.create` with `options` on a page of `origin`. */
  register(options: PublicKeyCredentialCreationOptionsJSON, origin: string, overrides: CeremonyOverrides = {}): RegistrationResponseJSON {
    const rpID = overrides.rpID ?? options.rp.id;
    assert.ok(rpID !== undefined, 'the registration options name the relying party');
    const credentialIdLength = Buffer.alloc(2);
    credentialIdLength.writeUInt16BE(this.credentialIdBytes.length);
    const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID: none */, credentialIdLength, this.credentialIdBytes, Buffer.from(this.cosePublicKey)]);
    const authData = this.authenticatorData(rpID, this.flags(overrides, flagBits.attestedCredentialData), overrides.signCount ?? 0, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, never>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, never>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    this.userHandle = options.user.id;
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: this.clientData(overrides.type ?? 'webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? origin).toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** The answer of `navigator.credentials.get` with `options` on a page of `origin`. */
  assert(options: AssertionRequest, origin: string, overrides: CeremonyOverrides = {}): AuthenticationResponseJSON {
    const rpID = overrides.rpID ?? options.rpId;
    assert.ok(rpID !== undefined, 'the request options name the relying party');
    const authData = this.authenticatorData(rpID, this.flags(overrides, 0), this.nextSignCount(overrides));
    const clientDataJSON = this.clientData(overrides.type ?? 'webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.privateKey);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(this.userHandle === undefined ? {} : { userHandle: this.userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}

/** The same answer with one bit of its signature flipped. */
export function withTamperedSignature(response: AuthenticationResponseJSON): AuthenticationResponseJSON {
  const signature = Buffer.from(response.response.signature, 'base64url');
  signature[signature.length - 1]! ^= 0x01;
  return { ...response, response: { ...response.response, signature: signature.toString('base64url') } };
}

export interface EnrolledPasskey {
  /** The passkey as the API presents it. */
  passkey: { id: string; userId: string; name: string | null; [field: string]: unknown };
  authenticator: SoftwareAuthenticator;
  /** The origin the ceremony ran on (as the page's base URL gives it), for assertions that should verify. */
  origin: string;
  /** The relying party id the passkey is bound to. */
  rpID: string;
  /** The enrollment page's path, token included. */
  path: string;
}

/**
 * Enrolls a passkey for an approved user the way a cardholder does, through the public API: an enrollment link
 * (`POST /v1/users/{id}/passkeys/enrollment`), then the hosted page's options and complete endpoints answered by a
 * software authenticator.
 */
export async function enrollPasskey(testApp: TestApp, userId: string, options: { name?: string; key?: string; authenticator?: SoftwareAuthenticator } = {}): Promise<EnrolledPasskey> {
  const link = await testApp.request('POST', `/v1/users/${userId}/passkeys/enrollment`, {
    body: options.name === undefined ? {} : { name: options.name },
    ...(options.key === undefined ? {} : { key: options.key }),
  });
  assert.equal(link.statusCode, 200, link.body);
  const url = new URL(link.json.enrollmentUrl as string);
  const started = await testApp.request('POST', `${url.pathname}/options`, { key: null, body: {} });
  assert.equal(started.statusCode, 200, started.body);
  const authenticator = options.authenticator ?? new SoftwareAuthenticator();
  const completed = await testApp.request('POST', `${url.pathname}/complete`, { key: null, body: authenticator.register(started.json, url.origin) });
  assert.equal(completed.statusCode, 200, completed.body);
  return { passkey: completed.json, authenticator, origin: url.origin, rpID: started.json.rp.id, path: url.pathname };
}
