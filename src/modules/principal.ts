// Who is calling. Routes declare which kinds may call them in src/http/access.ts.
import type { Environment } from '../domain/clock.js';
import type { Scope } from './scope.js';

export type PrincipalKind = 'apiKey' | 'agentToken';

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

export type Principal = ApiKeyPrincipal | AgentTokenPrincipal;

export function scopeOf(principal: Principal): Scope {
  return { organizationId: principal.organizationId, environment: principal.environment };
}
