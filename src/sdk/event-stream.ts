// `streamEvents`: the environment's events as they happen (GET /v1/events/stream), read with fetch, because a
// browser's EventSource cannot send the Api-Key header. A dropped connection is opened again after a pause that
// grows up to a bound, resuming with Last-Event-ID, so no event is missed or repeated. An answer that retrying
// cannot change (401, 403, 404, 422…) ends the iteration with a CardrailApiError. Runs in browsers and Node alike.
import { CardrailApiError } from './api-error.js';
import type { WebhookEvent } from './webhooks.js';

export interface StreamEventsOptions {
  /** Where the server is, e.g. `http://127.0.0.1:4010` (no `/v1`). */
  baseUrl: string;
  /** An API key (`lk_dev_…`, `lk_live_…`), sent as `Api-Key`. */
  credential: string;
  /** Only these types or families (`card.*`); absent or empty: every type. */
  types?: string[];
  /** Start after this event (the `id` of one received before); absent: with what happens from now on. */
  lastEventId?: string;
  /** Ends the iteration (without an error) and closes the connection. */
  signal?: AbortSignal;
  /** Replaces global fetch (tests, in-process transports). */
  fetch?: (request: Request) => Promise<Response>;
  /** Called each time the stream is open (the server answered and events flow from here): a "live" indicator. */
  onOpen?: () => void;
  /** Called before each reconnection, with why the connection ended and how long the pause is. */
  onReconnect?: (reconnect: { attempt: number; delayMs: number; error: unknown }) => void;
}

export type StreamedEvent = WebhookEvent & { id: string };

/** The first pause before reconnecting, unless the server's `retry` field says otherwise. */
const initialDelayMs = 1_000;
/** The longest pause between two attempts. */
const maxDelayMs = 30_000;
/** Longest accepted line, so a server that never ends a line cannot grow the buffer without end. */
const lineLengthMax = 1_048_576;
/** Statuses worth another attempt: rate limited (429), the server or a proxy failing or stopping (5xx). */
const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** One dispatch: an event (with data), or only a new last event id (an `id:` line and no data). */
interface Frame {
  /** The last event id in force after this dispatch. */
  id: string | undefined;
  event: string;
  data: string | undefined;
}

/**
 * The text/event-stream format (WHATWG HTML, "Parsing an event stream"): lines end with CRLF, LF or CR; a blank line
 * dispatches the event; `:` starts a comment; `id`, `event`, `data` and `retry` are fields.
 */
class EventStreamParser {
  private buffer = '';
  private data: string[] = [];
  private eventType = '';
  private idField: string | undefined;
  retryMs: number | undefined;
  /** Comments seen (heartbeats) since last asked. */
  comments = 0;

  push(text: string): Frame[] {
    this.buffer += text;
    const frames: Frame[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A CR at the very end may be the first half of a CRLF still on its way.
      if (match === null || (match[0] === '\r' && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const frame = this.line(line);
      if (frame !== undefined) frames.push(frame);
    }
    if (this.buffer.length > lineLengthMax) throw new Error(`the event stream sent a line longer than ${lineLengthMax} characters`);
    return frames;
  }

  private line(line: string): Frame | undefined {
    if (line === '') {
      // The id buffer outlives the dispatch, as in EventSource: an event without an `id:` line keeps the last one.
      const frame = { id: this.idField, event: this.eventType || 'message', data: this.data.length === 0 ? undefined : this.data.join('\n') };
      this.data = [];
      this.eventType = '';
      return frame;
    }
    if (line.startsWith(':')) {
      this.comments += 1;
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.idField = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function apiErrorOf(response: Response): Promise<CardrailApiError> {
  let envelope: { error?: { type?: string; code?: string; message?: string; param?: string }; requestId?: string } = {};
  try {
    envelope = (await response.json()) as typeof envelope;
  } catch {
    // not the API's envelope (a proxy's page)
  }
  return new CardrailApiError(
    response.status,
    envelope.error?.type ?? 'api_error',
    envelope.error?.code ?? `http_${response.status}`,
    envelope.error?.message ?? (response.statusText || `HTTP ${response.status}`),
    envelope.error?.param,
    envelope.requestId ?? response.headers.get('request-id') ?? undefined,
  );
}

/**
 * The events of the credential's organization and environment, in the order they committed, for as long as the
 * caller iterates (or until `signal` aborts):
 *
 * ```ts
 * for await (const event of streamEvents({ baseUrl, credential: apiKey, types: ['transaction.*'], signal })) {
 *   console.log(event.type, event.data.object.id);
 * }
 * ```
 */
export async function* streamEvents(options: StreamEventsOptions): AsyncGenerator<StreamedEvent, void, undefined> {
  const fetchFunction = options.fetch ?? ((request: Request) => fetch(request));
  const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/v1/events/stream`);
  if (options.types !== undefined && options.types.length > 0) url.searchParams.set('type', options.types.join(','));
  const { signal } = options;
  // A function, not a property read: it changes while this runs.
  const aborted = () => signal?.aborted === true;
  let lastEventId = options.lastEventId;
  let delayMs = initialDelayMs;
  let attempt = 0;

  while (!aborted()) {
    let failure: unknown;
    let retryAfterMs: number | undefined;
    const connection = new AbortController();
    const abortConnection = () => connection.abort();
    signal?.addEventListener('abort', abortConnection, { once: true });
    try {
      const headers: Record<string, string> = { 'Api-Key': options.credential, accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      const response = await fetchFunction(new Request(url, { headers, signal: connection.signal }));
      if (!response.ok) {
        const error = await apiErrorOf(response);
        if (!retryableStatus(response.status)) throw error;
        const retryAfterSeconds = Number(response.headers.get('retry-after'));
        if (Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) retryAfterMs = Math.min(retryAfterSeconds * 1000, maxDelayMs);
        failure = error;
      } else if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || response.body === null) {
        throw new CardrailApiError(response.status, 'api_error', 'not_an_event_stream', `${url.pathname} did not answer text/event-stream`, undefined, response.headers.get('request-id') ?? undefined);
      } else {
        options.onOpen?.();
        const parser = new EventStreamParser();
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (aborted()) return;
            if (done) break;
            const frames = parser.push(decoder.decode(value, { stream: true }));
            if (parser.retryMs !== undefined) delayMs = Math.min(Math.max(parser.retryMs, 100), maxDelayMs);
            // Events or heartbeats: the connection works, so the next failure starts the pauses over.
            if (frames.some((frame) => frame.data !== undefined) || parser.comments > 0) attempt = 0;
            parser.comments = 0;
            for (const frame of frames) {
              if (aborted()) return;
              if (frame.id !== undefined && frame.id !== '') lastEventId = frame.id;
              if (frame.data !== undefined) yield JSON.parse(frame.data) as StreamedEvent;
            }
          }
          failure = new Error('the server ended the event stream');
        } finally {
          reader.cancel().catch(() => {});
        }
      }
    } catch (error) {
      if (aborted()) return;
      if (error instanceof CardrailApiError) throw error;
      failure = error;
    } finally {
      signal?.removeEventListener('abort', abortConnection);
      connection.abort();
    }
    if (aborted()) return;
    // 1 s, 2 s, 4 s … up to 30 s, each with up to a fifth of jitter so many clients do not come back at once.
    const backoffMs = Math.min(delayMs * 2 ** attempt, maxDelayMs);
    const waitMs = retryAfterMs ?? Math.round(backoffMs * (0.8 + Math.random() * 0.2));
    attempt = Math.min(attempt + 1, 16);
    options.onReconnect?.({ attempt, delayMs: waitMs, error: failure });
    await pause(waitMs, signal);
  }
}
