// Cardholders' passkeys: the records (list, remove) and the two helpers a page that asks the cardholder for a passkey
// calls — the options of the ceremony, and the verification of its answer. A passkey is stored as what verifies it
// (credential id and COSE public key); its private key never leaves the cardholder's authenticator.
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type CredentialDeviceType,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { Environment } from '../../domain/environment.js';
import { AppError } from '../../domain/errors.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';
import { getUser } from '../users/service.js';
import { authenticationResponseSchema, ceremonyTimeoutMs } from './schemas.js';

export interface Passkey {
  id: string;
  organizationId: string;
  environment: Environment;
  userId: string;
  /** base64url, as the browser names the credential. */
  credentialId: string;
  /** base64url of the COSE public key. */
  publicKey: string;
  counter: number;
  transports: AuthenticatorTransportFuture[];
  deviceType: CredentialDeviceType;
  backedUp: boolean;
  name: string | null;
  createdAtMs: number;
  lastUsedAtMs: number | null;
}

export interface PasskeyRow {
  id: string;
  organization_id: string;
  environment: Environment;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number;
  transports: string;
  device_type: CredentialDeviceType;
  backed_up: number;
  name: string | null;
  created_at: number;
  last_used_at: number | null;
}

export function passkeyFromRow(row: PasskeyRow): Passkey {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: JSON.parse(row.transports) as AuthenticatorTransportFuture[],
    deviceType: row.device_type,
    backedUp: Number(row.backed_up) === 1,
    name: row.name,
    createdAtMs: Number(row.created_at),
    lastUsedAtMs: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

export function presentPasskey(passkey: Passkey) {
  return {
    object: 'passkey' as const,
    id: passkey.id,
    userId: passkey.userId,
    name: passkey.name,
    createdAt: new Date(passkey.createdAtMs).toISOString(),
    lastUsedAt: passkey.lastUsedAtMs === null ? null : new Date(passkey.lastUsedAtMs).toISOString(),
    deviceType: passkey.deviceType,
    backedUp: passkey.backedUp,
  };
}

/** The user's passkeys, oldest first; at most `passkeysPerUserMax` (enforced on enrollment). */
export async function passkeysOfUser(sql: Sql, scope: Scope, userId: string): Promise<Passkey[]> {
  const rows = await sql.all<PasskeyRow>('SELECT * FROM passkeys WHERE user_id = ? AND organization_id = ? AND environment = ? ORDER BY id', [
    userId,
    scope.organizationId,
    scope.environment,
  ]);
  return rows.map(passkeyFromRow);
}

/** `GET /v1/users/{id}/passkeys`: newest first; 404 for a user outside the scope. */
export async function listPasskeysOfUser(sql: Sql, scope: Scope, userId: string, query: ListQuery) {
  const user = await getUser(sql, scope, userId);
  return listPage(sql, 'passkeys', [columnEquals('user_id', user.id), inScope(scope)], query, (row: PasskeyRow) => presentPasskey(passkeyFromRow(row)));
}

/**
 * `DELETE /v1/users/{id}/passkeys/{passkeyId}`: the passkey can no longer sign anything here; its record is deleted and
 * `passkey.removed` recorded with what it was.
 */
export async function removePasskey(tx: Sql, scope: Scope, userId: string, passkeyId: string, nowMs: number): Promise<Passkey> {
  const user = await getUser(tx, scope, userId);
  const row = await tx.get<PasskeyRow>('SELECT * FROM passkeys WHERE id = ? AND user_id = ? AND organization_id = ? AND environment = ?', [
    passkeyId,
    user.id,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'passkey', id: passkeyId, param: 'passkeyId' });
  // Of two concurrent removals (PostgreSQL, READ COMMITTED) only one deletes the row and records the event.
  const deleted = await tx.run('DELETE FROM passkeys WHERE id = ?', [row.id]);
  if (deleted.changes === 0) throw new AppError('resource_not_found', { resource: 'passkey', id: passkeyId, param: 'passkeyId' });
  const passkey = passkeyFromRow(row);
  await recordEvent(tx, scope, 'passkey.removed', presentPasskey(passkey), nowMs);
  return passkey;
}

/** The relying party of a page served at `baseUrl`: passkeys are bound to its host name (the RP ID) and checked against its origin. */
export function relyingPartyOf(baseUrl: string): { rpID: string; origin: string } {
  const url = new URL(baseUrl);
  return { rpID: url.hostname, origin: url.origin };
}

/** The bytes of a base64url challenge; anything else is a programming error, not the caller's input. */
function challengeBytes(challenge: string): Buffer {
  const bytes = Buffer.from(challenge, 'base64url');
  if (bytes.length === 0 || bytes.toString('base64url') !== challenge) throw new Error('a passkey challenge given as a string must be base64url without padding');
  return bytes;
}

/**
 * The options a page passes to `navigator.credentials.get` (through `window.cardrailPasskeys.assert` of
 * `/hosted/passkeys.js`) to have the cardholder sign `challenge` with one of their passkeys: allowCredentials lists
 * the user's passkeys, user verification is required.
 *
 * The caller makes the challenge (at least 16 random bytes, or a digest of what is being approved) and keeps it: as
 * bytes, or as their base64url (what the options carry, and what `verifyPasskeyAssertion` expects back). `rpID` is
 * the host name of the page's origin (see `relyingPartyOf`).
 *
 * @throws AppError `resource_not_found` (404) for a user outside the scope; `passkey_not_enrolled` (409) when the
 *   user has no passkey — they first need a link from `POST /v1/users/{id}/passkeys/enrollment`.
 */
export async function passkeyAuthenticationOptions(
  sql: Sql,
  scope: Scope,
  userId: string,
  challenge: Uint8Array | string,
  rpID: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const user = await getUser(sql, scope, userId);
  const passkeys = await passkeysOfUser(sql, scope, user.id);
  if (passkeys.length === 0) throw new AppError('passkey_not_enrolled', { userId: user.id });
  return generateAuthenticationOptions({
    rpID,
    // The library reads a string as text to encode; here a string is the base64url the options will carry.
    challenge: new Uint8Array(typeof challenge === 'string' ? challengeBytes(challenge) : challenge),
    allowCredentials: passkeys.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
    userVerification: 'required',
    timeout: ceremonyTimeoutMs,
  });
}

/** What an assertion must have been made for. */
export interface ExpectedAssertion {
  /** base64url of the challenge given to `passkeyAuthenticationOptions`. */
  challenge: string;
  /** The origin of the page that ran the ceremony, e.g. `https://pay.example.com` (see `relyingPartyOf`). */
  origin: string;
  rpID: string;
}

export interface VerifiedAssertion {
  passkeyId: string;
  credentialId: string;
  newCounter: number;
}

function assertionInvalid(reason: string): AppError {
  return new AppError('passkey_assertion_invalid', { reason });
}

/**
 * Verifies the cardholder's answer to a ceremony started with `passkeyAuthenticationOptions`: the credential must be
 * one of this user's passkeys (another user's, or an unknown one, is refused), signed over `expected.challenge` on
 * `expected.origin` for `expected.rpID`, with user verification, and with a signature counter that moved forward when
 * the authenticator keeps one. On success the passkey's counter, backup state and last use are updated.
 *
 * Call it inside the transaction that records what the cardholder approved, so the approval and the counter commit
 * together; the passkey's row stays locked (PostgreSQL) until then, so one answer cannot be spent twice concurrently.
 * The challenge must be single use: the caller forgets it (or marks it used) in the same transaction.
 *
 * @param response The AuthenticationResponseJSON the browser produced (as `window.cardrailPasskeys.assert` posts it);
 *   anything else is refused.
 * @param nowMs Environment time, for `lastUsedAt`.
 * @throws AppError `passkey_assertion_invalid` (403) on any failure, with the reason; nothing is written then.
 */
export async function verifyPasskeyAssertion(
  tx: Sql,
  scope: Scope,
  userId: string,
  response: unknown,
  expected: ExpectedAssertion,
  nowMs: number,
): Promise<VerifiedAssertion> {
  const parsed = authenticationResponseSchema.safeParse(response);
  if (!parsed.success) throw assertionInvalid('the answer is not a WebAuthn assertion');
  const { userHandle, ...assertion } = parsed.data.response;
  const answer = { ...parsed.data, response: userHandle === null || userHandle === undefined ? assertion : { ...assertion, userHandle } } as AuthenticationResponseJSON;
  if (answer.id !== answer.rawId) throw assertionInvalid('the credential id and raw id differ');
  const row = await tx.get<PasskeyRow>(`SELECT * FROM passkeys WHERE credential_id = ? AND user_id = ? AND organization_id = ? AND environment = ?${forUpdate(tx)}`, [
    answer.id,
    userId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw assertionInvalid("this passkey is not one of the cardholder's");
  const passkey = passkeyFromRow(row);
  let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verification = await verifyAuthenticationResponse({
      response: answer,
      expectedChallenge: expected.challenge,
      expectedOrigin: expected.origin,
      expectedRPID: expected.rpID,
      credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter, transports: passkey.transports },
      requireUserVerification: true,
    });
  } catch (error) {
    throw assertionInvalid(error instanceof Error ? error.message.slice(0, 300) : 'it does not verify');
  }
  if (!verification.verified) throw assertionInvalid('the signature does not verify');
  const { newCounter, credentialBackedUp } = verification.authenticationInfo;
  await tx.run('UPDATE passkeys SET counter = ?, backed_up = ?, last_used_at = ? WHERE id = ?', [newCounter, credentialBackedUp ? 1 : 0, nowMs, passkey.id]);
  return { passkeyId: passkey.id, credentialId: passkey.credentialId, newCounter };
}
