// OpenAPI 3.1 generated from the same zod schemas that validate requests, plus the error catalogue.
import { z } from 'zod';
import { errorCatalogue } from '../domain/errors.js';
import { routeAccess, type RouteAccess } from './access.js';
import type { AnyRouteDefinition } from './route-definition.js';

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (schema === undefined) return [];
  const json = toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' ? true : required.has(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function securityOf(access: RouteAccess | undefined): JsonSchema[] {
  if (access === undefined || access === 'public' || 'signedBy' in access) return [];
  const requirements: JsonSchema[] = [{ ApiKey: [] }];
  if (access.principals.includes('agentToken')) requirements.push({ AgentBearer: [] });
  return requirements;
}

/**
 * A stream of server-sent events. OpenAPI 3.1 has no schema for the items of a stream (3.2's itemSchema), so the
 * stream is a string and `x-event-data` holds the schema of each event's `data:` line.
 */
function eventStreamResponse(data: z.ZodType): JsonSchema {
  return {
    description: 'A stream of server-sent events: `id: evt_…`, `event: <type>`, `data: <JSON, see x-event-data>`, a blank line; `: heartbeat` comments between',
    content: { 'text/event-stream': { schema: { type: 'string' }, 'x-event-data': toSchema(data, 'output') } },
  };
}

const errorCodes = Object.keys(errorCatalogue);
const errorTypes = [...new Set(Object.values(errorCatalogue).map((definition) => definition.type))];

export function buildOpenApiDocument(routes: readonly AnyRouteDefinition[], serverUrl: string | undefined): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const access = routeAccess[`${route.method} ${route.url}`];
    const errorStatuses = new Set(['400', '401', '404', '422', '429', '500']);
    if (access !== 'public' && access !== undefined) errorStatuses.add('403');
    if (route.method !== 'GET') errorStatuses.add('409');
    if (route.consumes === 'multipart/form-data') for (const status of ['413', '415']) errorStatuses.add(status);
    const responses: Record<string, JsonSchema> = {
      '200': route.produces === 'text/event-stream' ? eventStreamResponse(route.response) : { description: 'Success', content: { 'application/json': { schema: toSchema(route.response, 'output') } } },
    };
    for (const status of [...errorStatuses].sort()) responses[status] = { $ref: '#/components/responses/Error' };
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: [route.tag],
      security: securityOf(access),
      parameters: [
        ...parametersOf(route.params, 'path'),
        ...parametersOf(route.query, 'query'),
        ...(route.method === 'GET' ? [] : [{ $ref: '#/components/parameters/IdempotencyKey' }]),
      ],
      responses,
    };
    if (route.body !== undefined) {
      // Required when the body has required fields; an endpoint whose fields are all optional may be called without one.
      const schema = toSchema(route.body, 'input') as { required?: unknown[] };
      operation.requestBody = { required: (schema.required?.length ?? 0) > 0, content: { [route.consumes ?? 'application/json']: { schema } } };
    }
    (paths[route.url] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'cardrail API',
      version: '1',
      description: 'Payment cards for AI agents: users, funding, agents, cards, intents, transactions, risk and webhooks. Amounts are integer cents.',
    },
    ...(serverUrl === undefined ? {} : { servers: [{ url: serverUrl }] }),
    paths,
    components: {
      securitySchemes: {
        ApiKey: { type: 'apiKey', in: 'header', name: 'Api-Key', description: 'API key (`lk_dev_…` sandbox, `lk_live_…` live) or agent token (`at_…`).' },
        AgentBearer: { type: 'http', scheme: 'bearer', description: 'Agent token (`at_dev_…` / `at_live_…`) only; API keys are refused here.' },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Makes the write safe to retry for at least 24 h: the same key and request replay the stored answer.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['status', 'error', 'requestId'],
          properties: {
            status: { const: 'error' },
            error: {
              type: 'object',
              required: ['type', 'code', 'message'],
              properties: {
                type: { type: 'string', enum: errorTypes },
                code: { type: 'string', enum: errorCodes },
                message: { type: 'string' },
                param: { type: 'string' },
              },
            },
            requestId: { type: 'string' },
          },
        },
      },
      responses: {
        Error: { description: 'Error (see docs/errors.md for every code)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    },
  };
}

export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cardrail API reference</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/docs-init.js"></script>
</body>
</html>`;
}

export const docsInitScript = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true });`;
