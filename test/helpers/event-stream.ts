// A raw reader of GET /v1/events/stream for tests: a real HTTP connection to 127.0.0.1 (node:http), the frames as the
// server wrote them (events, comments, the retry field), waiting for a condition with a deadline, and closing the
// connection as a client that goes away does.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from './app.js';

export interface StreamFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  /** Comment lines (`: heartbeat`), without the colon. */
  comments: string[];
}

export interface StreamedEvent {
  id: string;
  type: string;
  /** The parsed `data:` line: the webhook envelope. */
  envelope: { id: string; type: string; createdAt: string; environment: string; data: { object: Record<string, unknown> } };
}

export interface OpenedStream {
  status: number;
  headers: Headers;
  /** The body when the answer was not a stream (an error envelope), parsed. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  frames: StreamFrame[];
  events(): StreamedEvent[];
  /** Resolves once `predicate` holds over what arrived, polling what is read until `timeoutMs`. */
  waitFor(predicate: (stream: OpenedStream) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Resolves when the event with `id` has arrived; answers everything received so far. */
  waitForEvent(id: string, timeoutMs?: number): Promise<StreamedEvent[]>;
  /** True once the server ended the stream. */
  ended(): boolean;
  close(): void;
}

/** Listens on an ephemeral port of 127.0.0.1 (once per app) and answers the base URL. */
export async function listenOnLoopback(testApp: TestApp): Promise<string> {
  const portOf = () => (testApp.server.addresses()[0] as AddressInfo | undefined)?.port;
  if (portOf() === undefined) await testApp.server.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${portOf()}`;
}

function parseFrame(block: string): StreamFrame {
  const frame: StreamFrame = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id' || field === 'event' || field === 'retry') frame[field] = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
  }
  return frame;
}

export interface OpenStreamOptions {
  key: string;
  /** Query string without `?`. */
  query?: string;
  headers?: Record<string, string>;
}

export async function openEventStream(baseUrl: string, options: OpenStreamOptions): Promise<OpenedStream> {
  const frames: StreamFrame[] = [];
  let finished = false;
  // node:http without an agent: one connection per stream, closed with it, never pooled for later requests.
  const request = httpRequest(`${baseUrl}/v1/events/stream${options.query === undefined ? '' : `?${options.query}`}`, {
    agent: false,
    headers: { 'Api-Key': options.key, accept: 'text/event-stream', ...options.headers },
  });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
  request.on('error', () => {
    // closed by the test
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  response.setEncoding('utf8');
  let json: unknown;
  if (!(headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    let text = '';
    for await (const chunk of response) text += chunk as string;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    finished = true;
  } else {
    let buffer = '';
    response.on('data', (chunk: string) => {
      buffer += chunk;
      let boundary = buffer.indexOf('\n\n');
      while (boundary >= 0) {
        frames.push(parseFrame(buffer.slice(0, boundary)));
        buffer = buffer.slice(boundary + 2);
        boundary = buffer.indexOf('\n\n');
      }
    });
    response.on('close', () => (finished = true));
    response.on('error', () => (finished = true));
  }

  const stream: OpenedStream = {
    status: response.statusCode ?? 0,
    headers,
    json,
    frames,
    events: () =>
      frames
        .filter((frame) => frame.data !== undefined)
        .map((frame) => ({ id: frame.id!, type: frame.event!, envelope: JSON.parse(frame.data!) as StreamedEvent['envelope'] })),
    async waitFor(predicate, timeoutMs = 5_000, what = 'the condition') {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(stream)) {
        if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms; received: ${JSON.stringify(frames).slice(0, 2_000)}`);
        if (finished && !predicate(stream)) throw new Error(`the stream ended before ${what}; received: ${JSON.stringify(frames).slice(0, 2_000)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async waitForEvent(id, timeoutMs = 5_000) {
      await stream.waitFor((current) => current.events().some((event) => event.id === id), timeoutMs, `event ${id}`);
      return stream.events();
    },
    ended: () => finished,
    close: () => request.destroy(),
  };
  return stream;
}
