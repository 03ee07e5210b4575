// The request pipeline every /v1 route runs through, in order: authenticate (access table), rate limit, parse and
// validate, claim the Idempotency-Key, run the use case (in one transaction for writes, with the stored idempotent
// response committed in it), answer. Routes themselves are thin: a definition with schemas and one handler. A GET
// may answer server-sent events instead of JSON (src/http/event-stream.ts) after the same steps.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { publicBaseUrl, type RateLimitClass } from '../config.js';
import { environmentTimeMs } from '../domain/clock.js';
import { scopeOf, type Principal } from '../domain/principal.js';
import type { Scope } from '../domain/scope.js';
import type { Sql } from '../store/database.js';
import type { AppError } from '../domain/errors.js';
import { accessFor } from './access.js';
import { authenticate } from './auth.js';
import { errorBody, type RouteBodyConfig } from './errors.js';
import { EventStream, sendEventStream } from './event-stream.js';
import { claimIdempotencyKey, completeIdempotencyKey, readIdempotencyKey, releaseIdempotencyKey, requestFingerprint, type IdempotencyRequest } from './idempotency.js';
import { assertStrictInput, parseInput, refuseBadQueryEncoding, refuseInvalidText, refuseUnexpectedBody } from './validation.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<Body, Query, Params> {
  body: Body;
  query: Query;
  params: Params;
  principal: Principal;
  scope: Scope;
  /** The environment's time: wall clock plus the sandbox offset. */
  nowMs: number;
  wallClockMs: number;
  /** The write transaction for POST/PATCH/DELETE, the read connection for GET. */
  sql: Sql;
  /**
   * For a `transactionless` route without an Idempotency-Key: `sql` is the database, no transaction is open, and the
   * handler runs its own (the card network hands authorizations to the batching engine). False everywhere else.
   */
  transactionless: boolean;
  app: AppContext;
  requestId: string;
  /** Where this server is reached, for links in responses (CARDRAIL_PUBLIC_URL, else the request's own host). */
  baseUrl: string;
  /** The request's headers (names in lower case), for the few routes that read one (Last-Event-ID). */
  headers: FastifyRequest['headers'];
}

export interface RouteDefinition<
  BodySchema extends z.ZodType | undefined = undefined,
  QuerySchema extends z.ZodType | undefined = undefined,
  ParamsSchema extends z.ZodType | undefined = undefined,
  ResponseSchema extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  /** OpenAPI-style path, e.g. `/v1/api-keys/{id}`. */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  body?: BodySchema;
  query?: QuerySchema;
  params?: ParamsSchema;
  response: ResponseSchema;
  /**
   * `text/event-stream`: a GET whose handler answers an EventStream (server-sent events); `response` then describes
   * the data of one event. Default `application/json`.
   */
  produces?: 'application/json' | 'text/event-stream';
  /**
   * `multipart/form-data`: a file upload, whose body only that media type may carry (415 otherwise), parsed by
   * src/http/multipart.ts into strings and UploadedFiles for the `body` schema. Default `application/json`.
   */
  consumes?: 'application/json' | 'multipart/form-data';
  /** The largest body this route reads, in bytes (default: the server's CARDRAIL_BODY_LIMIT_BYTES); 413 beyond it. */
  bodyLimitBytes?: number;
  /** Defaults: GET → read, others → write. Card-network routes say 'none'. */
  rateLimit?: RateLimitClass | 'none';
  /**
   * Top-level response fields that carry a secret shown once (an API key, an agent token, card credentials). They
   * are never written to the idempotency store: a replay answers them as null.
   */
  secretFields?: readonly string[];
  /**
   * A write that runs its own transactions when no Idempotency-Key is sent (`RouteContext.transactionless`); with
   * one, it runs in the route's transaction as every write does, so the stored answer commits with its effects.
   */
  transactionless?: boolean;
  handler: (context: RouteContext<Output<BodySchema>, Output<QuerySchema>, Output<ParamsSchema>>) => Promise<z.input<ResponseSchema> | CommittedRefusal | EventStream>;
}

/**
 * A refusal whose effects still commit: a write handler returns it instead of throwing when what it recorded on the
 * way (a risk alert and its event) must outlive the refusal. The caller gets the error envelope; an Idempotency-Key
 * replays it. A thrown AppError rolls everything back, as usual.
 */
export class CommittedRefusal {
  constructor(readonly error: AppError) {}
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRouteDefinition = RouteDefinition<any, any, any, any>;

export function defineRoute<
  BodySchema extends z.ZodType | undefined = undefined,
  QuerySchema extends z.ZodType | undefined = undefined,
  ParamsSchema extends z.ZodType | undefined = undefined,
  ResponseSchema extends z.ZodType = z.ZodType,
>(definition: RouteDefinition<BodySchema, QuerySchema, ParamsSchema, ResponseSchema>): AnyRouteDefinition {
  return definition as AnyRouteDefinition;
}

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
  if (access === 'public') throw new Error(`${definition.method} ${definition.url}: public routes are not registered through defineRoute`);
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
      };
      if (!isWrite) {
        const result = await definition.handler({ ...base, sql: app.db, transactionless: false });
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
        const result = await definition.handler({ ...base, sql: app.db, transactionless: true });
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
      try {
        const answer = await app.db.transaction(async (tx) => {
          const result = await definition.handler({ ...base, sql: tx, transactionless: false });
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
          return { statusCode: 200, body: serialized, headers: {} };
        });
        return sendJson(reply.headers(answer.headers), answer.statusCode, answer.body);
      } catch (error) {
        if (idempotency !== undefined) await releaseIdempotencyKey(app.db, idempotency).catch(() => {});
        throw error;
      }
    },
  });
}
