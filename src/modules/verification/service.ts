// Identity verification (KYC): verification links, the hosted form's submission decided by the KYC provider, the
// status an integrator reads, the sandbox's way to force an outcome and the operator's decision of an application
// the provider left open. Every decision goes through applyKycDecision (and so setApplicationStatus), so its events
// are recorded with it. A link's token is derived from its id with the master key; only its SHA-256 hash is stored.
import { environmentTimeMs } from '../../domain/clock.js';
import type { Environment } from '../../domain/environment.js';
import { hashCredential } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { masterKeyDigest, type Secrets } from '../../secrets.js';
import type { UploadedFile } from '../../http/multipart.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { sandboxOffsetMs } from '../sandbox/clock.js';
import type { Scope } from '../../domain/scope.js';
import type { ApplicationStatus } from '../users/schemas.js';
import type { Principal } from '../../domain/principal.js';
import { getUser, getUserForUpdate, presentVerificationDecision, setApplicationStatus, writeUser, type User } from '../users/service.js';
import { kycProviderFor, sandboxRejectionReason, type DocumentType, type OperatorOutcome } from './provider.js';
import { parseIdentityForm, verificationLinkValidityMs, type IdentityFormErrors, type IdentityFormValues } from './schemas.js';

export interface Verification {
  id: string;
  organizationId: string;
  environment: Environment;
  userId: string;
  expiresAtMs: number;
  submittedAtMs: number | null;
  createdAtMs: number;
}

interface VerificationRow {
  id: string;
  organization_id: string;
  environment: Environment;
  user_id: string;
  token_hash: string;
  expires_at: number;
  submitted_at: number | null;
  created_at: number;
}

function fromRow(row: VerificationRow): Verification {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    userId: row.user_id,
    expiresAtMs: row.expires_at,
    submittedAtMs: row.submitted_at,
    createdAtMs: row.created_at,
  };
}

/** Statuses from which a person may (re)submit their identity: never started, or a retry after a refusal. */
const submittableStatuses: ReadonlySet<ApplicationStatus> = new Set(['notStarted', 'rejected', 'documentRequired']);

function assertVerificationCanStart(user: User): void {
  if (user.applicationStatus === 'approved') throw new AppError('user_already_approved', { userId: user.id });
  if (!submittableStatuses.has(user.applicationStatus)) throw new AppError('verification_in_progress', { userId: user.id, applicationStatus: user.applicationStatus });
}

/**
 * A link's token: base64url of HMAC-SHA256(masterKey, "verification-link:" + verification id), 32 bytes like the
 * random tokens of older links. Derived, so the status can show the URL of the link still open without the token
 * being stored anywhere (only its hash is, to find the link); the OTP tokens of 3-D Secure work the same way.
 */
export function verificationLinkToken(secrets: Pick<Secrets, 'masterKey'>, verificationId: string): string {
  return masterKeyDigest(secrets, 'verification-link', verificationId).toString('base64url');
}

export interface IssuedVerificationLink {
  verification: Verification;
  user: User;
  /** The secret part of the URL; only its hash is stored, so this is the one chance to show it. */
  token: string;
}

/**
 * A new link for a user who may submit their identity, valid for 7 days of environment time. Earlier links of the
 * user that were not used expire now, so only the newest link works.
 */
export async function issueVerificationLink(tx: Sql, scope: Scope, userId: string, secrets: Pick<Secrets, 'masterKey'>, nowMs: number): Promise<IssuedVerificationLink> {
  const user = await getUserForUpdate(tx, scope, userId);
  assertVerificationCanStart(user);
  await tx.run(
    'UPDATE verifications SET expires_at = ? WHERE organization_id = ? AND environment = ? AND user_id = ? AND submitted_at IS NULL AND expires_at > ?',
    [nowMs, scope.organizationId, scope.environment, user.id, nowMs],
  );
  const verification: Verification = {
    id: newId('ver', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    userId: user.id,
    expiresAtMs: nowMs + verificationLinkValidityMs,
    submittedAtMs: null,
    createdAtMs: nowMs,
  };
  const token = verificationLinkToken(secrets, verification.id);
  await tx.run('INSERT INTO verifications (id, organization_id, environment, user_id, token_hash, expires_at, submitted_at, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)', [
    verification.id,
    scope.organizationId,
    scope.environment,
    user.id,
    hashCredential(token),
    verification.expiresAtMs,
    nowMs,
  ]);
  return { verification, user, token };
}

export function verificationPagePath(token: string): string {
  return `/verify/${token}`;
}

export function presentVerificationLink(issued: IssuedVerificationLink, baseUrl: string) {
  return {
    object: 'verification' as const,
    id: issued.verification.id,
    userId: issued.user.id,
    verificationUrl: baseUrl + verificationPagePath(issued.token),
    applicationStatus: issued.user.applicationStatus,
    expiresAt: new Date(issued.verification.expiresAtMs).toISOString(),
  };
}

export interface VerificationStatus {
  user: User;
  latestLink: Verification | undefined;
  lastSubmittedAtMs: number | null;
  /** The token of the newest link while a person can still use it; undefined otherwise (or for links issued before tokens were derived). */
  openLinkToken: string | undefined;
}

export async function getVerificationStatus(sql: Sql, scope: Scope, userId: string, secrets: Pick<Secrets, 'masterKey'>, nowMs: number): Promise<VerificationStatus> {
  const user = await getUser(sql, scope, userId);
  const latest = await sql.get<VerificationRow>('SELECT * FROM verifications WHERE organization_id = ? AND environment = ? AND user_id = ? ORDER BY id DESC LIMIT 1', [
    scope.organizationId,
    scope.environment,
    user.id,
  ]);
  const submitted = await sql.get<{ submitted_at: number | null }>(
    'SELECT MAX(submitted_at) AS submitted_at FROM verifications WHERE organization_id = ? AND environment = ? AND user_id = ?',
    [scope.organizationId, scope.environment, user.id],
  );
  return { user, latestLink: latest === undefined ? undefined : fromRow(latest), lastSubmittedAtMs: submitted?.submitted_at ?? null, openLinkToken: openLinkToken(user, latest, secrets, nowMs) };
}

function openLinkToken(user: User, latest: VerificationRow | undefined, secrets: Pick<Secrets, 'masterKey'>, nowMs: number): string | undefined {
  if (latest === undefined || latest.submitted_at !== null || nowMs >= Number(latest.expires_at) || !submittableStatuses.has(user.applicationStatus)) return undefined;
  const token = verificationLinkToken(secrets, latest.id);
  return hashCredential(token) === latest.token_hash ? token : undefined;
}

export function presentVerificationStatus(status: VerificationStatus, baseUrl: string) {
  return {
    object: 'verification' as const,
    userId: status.user.id,
    applicationStatus: status.user.applicationStatus,
    verificationUrl: status.openLinkToken === undefined ? null : baseUrl + verificationPagePath(status.openLinkToken),
    rejectionReason: status.user.rejectionReason,
    decision: presentVerificationDecision(status.user),
    submittedAt: status.lastSubmittedAtMs === null ? null : new Date(Number(status.lastSubmittedAtMs)).toISOString(),
    expiresAt: status.latestLink === undefined ? null : new Date(status.latestLink.expiresAtMs).toISOString(),
  };
}

interface KycDecisionToApply {
  outcome: ApplicationStatus;
  /** The rejectionReason when rejected (default: the provider's generic one); an operator's reason in any case. */
  reason?: string | undefined;
  /** The API key of the operator who decided; absent for the provider and the sandbox. */
  decidedBy?: string | undefined;
}

/** One way to apply a KYC decision, whoever made it (provider, sandbox, operator): status, reason and events. */
async function applyKycDecision(tx: Sql, scope: Scope, user: User, decision: KycDecisionToApply, nowMs: number): Promise<User> {
  const rejectionReason = decision.outcome === 'rejected' ? (decision.reason ?? sandboxRejectionReason) : null;
  const operatorDecision = decision.decidedBy === undefined ? null : { decidedBy: decision.decidedBy, reason: decision.reason ?? null, decidedAtMs: nowMs };
  return setApplicationStatus(tx, scope, user, decision.outcome, rejectionReason, nowMs, operatorDecision);
}

/** Sandbox: move a user to any status as if the provider had decided, with the same events. */
export async function setSandboxVerificationOutcome(
  tx: Sql,
  scope: Scope,
  userId: string,
  outcome: ApplicationStatus,
  reason: string | undefined,
  secrets: Pick<Secrets, 'masterKey'>,
  nowMs: number,
): Promise<VerificationStatus> {
  const user = await getUserForUpdate(tx, scope, userId);
  await applyKycDecision(tx, scope, user, { outcome, reason }, nowMs);
  return getVerificationStatus(tx, scope, userId, secrets, nowMs);
}

/** The statuses the provider leaves for a person to decide (SPEC §4): only these take an operator's decision. */
const awaitingOperatorStatuses: ReadonlySet<ApplicationStatus> = new Set(['manualReview', 'documentRequired']);

/**
 * The operator decides an application the provider left in manualReview or documentRequired, in either environment,
 * with the deciding API key and the reason kept on the user and the same events as the provider's decision.
 */
export async function decideVerification(
  tx: Sql,
  scope: Scope,
  principal: Principal,
  userId: string,
  outcome: OperatorOutcome,
  reason: string | undefined,
  secrets: Pick<Secrets, 'masterKey'>,
  nowMs: number,
): Promise<VerificationStatus> {
  const user = await getUserForUpdate(tx, scope, userId);
  if (!awaitingOperatorStatuses.has(user.applicationStatus)) {
    throw new AppError('verification_not_awaiting_decision', { userId: user.id, applicationStatus: user.applicationStatus });
  }
  await applyKycDecision(tx, scope, user, { outcome, reason, decidedBy: principal.id }, nowMs);
  return getVerificationStatus(tx, scope, userId, secrets, nowMs);
}

/** The record of an uploaded document: what was sent, never the file or its name. */
export interface VerificationDocument {
  id: string;
  documentType: DocumentType;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  /** The applicationStatus the provider decided on it. */
  outcome: ApplicationStatus;
  createdAtMs: number;
}

export interface DocumentUploadInput {
  documentType: DocumentType;
  file: UploadedFile;
}

/**
 * The document an application in documentRequired waits for (LedgerOS `PUT /v1/verification/user/{id}/document`), in
 * one transaction: the application goes back to pending (user.verification_updated), the provider decides on the
 * document, its outcome is applied with its events, and a record of the upload is kept — type, size and SHA-256.
 * The file itself is not kept: the provider judged it in this call (the port is synchronous), and a copy of an
 * identity document is a liability the database need not carry. Any other status answers 409 document_not_requested.
 */
export async function submitVerificationDocument(
  tx: Sql,
  scope: Scope,
  userId: string,
  input: DocumentUploadInput,
  secrets: Pick<Secrets, 'masterKey'>,
  nowMs: number,
): Promise<{ status: VerificationStatus; document: VerificationDocument }> {
  const user = await getUserForUpdate(tx, scope, userId);
  if (user.applicationStatus !== 'documentRequired') throw new AppError('document_not_requested', { userId: user.id, applicationStatus: user.applicationStatus });
  const { file } = input;
  const pending = await setApplicationStatus(tx, scope, user, 'pending', null, nowMs);
  const decision = kycProviderFor(scope.environment).decideDocument({
    userId: user.id,
    documentType: input.documentType,
    fileName: file.fileName,
    contentType: file.contentType,
    sizeBytes: file.sizeBytes,
    sha256: file.sha256,
  });
  const decided = await applyKycDecision(tx, scope, pending, decision, nowMs);
  const document: VerificationDocument = {
    id: newId('doc', nowMs),
    documentType: input.documentType,
    contentType: file.contentType,
    sizeBytes: file.sizeBytes,
    sha256: file.sha256,
    outcome: decided.applicationStatus,
    createdAtMs: nowMs,
  };
  await tx.run(
    'INSERT INTO verification_documents (id, organization_id, environment, user_id, document_type, content_type, size_bytes, sha256, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [document.id, scope.organizationId, scope.environment, user.id, document.documentType, document.contentType, document.sizeBytes, document.sha256, document.outcome, nowMs],
  );
  return { status: await getVerificationStatus(tx, scope, user.id, secrets, nowMs), document };
}

export function presentVerificationDocument(document: VerificationDocument) {
  return {
    object: 'verification_document' as const,
    id: document.id,
    documentType: document.documentType,
    contentType: document.contentType,
    sizeBytes: document.sizeBytes,
    sha256: document.sha256,
    outcome: document.outcome,
    uploadedAt: new Date(document.createdAtMs).toISOString(),
  };
}

// The hosted page. It has no credential: the token in its URL is the capability, and the link's own
// organization and environment are the scope.

export type VerificationPageState =
  | { kind: 'notFound' }
  | { kind: 'alreadySubmitted' }
  | { kind: 'expired' }
  /** The user's application no longer accepts a submission (decided or being decided by other means). */
  | { kind: 'closed'; applicationStatus: ApplicationStatus }
  | { kind: 'open'; values: IdentityFormValues; errors: IdentityFormErrors }
  | { kind: 'decided'; applicationStatus: ApplicationStatus; rejectionReason: string | null };

interface OpenLink {
  kind: 'open';
  verification: Verification;
  user: User;
  scope: Scope;
  nowMs: number;
}

async function findOpenLink(sql: Sql, token: string, wallClockMs: number, lock: boolean): Promise<OpenLink | Exclude<VerificationPageState, { kind: 'open' | 'decided' }>> {
  const row = await sql.get<VerificationRow>(`SELECT * FROM verifications WHERE token_hash = ?${lock ? forUpdate(sql) : ''}`, [hashCredential(token)]);
  if (row === undefined) return { kind: 'notFound' };
  const verification = fromRow(row);
  if (verification.submittedAtMs !== null) return { kind: 'alreadySubmitted' };
  const scope: Scope = { organizationId: verification.organizationId, environment: verification.environment };
  const nowMs = environmentTimeMs(wallClockMs, scope.environment, await sandboxOffsetMs(sql, scope));
  if (nowMs >= verification.expiresAtMs) return { kind: 'expired' };
  const user = lock ? await getUserForUpdate(sql, scope, verification.userId) : await getUser(sql, scope, verification.userId);
  if (!submittableStatuses.has(user.applicationStatus)) return { kind: 'closed', applicationStatus: user.applicationStatus };
  return { kind: 'open', verification, user, scope, nowMs };
}

/** What `GET /verify/{token}` shows: the form, prefilled from the user, or why it cannot be used. */
export async function openVerificationPage(sql: Sql, token: string, wallClockMs: number): Promise<VerificationPageState> {
  const link = await findOpenLink(sql, token, wallClockMs, false);
  if (link.kind !== 'open') return link;
  const { user } = link;
  return {
    kind: 'open',
    values: {
      firstName: user.firstName,
      lastName: user.lastName,
      dateOfBirth: user.dateOfBirth ?? '',
      addressLine1: user.address?.line1 ?? '',
      city: user.address?.city ?? '',
      postalCode: user.address?.postalCode ?? '',
      country: user.address?.country ?? '',
    },
    errors: {},
  };
}

/**
 * `POST /verify/{token}`, in one transaction: check the form, write the identity to the user, move the application
 * to pending, let the KYC provider decide, apply its outcome and mark the link used. An invalid form changes nothing.
 */
export async function submitVerificationForm(tx: Sql, token: string, form: unknown, wallClockMs: number): Promise<VerificationPageState> {
  const link = await findOpenLink(tx, token, wallClockMs, true);
  if (link.kind !== 'open') return link;
  const { verification, user, scope, nowMs } = link;
  const parsed = parseIdentityForm(form, nowMs);
  if (!parsed.ok) return { kind: 'open', values: parsed.values, errors: parsed.errors };

  const { identity } = parsed;
  const withIdentity: User = { ...user, ...identity, updatedAtMs: nowMs };
  await writeUser(tx, withIdentity);
  const pending = await setApplicationStatus(tx, scope, withIdentity, 'pending', null, nowMs);
  const decision = kycProviderFor(scope.environment).decide({ userId: user.id, ...identity });
  const decided = await applyKycDecision(tx, scope, pending, decision, nowMs);
  await tx.run('UPDATE verifications SET submitted_at = ? WHERE id = ?', [nowMs, verification.id]);
  return { kind: 'decided', applicationStatus: decided.applicationStatus, rejectionReason: decided.rejectionReason };
}
