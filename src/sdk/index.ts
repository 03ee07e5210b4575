// cardrail's SDK (`import { createCardrailClient, verifyWebhook } from 'cardrail/sdk'`): a typed client generated from the OpenAPI
// document (openapi-fetch over the types in ./openapi.ts) and `verifyWebhook` for receivers.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './openapi.js';

export type { components, operations, paths } from './openapi.js';

export interface CardrailClientOptions {
  /** Where the server is, e.g. `http://127.0.0.1:8080` (no `/v1`). */
  baseUrl: string;
  /** An organization API key (`sk_…`) or an agent token (`at_…`): sent as `Api-Key`. */
  credential?: string;
  /** Replaces global fetch (tests, in-process transports). */
  fetch?: (request: Request) => Promise<Response>;
}

export type CardrailClient = Client<paths>;

/** The error envelope of SPEC §3 as the SDK raises it. */
export class CardrailApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(`${code}: ${message}`);
    this.name = 'CardrailApiError';
  }
}

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
  return client;
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
