// Agent tokens: 32 random bytes shown once, stored only as a SHA-256 hash; revocation is final; an optional expiry
// is in environment time. The agent use cases (service.ts) check the agent before calling in here.
import type { Environment } from '../../domain/environment.js';
import { credentialPrefix, generateCredential, hashCredential } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';
import type { AgentStatus } from './schemas.js';

export interface AgentToken {
  id: string;
  organizationId: string;
  environment: Environment;
  agentId: string;
  name: string | null;
  tokenPrefix: string;
  last4: string;
  expiresAtMs: number | null;
  createdAtMs: number;
  lastUsedAtMs: number | null;
  revokedAtMs: number | null;
}

interface AgentTokenRow {
  id: string;
  organization_id: string;
  environment: Environment;
  agent_id: string;
  name: string | null;
  token_prefix: string;
  last4: string;
  expires_at: number | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function fromRow(row: AgentTokenRow): AgentToken {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    agentId: row.agent_id,
    name: row.name,
    tokenPrefix: row.token_prefix,
    last4: row.last4,
    expiresAtMs: row.expires_at,
    createdAtMs: row.created_at,
    lastUsedAtMs: row.last_used_at,
    revokedAtMs: row.revoked_at,
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Whether the token authenticates at `nowMs` (environment time): not revoked and not expired. */
export function tokenIsActive(token: AgentToken, nowMs: number): boolean {
  return token.revokedAtMs === null && (token.expiresAtMs === null || token.expiresAtMs > nowMs);
}

export function presentAgentToken(token: AgentToken, nowMs: number) {
  return {
    object: 'agent_token' as const,
    id: token.id,
    agentId: token.agentId,
    name: token.name,
    tokenPrefix: token.tokenPrefix,
    redactedToken: `${token.tokenPrefix}…${token.last4}`,
    isActive: tokenIsActive(token, nowMs),
    expiresAt: iso(token.expiresAtMs),
    createdAt: new Date(token.createdAtMs).toISOString(),
    lastUsedAt: iso(token.lastUsedAtMs),
    revokedAt: iso(token.revokedAtMs),
  };
}

/** Live (unrevoked, unexpired) tokens one agent may hold at once: a bound on what a leaked API key can mint. */
export const liveTokensPerAgentMax = 100;

/** Returns the record and the secret; the secret exists nowhere else after this call. The caller checked the agent. */
export async function issueAgentToken(
  tx: Sql,
  scope: Scope,
  agentId: string,
  input: { name: string | null; expiresAtMs: number | null },
  nowMs: number,
): Promise<{ token: AgentToken; secret: string }> {
  const live = await tx.get<{ count: number }>(
    'SELECT COUNT(*) AS count FROM agent_tokens WHERE agent_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)',
    [agentId, nowMs],
  );
  if (Number(live?.count ?? 0) >= liveTokensPerAgentMax) throw new AppError('agent_token_limit_reached', { agentId, limit: liveTokensPerAgentMax });
  const secret = generateCredential('agentToken', scope.environment);
  const token: AgentToken = {
    id: newId('tok', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    agentId,
    name: input.name,
    tokenPrefix: credentialPrefix('agentToken', scope.environment),
    last4: secret.slice(-4),
    expiresAtMs: input.expiresAtMs,
    createdAtMs: nowMs,
    lastUsedAtMs: null,
    revokedAtMs: null,
  };
  await tx.run(
    `INSERT INTO agent_tokens (id, organization_id, environment, agent_id, name, token_hash, token_prefix, last4, expires_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [token.id, scope.organizationId, scope.environment, agentId, token.name, hashCredential(secret), token.tokenPrefix, token.last4, token.expiresAtMs, nowMs],
  );
  await recordEvent(tx, scope, 'agent_token.created', presentAgentToken(token, nowMs), nowMs);
  return { token, secret };
}

/** The agent's tokens, newest first, without secrets (there are none to show: only hashes are stored). */
export async function listTokensOfAgent(sql: Sql, scope: Scope, agentId: string, query: ListQuery, nowMs: number) {
  return listPage(sql, 'agent_tokens', [columnEquals('agent_id', agentId), inScope(scope)], query, (row: AgentTokenRow) => presentAgentToken(fromRow(row), nowMs));
}

export async function revokeTokenOfAgent(tx: Sql, scope: Scope, agentId: string, tokenId: string, nowMs: number): Promise<AgentToken> {
  const row = await tx.get<AgentTokenRow>('SELECT * FROM agent_tokens WHERE id = ? AND agent_id = ? AND organization_id = ? AND environment = ?', [
    tokenId,
    agentId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'agent token', id: tokenId, param: 'tokenId' });
  if (row.revoked_at !== null) throw new AppError('agent_token_already_revoked', { id: tokenId });
  // Conditional, so that of two concurrent revocations (PostgreSQL, READ COMMITTED) only one wins and records an event.
  const updated = await tx.run('UPDATE agent_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [nowMs, tokenId]);
  if (updated.changes === 0) throw new AppError('agent_token_already_revoked', { id: tokenId });
  const revoked = { ...fromRow(row), revokedAtMs: nowMs };
  await recordEvent(tx, scope, 'agent_token.revoked', presentAgentToken(revoked, nowMs), nowMs);
  return revoked;
}

/** Revokes every token of the agent still unrevoked (deregistration); at most `liveTokensPerAgentMax` plus expired ones. */
export async function revokeAllTokensOfAgent(tx: Sql, scope: Scope, agentId: string, nowMs: number): Promise<AgentToken[]> {
  const rows = await tx.all<AgentTokenRow>('UPDATE agent_tokens SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL RETURNING *', [nowMs, agentId]);
  const revoked = rows.map(fromRow).sort((left, right) => (left.id < right.id ? -1 : 1));
  for (const token of revoked) await recordEvent(tx, scope, 'agent_token.revoked', presentAgentToken(token, nowMs), nowMs);
  return revoked;
}

export interface AgentTokenCredential {
  token: AgentToken;
  agentStatus: AgentStatus;
  sandboxOffsetMs: number;
}

/** The one read authentication makes for an agent token: the token, its agent's status and its environment's clock. */
export async function findAgentTokenBySecret(sql: Sql, secret: string): Promise<AgentTokenCredential | undefined> {
  const row = await sql.get<AgentTokenRow & { agent_status: AgentStatus; offset_ms: number | null }>(
    `SELECT t.*, a.status AS agent_status, c.offset_ms FROM agent_tokens t
       JOIN agents a ON a.id = t.agent_id
       LEFT JOIN environment_clocks c ON c.organization_id = t.organization_id AND c.environment = t.environment
     WHERE t.token_hash = ?`,
    [hashCredential(secret)],
  );
  if (row === undefined) return undefined;
  return { token: fromRow(row), agentStatus: row.agent_status, sandboxOffsetMs: row.offset_ms ?? 0 };
}

/** lastUsedAt is kept to the minute so that authentication does not write on every request. */
export const tokenLastUsedResolutionMs = 60_000;

export function tokenLastUsedIsStale(token: AgentToken, nowMs: number): boolean {
  return token.lastUsedAtMs === null || token.lastUsedAtMs < nowMs - tokenLastUsedResolutionMs;
}

export async function touchAgentToken(tx: Sql, id: string, nowMs: number): Promise<void> {
  await tx.run('UPDATE agent_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', [nowMs, id, nowMs - tokenLastUsedResolutionMs]);
}
