// Server-sent events (text/event-stream) through the request pipeline. A streaming route's handler answers an
// EventStream after authentication, rate limiting and validation, so every refusal until then is the usual error
// envelope. Then the head goes out with the Request-Id and rate-limit headers, and the stream's text is written as it
// comes. Chunks are pulled one at a time: a slow reader holds the producer back instead of growing a buffer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

export interface EventStreamSource {
  /** The text to send, chunk by chunk, until `signal` aborts (the client left) or the source stops. */
  chunks(signal: AbortSignal): AsyncIterable<string>;
  /** Aborted when the source ends the stream itself (the server is stopping), even while output waits for the client. */
  readonly stopped: AbortSignal;
  /** Called exactly once when the stream ends, whatever ended it. */
  end(): void;
}

export class EventStream {
  constructor(readonly source: EventStreamSource) {}
}

/** A reader that takes nothing for this long while output waits is gone or stuck: its stream is closed. */
const drainWaitMsMax = 60_000;

/** Resolves true once `response` has drained, false when it closed, `signal` aborted or the wait ran out. */
function drained(response: ServerResponse, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (outcome: boolean) => {
      clearTimeout(timer);
      response.off('drain', onDrain);
      response.off('close', onClose);
      signal.removeEventListener('abort', onClose);
      resolve(outcome);
    };
    const onDrain = () => finish(true);
    const onClose = () => finish(false);
    const timer = setTimeout(onClose, drainWaitMsMax);
    response.once('drain', onDrain);
    response.once('close', onClose);
    signal.addEventListener('abort', onClose, { once: true });
  });
}

/** Takes the connection over from Fastify and streams `stream` on it until either side ends it. */
export function sendEventStream(request: FastifyRequest, reply: FastifyReply, stream: EventStream): void {
  reply.hijack();
  const { source } = stream;
  const response = reply.raw;
  const controller = new AbortController();
  const stop = () => controller.abort();
  response.once('close', stop);
  // A write racing a broken connection reports here; the stream just ends.
  response.on('error', stop);
  source.stopped.addEventListener('abort', stop, { once: true });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    response.off('close', stop);
    source.stopped.removeEventListener('abort', stop);
    controller.abort();
    source.end();
    // What the client has not taken yet is dropped with the connection: it resumes from the last event it received.
    if (response.writableLength > 0) response.destroy();
    else if (!response.writableEnded) response.end();
  };

  try {
    // reply.getHeaders() holds what the pipeline set so far: Request-Id and the RateLimit headers.
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'x-accel-buffering': 'no',
      // A stream holds its connection to the end; none is kept idle after it, so a stopping server is not held up.
      connection: 'close',
    });
    request.raw.socket?.setNoDelay?.(true);
  } catch (error) {
    request.log.warn({ err: error }, 'event stream could not start');
    end();
    return;
  }

  const pump = async () => {
    for await (const chunk of source.chunks(controller.signal)) {
      if (controller.signal.aborted) break;
      if (!response.write(chunk) && !(await drained(response, controller.signal))) break;
    }
  };
  pump()
    .catch((error: unknown) => request.log.error({ err: error }, 'event stream failed; the client resumes with Last-Event-ID'))
    .finally(end);
}
