// What a route is (method, path, schemas, options and one handler), written by each module in its routes.ts with
// defineRoute. ./route-pipeline.ts runs a definition for each request.
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { RateLimitClass } from '../config.js';
import type { Principal } from '../domain/principal.js';
import type { Scope } from '../domain/scope.js';
import type { Sql } from '../store/database.js';
import type { AppError } from '../domain/errors.js';
import type { EventStream } from './event-stream.js';

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
  /** What the route's `outside.before` answered (undefined for routes without it). */
  prepared: unknown;
}

/** A route's context outside its transaction: `sql` is the database itself. */
export type OutsideContext<Body, Query, Params> = Omit<RouteContext<Body, Query, Params>, 'prepared' | 'transactionless'>;

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
  /**
   * Work kept out of a write's transaction, because it waits on another system (the card's issuer-processor) and must
   * not hold the database's locks meanwhile. `before` runs after authentication, validation and the Idempotency-Key
   * claim, before the transaction opens; its result reaches the handler as `prepared`, and `undo` gets it back when the
   * transaction does not commit (a card the processor issued is closed again). `after` runs once the transaction has
   * committed and turns its answer into the one sent (a card number read from the processor); the stored idempotent
   * answer is the committed one.
   */
  outside?: {
    before?: (context: OutsideContext<Output<BodySchema>, Output<QuerySchema>, Output<ParamsSchema>>) => Promise<unknown>;
    undo?: (prepared: unknown, context: OutsideContext<Output<BodySchema>, Output<QuerySchema>, Output<ParamsSchema>>) => Promise<void>;
    after?: (answer: z.input<ResponseSchema>, context: OutsideContext<Output<BodySchema>, Output<QuerySchema>, Output<ParamsSchema>>) => Promise<z.input<ResponseSchema>>;
  };
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
