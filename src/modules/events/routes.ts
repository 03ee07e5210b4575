import { AppError } from '../../domain/errors.js';
import { isValidEventFilter } from '../../domain/event-types.js';
import { defineRoute } from '../../http/route.js';
import { redeliverEvent } from '../webhooks/service.js';
import { eventIdParams, eventListQuery, eventListSchema, eventSchema, redeliverBody, redeliverySchema } from './schemas.js';
import { getEvent, listEvents, presentEvent } from './service.js';

const tag = 'Events';

export const eventRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/events',
    operationId: 'listEvents',
    summary: "The environment's events, newest first; `type` filters by type or family (`card.*`)",
    tag,
    query: eventListQuery,
    response: eventListSchema,
    handler: async ({ sql, scope, query }) => {
      if (query.type !== undefined && !isValidEventFilter(query.type)) throw new AppError('unknown_event_type', { param: 'type', eventType: query.type });
      return listEvents(sql, scope, query);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/events/{id}',
    operationId: 'getEvent',
    summary: 'Get an event: the same envelope webhooks deliver',
    tag,
    params: eventIdParams,
    response: eventSchema,
    handler: async ({ sql, scope, params }) => presentEvent(await getEvent(sql, scope, params.id)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/events/{id}/redeliver',
    operationId: 'redeliverEvent',
    summary: 'Deliver an event again: to every enabled endpoint whose filters match, or to `endpointId` only',
    description: 'Each target gets a new delivery (full retry schedule). Receivers see the same `webhook-id` as before, so they can dedupe.',
    tag,
    params: eventIdParams,
    body: redeliverBody,
    response: redeliverySchema,
    handler: async ({ sql, scope, params, body, nowMs }) => ({
      object: 'redelivery' as const,
      eventId: params.id,
      deliveries: await redeliverEvent(sql, scope, params.id, body.endpointId, nowMs),
    }),
  }),
];
