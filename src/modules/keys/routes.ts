import { defineRoute } from '../../http/route-definition.js';
import { listQuerySchema } from '../pagination.js';
import { apiKeyIdParams, apiKeyListSchema, apiKeySchema, createApiKeyBody, createdApiKeySchema } from './schemas.js';
import { createApiKey, getApiKey, listApiKeys, presentApiKey, revokeApiKey } from './service.js';

const tag = 'API keys';

export const keyRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/api-keys',
    operationId: 'createApiKey',
    summary: "Create an API key in the calling key's environment; the secret is shown once",
    tag,
    body: createApiKeyBody,
    response: createdApiKeySchema,
    secretFields: ['key'],
    handler: async ({ sql, scope, body, wallClockMs }) => {
      const { apiKey, secret } = await createApiKey(sql, scope, body, wallClockMs);
      return { ...presentApiKey(apiKey), key: secret };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/api-keys',
    operationId: 'listApiKeys',
    summary: "List the environment's API keys (secrets are never shown again)",
    tag,
    query: listQuerySchema,
    response: apiKeyListSchema,
    handler: async ({ sql, scope, query }) => listApiKeys(sql, scope, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/api-keys/{id}',
    operationId: 'getApiKey',
    summary: 'Get an API key',
    tag,
    params: apiKeyIdParams,
    response: apiKeySchema,
    handler: async ({ sql, scope, params }) => presentApiKey(await getApiKey(sql, scope, params.id)),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/api-keys/{id}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key; it answers 401 from then on',
    tag,
    params: apiKeyIdParams,
    response: apiKeySchema,
    handler: async ({ sql, scope, params, wallClockMs }) => presentApiKey(await revokeApiKey(sql, scope, params.id, wallClockMs)),
  }),
];
