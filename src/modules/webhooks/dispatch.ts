// The delivery worker's database side: fan events out of the outbox into deliveries, lease due deliveries, record
// what an attempt got. Each is one short transaction; the HTTP request happens between a lease and its record, in no
// transaction. A lease is a per-delivery token with an expiry (wall clock): rows are picked with FOR UPDATE SKIP
// LOCKED on PostgreSQL (SQLite's single writer serializes), so two processes never hold the same attempt, and an
// attempt's result is written only by the holder of its lease.
import { randomUUID } from 'node:crypto';
import { environmentTimeMs } from '../../domain/clock.js';
import type { Environment } from '../../domain/environment.js';
import type { Secrets } from '../../secrets.js';
import { forUpdate, type Database, type Sql } from '../../store/database.js';
import { eventEnvelope, recordEvent, type EventRecord } from '../events/service.js';
import { sandboxOffsetMs } from '../sandbox/clock.js';
import type { Scope } from '../../domain/scope.js';
import { attemptsMax, nextAttemptAtMs } from './retry-schedule.js';
import type { DeliveryOrigin } from './schemas.js';
import { createDelivery, enabledEndpointsOf, endpointWantsEvent, getDelivery, secretsInForce, type EndpointTarget } from './service.js';
import type { WebhookResponse } from './transport.js';

async function environmentNowMs(tx: Sql, scope: Scope, wallClockMs: number): Promise<number> {
  return environmentTimeMs(wallClockMs, scope.environment, await sandboxOffsetMs(tx, scope));
}

interface EventRow {
  id: string;
  organization_id: string;
  environment: Environment;
  type: string;
  data: string;
  created_at: number;
}

/**
 * Fans out up to `batchSize` events not yet dispatched: a delivery for each enabled endpoint that wants it, and
 * the event marked dispatched — all in one transaction, so an event is fanned out exactly once. Events are picked
 * by their `dispatched_at IS NULL`, not by an id cursor: on PostgreSQL transactions commit out of id order.
 */
export async function fanOutEvents(db: Database, wallClockMs: number, batchSize: number): Promise<number> {
  const waiting = await db.get<{ id: string }>('SELECT id FROM events WHERE dispatched_at IS NULL LIMIT 1');
  if (waiting === undefined) return 0;
  return db.transaction(async (tx) => {
    const events = await tx.all<EventRow>(
      `SELECT id, organization_id, environment, type, data, created_at FROM events WHERE dispatched_at IS NULL ORDER BY id LIMIT ?${forUpdate(tx, { skipLocked: true })}`,
      [batchSize],
    );
    if (events.length === 0) return 0;
    const endpointsByScope = new Map<string, { endpoints: EndpointTarget[]; nowMs: number }>();
    for (const event of events) {
      const scope: Scope = { organizationId: event.organization_id, environment: event.environment };
      const scopeKey = `${scope.organizationId}/${scope.environment}`;
      let targets = endpointsByScope.get(scopeKey);
      if (targets === undefined) {
        targets = { endpoints: await enabledEndpointsOf(tx, scope), nowMs: await environmentNowMs(tx, scope, wallClockMs) };
        endpointsByScope.set(scopeKey, targets);
      }
      if (targets.endpoints.length === 0) continue;
      const object = (JSON.parse(event.data) as EventRecord['data']).object;
      for (const endpoint of targets.endpoints) {
        if (endpointWantsEvent(endpoint, event.type, object)) await createDelivery(tx, scope, endpoint.id, event.id, 'event', targets.nowMs);
      }
    }
    await tx.run(`UPDATE events SET dispatched_at = ? WHERE id IN (${events.map(() => '?').join(', ')})`, [wallClockMs, ...events.map((event) => event.id)]);
    return events.length;
  });
}

/** A delivery this worker holds the lease of: everything needed to send it, and to record its result. */
export interface LeasedDelivery {
  deliveryId: string;
  leaseOwner: string;
  scope: Scope;
  endpointId: string;
  origin: DeliveryOrigin;
  url: string;
  eventId: string;
  eventType: string;
  attemptNumber: number;
  /** The JSON envelope, exactly as signed and sent. */
  body: string;
  /** The secrets that sign this attempt (two during a rotation). */
  secrets: string[];
  /** Set when the attempt cannot be made at all (the secret cannot be opened): recorded as a failed attempt. */
  problem?: string;
}

export interface LeaseRequest {
  /** This process: the lease tokens it takes start with it, so it can release them all on shutdown. */
  workerId: string;
  wallClockMs: number;
  leaseMs: number;
  /** How many deliveries this worker can start now. */
  limit: number;
  /** How many more requests each endpoint can take from this worker now; endpoints absent take `endpointCapacity`. */
  endpointSlots: ReadonlyMap<string, number>;
  endpointCapacity: number;
  secrets: Pick<Secrets, 'masterKey'>;
}

interface CandidateRow {
  id: string;
  endpoint_id: string;
}

interface LeasedRow {
  id: string;
  organization_id: string;
  environment: Environment;
  endpoint_id: string;
  origin: DeliveryOrigin;
  attempt_count: number;
  event_id: string;
  url: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: number | null;
  event_type: string;
  event_data: string;
  event_created_at: number;
  offset_ms: number;
}

/** The environment offset of a delivery's organization environment (sandbox only; live runs on the wall clock). */
const offsetSql = "(CASE WHEN d.environment = 'sandbox' THEN COALESCE(c.offset_ms, 0) ELSE 0 END)";

const dueFrom = `
  FROM webhook_deliveries d
  JOIN webhook_endpoints w ON w.id = d.endpoint_id
  LEFT JOIN environment_clocks c ON c.organization_id = d.organization_id AND c.environment = d.environment
  WHERE d.status = 'pending' AND w.status = 'enabled' AND w.deleted_at IS NULL
    AND d.next_attempt_at <= ? + ${offsetSql}
    AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= ?)`;

/**
 * Leases due deliveries: pending, of an enabled endpoint, whose next attempt is due on their environment's clock and
 * whose lease (if any) has expired. At most `limit`, and per endpoint at most its free slots. An expired lease is
 * taken over: its holder stopped or overran, and its result will be refused.
 */
export async function leaseDueDeliveries(db: Database, request: LeaseRequest): Promise<LeasedDelivery[]> {
  if (request.limit <= 0) return [];
  const full = [...request.endpointSlots].filter(([, slots]) => slots <= 0).map(([endpointId]) => endpointId);
  const notFull = full.length === 0 ? '' : ` AND d.endpoint_id NOT IN (${full.map(() => '?').join(', ')})`;
  const params = [request.wallClockMs, request.wallClockMs, ...full];
  const candidateLimit = Math.min(request.limit * 4, 400);

  const anyDue = await db.get<{ id: string }>(`SELECT d.id${dueFrom}${notFull} LIMIT 1`, params);
  if (anyDue === undefined) return [];

  const leased = await db.transaction(async (tx) => {
    const candidates = await tx.all<CandidateRow>(
      `SELECT d.id, d.endpoint_id${dueFrom}${notFull} ORDER BY d.next_attempt_at LIMIT ?${forUpdate(tx, { of: 'd', skipLocked: true })}`,
      [...params, candidateLimit],
    );
    const slots = new Map(request.endpointSlots);
    const chosen: Array<{ id: string; leaseOwner: string }> = [];
    for (const candidate of candidates) {
      if (chosen.length >= request.limit) break;
      const free = slots.get(candidate.endpoint_id) ?? request.endpointCapacity;
      if (free <= 0) continue;
      slots.set(candidate.endpoint_id, free - 1);
      chosen.push({ id: candidate.id, leaseOwner: `${request.workerId}/${randomUUID()}` });
    }
    for (const { id, leaseOwner } of chosen) {
      await tx.run('UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ? WHERE id = ?', [leaseOwner, request.wallClockMs + request.leaseMs, id]);
    }
    if (chosen.length === 0) return [];
    const rows = await tx.all<LeasedRow>(
      `SELECT d.id, d.organization_id, d.environment, d.endpoint_id, d.origin, d.attempt_count, d.event_id,
              w.url, w.secret_ciphertext, w.previous_secret_ciphertext, w.previous_secret_expires_at,
              e.type AS event_type, e.data AS event_data, e.created_at AS event_created_at, ${offsetSql} AS offset_ms
       FROM webhook_deliveries d
       JOIN webhook_endpoints w ON w.id = d.endpoint_id
       JOIN events e ON e.id = d.event_id
       LEFT JOIN environment_clocks c ON c.organization_id = d.organization_id AND c.environment = d.environment
       WHERE d.id IN (${chosen.map(() => '?').join(', ')})`,
      chosen.map((choice) => choice.id),
    );
    const owners = new Map(chosen.map((choice) => [choice.id, choice.leaseOwner]));
    return rows.map((row) => ({ row, leaseOwner: owners.get(row.id)! }));
  });

  // Decrypting and building bodies happens after the commit: the writer is not held for it.
  return leased.map(({ row, leaseOwner }) => {
    const environmentNow = environmentTimeMs(request.wallClockMs, row.environment, Number(row.offset_ms));
    const envelope = eventEnvelope({ id: row.event_id, type: row.event_type, createdAtMs: row.event_created_at, organizationId: row.organization_id, environment: row.environment, data: JSON.parse(row.event_data) as EventRecord['data'] });
    let secrets: string[] = [];
    let problem: string | undefined;
    try {
      secrets = secretsInForce(
        { id: row.endpoint_id, secret_ciphertext: row.secret_ciphertext, previous_secret_ciphertext: row.previous_secret_ciphertext, previous_secret_expires_at: row.previous_secret_expires_at },
        environmentNow,
        request.secrets,
      );
    } catch {
      problem = 'the endpoint secret cannot be opened with this deployment master key (CARDRAIL_MASTER_KEY differs between processes?)';
    }
    return {
      deliveryId: row.id,
      leaseOwner,
      scope: { organizationId: row.organization_id, environment: row.environment },
      endpointId: row.endpoint_id,
      origin: row.origin,
      url: row.url,
      eventId: row.event_id,
      eventType: row.event_type,
      attemptNumber: row.attempt_count + 1,
      body: JSON.stringify(envelope),
      secrets,
      ...(problem === undefined ? {} : { problem }),
    };
  });
}

export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'endpoint_disabled' | 'lease_lost';

/** How many attempts a delivery of this origin gets: Send Test is one attempt, everything else the full schedule. */
export function attemptsFor(origin: DeliveryOrigin): number {
  return origin === 'test' ? 1 : attemptsMax;
}

/**
 * Records one attempt, only while still holding its lease: 2xx → succeeded; 410 → failed and the endpoint disabled
 * (its other pending deliveries canceled); anything else → the next retry scheduled on the environment's clock, or
 * after the last attempt `failed` with a `webhook.delivery_exhausted` event.
 */
export async function recordAttempt(db: Database, leased: LeasedDelivery, response: WebhookResponse, wallClockMs: number, random: number = Math.random()): Promise<AttemptOutcome> {
  return db.transaction(async (tx) => {
    const nowMs = await environmentNowMs(tx, leased.scope, wallClockMs);
    const succeeded = response.statusCode !== null && response.statusCode >= 200 && response.statusCode < 300;
    const gone = response.statusCode === 410;
    // Endpoint before deliveries, the order a disable or delete takes its locks in, so the two cannot deadlock.
    if (gone) await tx.get(`SELECT id FROM webhook_endpoints WHERE id = ?${forUpdate(tx)}`, [leased.endpointId]);
    const nextAtMs = succeeded || gone || leased.attemptNumber >= attemptsFor(leased.origin) ? undefined : nextAttemptAtMs(leased.attemptNumber, nowMs, random);
    const status = succeeded ? 'succeeded' : nextAtMs === undefined ? 'failed' : 'pending';
    const statusReason = succeeded
      ? null
      : gone
        ? 'the endpoint answered 410 Gone and was disabled'
        : status === 'failed'
          ? leased.origin === 'test'
            ? 'Send Test makes one attempt'
            : `all ${attemptsMax} attempts failed`
          : null;
    const updated = await tx.run(
      `UPDATE webhook_deliveries SET status = ?, status_reason = ?, attempt_count = ?, next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?, completed_at = ?
       WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
      [status, statusReason, leased.attemptNumber, nextAtMs ?? null, nowMs, status === 'pending' ? null : nowMs, leased.deliveryId, leased.leaseOwner],
    );
    if (updated.changes === 0) return 'lease_lost';
    await tx.run('INSERT INTO webhook_attempts (delivery_id, attempt_number, status_code, latency_ms, error, response_excerpt, attempted_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      leased.deliveryId,
      leased.attemptNumber,
      response.statusCode,
      response.latencyMs,
      response.error,
      response.responseExcerpt,
      nowMs,
    ]);
    if (gone) {
      const disabled = await tx.run(
        "UPDATE webhook_endpoints SET status = 'disabled', status_reason = ?, updated_at = ? WHERE id = ? AND status = 'enabled'",
        [`the endpoint answered 410 Gone on ${new Date(nowMs).toISOString()}`, nowMs, leased.endpointId],
      );
      if (disabled.changes > 0) {
        await tx.run(
          `UPDATE webhook_deliveries SET status = 'canceled', status_reason = 'the endpoint was disabled (410 Gone)', next_attempt_at = NULL, updated_at = ?, completed_at = ?
           WHERE endpoint_id = ? AND status = 'pending' AND id <> ?`,
          [nowMs, nowMs, leased.endpointId, leased.deliveryId],
        );
      }
      return 'endpoint_disabled';
    }
    if (status === 'failed' && leased.origin !== 'test') {
      await recordEvent(tx, leased.scope, 'webhook.delivery_exhausted', await getDelivery(tx, leased.deliveryId), nowMs);
    }
    return status === 'pending' ? 'retrying' : status;
  });
}

/** Gives a lease back without an attempt (the worker is stopping): the delivery is due again at once. */
export async function releaseLease(db: Database, leased: LeasedDelivery): Promise<void> {
  await db.run('UPDATE webhook_deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?', [leased.deliveryId, leased.leaseOwner]);
}
