// Filler keys (SPEC §4 "Credential exposure"): the credential of a trusted filler — the browser extension or
// `cardrail fill` — that redeems details tokens and may do nothing else. Created, listed and revoked by API keys,
// shown once, stored as a SHA-256 hash, like API keys. This module owns the filler_keys table.
import type { Environment } from '../../domain/environment.js';
import { credentialPrefix, generateCredential, hashCredential } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';

export interface FillerKey {
  id: string;
  organizationId: string;
  environment: Environment;
  name: string;
  keyPrefix: string;
  last4: string;
  createdAtMs: number;
  lastUsedAtMs: number | null;
  revokedAtMs: number | null;
}

interface FillerKeyRow {
  id: string;
  organization_id: string;
  environment: Environment;
  name: string;
  key_prefix: string;
  last4: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function fromRow(row: FillerKeyRow): FillerKey {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    name: row.name,
    keyPrefix: row.key_prefix,
    last4: row.last4,
    createdAtMs: Number(row.created_at),
    lastUsedAtMs: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAtMs: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function presentFillerKey(key: FillerKey) {
  return {
    object: 'filler_key' as const,
    id: key.id,
    name: key.name,
    keyPrefix: key.keyPrefix,
    last4: key.last4,
    isActive: key.revokedAtMs === null,
    createdAt: new Date(key.createdAtMs).toISOString(),
    lastUsedAt: iso(key.lastUsedAtMs),
    revokedAt: iso(key.revokedAtMs),
  };
}

/** Returns the record and the secret; the secret exists nowhere else after this call. */
export async function createFillerKey(tx: Sql, scope: Scope, name: string, nowMs: number): Promise<{ fillerKey: FillerKey; secret: string }> {
  const secret = generateCredential('fillerKey', scope.environment);
  const fillerKey: FillerKey = {
    id: newId('fkey', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    name,
    keyPrefix: credentialPrefix('fillerKey', scope.environment),
    last4: secret.slice(-4),
    createdAtMs: nowMs,
    lastUsedAtMs: null,
    revokedAtMs: null,
  };
  await tx.run('INSERT INTO filler_keys (id, organization_id, environment, name, key_hash, key_prefix, last4, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    fillerKey.id,
    scope.organizationId,
    scope.environment,
    name,
    hashCredential(secret),
    fillerKey.keyPrefix,
    fillerKey.last4,
    nowMs,
  ]);
  await recordEvent(tx, scope, 'filler_key.created', presentFillerKey(fillerKey), nowMs);
  return { fillerKey, secret };
}

export async function getFillerKey(sql: Sql, scope: Scope, id: string): Promise<FillerKey> {
  const row = await sql.get<FillerKeyRow>('SELECT * FROM filler_keys WHERE id = ? AND organization_id = ? AND environment = ?', [id, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'filler key', id, param: 'id' });
  return fromRow(row);
}

export async function listFillerKeys(sql: Sql, scope: Scope, query: ListQuery) {
  return listPage(sql, 'filler_keys', [inScope(scope)], query, (row: FillerKeyRow) => presentFillerKey(fromRow(row)));
}

/** Final; a second revocation answers 409 filler_key_already_revoked. */
export async function revokeFillerKey(tx: Sql, scope: Scope, id: string, nowMs: number): Promise<FillerKey> {
  const existing = await getFillerKey(tx, scope, id);
  const updated = existing.revokedAtMs === null ? await tx.run('UPDATE filler_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [nowMs, id]) : { changes: 0 };
  if (updated.changes === 0) throw new AppError('filler_key_already_revoked', { id });
  const revoked = { ...existing, revokedAtMs: nowMs };
  await recordEvent(tx, scope, 'filler_key.revoked', presentFillerKey(revoked), nowMs);
  return revoked;
}

/** For authentication: the key with its environment's sandbox clock offset. */
export async function findFillerKeyBySecret(sql: Sql, secret: string): Promise<{ fillerKey: FillerKey; sandboxOffsetMs: number } | undefined> {
  const row = await sql.get<FillerKeyRow & { offset_ms: number | null }>(
    `SELECT k.*, c.offset_ms FROM filler_keys k
       LEFT JOIN environment_clocks c ON c.organization_id = k.organization_id AND c.environment = k.environment
     WHERE k.key_hash = ?`,
    [hashCredential(secret)],
  );
  if (row === undefined) return undefined;
  return { fillerKey: fromRow(row), sandboxOffsetMs: Number(row.offset_ms ?? 0) };
}

/** lastUsedAt to the minute, as for API keys. */
export async function touchFillerKey(tx: Sql, id: string, wallClockMs: number): Promise<void> {
  await tx.run('UPDATE filler_keys SET last_used_at = ? WHERE id = ?', [wallClockMs, id]);
}
