// Authentication (SPEC §3): the credential comes from the `Api-Key` header (any letter case, as HTTP header names
// are) or, for agent tokens only, `Authorization: Bearer`. The environment is the credential's own.
import type { FastifyRequest } from 'fastify';
import { environmentTimeMs } from '../domain/clock.js';
import { parseCredential, type CredentialKind } from '../domain/credentials.js';
import { AppError } from '../domain/errors.js';
import { ipIsAllowed } from '../domain/ip-allowlist.js';
import { findAgentTokenBySecret, tokenLastUsedIsStale, touchAgentToken } from '../modules/agents/tokens.js';
import { findApiKeyBySecret, touchApiKey } from '../modules/keys/service.js';
import { findFillerKeyBySecret, touchFillerKey } from '../modules/fillers/keys.js';
import type { Principal } from '../domain/principal.js';
import type { Database, Sql } from '../store/database.js';
import type { PrincipalAccess } from './access.js';

export interface ResolvedCredential {
  principal: Principal;
  revoked: boolean;
  /** Environment time from which the credential answers 401 expired; null when it never expires. */
  expiresAtMs: number | null;
  /** IP policy; agent tokens have none. */
  allowedIps: string[] | null;
  requireIpAllowlist: boolean;
  sandboxOffsetMs: number;
  touch(db: Database, wallClockMs: number): Promise<void>;
}

export type CredentialResolver = (sql: Sql, secret: string) => Promise<ResolvedCredential | undefined>;

const resolveApiKey: CredentialResolver = async (sql, secret) => {
  const found = await findApiKeyBySecret(sql, secret);
  if (found === undefined) return undefined;
  const { apiKey } = found;
  return {
    principal: { kind: 'apiKey', id: apiKey.id, organizationId: apiKey.organizationId, environment: apiKey.environment, allowedIps: apiKey.allowedIps },
    revoked: apiKey.revokedAtMs !== null,
    expiresAtMs: apiKey.expiresAtMs,
    allowedIps: apiKey.allowedIps,
    requireIpAllowlist: found.organizationRequiresIpAllowlist,
    sandboxOffsetMs: found.sandboxOffsetMs,
    async touch(db, wallClockMs) {
      const stale = apiKey.lastUsedAtMs === null || apiKey.lastUsedAtMs < wallClockMs - 60_000;
      if (stale) await db.transaction((tx) => touchApiKey(tx, apiKey.id, wallClockMs));
    },
  };
};

/**
 * A deregistered agent's tokens count as revoked (deregistration revokes them too). A suspended agent's tokens
 * still authenticate: the agent may read its policy, cards and transactions, and what would spend (intents, card
 * details, authorizations) is refused where it is decided.
 */
const resolveAgentToken: CredentialResolver = async (sql, secret) => {
  const found = await findAgentTokenBySecret(sql, secret);
  if (found === undefined) return undefined;
  const { token, agentStatus, sandboxOffsetMs } = found;
  return {
    principal: { kind: 'agentToken', id: token.id, agentId: token.agentId, organizationId: token.organizationId, environment: token.environment },
    revoked: token.revokedAtMs !== null || agentStatus === 'deregistered',
    expiresAtMs: token.expiresAtMs,
    allowedIps: null,
    requireIpAllowlist: false,
    sandboxOffsetMs,
    async touch(db, wallClockMs) {
      // In environment time, like the token's createdAt and expiresAt.
      const nowMs = environmentTimeMs(wallClockMs, token.environment, sandboxOffsetMs);
      if (tokenLastUsedIsStale(token, nowMs)) await db.transaction((tx) => touchAgentToken(tx, token.id, nowMs));
    },
  };
};

/** A filler key: it authenticates like an API key, without IP rules, and the access table lets it only redeem. */
const resolveFillerKey: CredentialResolver = async (sql, secret) => {
  const found = await findFillerKeyBySecret(sql, secret);
  if (found === undefined) return undefined;
  const { fillerKey, sandboxOffsetMs } = found;
  return {
    principal: { kind: 'fillerKey', id: fillerKey.id, organizationId: fillerKey.organizationId, environment: fillerKey.environment },
    revoked: fillerKey.revokedAtMs !== null,
    expiresAtMs: null,
    allowedIps: null,
    requireIpAllowlist: false,
    sandboxOffsetMs,
    async touch(db, wallClockMs) {
      const stale = fillerKey.lastUsedAtMs === null || fillerKey.lastUsedAtMs < wallClockMs - 60_000;
      if (stale) await db.transaction((tx) => touchFillerKey(tx, fillerKey.id, wallClockMs));
    },
  };
};

export const credentialResolvers: Partial<Record<CredentialKind, CredentialResolver>> = {
  apiKey: resolveApiKey,
  agentToken: resolveAgentToken,
  fillerKey: resolveFillerKey,
};

export interface Authenticated {
  principal: Principal;
  sandboxOffsetMs: number;
}

function presentedCredential(request: FastifyRequest): string {
  const headerValue = request.headers['api-key'];
  const apiKeyHeader = Array.isArray(headerValue) ? headerValue[0] : headerValue;
  if (apiKeyHeader !== undefined && apiKeyHeader !== '') return apiKeyHeader;
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match !== null) {
      const token = match[1]!;
      const parsed = parseCredential(token);
      if (token.startsWith('lk_')) {
        const prefix = parsed === undefined ? 'lk_' : token.slice(0, token.indexOf('_', 3) + 1);
        throw new AppError('api_key_in_authorization_header', { prefix });
      }
      return token;
    }
  }
  throw new AppError('missing_api_key');
}

export async function authenticate(
  request: FastifyRequest,
  db: Database,
  access: PrincipalAccess,
  method: string,
  route: string,
  wallClockMs: number,
): Promise<Authenticated> {
  const secret = presentedCredential(request);
  const parsed = parseCredential(secret);
  if (parsed === undefined) throw new AppError('invalid_api_key');
  const resolver = credentialResolvers[parsed.kind];
  const resolved = resolver === undefined ? undefined : await resolver(db, secret);
  // A credential whose prefix names the other environment than its record is not ours either.
  if (resolved === undefined || resolved.principal.environment !== parsed.environment) throw new AppError('invalid_api_key');
  const isAgentToken = resolved.principal.kind === 'agentToken';
  if (resolved.revoked) throw new AppError(isAgentToken ? 'agent_token_revoked' : 'api_key_revoked');
  if (resolved.expiresAtMs !== null) {
    const environmentNowMs = environmentTimeMs(wallClockMs, resolved.principal.environment, resolved.sandboxOffsetMs);
    if (environmentNowMs >= resolved.expiresAtMs) {
      const expiresAt = new Date(resolved.expiresAtMs).toISOString();
      throw new AppError(isAgentToken ? 'agent_token_expired' : 'expired_api_key', { expiresAt });
    }
  }

  if (resolved.principal.kind === 'apiKey') {
    if (resolved.allowedIps !== null && resolved.allowedIps.length > 0) {
      if (!ipIsAllowed(request.ip, resolved.allowedIps)) throw new AppError('ip_not_allowed', { ip: request.ip });
    } else if (resolved.requireIpAllowlist) {
      throw new AppError('no_authorized_ips');
    }
  }
  if (!access.principals.includes(resolved.principal.kind)) throw new AppError('insufficient_permissions', { method, route });
  if (access.sandboxOnly === true && resolved.principal.environment !== 'sandbox') throw new AppError('sandbox_only');

  await resolved.touch(db, wallClockMs);
  return { principal: resolved.principal, sandboxOffsetMs: resolved.sandboxOffsetMs };
}
