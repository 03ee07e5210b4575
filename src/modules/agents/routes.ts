import { defineRoute } from '../../http/route.js';
import { listQuerySchema } from '../pagination.js';
import { getAgentPolicy, presentAgentPolicy } from './policy.js';
import {
  agentIdParams,
  agentListSchema,
  agentPolicySchema,
  agentSchema,
  agentTokenListSchema,
  agentTokenParams,
  agentTokenSchema,
  createAgentTokenBody,
  listAgentsQuery,
  createdAgentTokenSchema,
  registerAgentBody,
  registeredAgentSchema,
} from './schemas.js';
import {
  activateAgent,
  createAgentToken,
  deregisterAgent,
  getAgent,
  listAgents,
  listAgentTokens,
  presentAgent,
  registerAgent,
  revokeAgentToken,
  suspendAgent,
} from './service.js';
import { presentAgentToken } from './tokens.js';
import { agentStatusRoutes } from './status.js';

const tag = 'Agents';

export const agentRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/agents/register',
    operationId: 'registerAgent',
    summary: 'Register an agent of an approved user; the response carries its first token, shown once',
    description: 'Registering an `externalId` that already names an agent of the same user returns that agent unchanged with `token: null`.',
    tag,
    body: registerAgentBody,
    response: registeredAgentSchema,
    secretFields: ['token'],
    handler: async ({ sql, scope, body, nowMs }) => {
      const { agent, token } = await registerAgent(sql, scope, body, nowMs);
      return { ...presentAgent(agent), token };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agents',
    operationId: 'listAgents',
    summary: 'List agents, newest first; `userId` filters',
    tag,
    query: listAgentsQuery,
    response: agentListSchema,
    handler: async ({ sql, scope, query }) => listAgents(sql, scope, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agents/{id}',
    operationId: 'getAgent',
    summary: 'Get an agent',
    tag,
    params: agentIdParams,
    response: agentSchema,
    handler: async ({ sql, scope, params }) => presentAgent(await getAgent(sql, scope, params.id)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agents/{id}/policy',
    operationId: 'getAgentPolicy',
    summary: "The agent's spending limit, its current window, what was spent in it and what remains (API key, or the agent's own token)",
    tag,
    params: agentIdParams,
    response: agentPolicySchema,
    handler: async ({ sql, principal, params, nowMs }) => presentAgentPolicy(await getAgentPolicy(sql, principal, params.id, nowMs)),
  }),
  ...agentStatusRoutes,
  defineRoute({
    method: 'POST',
    url: '/v1/agents/{id}/suspend',
    operationId: 'suspendAgent',
    summary: 'Suspend an active agent: its authorizations are declined until it is activated (statusReason manual)',
    tag,
    params: agentIdParams,
    response: agentSchema,
    handler: async ({ sql, scope, params, nowMs }) => presentAgent(await suspendAgent(sql, scope, params.id, 'manual', nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/agents/{id}/activate',
    operationId: 'activateAgent',
    summary: 'Activate a suspended agent (a deregistered agent cannot be activated)',
    tag,
    params: agentIdParams,
    response: agentSchema,
    handler: async ({ sql, scope, params, nowMs }) => presentAgent(await activateAgent(sql, scope, params.id, nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/agents/{id}/deregister',
    operationId: 'deregisterAgent',
    summary: 'Deregister an agent: final; every token of it is revoked and its cards are closed',
    tag,
    params: agentIdParams,
    response: agentSchema,
    handler: async ({ sql, scope, params, nowMs }) => presentAgent(await deregisterAgent(sql, scope, params.id, nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/agents/{id}/tokens',
    operationId: 'createAgentToken',
    summary: 'Issue another token for an active agent; the secret is shown once',
    tag,
    params: agentIdParams,
    body: createAgentTokenBody,
    response: createdAgentTokenSchema,
    secretFields: ['token'],
    handler: async ({ sql, scope, params, body, nowMs }) => {
      const { token, secret } = await createAgentToken(sql, scope, params.id, body, nowMs);
      return { ...presentAgentToken(token), token: secret };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agents/{id}/tokens',
    operationId: 'listAgentTokens',
    summary: "List an agent's tokens, newest first (secrets are never shown again)",
    tag,
    params: agentIdParams,
    query: listQuerySchema,
    response: agentTokenListSchema,
    handler: async ({ sql, scope, params, query }) => listAgentTokens(sql, scope, params.id, query),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/agents/{id}/tokens/{tokenId}',
    operationId: 'revokeAgentToken',
    summary: 'Revoke an agent token; it answers 401 agent_token_revoked from then on',
    tag,
    params: agentTokenParams,
    response: agentTokenSchema,
    handler: async ({ sql, scope, params, nowMs }) => presentAgentToken(await revokeAgentToken(sql, scope, params.id, params.tokenId, nowMs)),
  }),
];
