// Who is calling. Routes declare which kinds may call them in src/http/access.ts.
import type { Environment } from './environment.js';
import type { Scope } from './scope.js';

export type PrincipalKind = 'apiKey' | 'agentToken' | 'fillerKey';

export interface ApiKeyPrincipal {
  kind: 'apiKey';
  id: string;
  organizationId: string;
  environment: Environment;
  allowedIps: string[] | null;
}

export interface AgentTokenPrincipal {
  kind: 'agentToken';
  id: string;
  agentId: string;
  organizationId: string;
  environment: Environment;
}

/** A filler key (SPEC §4 "Credential exposure"): held by a trusted filler, it may only redeem details tokens. */
export interface FillerKeyPrincipal {
  kind: 'fillerKey';
  id: string;
  organizationId: string;
  environment: Environment;
}

export type Principal = ApiKeyPrincipal | AgentTokenPrincipal | FillerKeyPrincipal;

export function scopeOf(principal: Principal): Scope {
  return { organizationId: principal.organizationId, environment: principal.environment };
}

/**
 * Agent tokens see only their own agent's resources (SPEC §4): anything else answers 404, exactly as an id of
 * another tenant would, so a token learns nothing about resources that are not its own.
 */
export function visibleTo(principal: Principal, ownerAgentId: string): boolean {
  if (principal.kind === 'fillerKey') return false;
  return principal.kind === 'apiKey' || principal.agentId === ownerAgentId;
}
