// The request pipeline every /v1 route runs through, in order: authenticate (access table), rate limit, parse and
// validate, claim the Idempotency-Key, run the use case (in one transaction for writes, with the stored idempotent
// response committed in it), answer. Routes themselves are thin: a definition with schemas and one handler
// (./route-definition.ts). A GET may answer server-sent events instead of JSON (src/http/event-stream.ts) after the
// same steps.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { publicBaseUrl } from '../config.js';
import { environmentTimeMs } from '../domain/clock.js';
import { scopeOf, type Principal } from '../domain/principal.js';
import { accessFor } from './access.js';
import { authenticate } from './auth.js';
import { errorBody, type RouteBodyConfig } from './errors.js';
import { EventStream, sendEventStream } from './event-stream.js';
import { claimIdempotencyKey, completeIdempotencyKey, readIdempotencyKey, releaseIdempotencyKey, requestFingerprint, type IdempotencyRequest } from './idempotency.js';
import { CommittedRefusal, type AnyRouteDefinition } from './route-definition.js';
import { assertStrictInput, parseInput, refuseBadQueryEncoding, refuseInvalidText, refuseUnexpectedBody } from './validation.js';

/** The query of a route that defines none: any parameter is unknown. */
const noQuery = z.strictObject({});

export function fastifyPath(url: string): string {
  return url.replace(/\{(\w+)\}/g, ':$1');
}

function storableResponse(result: unknown, serialized: string, secretFields: readonly string[] | undefined): string {
  if (secretFields === undefined || result === null || typeof result !== 'object') return serialized;
  const copy: Record<string, unknown> = { ...(result as Record<string, unknown>) };
  for (const field of secretFields) if (field in copy) copy[field] = null;
  return JSON.stringify(copy);
}

function sendJson(reply: FastifyReply, statusCode: number, body: string): FastifyReply {
  return reply.code(statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
}

export function registerRoute(server: FastifyInstance, app: AppContext, definition: AnyRouteDefinition): void {
  const access = accessFor(definition.method, definition.url);
  if (access === 'public' || 'signedBy' in access) throw new Error(`${definition.method} ${definition.url}: public and signed routes are not registered through defineRoute`);
  const rateClass = definition.rateLimit ?? (definition.method === 'GET' ? 'read' : 'write');
  const isWrite = definition.method !== 'GET';
  const streams = definition.produces === 'text/event-stream';
  if (streams && isWrite) throw new Error(`${definition.method} ${definition.url}: only a GET may answer an event stream`);
  for (const [place, schema] of [['body', definition.body], ['query', definition.query], ['params', definition.params]] as const) {
    if (schema !== undefined) assertStrictInput(schema, `${definition.method} ${definition.url} ${place}`);
  }

  // Authentication and rate limiting run on the request line and headers, before the body is read: an
  // unauthenticated caller never gets its body parsed, and a bad credential answers 401 whatever the body.
  const authenticated = new WeakMap<FastifyRequest, { principal: Principal; sandboxOffsetMs: number; wallClockMs: number }>();

  if (definition.consumes === 'multipart/form-data' && (!isWrite || definition.body === undefined)) {
    throw new Error(`${definition.method} ${definition.url}: only a write with a body schema may consume multipart/form-data`);
  }
  const bodyConfig: RouteBodyConfig = { consumes: definition.consumes ?? 'application/json' };

  server.route({
    method: definition.method,
    url: fastifyPath(definition.url),
    config: bodyConfig,
    ...(definition.bodyLimitBytes === undefined ? {} : { bodyLimit: definition.bodyLimitBytes }),
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      const wallClockMs = app.clock.nowMs();
      const { principal, sandboxOffsetMs } = await authenticate(request, app.db, access, definition.method, definition.url, wallClockMs);
      if (rateClass !== 'none') {
        const outcome = await app.rateLimiter.consume(principal.id, rateClass, principal.environment);
        reply.headers(outcome.headers);
      }
      authenticated.set(request, { principal, sandboxOffsetMs, wallClockMs });
    },
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const { principal, sandboxOffsetMs, wallClockMs } = authenticated.get(request)!;
      refuseBadQueryEncoding(request.url);
      refuseInvalidText(request.params, 'params');
      refuseInvalidText(request.query, 'query');
      refuseInvalidText(request.body, 'body');
      const params = definition.params === undefined ? undefined : parseInput(definition.params, request.params, 'params');
      const query = parseInput(definition.query ?? noQuery, request.query ?? {}, 'query');
      // No body at all reads as `{}`; a JSON `null` is a body of the wrong type.
      if (definition.body === undefined) refuseUnexpectedBody(request.body);
      const body = definition.body === undefined ? undefined : parseInput(definition.body, request.body === undefined ? {} : request.body, 'body');

      const scope = scopeOf(principal);
      const base = {
        body,
        query,
        params,
        principal,
        scope,
        nowMs: environmentTimeMs(wallClockMs, principal.environment, sandboxOffsetMs),
        wallClockMs,
        app,
        requestId: request.id,
        baseUrl: publicBaseUrl(app.config, request),
        headers: request.headers,
        sql: app.db,
      };
      if (!isWrite) {
        const result = await definition.handler({ ...base, transactionless: false, prepared: undefined });
        if (result instanceof CommittedRefusal) throw result.error;
        if ((result instanceof EventStream) !== streams) {
          if (result instanceof EventStream) result.source.end();
          throw new Error(`${definition.method} ${definition.url}: the handler's answer does not match produces`);
        }
        if (result instanceof EventStream) return sendEventStream(request, reply, result);
        return sendJson(reply, 200, JSON.stringify(result));
      }

      const key = readIdempotencyKey(request.headers['idempotency-key']);
      if (definition.transactionless === true && key === undefined) {
        const result = await definition.handler({ ...base, transactionless: true, prepared: undefined });
        if (result instanceof EventStream || result instanceof CommittedRefusal) throw new Error(`${definition.method} ${definition.url}: a transactionless write answers JSON`);
        return sendJson(reply, 200, JSON.stringify(result));
      }
      const idempotency: IdempotencyRequest | undefined =
        key === undefined ? undefined : { scope, key, method: definition.method, path: request.url, fingerprint: requestFingerprint(definition.method, request.url, request.body) };
      if (idempotency !== undefined) {
        const claim = await claimIdempotencyKey(app.db, idempotency, wallClockMs);
        if (claim.kind === 'replay') {
          reply.header('Idempotent-Replayed', 'true');
          return sendJson(reply, claim.statusCode, claim.body);
        }
      }
      let prepared: unknown;
      let committed = false;
      try {
        if (definition.outside?.before !== undefined) prepared = await definition.outside.before(base);
        const answer = await app.db.transaction(async (tx) => {
          const result = await definition.handler({ ...base, sql: tx, transactionless: false, prepared });
          if (result instanceof EventStream) {
            result.source.end();
            throw new Error(`${definition.method} ${definition.url}: a write cannot answer an event stream`);
          }
          if (result instanceof CommittedRefusal) {
            const refusal = JSON.stringify(errorBody(result.error, request.id));
            if (idempotency !== undefined) await completeIdempotencyKey(tx, idempotency, result.error.status, refusal);
            return { statusCode: result.error.status, body: refusal, headers: result.error.headers };
          }
          const serialized = JSON.stringify(result);
          if (idempotency !== undefined) await completeIdempotencyKey(tx, idempotency, 200, storableResponse(result, serialized, definition.secretFields));
          return { statusCode: 200, body: serialized, headers: {}, result };
        });
        committed = true;
        if (definition.outside?.after !== undefined && 'result' in answer) {
          return sendJson(reply, 200, JSON.stringify(await definition.outside.after(answer.result, base)));
        }
        return sendJson(reply.headers(answer.headers), answer.statusCode, answer.body);
      } catch (error) {
        if (!committed) {
          if (idempotency !== undefined) await releaseIdempotencyKey(app.db, idempotency).catch(() => {});
          if (prepared !== undefined && definition.outside?.undo !== undefined) {
            await definition.outside.undo(prepared, base).catch((undoError: unknown) => request.log.error({ err: undoError }, 'undoing work done outside a failed write failed'));
          }
        }
        throw error;
      }
    },
  });
}
