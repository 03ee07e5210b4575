import { defineRoute } from '../../http/route-definition.js';
import { listQuerySchema } from '../pagination.js';
import { getAgentPolicy, presentAgentPolicy } from './policy.js';
import {
  agentIdParams,
  agentListSchema,
  agentPolicySchema,
  agentSchema,
  agentStatusChangeSchema,
  agentTokenListSchema,
  agentTokenParams,
  agentTokenSchema,
  createAgentBody,
  createAgentTokenBody,
  listAgentsQuery,
  createdAgentTokenSchema,
  registerAgentBody,
  registeredAgentSchema,
  updateAgentBody,
} from './schemas.js';
import {
  activateAgent,
  createAgent,
  createAgentToken,
  deregisterAgent,
  getAgent,
  listAgents,
  listAgentTokens,
  presentAgentAt,
  registerAgent,
  revokeAgentToken,
  suspendAgent,
  updateAgent,
  type AgentStatusChange,
} from './service.js';
import { presentAgentToken } from './tokens.js';
import { agentStatusRoutes } from './status.js';
import type { Sql } from '../../store/database.js';

const tag = 'Agents';

/** Suspend, activate and deregister answer the agent and the status it had (LedgerOS's previousStatus). */
async function presentStatusChange(sql: Sql, change: AgentStatusChange, nowMs: number) {
  return { ...(await presentAgentAt(sql, change.agent, nowMs)), previousStatus: change.previousStatus };
}

export const agentRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/agents',
    operationId: 'createAgent',
    summary: 'Create an agent of an approved user (no token: issue one with POST /v1/agents/{id}/tokens)',
    description:
      'LedgerOS’s create: answers the agent only. Each call creates a new agent; for a natural key (externalId) and a first token in the same answer, use POST /v1/agents/register.',
    tag,
    body: createAgentBody,
    response: agentSchema,
    handler: async ({ sql, scope, body, nowMs }) => presentAgentAt(sql, await createAgent(sql, scope, body, nowMs), nowMs),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/agents/register',
    operationId: 'registerAgent',
    summary: 'Register an agent of an approved user; the response carries its first token, shown once',
    description:
      'Registering an `externalId` that already names an agent of the same user returns that agent unchanged with `created: false`, `token: null` and `tokenId: null`.',
    tag,
    body: registerAgentBody,
    response: registeredAgentSchema,
    secretFields: ['token'],
    handler: async ({ sql, scope, body, nowMs }) => {
      const { agent, created, token, tokenId } = await registerAgent(sql, scope, body, nowMs);
      return { ...(await presentAgentAt(sql, agent, nowMs)), created, token, tokenId };
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
    handler: async ({ sql, scope, query, nowMs }) => listAgents(sql, scope, query, nowMs),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agents/{id}',
    operationId: 'getAgent',
    summary: 'Get an agent, with what it spent in its current window (currentSpend) and its open cards (cardCount)',
    tag,
    params: agentIdParams,
    response: agentSchema,
    handler: async ({ sql, scope, params, nowMs }) => presentAgentAt(sql, await getAgent(sql, scope, params.id), nowMs),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/v1/agents/{id}',
    operationId: 'updateAgent',
    summary: 'Change an agent’s settings, or suspend (status suspended) or activate (status active) it; a deregistered agent answers 409 agent_deregistered',
    description:
      'Absent fields stay as they are; null clears a nullable one. Settings changes record agent.updated with previousAttributes; a status change is the same as ' +
      'POST /v1/agents/{id}/suspend or /activate (its event, and the cards follow). A new spendingLimit, spendingLimitFrequency or limitWarningThreshold re-arms the budget warning.',
    tag,
    params: agentIdParams,
    body: updateAgentBody,
    response: agentSchema,
    handler: async ({ sql, scope, params, body, nowMs, app }) => presentAgentAt(sql, await updateAgent(sql, scope, params.id, body, app.followAgentStatus, nowMs), nowMs),
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
    response: agentStatusChangeSchema,
    handler: async ({ sql, scope, params, nowMs, app }) => presentStatusChange(sql, await suspendAgent(sql, scope, params.id, 'manual', app.followAgentStatus, nowMs), nowMs),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/agents/{id}/activate',
    operationId: 'activateAgent',
    summary: 'Activate a suspended agent (a deregistered agent cannot be activated)',
    tag,
    params: agentIdParams,
    response: agentStatusChangeSchema,
    handler: async ({ sql, scope, params, nowMs, app }) => presentStatusChange(sql, await activateAgent(sql, scope, params.id, app.followAgentStatus, nowMs), nowMs),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/agents/{id}/deregister',
    operationId: 'deregisterAgent',
    summary: 'Deregister an agent: final; every token of it is revoked and its cards are closed',
    tag,
    params: agentIdParams,
    response: agentStatusChangeSchema,
    handler: async ({ sql, scope, params, nowMs, app }) => presentStatusChange(sql, await deregisterAgent(sql, scope, params.id, app.followAgentStatus, nowMs), nowMs),
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
      return { ...presentAgentToken(token, nowMs), token: secret };
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
    handler: async ({ sql, scope, params, query, nowMs }) => listAgentTokens(sql, scope, params.id, query, nowMs),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/agents/{id}/tokens/{tokenId}',
    operationId: 'revokeAgentToken',
    summary: 'Revoke an agent token; it answers 401 agent_token_revoked from then on',
    tag,
    params: agentTokenParams,
    response: agentTokenSchema,
    handler: async ({ sql, scope, params, nowMs }) => presentAgentToken(await revokeAgentToken(sql, scope, params.id, params.tokenId, nowMs), nowMs),
  }),
];
