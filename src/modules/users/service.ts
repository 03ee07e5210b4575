// Users (cardholders): creation opens their ledger accounts and assigns their funding index; identity fields are
// compliance-locked while an application is pending, in review or approved.
import type { Environment } from '../../domain/environment.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { openUserAccounts } from '../../ledger/accounts.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';
import type { Address, ApplicationStatus, UpdateUserInput } from './schemas.js';

export interface User {
  id: string;
  organizationId: string;
  environment: string;
  firstName: string;
  lastName: string;
  email: string;
  dateOfBirth: string | null;
  address: Address | null;
  metadata: Record<string, string>;
  applicationStatus: ApplicationStatus;
  rejectionReason: string | null;
  /** The operator's decision that set the current applicationStatus; null when the KYC provider or the sandbox set it. */
  verificationDecision: VerificationDecision | null;
  fundingIndex: number;
  createdAtMs: number;
  updatedAtMs: number;
}

/** Who decided an application by hand, and why (`POST /v1/users/{id}/verification/decision`). */
export interface VerificationDecision {
  /** The API key that decided. */
  decidedBy: string;
  reason: string | null;
  decidedAtMs: number;
}

export interface UserRow {
  id: string;
  organization_id: string;
  environment: string;
  first_name: string;
  last_name: string;
  email: string;
  date_of_birth: string | null;
  address: string | null;
  metadata: string | null;
  application_status: ApplicationStatus;
  rejection_reason: string | null;
  verification_decided_by: string | null;
  verification_decision_reason: string | null;
  verification_decided_at: number | null;
  funding_index: number;
  created_at: number;
  updated_at: number;
}

export function userFromRow(row: UserRow): User {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    dateOfBirth: row.date_of_birth,
    address: row.address === null ? null : (JSON.parse(row.address) as Address),
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    applicationStatus: row.application_status,
    rejectionReason: row.rejection_reason,
    verificationDecision:
      row.verification_decided_by === null
        ? null
        : { decidedBy: row.verification_decided_by, reason: row.verification_decision_reason, decidedAtMs: Number(row.verification_decided_at) },
    fundingIndex: row.funding_index,
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
  };
}

export function presentUser(user: User) {
  return {
    object: 'user' as const,
    id: user.id,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    dateOfBirth: user.dateOfBirth,
    address: user.address,
    applicationStatus: user.applicationStatus,
    rejectionReason: user.rejectionReason,
    verificationDecision: presentVerificationDecision(user),
    metadata: user.metadata,
    createdAt: new Date(user.createdAtMs).toISOString(),
    updatedAt: new Date(user.updatedAtMs).toISOString(),
  };
}

/** The operator's decision as the user and verification objects show it. */
export function presentVerificationDecision(user: User) {
  const decision = user.verificationDecision;
  if (decision === null) return null;
  return {
    outcome: user.applicationStatus,
    reason: decision.reason,
    decidedBy: { kind: 'apiKey' as const, id: decision.decidedBy },
    decidedAt: new Date(decision.decidedAtMs).toISOString(),
  };
}

/** A user's place in an environment's deposit address space (the chain watcher's address book). */
export interface FundingIndexEntry {
  userId: string;
  organizationId: string;
  fundingIndex: number;
}

/**
 * Users of `environment`, every organization, in funding-index order from `fromIndex`. Indexes are handed out in
 * commit order (the counter row stays locked until the creating transaction ends), so reading on from the last one
 * seen misses no user.
 */
export async function listUsersByFundingIndex(sql: Sql, environment: Environment, fromIndex: number, limit: number): Promise<FundingIndexEntry[]> {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new RangeError(`page size must be 1 to 10000, got ${limit}`);
  const rows = await sql.all<{ id: string; organization_id: string; funding_index: number }>(
    'SELECT id, organization_id, funding_index FROM users WHERE environment = ? AND funding_index >= ? ORDER BY funding_index LIMIT ?',
    [environment, fromIndex, limit],
  );
  return rows.map((row) => ({ userId: row.id, organizationId: row.organization_id, fundingIndex: Number(row.funding_index) }));
}

export interface CreateUserInput {
  firstName: string;
  lastName: string;
  email: string;
  metadata?: Record<string, string> | undefined;
}

async function nextFundingIndex(tx: Sql, scope: Scope): Promise<number> {
  const row = await tx.get<{ next_index: number }>('UPDATE funding_index_counters SET next_index = next_index + 1 WHERE environment = ? RETURNING next_index', [scope.environment]);
  if (row === undefined) throw new Error(`no funding index counter for ${scope.environment}`);
  return row.next_index - 1;
}

export async function createUser(tx: Sql, scope: Scope, input: CreateUserInput, nowMs: number): Promise<User> {
  const user: User = {
    id: newId('user', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    firstName: input.firstName,
    lastName: input.lastName,
    email: input.email,
    dateOfBirth: null,
    address: null,
    metadata: input.metadata ?? {},
    applicationStatus: 'notStarted',
    rejectionReason: null,
    verificationDecision: null,
    fundingIndex: await nextFundingIndex(tx, scope),
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await tx.run(
    `INSERT INTO users (id, organization_id, environment, first_name, last_name, email, metadata, application_status, funding_index, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [user.id, scope.organizationId, scope.environment, user.firstName, user.lastName, user.email, JSON.stringify(user.metadata), user.applicationStatus, user.fundingIndex, nowMs, nowMs],
  );
  await openUserAccounts(tx, scope, user.id);
  await recordEvent(tx, scope, 'user.created', presentUser(user), nowMs);
  return user;
}

export async function getUser(sql: Sql, scope: Scope, userId: string): Promise<User> {
  const row = await sql.get<UserRow>('SELECT * FROM users WHERE id = ? AND organization_id = ? AND environment = ?', [userId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'user', id: userId, param: 'userId' });
  return userFromRow(row);
}

/** For writes that depend on the user's status: on PostgreSQL the row stays locked until the transaction ends. */
export async function getUserForUpdate(tx: Sql, scope: Scope, userId: string): Promise<User> {
  const row = await tx.get<UserRow>(`SELECT * FROM users WHERE id = ? AND organization_id = ? AND environment = ?${forUpdate(tx)}`, [
    userId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'user', id: userId, param: 'userId' });
  return userFromRow(row);
}

/** Agents, cards, funding and withdrawals exist only for approved users (SPEC §4). */
export async function requireApprovedUser(sql: Sql, scope: Scope, userId: string, action: string): Promise<User> {
  const user = await getUser(sql, scope, userId);
  if (user.applicationStatus !== 'approved') throw new AppError('user_not_approved', { userId, applicationStatus: user.applicationStatus, action });
  return user;
}

export async function listUsers(sql: Sql, scope: Scope, query: ListQuery) {
  return listPage(sql, 'users', [inScope(scope)], query, (row: UserRow) => presentUser(userFromRow(row)));
}

const lockedStatuses: ReadonlySet<ApplicationStatus> = new Set(['pending', 'manualReview', 'approved']);
const identityFields = ['firstName', 'lastName', 'email', 'dateOfBirth', 'address'] as const;

export async function updateUser(tx: Sql, scope: Scope, userId: string, patch: UpdateUserInput, nowMs: number): Promise<User> {
  const user = await getUserForUpdate(tx, scope, userId);
  if (lockedStatuses.has(user.applicationStatus)) {
    for (const field of identityFields) {
      if (patch[field] !== undefined && JSON.stringify(patch[field]) !== JSON.stringify(user[field])) {
        throw new AppError('compliance_locked', { param: field, applicationStatus: user.applicationStatus });
      }
    }
  }
  const updated: User = {
    ...user,
    firstName: patch.firstName ?? user.firstName,
    lastName: patch.lastName ?? user.lastName,
    email: patch.email ?? user.email,
    dateOfBirth: patch.dateOfBirth ?? user.dateOfBirth,
    address: patch.address ?? user.address,
    metadata: patch.metadata ?? user.metadata,
    updatedAtMs: nowMs,
  };
  await writeUser(tx, updated);
  await recordEvent(tx, scope, 'user.updated', presentUser(updated), nowMs);
  return updated;
}

export async function writeUser(tx: Sql, user: User): Promise<void> {
  await tx.run(
    `UPDATE users SET first_name = ?, last_name = ?, email = ?, date_of_birth = ?, address = ?, metadata = ?, application_status = ?, rejection_reason = ?,
       verification_decided_by = ?, verification_decision_reason = ?, verification_decided_at = ?, updated_at = ?
     WHERE id = ?`,
    [
      user.firstName,
      user.lastName,
      user.email,
      user.dateOfBirth,
      user.address === null ? null : JSON.stringify(user.address),
      JSON.stringify(user.metadata),
      user.applicationStatus,
      user.rejectionReason,
      user.verificationDecision?.decidedBy ?? null,
      user.verificationDecision?.reason ?? null,
      user.verificationDecision?.decidedAtMs ?? null,
      user.updatedAtMs,
      user.id,
    ],
  );
}

/**
 * Moves an application to a new status with its events: `user.verification_updated` on every change, plus
 * `user.approved` or `user.rejected` when it ends there. `decision` is the operator's who decided by hand; any other
 * change (the KYC provider, the sandbox) clears an earlier operator decision, so the user shows how its current
 * status came about.
 */
export async function setApplicationStatus(
  tx: Sql,
  scope: Scope,
  user: User,
  status: ApplicationStatus,
  rejectionReason: string | null,
  nowMs: number,
  decision: VerificationDecision | null = null,
): Promise<User> {
  if (user.applicationStatus === status && user.rejectionReason === rejectionReason && decision === null) return user;
  const updated: User = { ...user, applicationStatus: status, rejectionReason: status === 'rejected' ? rejectionReason : null, verificationDecision: decision, updatedAtMs: nowMs };
  await writeUser(tx, updated);
  const presented = presentUser(updated);
  await recordEvent(tx, scope, 'user.verification_updated', presented, nowMs);
  if (status === 'approved') await recordEvent(tx, scope, 'user.approved', presented, nowMs);
  if (status === 'rejected') await recordEvent(tx, scope, 'user.rejected', presented, nowMs);
  return updated;
}
