// `cardrail listen`: a running server's events as they happen, one line each (time, type, event id, object id), read
// from GET /v1/events/stream with the SDK's streamEvents. It reconnects and resumes with Last-Event-ID after a dropped
// connection. With --forward-to it also POSTs each event to a local URL, signed per Standard Webhooks with a secret it
// prints at start (what `stripe listen` does), so a webhook handler can be developed against real events without a
// public URL. Ctrl-C ends it.
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { parseCredential } from '../domain/credentials.js';
import { isValidEventFilter } from '../domain/event-types.js';
import { newWebhookSecret, signedWebhookHeaders, webhookSecretPrefix } from '../modules/webhooks/signing.js';
import { postWebhook } from '../modules/webhooks/transport.js';
import { CardrailApiError } from '../sdk/api-error.js';
import { streamEvents, type StreamedEvent } from '../sdk/event-stream.js';
import { SandboxKeyMissing, sandboxKeyFileName, sandboxKeyFor } from './sandbox-key.js';

/** A forwarded event gets this long for its answer; the next event waits for it, so order is kept. */
const forwardTimeoutMs = 10_000;

export interface ListenOptions {
  url: string;
  key?: string;
  events?: string;
  forwardTo?: string;
  secret?: string;
  json?: boolean;
}

/** A problem with the options, or an answer of the server that listening again would not change. */
export class ListenError extends Error {}

function httpUrl(value: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ListenError(`${option} ${value} is not a URL (e.g. http://127.0.0.1:3000/webhooks)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ListenError(`${option} must be http:// or https://, not ${url.protocol}`);
  return url;
}

/** `card.*,transaction.created` → the filters, each checked against the catalogue. */
export function eventFiltersOf(value: string | undefined): string[] {
  if (value === undefined) return [];
  const filters = value
    .split(',')
    .map((filter) => filter.trim())
    .filter((filter) => filter !== '');
  for (const filter of filters) {
    if (!isValidEventFilter(filter)) throw new ListenError(`--events: ${filter} is not an event type or family (e.g. card.frozen, card.*); docs/webhooks.md lists them`);
  }
  return filters;
}

function signingSecretOf(value: string | undefined): string {
  if (value === undefined) return newWebhookSecret();
  const encoded = value.startsWith(webhookSecretPrefix) ? value.slice(webhookSecretPrefix.length) : '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || Buffer.from(encoded, 'base64').length < 16) {
    throw new ListenError('--secret must be whsec_ followed by the base64 of at least 16 random bytes (leave it out to get a new one)');
  }
  return value;
}

/**
 * One line per event: when it happened, its type, its id and the id of the object it is about (a balance has no id
 * of its own: it is about its user).
 */
export function describeEvent(event: StreamedEvent): string {
  const object = event.data?.object;
  const objectId = typeof object?.id === 'string' ? object.id : typeof object?.userId === 'string' ? object.userId : '—';
  return `${event.createdAt}  ${event.type.padEnd(26)}  ${event.id}  ${objectId}`;
}

export async function listen(options: ListenOptions, signal: AbortSignal, out: (line: string) => void, err: (line: string) => void): Promise<void> {
  const server = httpUrl(options.url, '--url');
  const forwardTo = options.forwardTo === undefined ? undefined : httpUrl(options.forwardTo, '--forward-to');
  const types = eventFiltersOf(options.events);
  const secret = forwardTo === undefined ? undefined : signingSecretOf(options.secret);
  let key: string;
  try {
    key = sandboxKeyFor(options.key, loadConfig().dataDir);
  } catch (error) {
    if (error instanceof SandboxKeyMissing) throw new ListenError(error.message);
    throw error;
  }
  const environment = parseCredential(key)?.environment ?? 'unknown';

  if (forwardTo !== undefined && secret !== undefined) {
    out(`Forwarding each event to ${forwardTo.href}, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)`);
    out(`Your webhook signing secret is ${secret}${options.secret === undefined ? ' (pass it back with --secret to keep it across runs)' : ''}`);
  }

  let lastEventId: string | undefined;
  let opened = false;
  try {
    for await (const event of streamEvents({
      baseUrl: server.href,
      credential: key,
      types,
      signal,
      onOpen: () => {
        if (!opened) out(`Ready: listening for ${environment} events on ${server.origin}${types.length === 0 ? '' : ` (${types.join(', ')})`}; Ctrl-C to stop`);
        else err(`cardrail listen: connected again${lastEventId === undefined ? '' : `, resuming after ${lastEventId}`}`);
        opened = true;
      },
      onReconnect: ({ delayMs, error }) => {
        const reason = error instanceof CardrailApiError ? error.message : error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        err(`cardrail listen: connection to ${server.origin} lost (${reason}); trying again in ${Math.ceil(delayMs / 1000)} s${lastEventId === undefined ? '' : `, resuming after ${lastEventId}`}`);
      },
    })) {
      lastEventId = event.id;
      out(options.json === true ? JSON.stringify(event) : describeEvent(event));
      if (forwardTo === undefined || secret === undefined) continue;
      const body = JSON.stringify(event);
      const response = await postWebhook({
        url: forwardTo.href,
        body,
        headers: signedWebhookHeaders([secret], event.id, Math.floor(Date.now() / 1000), body),
        timeoutMs: forwardTimeoutMs,
        // The point is a developer's local handler.
        allowPrivateNetworks: true,
        signal,
      });
      if (response.aborted) break;
      const answer = response.statusCode === null ? `failed: ${response.error ?? 'no answer'}` : `[${response.statusCode}]`;
      (options.json === true ? err : out)(`  → POST ${forwardTo.href} ${answer} ${response.latencyMs} ms  ${event.id}`);
    }
  } catch (error) {
    if (error instanceof CardrailApiError) throw new ListenError(`${error.message}${error.status === 401 ? ` (the key from ${options.key === undefined ? `CARDRAIL_API_KEY or ${sandboxKeyFileName}` : '--key'})` : ''}`);
    throw error;
  }
}

export function registerListenCommand(program: Command): void {
  program
    .command('listen')
    .description('Print a running server’s events as they happen (GET /v1/events/stream) and optionally forward each, signed, to a local URL')
    .option('--url <url>', 'the server (default: the local one, PORT or 4010)')
    .option('--key <key>', `an API key (default: CARDRAIL_API_KEY, else ${sandboxKeyFileName} in the data directory)`)
    .option('--events <types>', 'only these types or families, comma-separated (e.g. card.*,transaction.*)')
    .option('--forward-to <url>', 'POST each event to this URL, signed per Standard Webhooks')
    .option('--secret <whsec>', 'the signing secret for --forward-to (default: a new one, printed at start)')
    .option('--json', 'print each event as its JSON envelope, one per line')
    .action(async (options: Omit<ListenOptions, 'url'> & { url?: string }) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await listen(
          { ...options, url: options.url ?? `http://127.0.0.1:${loadConfig().port}` },
          controller.signal,
          (line) => process.stdout.write(`${line}\n`),
          (line) => process.stderr.write(`${line}\n`),
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      if (controller.signal.aborted) process.stdout.write('Stopped.\n');
    });
}
