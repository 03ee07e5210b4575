import { AppError } from '../../domain/errors.js';
import { isValidEventFilter } from '../../domain/event-types.js';
import { isWellFormedId } from '../../domain/ids.js';
import { EventStream } from '../../http/event-stream.js';
import { defineRoute } from '../../http/route-definition.js';
import { redeliverEvent } from '../webhooks/service.js';
import { eventEnvelopeSchema, eventIdParams, eventListQuery, eventListSchema, eventSchema, eventStreamQuery, redeliverBody, redeliverySchema } from './schemas.js';
import { getEvent, listEvents, presentEvent } from './service.js';

const tag = 'Events';

/** `card.*, transaction.created` → the filters, each an exact type or a family wildcard of the catalogue. */
function typeFiltersOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  const filters = [...new Set(text.split(',').map((filter) => filter.trim()))];
  for (const filter of filters) {
    if (!isValidEventFilter(filter)) throw new AppError('unknown_event_type', { param: 'type', eventType: filter === '' ? '(empty)' : filter });
  }
  return filters;
}

/**
 * Where a stream resumes: the `Last-Event-ID` header (what EventSource and the SDK send when they reconnect, so it
 * wins over the query, which keeps the first value on every reconnect), else `?lastEventId=`.
 */
function lastEventIdOf(header: string | string[] | undefined, query: string | undefined): string | undefined {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const [value, param] = fromHeader !== undefined && fromHeader.trim() !== '' ? [fromHeader.trim(), 'Last-Event-ID'] : [query, 'lastEventId'];
  if (value === undefined) return undefined;
  if (!isWellFormedId(value, 'evt')) throw new AppError('invalid_parameter_value', { param, reason: 'expected the id of an event (evt_…) this stream sent' });
  return value;
}

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
    url: '/v1/events/stream',
    operationId: 'streamEvents',
    summary: "The environment's events as they happen: server-sent events (text/event-stream), resumable with Last-Event-ID",
    description:
      'Each event is `id: evt_…`, `event: <type>` and `data: <the webhook envelope as JSON>`, in the order events committed; a `: heartbeat` comment comes every 15 s. Without `Last-Event-ID` the stream starts with what commits from now on; with it, with the events after that one, with no gap and no repeat. `type` filters by type or family (`card.*`), comma-separated. API keys only; at most 5 open streams per key (429 `too_many_streams`). Errors before the stream opens answer in the usual envelope.',
    tag,
    query: eventStreamQuery,
    response: eventEnvelopeSchema,
    produces: 'text/event-stream',
    handler: async ({ app, scope, principal, query, headers }) => {
      const typeFilters = typeFiltersOf(query.type);
      const lastEventId = lastEventIdOf(headers['last-event-id'], query.lastEventId);
      return new EventStream(await app.eventStreams.reserve({ credentialId: principal.id, scope, typeFilters, lastEventId }));
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
