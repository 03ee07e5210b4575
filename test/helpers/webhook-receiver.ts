// A local webhook receiver for tests: a real node HTTP server on 127.0.0.1 that keeps every request's raw body and
// headers, and answers what the test's responder says (a status, optionally after a delay, or no answer at all).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook, type WebhookEvent } from '../../src/sdk/webhooks.js';

export interface ReceivedWebhook {
  /** 0-based arrival order. */
  index: number;
  path: string;
  rawBody: string;
  headers: Record<string, string>;
}

export type Answer = number | { status: number; delayMs?: number; body?: string } | 'hang';
export type Responder = (request: ReceivedWebhook) => Answer | Promise<Answer>;

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  setResponder(responder: Responder): void;
  /** Event ids in arrival order (the webhook-id header). */
  ids(): string[];
  close(): Promise<void>;
}

function flatHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export async function startWebhookReceiver(responder: Responder = () => 200): Promise<WebhookReceiver> {
  let current = responder;
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const webhook: ReceivedWebhook = { index: received.length, path: request.url ?? '/', rawBody: Buffer.concat(chunks).toString('utf8'), headers: flatHeaders(request) };
      received.push(webhook);
      void Promise.resolve(current(webhook)).then((answer) => {
        if (answer === 'hang') {
          hanging.add(response);
          return;
        }
        const { status, delayMs, body } = typeof answer === 'number' ? { status: answer, delayMs: 0, body: undefined } : answer;
        const send = () => response.writeHead(status, { 'content-type': 'text/plain' }).end(body ?? (status >= 200 && status < 300 ? 'ok' : 'no'));
        if (delayMs !== undefined && delayMs > 0) setTimeout(send, delayMs);
        else send();
      });
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    setResponder(next) {
      current = next;
    },
    ids: () => received.map((webhook) => webhook.headers['webhook-id']!),
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Verifies a received webhook with the official `standardwebhooks` package and with the SDK's verifyWebhook. */
export function verifyBoth(webhook: ReceivedWebhook, secret: string): WebhookEvent {
  const official = new Webhook(secret).verify(webhook.rawBody, webhook.headers) as WebhookEvent;
  const ours = verifyWebhook(webhook.rawBody, webhook.headers, secret);
  if (JSON.stringify(official) !== JSON.stringify(ours)) throw new Error('standardwebhooks and verifyWebhook disagree on the event');
  return ours;
}
