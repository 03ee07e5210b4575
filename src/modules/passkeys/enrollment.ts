// Passkey enrollment: links an operator sends to an approved cardholder, and the registration ceremony of the hosted
// page `/enroll/{token}`. A link's token is 32 random bytes (`pke_…`), shown once; only its SHA-256 hash is stored.
// A link lives 24 hours of environment time, creates one passkey, and stops working when a newer one is created.
import { randomBytes } from 'node:crypto';
import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { environmentTimeMs } from '../../domain/clock.js';
import type { Environment } from '../../domain/environment.js';
import { hashCredential, secretRandomBytes } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { forUpdate, type Database, type Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { sandboxOffsetMs } from '../sandbox/clock.js';
import type { Scope } from '../../domain/scope.js';
import { getUser, getUserForUpdate, type User } from '../users/service.js';
import { ceremonyTimeoutMs, enrollmentLinkValidityMs, passkeysPerUserMax, registrationResponseSchema } from './schemas.js';
import { passkeysOfUser, presentPasskey, relyingPartyOf, type Passkey } from './service.js';

export const enrollmentTokenPrefix = 'pke_';

export interface PasskeyEnrollment {
  id: string;
  organizationId: string;
  environment: Environment;
  userId: string;
  passkeyName: string | null;
  /** base64url; set when the page asked for the ceremony's options. */
  challenge: string | null;
  expiresAtMs: number;
  usedAtMs: number | null;
  passkeyId: string | null;
  createdAtMs: number;
}

interface PasskeyEnrollmentRow {
  id: string;
  organization_id: string;
  environment: Environment;
  user_id: string;
  token_hash: string;
  passkey_name: string | null;
  challenge: string | null;
  expires_at: number;
  used_at: number | null;
  passkey_id: string | null;
  created_at: number;
}

function enrollmentFromRow(row: PasskeyEnrollmentRow): PasskeyEnrollment {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    userId: row.user_id,
    passkeyName: row.passkey_name,
    challenge: row.challenge,
    expiresAtMs: Number(row.expires_at),
    usedAtMs: row.used_at === null ? null : Number(row.used_at),
    passkeyId: row.passkey_id,
    createdAtMs: Number(row.created_at),
  };
}

/** Passkeys are for approved cardholders only, as agents and cards are (SPEC §4). */
function notApproved(user: User): AppError {
  return new AppError('user_not_approved', { userId: user.id, applicationStatus: user.applicationStatus, action: 'enroll passkeys' });
}

function assertRoomForPasskey(user: User, passkeys: readonly Passkey[]): void {
  if (passkeys.length >= passkeysPerUserMax) throw new AppError('passkey_limit_reached', { userId: user.id, limit: passkeysPerUserMax });
}

export interface IssuedEnrollmentLink {
  enrollment: PasskeyEnrollment;
  /** The secret part of the URL; only its hash is stored, so this is the one chance to show it. */
  token: string;
}

/**
 * `POST /v1/users/{id}/passkeys/enrollment`: a link for an approved user with room for another passkey. Earlier
 * unused links of the user expire now, so only the newest one can add a passkey.
 */
export async function issueEnrollmentLink(tx: Sql, scope: Scope, userId: string, input: { name?: string | undefined }, nowMs: number): Promise<IssuedEnrollmentLink> {
  // The user's row stays locked (PostgreSQL) until the link is stored: of two links made at once, the later one
  // still sees and expires the earlier.
  const user = await getUserForUpdate(tx, scope, userId);
  if (user.applicationStatus !== 'approved') throw notApproved(user);
  assertRoomForPasskey(user, await passkeysOfUser(tx, scope, user.id));
  await tx.run('UPDATE passkey_enrollments SET expires_at = ? WHERE user_id = ? AND organization_id = ? AND environment = ? AND used_at IS NULL AND expires_at > ?', [
    nowMs,
    user.id,
    scope.organizationId,
    scope.environment,
    nowMs,
  ]);
  const token = enrollmentTokenPrefix + randomBytes(secretRandomBytes).toString('base64url');
  const enrollment: PasskeyEnrollment = {
    id: newId('pkenr', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    userId: user.id,
    passkeyName: input.name ?? null,
    challenge: null,
    expiresAtMs: nowMs + enrollmentLinkValidityMs,
    usedAtMs: null,
    passkeyId: null,
    createdAtMs: nowMs,
  };
  await tx.run(
    `INSERT INTO passkey_enrollments (id, organization_id, environment, user_id, token_hash, passkey_name, challenge, expires_at, used_at, passkey_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, ?)`,
    [enrollment.id, scope.organizationId, scope.environment, user.id, hashCredential(token), enrollment.passkeyName, enrollment.expiresAtMs, nowMs],
  );
  return { enrollment, token };
}

export function enrollmentPagePath(token: string): string {
  return `/enroll/${token}`;
}

export function presentEnrollmentLink(issued: IssuedEnrollmentLink, baseUrl: string) {
  return {
    object: 'passkey_enrollment' as const,
    id: issued.enrollment.id,
    userId: issued.enrollment.userId,
    name: issued.enrollment.passkeyName,
    enrollmentUrl: baseUrl + enrollmentPagePath(issued.token),
    expiresAt: new Date(issued.enrollment.expiresAtMs).toISOString(),
  };
}

// The hosted page. It has no credential: the token in its URL is the capability, and the link's own organization
// and environment are the scope.

export type EnrollmentLinkState =
  | { kind: 'notFound' }
  | { kind: 'expired'; expiresAtMs: number }
  | { kind: 'used'; usedAtMs: number }
  /** The user's verification was withdrawn since the link was made: only approved users enroll passkeys. */
  | { kind: 'userNotApproved'; user: User }
  | { kind: 'open'; enrollment: PasskeyEnrollment; user: User; scope: Scope; nowMs: number };

/** The link a token names and whether it can be used now; `lock` keeps its row locked (PostgreSQL) until the transaction ends. */
export async function findEnrollmentLink(sql: Sql, token: string, wallClockMs: number, lock: boolean): Promise<EnrollmentLinkState> {
  const row = await sql.get<PasskeyEnrollmentRow>(`SELECT * FROM passkey_enrollments WHERE token_hash = ?${lock ? forUpdate(sql) : ''}`, [hashCredential(token)]);
  if (row === undefined) return { kind: 'notFound' };
  const enrollment = enrollmentFromRow(row);
  if (enrollment.usedAtMs !== null) return { kind: 'used', usedAtMs: enrollment.usedAtMs };
  const scope: Scope = { organizationId: enrollment.organizationId, environment: enrollment.environment };
  const nowMs = environmentTimeMs(wallClockMs, scope.environment, await sandboxOffsetMs(sql, scope));
  if (nowMs >= enrollment.expiresAtMs) return { kind: 'expired', expiresAtMs: enrollment.expiresAtMs };
  const user = await getUser(sql, scope, enrollment.userId);
  if (user.applicationStatus !== 'approved') return { kind: 'userNotApproved', user };
  return { kind: 'open', enrollment, user, scope, nowMs };
}

/** The JSON endpoints' answer for a link that cannot be used (the page renders the same states as HTML). */
function unusableLinkError(state: Exclude<EnrollmentLinkState, { kind: 'open' }>): AppError {
  switch (state.kind) {
    case 'notFound':
      return new AppError('passkey_enrollment_not_found');
    case 'expired':
      return new AppError('passkey_enrollment_expired', { expiredAt: new Date(state.expiresAtMs).toISOString() });
    case 'used':
      return new AppError('passkey_enrollment_used', { usedAt: new Date(state.usedAtMs).toISOString() });
    case 'userNotApproved':
      return notApproved(state.user);
  }
}

async function openLinkOrThrow(sql: Sql, token: string, wallClockMs: number, lock: boolean): Promise<Extract<EnrollmentLinkState, { kind: 'open' }>> {
  const state = await findEnrollmentLink(sql, token, wallClockMs, lock);
  if (state.kind !== 'open') throw unusableLinkError(state);
  return state;
}

/**
 * `POST /enroll/{token}/options`, in one transaction: the options for `navigator.credentials.create` — the relying
 * party is the page's host, the user handle the bytes of the user id, user verification required, the user's
 * passkeys excluded — and the link keeps their challenge (each call replaces it).
 */
export async function startEnrollmentCeremony(tx: Sql, token: string, baseUrl: string, wallClockMs: number): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { enrollment, user, scope } = await openLinkOrThrow(tx, token, wallClockMs, true);
  const passkeys = await passkeysOfUser(tx, scope, user.id);
  assertRoomForPasskey(user, passkeys);
  const options = await generateRegistrationOptions({
    rpName: 'cardrail',
    rpID: relyingPartyOf(baseUrl).rpID,
    userName: user.email,
    userDisplayName: `${user.firstName} ${user.lastName}`,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    excludeCredentials: passkeys.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
    timeout: ceremonyTimeoutMs,
  });
  await tx.run('UPDATE passkey_enrollments SET challenge = ? WHERE id = ?', [options.challenge, enrollment.id]);
  return options;
}

const knownTransports: ReadonlySet<string> = new Set<AuthenticatorTransportFuture>(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);

function registrationInvalid(reason: string): AppError {
  return new AppError('passkey_registration_invalid', { reason });
}

/**
 * `POST /enroll/{token}/complete`: verifies the new credential against the link's challenge, the page's origin and
 * relying party, with user verification; then, in one transaction that checks the link again (still open, same
 * challenge), stores the passkey, marks the link used and records `passkey.enrolled`. A credential that does not
 * verify changes nothing and leaves the link usable.
 */
export async function completeEnrollmentCeremony(db: Database, token: string, body: unknown, baseUrl: string, wallClockMs: number) {
  const parsed = registrationResponseSchema.safeParse(body);
  const opened = await openLinkOrThrow(db, token, wallClockMs, false);
  if (!parsed.success) throw registrationInvalid('the answer is not a WebAuthn credential');
  const challenge = opened.enrollment.challenge;
  if (challenge === null) throw registrationInvalid('the ceremony was not started: ask for its options first');
  const { rpID, origin } = relyingPartyOf(baseUrl);
  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verification = await verifyRegistrationResponse({
      response: parsed.data as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
    });
  } catch (error) {
    throw registrationInvalid(error instanceof Error ? error.message.slice(0, 300) : 'it does not verify');
  }
  if (!verification.verified) throw registrationInvalid('its attestation does not verify');
  const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;

  return db.transaction(async (tx) => {
    const { enrollment, user, scope, nowMs } = await openLinkOrThrow(tx, token, wallClockMs, true);
    if (enrollment.challenge !== challenge) throw registrationInvalid('the ceremony was restarted meanwhile: try again');
    assertRoomForPasskey(user, await passkeysOfUser(tx, scope, user.id));
    const existing = await tx.get<{ id: string }>('SELECT id FROM passkeys WHERE credential_id = ?', [credential.id]);
    if (existing !== undefined) throw registrationInvalid('this passkey is already enrolled');
    const transports = (parsed.data.response.transports ?? []).filter((transport): transport is AuthenticatorTransportFuture => knownTransports.has(transport));
    const passkey: Passkey = {
      id: newId('pk', nowMs),
      organizationId: scope.organizationId,
      environment: scope.environment,
      userId: user.id,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: [...new Set(transports)],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
      name: enrollment.passkeyName,
      createdAtMs: nowMs,
      lastUsedAtMs: null,
    };
    await tx.run(
      `INSERT INTO passkeys (id, organization_id, environment, user_id, credential_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      [
        passkey.id,
        scope.organizationId,
        scope.environment,
        user.id,
        passkey.credentialId,
        passkey.publicKey,
        passkey.counter,
        JSON.stringify(passkey.transports),
        passkey.deviceType,
        passkey.backedUp ? 1 : 0,
        passkey.name,
        nowMs,
      ],
    );
    await tx.run('UPDATE passkey_enrollments SET used_at = ?, passkey_id = ? WHERE id = ?', [nowMs, passkey.id, enrollment.id]);
    const presented = presentPasskey(passkey);
    await recordEvent(tx, scope, 'passkey.enrolled', presented, nowMs);
    return presented;
  });
}
