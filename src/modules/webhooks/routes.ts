import { z } from 'zod';
import { defineRoute } from '../../http/route-definition.js';
import { listQuerySchema } from '../pagination.js';
import {
  deliveryListQuery,
  deliveryListSchema,
  deliverySchema,
  createEndpointBody,
  endpointIdParams,
  endpointListSchema,
  endpointSchema,
  endpointSecretSchema,
  endpointWithSecretSchema,
  updateEndpointBody,
} from './schemas.js';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  getEndpointSecret,
  listDeliveries,
  listEndpoints,
  presentEndpoint,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
  type EndpointPolicy,
} from './service.js';
import type { AppContext } from '../../app-context.js';

const tag = 'Webhooks';

function policyOf(app: AppContext): EndpointPolicy {
  return { secrets: app.secrets, allowPrivateNetworksInLive: app.config.webhooks.allowPrivateNetworksInLive };
}

function isoOrNull(timeMs: number | null): string | null {
  return timeMs === null ? null : new Date(timeMs).toISOString();
}

export const webhookRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/webhooks',
    operationId: 'createWebhookEndpoint',
    summary: 'Register a webhook endpoint; its signing secret (whsec_…) is in the answer',
    description: 'Events are POSTed to the URL signed per Standard Webhooks (docs/webhooks.md). `events` filters by type or family (`card.*`); empty or absent: every type.',
    tag,
    body: createEndpointBody,
    response: endpointWithSecretSchema,
    secretFields: ['secret'],
    handler: async ({ sql, scope, body, nowMs, app }) => {
      const { endpoint, secret } = await createEndpoint(sql, scope, body, nowMs, policyOf(app));
      return { ...presentEndpoint(endpoint), secret };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/webhooks',
    operationId: 'listWebhookEndpoints',
    summary: "The environment's webhook endpoints, newest first",
    tag,
    query: listQuerySchema,
    response: endpointListSchema,
    handler: async ({ sql, scope, query }) => listEndpoints(sql, scope, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/webhooks/{id}',
    operationId: 'getWebhookEndpoint',
    summary: 'Get a webhook endpoint',
    tag,
    params: endpointIdParams,
    response: endpointSchema,
    handler: async ({ sql, scope, params }) => presentEndpoint(await getEndpoint(sql, scope, params.id)),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/v1/webhooks/{id}',
    operationId: 'updateWebhookEndpoint',
    summary: 'Change the URL, event filters or description; `enabled: true` re-enables a disabled endpoint',
    tag,
    params: endpointIdParams,
    body: updateEndpointBody,
    response: endpointSchema,
    handler: async ({ sql, scope, params, body, nowMs, app }) => presentEndpoint(await updateEndpoint(sql, scope, params.id, body, nowMs, policyOf(app))),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/webhooks/{id}',
    operationId: 'deleteWebhookEndpoint',
    summary: 'Delete a webhook endpoint: nothing more is sent to it and its pending deliveries are canceled',
    tag,
    params: endpointIdParams,
    response: endpointSchema.extend({ deleted: z.literal(true) }),
    handler: async ({ sql, scope, params, nowMs }) => ({ ...presentEndpoint(await deleteEndpoint(sql, scope, params.id, nowMs)), deleted: true as const }),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/webhooks/{id}/secret',
    operationId: 'getWebhookEndpointSecret',
    summary: "The endpoint's signing secret (whsec_…): verify webhooks with it over the raw request body",
    tag,
    params: endpointIdParams,
    response: endpointSecretSchema,
    handler: async ({ sql, scope, params, nowMs, app }) => {
      const secret = await getEndpointSecret(sql, scope, params.id, nowMs, app.secrets);
      return { object: 'webhook_secret' as const, endpointId: params.id, secret: secret.secret, previousSecretExpiresAt: isoOrNull(secret.previousSecretExpiresAtMs) };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/webhooks/{id}/rotate-secret',
    operationId: 'rotateWebhookEndpointSecret',
    summary: 'A new signing secret; the old one also signs for 24 h (two v1 signatures per webhook meanwhile)',
    tag,
    params: endpointIdParams,
    response: endpointSecretSchema.extend({ secret: z.string().nullable().describe('the new secret (null in an idempotent replay)') }),
    secretFields: ['secret'],
    handler: async ({ sql, scope, params, nowMs, app }) => {
      const { secret } = await rotateEndpointSecret(sql, scope, params.id, nowMs, app.secrets);
      return { object: 'webhook_secret' as const, endpointId: params.id, secret: secret.secret, previousSecretExpiresAt: isoOrNull(secret.previousSecretExpiresAtMs) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    summary: "The endpoint's deliveries, newest first, each with every attempt (status code, latency, error, time)",
    tag,
    params: endpointIdParams,
    query: deliveryListQuery,
    response: deliveryListSchema,
    handler: async ({ sql, scope, params, query }) => listDeliveries(sql, scope, params.id, query),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/webhooks/{id}/test',
    operationId: 'sendWebhookTest',
    summary: 'Send Test: a webhook.test event delivered to this endpoint only (one attempt; see its deliveries)',
    tag,
    params: endpointIdParams,
    response: deliverySchema,
    handler: async ({ sql, scope, params, nowMs, wallClockMs }) => sendTestEvent(sql, scope, params.id, nowMs, wallClockMs),
  }),
];
