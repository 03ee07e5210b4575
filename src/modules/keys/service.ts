// API keys: created with 32 random bytes, shown once, stored only as a SHA-256 hash; revocation is final.
import type { Environment } from '../../domain/environment.js';
import { credentialExpiryMs, generateCredential, hashCredential, credentialPrefix } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';

export interface ApiKey {
  id: string;
  organizationId: string;
  environment: Environment;
  name: string | null;
  keyPrefix: string;
  last4: string;
  allowedIps: string[] | null;
  createdAtMs: number;
  /** Environment time from which the key answers 401 expired_api_key; null: never. */
  expiresAtMs: number | null;
  lastUsedAtMs: number | null;
  revokedAtMs: number | null;
}

interface ApiKeyRow {
  id: string;
  organization_id: string;
  environment: Environment;
  name: string | null;
  key_prefix: string;
  last4: string;
  allowed_ips: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

function fromRow(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    name: row.name,
    keyPrefix: row.key_prefix,
    last4: row.last4,
    allowedIps: row.allowed_ips === null ? null : (JSON.parse(row.allowed_ips) as string[]),
    createdAtMs: row.created_at,
    expiresAtMs: row.expires_at,
    lastUsedAtMs: row.last_used_at,
    revokedAtMs: row.revoked_at,
  };
}

export interface CreateApiKeyInput {
  name?: string | undefined;
  allowedIps?: string[] | undefined;
  /** ISO 8601, after now (environment time). */
  expiresAt?: string | undefined;
}

/** Returns the record and the secret; the secret exists nowhere else after this call. */
export async function createApiKey(tx: Sql, scope: Scope, input: CreateApiKeyInput, nowMs: number): Promise<{ apiKey: ApiKey; secret: string }> {
  const secret = generateCredential('apiKey', scope.environment);
  const apiKey: ApiKey = {
    id: newId('key', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    name: input.name ?? null,
    keyPrefix: credentialPrefix('apiKey', scope.environment),
    last4: secret.slice(-4),
    allowedIps: input.allowedIps && input.allowedIps.length > 0 ? input.allowedIps : null,
    createdAtMs: nowMs,
    expiresAtMs: credentialExpiryMs(input.expiresAt, nowMs),
    lastUsedAtMs: null,
    revokedAtMs: null,
  };
  await tx.run(
    'INSERT INTO api_keys (id, organization_id, environment, name, key_hash, key_prefix, last4, allowed_ips, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      apiKey.id,
      apiKey.organizationId,
      apiKey.environment,
      apiKey.name,
      hashCredential(secret),
      apiKey.keyPrefix,
      apiKey.last4,
      apiKey.allowedIps === null ? null : JSON.stringify(apiKey.allowedIps),
      nowMs,
      apiKey.expiresAtMs,
    ],
  );
  await recordEvent(tx, scope, 'api_key.created', presentApiKey(apiKey), nowMs);
  return { apiKey, secret };
}

export async function getApiKey(sql: Sql, scope: Scope, id: string): Promise<ApiKey> {
  const row = await sql.get<ApiKeyRow>('SELECT * FROM api_keys WHERE id = ? AND organization_id = ? AND environment = ?', [id, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'api key', id, param: 'id' });
  return fromRow(row);
}

export async function listApiKeys(sql: Sql, scope: Scope, query: ListQuery) {
  return listPage(sql, 'api_keys', [inScope(scope)], query, (row: ApiKeyRow) => presentApiKey(fromRow(row)));
}

export async function revokeApiKey(tx: Sql, scope: Scope, id: string, nowMs: number): Promise<ApiKey> {
  const existing = await getApiKey(tx, scope, id);
  if (existing.revokedAtMs !== null) throw new AppError('api_key_already_revoked', { id });
  // Conditional, so that of two concurrent revocations (PostgreSQL, READ COMMITTED) only one wins and records an event.
  const updated = await tx.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [nowMs, id]);
  if (updated.changes === 0) throw new AppError('api_key_already_revoked', { id });
  const revoked = { ...existing, revokedAtMs: nowMs };
  await recordEvent(tx, scope, 'api_key.revoked', presentApiKey(revoked), nowMs);
  return revoked;
}

export interface ApiKeyCredential {
  apiKey: ApiKey;
  organizationRequiresIpAllowlist: boolean;
  sandboxOffsetMs: number;
}

/** The one read authentication makes for an API key: the key, its organization's policy and its clock. */
export async function findApiKeyBySecret(sql: Sql, secret: string): Promise<ApiKeyCredential | undefined> {
  const row = await sql.get<ApiKeyRow & { require_ip_allowlist: number; offset_ms: number | null }>(
    `SELECT k.*, o.require_ip_allowlist, c.offset_ms FROM api_keys k
       JOIN organizations o ON o.id = k.organization_id
       LEFT JOIN environment_clocks c ON c.organization_id = k.organization_id AND c.environment = k.environment
     WHERE k.key_hash = ?`,
    [hashCredential(secret)],
  );
  if (row === undefined) return undefined;
  return { apiKey: fromRow(row), organizationRequiresIpAllowlist: row.require_ip_allowlist === 1, sandboxOffsetMs: row.offset_ms ?? 0 };
}

/** lastUsedAt is kept to the minute so that authentication does not write on every request. */
export const lastUsedResolutionMs = 60_000;

export async function touchApiKey(tx: Sql, id: string, nowMs: number): Promise<void> {
  await tx.run('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', [nowMs, id, nowMs - lastUsedResolutionMs]);
}

export function presentApiKey(apiKey: ApiKey) {
  return {
    object: 'api_key' as const,
    id: apiKey.id,
    name: apiKey.name,
    environment: apiKey.environment,
    redactedKey: `${apiKey.keyPrefix}…${apiKey.last4}`,
    allowedIps: apiKey.allowedIps,
    createdAt: new Date(apiKey.createdAtMs).toISOString(),
    expiresAt: apiKey.expiresAtMs === null ? null : new Date(apiKey.expiresAtMs).toISOString(),
    lastUsedAt: apiKey.lastUsedAtMs === null ? null : new Date(apiKey.lastUsedAtMs).toISOString(),
    revokedAt: apiKey.revokedAtMs === null ? null : new Date(apiKey.revokedAtMs).toISOString(),
  };
}
