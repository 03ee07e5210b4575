// One webhook HTTP request: POST the body with its headers, no redirects followed, everything bounded by one
// deadline (connection, response head and body). Outside any database transaction, always.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { guardedLookup, refusedLiteralAddress } from './destination.js';

/** What the receiver may send back that we read before dropping the rest. */
const responseBytesMax = 64 * 1024;
/** How much of the receiver's answer the delivery log keeps, so an operator sees why it refused. */
export const responseExcerptBytesMax = 500;
const errorLengthMax = 300;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  /** Aborts the request (worker shutdown). */
  signal?: AbortSignal;
}

export interface WebhookResponse {
  /** The HTTP status, or null when no response arrived (refused, unreachable, timed out). */
  statusCode: number | null;
  latencyMs: number;
  /** Why there was no response, or a short note on a non-2xx one. */
  error: string | null;
  /** The start of the response body as text (at most 500 bytes, control characters dropped), or null when empty. */
  responseExcerpt: string | null;
  /** The request was aborted by shutdown: nothing can be said about it. */
  aborted: boolean;
}

function shorten(message: string): string {
  return message.length > errorLengthMax ? `${message.slice(0, errorLengthMax)}…` : message;
}

/** The first bytes of a body as readable text: a cut UTF-8 sequence and control characters (but tab and line breaks) go. */
export function responseExcerptOf(bytes: Buffer, totalBytes: number): string | null {
  const text = bytes
    .subarray(0, responseExcerptBytesMax)
    .toString('utf8')
    .replace(/\uFFFD+$/, '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  if (text.trim() === '') return null;
  return totalBytes > responseExcerptBytesMax ? `${text}…` : text;
}

export function postWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const startedMs = performance.now();
  const elapsed = () => Math.max(0, Math.round(performance.now() - startedMs));
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return Promise.resolve({ statusCode: null, latencyMs: 0, error: 'the endpoint URL is not valid', responseExcerpt: null, aborted: false });
  }
  const refused = refusedLiteralAddress(url, request.allowPrivateNetworks);
  if (refused !== undefined) return Promise.resolve({ statusCode: null, latencyMs: 0, error: `refused: ${refused}`, responseExcerpt: null, aborted: false });

  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<WebhookResponse, 'latencyMs' | 'responseExcerpt'> & { latencyMs?: number; responseExcerpt?: string | null }) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.signal?.removeEventListener('abort', onAbort);
      resolve({ latencyMs: result.latencyMs ?? elapsed(), statusCode: result.statusCode, error: result.error, responseExcerpt: result.responseExcerpt ?? null, aborted: result.aborted });
    };
    const client = url.protocol === 'https:' ? https : http;
    const outgoing = client.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body, 'utf8')), 'user-agent': 'cardrail-webhooks/1' },
      agent: false,
      lookup: guardedLookup(request.allowPrivateNetworks) as unknown as http.RequestOptions['lookup'],
    });
    const deadline = setTimeout(() => {
      outgoing.destroy();
      finish({ statusCode: null, error: `no complete response within ${request.timeoutMs} ms`, aborted: false });
    }, request.timeoutMs);
    const onAbort = () => {
      outgoing.destroy();
      finish({ statusCode: null, error: 'aborted: the worker stopped', aborted: true });
    };
    if (request.signal?.aborted === true) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });

    outgoing.on('response', (response) => {
      const statusCode = response.statusCode ?? 0;
      const latencyMs = elapsed();
      let received = 0;
      const head: Buffer[] = [];
      let headBytes = 0;
      const done = () =>
        finish({ statusCode, latencyMs, error: statusCode >= 200 && statusCode < 300 ? null : `HTTP ${statusCode}`, responseExcerpt: responseExcerptOf(Buffer.concat(head), received), aborted: false });
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (headBytes < responseExcerptBytesMax) {
          head.push(chunk.subarray(0, responseExcerptBytesMax - headBytes));
          headBytes += Math.min(chunk.length, responseExcerptBytesMax - headBytes);
        }
        if (received > responseBytesMax) {
          response.destroy();
          done();
        }
      });
      response.on('end', done);
      response.on('error', done);
      response.on('close', done);
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code === undefined ? '' : `${error.code}: `;
      finish({ statusCode: null, error: shorten(`${code}${error.message}`), aborted: false });
    });
    outgoing.end(request.body);
  });
}
