import { defineRoute } from '../../http/route-definition.js';
import { cardPolicyView } from './card-policy.js';
import { cardPolicySchema, createPolicyBody, listPoliciesQuery, policyIdParams, policyListSchema, policySchema, updatePolicyBody } from './schemas.js';
import { createPolicy, getPolicy, listPolicies, presentPolicy, updatePolicy } from './service.js';

const tag = 'Policies';

export const policyRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/policies',
    operationId: 'createPolicy',
    summary: "Create a spending policy: controls that apply to an agent's cards (defaultPolicyId) or a card's (policyId)",
    tag,
    body: createPolicyBody,
    response: policySchema,
    handler: async ({ sql, scope, body, nowMs }) => presentPolicy(await createPolicy(sql, scope, body, nowMs)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/policies',
    operationId: 'listPolicies',
    summary: 'List spending policies, newest first',
    tag,
    query: listPoliciesQuery,
    response: policyListSchema,
    handler: async ({ sql, scope, query }) => listPolicies(sql, scope, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/policies/{id}',
    operationId: 'getPolicy',
    summary: 'Get a spending policy',
    tag,
    params: policyIdParams,
    response: policySchema,
    handler: async ({ sql, scope, params }) => presentPolicy(await getPolicy(sql, scope, params.id)),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/v1/policies/{id}',
    operationId: 'updatePolicy',
    summary: 'Change a spending policy: absent fields stay, null clears a control. Every card under it follows at once',
    tag,
    params: policyIdParams,
    body: updatePolicyBody,
    response: policySchema,
    handler: async ({ sql, scope, params, body, nowMs }) => presentPolicy(await updatePolicy(sql, scope, params.id, body, nowMs)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/cards/{id}/policy',
    operationId: 'getCardPolicy',
    summary: "The controls a card is held to — its own fields over its policy's over its agent's default policy's — and their live state",
    tag,
    params: policyIdParams,
    response: cardPolicySchema,
    handler: async ({ sql, scope, principal, params, nowMs }) => cardPolicyView(sql, scope, principal, params.id, nowMs),
  }),
];
