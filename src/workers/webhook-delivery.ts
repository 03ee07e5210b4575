// The webhook delivery worker (SPEC §6): fans events out of the outbox into deliveries, leases due deliveries and
// sends them — signed per Standard Webhooks, at most `concurrencyMax` requests in flight per process and
// `endpointConcurrencyMax` per endpoint — then records each result while still holding its lease. It runs inside
// `cardrail serve` and alone as `cardrail worker`; any number of them may share one PostgreSQL database.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppContext } from '../app-context.js';
import { systemClock } from '../clock.js';
import type { WebhookConfig } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { privateNetworksAllowed } from '../modules/webhooks/destination.js';
import { fanOutEvents, leaseDueDeliveries, recordAttempt, releaseLease, type AttemptOutcome, type LeasedDelivery } from '../modules/webhooks/dispatch.js';
import { signedWebhookHeaders } from '../modules/webhooks/signing.js';
import { postWebhook } from '../modules/webhooks/transport.js';

/** Fan-out transactions per pass at most, so one pass over a large backlog still ends and lets deliveries run. */
const fanOutBatchesPerPassMax = 10;
/** On stop, requests in flight get this long to finish before they are aborted and their leases given back. */
const stopGraceMsMax = 10_000;

/** What the worker needs of an app: `cardrail worker` has no HTTP server or rate limiter. */
export type DeliveryWorkerContext = Pick<AppContext, 'db' | 'clock' | 'logger' | 'secrets' | 'config'>;

export interface WebhookDeliveryWorkerOptions {
  /** Defaults to the app's `config.webhooks`. */
  settings?: WebhookConfig;
  /** Names this process in lease tokens; defaults to host, pid and a random suffix. */
  workerId?: string;
  /**
   * The clock `webhook-timestamp` is read from: always the real wall clock by default, never an environment's
   * (advanced sandbox) time, because receivers compare it with their own clock (5-minute tolerance).
   */
  signingClock?: Clock;
  /** Jitter source, [0, 1). */
  random?: () => number;
}

export interface DeliveryResult {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  attemptNumber: number;
  statusCode: number | null;
  outcome: AttemptOutcome | 'released';
}

export class WebhookDeliveryWorker {
  readonly workerId: string;
  readonly settings: WebhookConfig;
  private readonly signingClock: Clock;
  private readonly random: () => number;
  private readonly inFlight = new Map<string, Promise<DeliveryResult | undefined>>();
  private readonly inFlightByEndpoint = new Map<string, number>();
  private readonly abortController = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private currentPass: Promise<void> | undefined;
  private passRequested = false;
  private stopped = false;

  constructor(
    private readonly app: DeliveryWorkerContext,
    options: WebhookDeliveryWorkerOptions = {},
  ) {
    this.settings = options.settings ?? app.config.webhooks;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.signingClock = options.signingClock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** A lease outlives the request's own deadline, so a slow receiver never loses its lease to a second sender. */
  get leaseMs(): number {
    return this.settings.requestTimeoutMs * 2;
  }

  /** Fans out waiting events (a bounded number of batches); answers how many events were dispatched. */
  async dispatch(): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < fanOutBatchesPerPassMax; batch += 1) {
      const count = await fanOutEvents(this.app.db, this.app.clock.nowMs(), this.settings.fanOutBatchSize);
      total += count;
      if (count < this.settings.fanOutBatchSize) break;
    }
    return total;
  }

  /** Leases as many due deliveries as there are free slots and starts sending them; answers how many started. */
  async deliverDue(): Promise<number> {
    if (this.stopped) return 0;
    const limit = this.settings.concurrencyMax - this.inFlight.size;
    if (limit <= 0) return 0;
    const endpointSlots = new Map<string, number>();
    for (const [endpointId, count] of this.inFlightByEndpoint) endpointSlots.set(endpointId, this.settings.endpointConcurrencyMax - count);
    const leased = await leaseDueDeliveries(this.app.db, {
      workerId: this.workerId,
      wallClockMs: this.app.clock.nowMs(),
      leaseMs: this.leaseMs,
      limit,
      endpointSlots,
      endpointCapacity: this.settings.endpointConcurrencyMax,
      secrets: this.app.secrets,
    });
    for (const delivery of leased) this.startSending(delivery);
    return leased.length;
  }

  /**
   * One pass, awaited to the end: fan out, send what is due, wait for every request and its record. Tests drive the
   * worker with this (and the clocks) instead of sleeping.
   */
  async runOnce(): Promise<DeliveryResult[]> {
    await this.dispatch();
    await this.deliverDue();
    const results = await Promise.all([...this.inFlight.values()]);
    return results.filter((result): result is DeliveryResult => result !== undefined);
  }

  /** Passes until one sends nothing (at most `passesMax`): everything due now has been attempted. */
  async drain(passesMax = 100): Promise<DeliveryResult[]> {
    const all: DeliveryResult[] = [];
    for (let pass = 0; pass < passesMax; pass += 1) {
      const results = await this.runOnce();
      if (results.length === 0) break;
      all.push(...results);
    }
    return all;
  }

  /** Runs in the background: a pass every poll interval, and at once when a request finishes and frees a slot. */
  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => this.requestPass(), this.settings.pollIntervalMs);
    this.timer.unref();
    this.requestPass();
  }

  private requestPass(): void {
    if (this.stopped) return;
    if (this.currentPass !== undefined) {
      this.passRequested = true;
      return;
    }
    this.currentPass = (async () => {
      try {
        do {
          this.passRequested = false;
          await this.dispatch();
          await this.deliverDue();
        } while (this.passRequested && !this.stopped);
      } catch (error) {
        if (!this.stopped) this.app.logger.warn({ err: error }, 'webhook delivery pass failed');
      } finally {
        this.currentPass = undefined;
      }
    })();
  }

  private startSending(delivery: LeasedDelivery): void {
    this.inFlightByEndpoint.set(delivery.endpointId, (this.inFlightByEndpoint.get(delivery.endpointId) ?? 0) + 1);
    const sending = this.send(delivery)
      .catch((error: unknown) => {
        if (!this.stopped) this.app.logger.warn({ err: error, deliveryId: delivery.deliveryId }, 'webhook delivery failed to record');
        return undefined;
      })
      .finally(() => {
        this.inFlight.delete(delivery.deliveryId);
        const count = (this.inFlightByEndpoint.get(delivery.endpointId) ?? 1) - 1;
        if (count <= 0) this.inFlightByEndpoint.delete(delivery.endpointId);
        else this.inFlightByEndpoint.set(delivery.endpointId, count);
        if (this.timer !== undefined) this.requestPass();
      });
    this.inFlight.set(delivery.deliveryId, sending);
  }

  private async send(delivery: LeasedDelivery): Promise<DeliveryResult> {
    const timestampSeconds = Math.floor(this.signingClock.nowMs() / 1000);
    const response = delivery.problem !== undefined ? { statusCode: null, latencyMs: 0, error: delivery.problem, responseExcerpt: null, aborted: false } : await postWebhook({
      url: delivery.url,
      body: delivery.body,
      headers: signedWebhookHeaders(delivery.secrets, delivery.eventId, timestampSeconds, delivery.body),
      timeoutMs: this.settings.requestTimeoutMs,
      allowPrivateNetworks: privateNetworksAllowed(delivery.scope.environment, this.settings.allowPrivateNetworksInLive),
      signal: this.abortController.signal,
    });
    const base = { deliveryId: delivery.deliveryId, eventId: delivery.eventId, endpointId: delivery.endpointId, attemptNumber: delivery.attemptNumber, statusCode: response.statusCode };
    if (response.aborted) {
      await releaseLease(this.app.db, delivery);
      return { ...base, outcome: 'released' };
    }
    const outcome = await recordAttempt(this.app.db, delivery, response, this.app.clock.nowMs(), this.random());
    const log = outcome === 'succeeded' ? this.app.logger.debug.bind(this.app.logger) : this.app.logger.info.bind(this.app.logger);
    log(
      { deliveryId: delivery.deliveryId, eventId: delivery.eventId, endpointId: delivery.endpointId, attempt: delivery.attemptNumber, statusCode: response.statusCode, latencyMs: response.latencyMs, outcome, error: response.error ?? undefined },
      'webhook attempt',
    );
    return { ...base, outcome };
  }

  /**
   * Stops taking work, lets requests in flight finish (up to the request timeout, at most 10 s), then aborts the
   * rest and gives their leases back so another worker sends them at once.
   */
  async stop(graceMs: number = Math.min(this.settings.requestTimeoutMs, stopGraceMsMax)): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.currentPass;
    const pending = [...this.inFlight.values()];
    if (pending.length > 0) {
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, graceMs);
      });
      await Promise.race([Promise.all(pending), grace]);
      clearTimeout(graceTimer);
      this.abortController.abort();
      await Promise.all(pending);
    }
  }
}

/** Starts the worker of a running server; returns its stop function. */
export function startWebhookDeliveryWorker(app: DeliveryWorkerContext, options: WebhookDeliveryWorkerOptions = {}): WebhookDeliveryWorker {
  const worker = new WebhookDeliveryWorker(app, options);
  worker.start();
  return worker;
}
