// cardrail's SDK (`import { createCardrailClient, streamEvents, verifyWebhook } from 'cardrail/sdk'`): a typed client
// generated from the OpenAPI document (openapi-fetch over the types in ./openapi.ts), `streamEvents` for the live event
// stream, `verifyWebhook` for receivers and `verifyApprovalRecord` for checking a signed approval record offline.
import createClient, { type Client, type FetchOptions, type FetchResponse, type Middleware } from 'openapi-fetch';
import { CardrailApiError } from './api-error.js';
import type { paths } from './openapi.js';

export { CardrailApiError } from './api-error.js';

export type { components, operations, paths } from './openapi.js';

export interface CardrailClientOptions {
  /** Where the server is, e.g. `http://127.0.0.1:8080` (no `/v1`). */
  baseUrl: string;
  /** An organization API key (`sk_…`) or an agent token (`at_…`): sent as `Api-Key`. */
  credential?: string;
  /** Replaces global fetch (tests, in-process transports). */
  fetch?: (request: Request) => Promise<Response>;
}

type Method = 'get' | 'post' | 'patch' | 'delete';
type PathsWith<M extends Method> = { [P in keyof paths]: paths[P] extends { [K in M]: object } ? P : never }[keyof paths];
type JsonBodyOf<RequestBody> = RequestBody extends { content: { 'application/json': infer Body } } ? Body : never;
/**
 * The body option as the document declares it, without openapi-fetch's key-remapping wrapper: the body is then a plain
 * object type, so TypeScript refuses a misspelt field in it (`limts`, `limits.perDya`), as the API does at run time.
 */
type BodyOption<Operation> = Operation extends { requestBody: infer RequestBody }
  ? { body: JsonBodyOf<RequestBody> }
  : Operation extends { requestBody?: infer RequestBody }
    ? [JsonBodyOf<RequestBody>] extends [never]
      ? { body?: never }
      : { body?: JsonBodyOf<RequestBody> }
    : { body?: never };
type ExactInit<Operation> = Omit<FetchOptions<Operation>, 'body'> & BodyOption<Operation>;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type InitArguments<Operation> = [RequiredKeys<ExactInit<Operation>>] extends [never] ? [init?: ExactInit<Operation>] : [init: ExactInit<Operation>];
type ExactMethod<M extends Method> = <P extends PathsWith<M>>(
  url: P,
  ...init: InitArguments<paths[P][M]>
) => Promise<FetchResponse<paths[P][M] & Record<string | number, unknown>, ExactInit<paths[P][M]>, 'application/json'>>;

/** openapi-fetch's client over cardrail's paths, with exact request types for the four methods the API uses. */
export type CardrailClient = Omit<Client<paths>, 'GET' | 'POST' | 'PATCH' | 'DELETE'> & {
  GET: ExactMethod<'get'>;
  POST: ExactMethod<'post'>;
  PATCH: ExactMethod<'patch'>;
  DELETE: ExactMethod<'delete'>;
};

export function createCardrailClient(options: CardrailClientOptions): CardrailClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
  if (options.credential !== undefined) {
    const credential = options.credential;
    const authenticate: Middleware = {
      onRequest({ request }) {
        request.headers.set('Api-Key', credential);
        return request;
      },
    };
    client.use(authenticate);
  }
  // The same client at run time; only its request types are narrowed.
  return client as unknown as CardrailClient;
}

interface ErrorEnvelope {
  error?: { type?: string; code?: string; message?: string; param?: string };
  requestId?: string;
}

/**
 * The data of an openapi-fetch result, or a `CardrailApiError` carrying the API's code and message:
 * `const card = expectData(await client.GET('/v1/cards/{id}', { params: { path: { id } } }))`.
 */
export function expectData<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data !== undefined && result.response.ok) return result.data;
  const envelope = (result.error ?? {}) as ErrorEnvelope;
  throw new CardrailApiError(
    result.response.status,
    envelope.error?.type ?? 'api_error',
    envelope.error?.code ?? `http_${result.response.status}`,
    envelope.error?.message ?? result.response.statusText,
    envelope.error?.param,
    envelope.requestId,
  );
}

export { verifyWebhook, WebhookVerificationError, type VerifyWebhookOptions, type WebhookEvent, type WebhookHeaders, type WebhookVerificationErrorCode } from './webhooks.js';
export { streamEvents, type StreamEventsOptions, type StreamedEvent } from './event-stream.js';
export {
  verifyApprovalRecord,
  ApprovalRecordVerificationError,
  type ApprovalJwk,
  type ApprovalJwks,
  type ApprovalRecord,
  type ApprovalRecordPayload,
  type ApprovalRecordVerificationErrorCode,
} from './approval-records.js';
