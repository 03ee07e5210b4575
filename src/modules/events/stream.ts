// The event stream's engine (GET /v1/events/stream). Each open stream reads its scope's events in commit order
// (feed.ts) from its own position. Three things wake it: a commit of this process (at once), a poll for commits of
// other processes (every `pollIntervalMs`), and the heartbeat. Everything is bounded: streams per API key and in all,
// events per read, and reads per stream per second (a busy server commits far more often than a reader needs).
import type { EventStreamConfig } from '../../config.js';
import { eventMatchesFilters } from '../../domain/event-types.js';
import { AppError } from '../../domain/errors.js';
import type { Database } from '../../store/database.js';
import type { Scope } from '../../domain/scope.js';
import { eventsAfter, headPosition, positionOfEvent, type FeedHead } from './feed.js';
import { eventEnvelope, type EventRecord } from './service.js';

export interface StreamRequest {
  /** The credential the stream counts against. */
  credentialId: string;
  scope: Scope;
  /** Exact types or family wildcards (already validated); empty: every type. */
  typeFilters: readonly string[];
  /** Resume after this event (Last-Event-ID); absent: from now on. */
  lastEventId: string | undefined;
}

/** A stream with its slot reserved: `chunks` is its text, `stopped` aborts when the hub closes, `end` gives the slot back. */
export interface ReservedStream {
  chunks(signal: AbortSignal): AsyncIterable<string>;
  readonly stopped: AbortSignal;
  end(): void;
}

/** A stream reads at most this often, however often it is woken. */
const readIntervalMsMin = 25;
/** Events per read; a stream with more waiting reads again at once. */
const readBatchSize = 100;
/** How long a client waits before reconnecting, sent once at the start (the SSE `retry` field). */
export const reconnectDelayMs = 1_000;

/** One event on the wire: its id (what Last-Event-ID resumes from), its type, and the webhook envelope as JSON. */
export function serverSentEvent(event: EventRecord): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(eventEnvelope(event))}\n\n`;
}

export const heartbeatComment = ': heartbeat\n\n';

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** One open stream: what is due for it, and the wait between wake-ups. */
class Subscription {
  /** A read is due; the first one runs at once, for events that committed before the head was sent. */
  eventsDue = true;
  heartbeatDue = false;
  /** Aborted when the client leaves or the hub closes. */
  readonly stopped = new AbortController();
  private wakeWaiter: (() => void) | undefined;

  wake(due: 'events' | 'heartbeat'): void {
    if (due === 'events') this.eventsDue = true;
    else this.heartbeatDue = true;
    this.wakeWaiter?.();
  }

  /** Resolves when something is due or the stream stopped. */
  waitForWork(): Promise<void> {
    const signal = this.stopped.signal;
    if (this.eventsDue || this.heartbeatDue || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.wakeWaiter = undefined;
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.wakeWaiter = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * The stream's text. Besides events, it says where the stream is with an `id:` line and no data, which moves the
 * client's Last-Event-ID without an event: once at the start (the latest event before it, if any), so a client cut
 * off before its first event resumes without a gap, and with a heartbeat when the filters passed over events since,
 * so a filtered stream resumes after them instead of reading them again.
 */
async function* streamText(db: Database, scope: Scope, start: FeedHead, typeFilters: readonly string[], subscription: Subscription): AsyncGenerator<string> {
  const signal = subscription.stopped.signal;
  let position = start.position;
  /** The last event read, sent or passed over, and the last id the client was given. */
  let lastReadId = start.lastEventId;
  let lastSentId = start.lastEventId;
  let lastReadAtMs = -Infinity;
  yield `retry: ${reconnectDelayMs}\n${lastSentId === undefined ? '' : `id: ${lastSentId}\n`}\n`;
  while (!signal.aborted) {
    await subscription.waitForWork();
    if (signal.aborted) return;
    if (subscription.heartbeatDue) {
      subscription.heartbeatDue = false;
      const moved = lastReadId !== lastSentId;
      lastSentId = lastReadId;
      yield moved ? `: heartbeat\nid: ${lastReadId}\n\n` : heartbeatComment;
    }
    if (!subscription.eventsDue) continue;
    const waitMs = lastReadAtMs + readIntervalMsMin - performance.now();
    if (waitMs > 0) await pause(waitMs, signal);
    if (signal.aborted) return;
    // Cleared before the read: a wake during it makes the next read, so no commit is overlooked.
    subscription.eventsDue = false;
    lastReadAtMs = performance.now();
    const batch = await eventsAfter(db, scope, position, readBatchSize);
    position = batch.position;
    if (batch.events.length === readBatchSize) subscription.eventsDue = true;
    lastReadId = batch.events.at(-1)?.id ?? lastReadId;
    const sent = batch.events.filter((event) => eventMatchesFilters(event.type, typeFilters));
    if (sent.length === 0) continue;
    lastSentId = sent.at(-1)!.id;
    yield sent.map(serverSentEvent).join('');
  }
}

export class EventStreamHub {
  private readonly subscriptions = new Set<Subscription>();
  private readonly openByCredential = new Map<string, number>();
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private wakeScheduled = false;
  private closed = false;
  /** Set while close() waits for the last stream to end. */
  private allEnded: (() => void) | undefined;
  private readonly stopListening: () => void;

  constructor(
    private readonly db: Database,
    private readonly config: EventStreamConfig,
  ) {
    this.stopListening = db.onCommit(() => this.scheduleWake());
  }

  /** Open streams, all credentials together. */
  get openCount(): number {
    return this.subscriptions.size;
  }

  /**
   * Finds where the stream starts and reserves one of the credential's slots; refusals (an unknown Last-Event-ID,
   * too many streams) are thrown here, before anything is sent.
   */
  async reserve(request: StreamRequest): Promise<ReservedStream> {
    if (this.closed) throw new AppError('service_unavailable');
    let start: FeedHead;
    if (request.lastEventId === undefined) {
      start = await headPosition(this.db, request.scope);
    } else {
      const found = await positionOfEvent(this.db, request.scope, request.lastEventId);
      if (found === undefined) throw new AppError('resource_not_found', { resource: 'event', id: request.lastEventId, param: 'lastEventId' });
      start = { position: found, lastEventId: request.lastEventId };
    }
    // A slot is freed when a stream ends: its client closed it, or a write to a connection that is gone failed.
    const retryAfter = { 'Retry-After': String(Math.ceil(this.config.heartbeatIntervalMs / 1000)) };
    const open = this.openByCredential.get(request.credentialId) ?? 0;
    if (open >= this.config.streamsPerCredentialMax) throw new AppError('too_many_streams', { limit: this.config.streamsPerCredentialMax }, retryAfter);
    if (this.subscriptions.size >= this.config.streamsMax || this.closed) throw new AppError('service_unavailable', {}, retryAfter);

    const subscription = new Subscription();
    this.subscriptions.add(subscription);
    this.openByCredential.set(request.credentialId, open + 1);
    this.startTimers();
    let ended = false;
    return {
      stopped: subscription.stopped.signal,
      chunks: (signal) => {
        if (signal.aborted) subscription.stopped.abort();
        else signal.addEventListener('abort', () => subscription.stopped.abort(), { once: true });
        return streamText(this.db, request.scope, start, request.typeFilters, subscription);
      },
      end: () => {
        if (ended) return;
        ended = true;
        subscription.stopped.abort();
        this.subscriptions.delete(subscription);
        const remaining = (this.openByCredential.get(request.credentialId) ?? 1) - 1;
        if (remaining > 0) this.openByCredential.set(request.credentialId, remaining);
        else this.openByCredential.delete(request.credentialId);
        if (this.subscriptions.size === 0) {
          this.stopTimers();
          this.allEnded?.();
        }
      },
    };
  }

  /**
   * Ends every open stream (their clients reconnect elsewhere) and refuses new ones: the server is stopping. Resolves
   * once every stream has ended, or after `waitMsMax`.
   */
  async close(waitMsMax = 5_000): Promise<void> {
    this.closed = true;
    this.stopListening();
    for (const subscription of this.subscriptions) subscription.stopped.abort();
    if (this.subscriptions.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMsMax);
        this.allEnded = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.stopTimers();
  }

  /** Called on every commit of this process: one wake-up for all streams on the next turn, however many commits. */
  private scheduleWake(): void {
    if (this.wakeScheduled || this.subscriptions.size === 0) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.wakeAll('events');
    });
  }

  private wakeAll(due: 'events' | 'heartbeat'): void {
    for (const subscription of this.subscriptions) subscription.wake(due);
  }

  private startTimers(): void {
    if (this.pollTimer !== undefined) return;
    this.pollTimer = setInterval(() => this.wakeAll('events'), this.config.pollIntervalMs).unref();
    this.heartbeatTimer = setInterval(() => this.wakeAll('heartbeat'), this.config.heartbeatIntervalMs).unref();
  }

  private stopTimers(): void {
    clearInterval(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    this.pollTimer = undefined;
    this.heartbeatTimer = undefined;
  }
}
