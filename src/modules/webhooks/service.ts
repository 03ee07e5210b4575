// Webhook endpoints and their deliveries, as the API sees them: register, change, disable, delete, reveal and rotate
// the secret, list deliveries with their attempts, Send Test, redeliver an event. Nothing here makes an HTTP call:
// these functions create `pending` deliveries that the delivery worker (src/workers/webhook-delivery.ts) sends.
import { AppError } from '../../domain/errors.js';
import { eventMatchesFilters, isValidEventFilter } from '../../domain/event-types.js';
import { newId } from '../../domain/ids.js';
import type { Secrets } from '../../secrets.js';
import { forShare, forUpdate, type Sql } from '../../store/database.js';
import { getEvent, recordEvent } from '../events/service.js';
import { columnEquals, decodeCursor, inScope, listPage, toPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';
import { checkEndpointUrl } from './destination.js';
import type { CreateEndpointInput, DeliveryOrigin, DeliveryStatus, EndpointStatus, UpdateEndpointInput } from './schemas.js';
import { newWebhookSecret, openWebhookSecret, sealWebhookSecret } from './signing.js';

/** An organization environment holds at most this many endpoints (deleted ones do not count). */
export const endpointsPerEnvironmentMax = 50;
/** After a rotation the previous secret also signs for this long (environment time). */
export const previousSecretLifetimeMs = 24 * 3_600_000;

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventFilters: string[];
  status: EndpointStatus;
  statusReason: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface EndpointRow {
  id: string;
  organization_id: string;
  environment: string;
  url: string;
  description: string | null;
  event_filters: string;
  status: EndpointStatus;
  status_reason: string | null;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

function endpointFromRow(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventFilters: JSON.parse(row.event_filters) as string[],
    status: row.status,
    statusReason: row.status_reason,
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
  };
}

export function presentEndpoint(endpoint: WebhookEndpoint) {
  return {
    object: 'webhook_endpoint' as const,
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: endpoint.eventFilters,
    status: endpoint.status,
    enabled: endpoint.status === 'enabled',
    statusReason: endpoint.statusReason,
    createdAt: new Date(endpoint.createdAtMs).toISOString(),
    updatedAt: new Date(endpoint.updatedAtMs).toISOString(),
  };
}

export interface EndpointPolicy {
  secrets: Pick<Secrets, 'masterKey'>;
  allowPrivateNetworksInLive: boolean;
}

/**
 * Validates event filters against the catalogue; duplicates are dropped, order kept. `*` (LedgerOS's spelling of
 * every type) is the empty list, which means every type.
 */
function checkEventFilters(filters: readonly string[]): string[] {
  if (filters.includes('*')) return [];
  filters.forEach((filter, index) => {
    if (!isValidEventFilter(filter)) throw new AppError('unknown_event_type', { param: `events[${index}]`, eventType: filter });
  });
  return [...new Set(filters)];
}

function endpointNotFound(endpointId: string): AppError {
  return new AppError('resource_not_found', { resource: 'webhook endpoint', id: endpointId, param: 'id' });
}

async function endpointRow(sql: Sql, scope: Scope, endpointId: string, lock: boolean): Promise<EndpointRow> {
  const row = await sql.get<EndpointRow>(
    `SELECT * FROM webhook_endpoints WHERE id = ? AND organization_id = ? AND environment = ? AND deleted_at IS NULL${lock ? forUpdate(sql) : ''}`,
    [endpointId, scope.organizationId, scope.environment],
  );
  if (row === undefined) throw endpointNotFound(endpointId);
  return row;
}

export async function createEndpoint(tx: Sql, scope: Scope, input: CreateEndpointInput, nowMs: number, policy: EndpointPolicy): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = checkEndpointUrl(input.url, scope.environment, policy.allowPrivateNetworksInLive);
  const eventFilters = checkEventFilters(input.events ?? []);
  const count = await tx.get<{ count: number }>('SELECT COUNT(*) AS count FROM webhook_endpoints WHERE organization_id = ? AND environment = ? AND deleted_at IS NULL', [
    scope.organizationId,
    scope.environment,
  ]);
  if (Number(count?.count ?? 0) >= endpointsPerEnvironmentMax) throw new AppError('webhook_endpoint_limit_reached', { limit: endpointsPerEnvironmentMax });
  const id = newId('webhook', nowMs);
  const secret = newWebhookSecret();
  const endpoint: WebhookEndpoint = { id, url, description: input.description ?? null, eventFilters, status: 'enabled', statusReason: null, createdAtMs: nowMs, updatedAtMs: nowMs };
  await tx.run(
    `INSERT INTO webhook_endpoints (id, organization_id, environment, url, description, event_filters, status, secret_ciphertext, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'enabled', ?, ?, ?)`,
    [id, scope.organizationId, scope.environment, url, endpoint.description, JSON.stringify(eventFilters), sealWebhookSecret(policy.secrets, id, secret), nowMs, nowMs],
  );
  return { endpoint, secret };
}

export async function getEndpoint(sql: Sql, scope: Scope, endpointId: string): Promise<WebhookEndpoint> {
  return endpointFromRow(await endpointRow(sql, scope, endpointId, false));
}

export async function listEndpoints(sql: Sql, scope: Scope, query: ListQuery) {
  return listPage(sql, 'webhook_endpoints', [inScope(scope), { sql: 'deleted_at IS NULL', params: [] }], query, (row: EndpointRow) => presentEndpoint(endpointFromRow(row)));
}

/** Cancels the pending deliveries of an endpoint that was disabled or deleted: they would never be sent. */
async function cancelPendingDeliveries(tx: Sql, endpointId: string, reason: string, nowMs: number): Promise<void> {
  await tx.run(
    `UPDATE webhook_deliveries SET status = 'canceled', status_reason = ?, next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?, completed_at = ?
     WHERE endpoint_id = ? AND status = 'pending'`,
    [reason, nowMs, nowMs, endpointId],
  );
}

export async function updateEndpoint(tx: Sql, scope: Scope, endpointId: string, input: UpdateEndpointInput, nowMs: number, policy: EndpointPolicy): Promise<WebhookEndpoint> {
  const row = await endpointRow(tx, scope, endpointId, true);
  const current = endpointFromRow(row);
  const url = input.url === undefined ? current.url : checkEndpointUrl(input.url, scope.environment, policy.allowPrivateNetworksInLive);
  const eventFilters = input.events === undefined ? current.eventFilters : checkEventFilters(input.events);
  const description = input.description === undefined ? current.description : input.description;
  // `status` (LedgerOS) and `enabled` say the same thing; both may be sent, but not to contradict each other.
  const fromEnabled: EndpointStatus | undefined = input.enabled === undefined ? undefined : input.enabled ? 'enabled' : 'disabled';
  if (input.status !== undefined && fromEnabled !== undefined && input.status !== fromEnabled) {
    throw new AppError('invalid_parameter_value', { param: 'status', reason: `status ${input.status} contradicts enabled ${String(input.enabled)}; send one of them` });
  }
  const wanted = input.status ?? fromEnabled;
  let status = current.status;
  let statusReason = current.statusReason;
  if (wanted === 'enabled' && current.status === 'disabled') {
    status = 'enabled';
    statusReason = null;
  } else if (wanted === 'disabled' && current.status === 'enabled') {
    status = 'disabled';
    statusReason = 'manual';
  }
  await tx.run('UPDATE webhook_endpoints SET url = ?, event_filters = ?, description = ?, status = ?, status_reason = ?, updated_at = ? WHERE id = ?', [
    url,
    JSON.stringify(eventFilters),
    description,
    status,
    statusReason,
    nowMs,
    endpointId,
  ]);
  if (status === 'disabled' && current.status === 'enabled') await cancelPendingDeliveries(tx, endpointId, 'the endpoint was disabled', nowMs);
  return { ...current, url, eventFilters, description, status, statusReason, updatedAtMs: nowMs };
}

/** Deleting is final: the endpoint disappears from the API, its pending deliveries are canceled, its history kept. */
export async function deleteEndpoint(tx: Sql, scope: Scope, endpointId: string, nowMs: number): Promise<WebhookEndpoint> {
  const row = await endpointRow(tx, scope, endpointId, true);
  await tx.run("UPDATE webhook_endpoints SET deleted_at = ?, status = 'disabled', status_reason = 'deleted', updated_at = ? WHERE id = ?", [nowMs, nowMs, endpointId]);
  await cancelPendingDeliveries(tx, endpointId, 'the endpoint was deleted', nowMs);
  return { ...endpointFromRow(row), status: 'disabled', statusReason: 'deleted', updatedAtMs: nowMs };
}

export interface EndpointSecret {
  secret: string;
  previousSecretExpiresAtMs: number | null;
}

export async function getEndpointSecret(sql: Sql, scope: Scope, endpointId: string, nowMs: number, secrets: Pick<Secrets, 'masterKey'>): Promise<EndpointSecret> {
  const row = await endpointRow(sql, scope, endpointId, false);
  const previousInForce = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > nowMs;
  return { secret: openWebhookSecret(secrets, row.id, row.secret_ciphertext), previousSecretExpiresAtMs: previousInForce ? row.previous_secret_expires_at : null };
}

/**
 * A new secret signs from now on; the current one keeps signing too for 24 h, so receivers can switch without
 * losing a delivery. Rotating again within those 24 h retires the older previous secret at once.
 */
export async function rotateEndpointSecret(tx: Sql, scope: Scope, endpointId: string, nowMs: number, secrets: Pick<Secrets, 'masterKey'>): Promise<{ endpoint: WebhookEndpoint; secret: EndpointSecret }> {
  const row = await endpointRow(tx, scope, endpointId, true);
  const secret = newWebhookSecret();
  const previousSecretExpiresAtMs = nowMs + previousSecretLifetimeMs;
  await tx.run('UPDATE webhook_endpoints SET secret_ciphertext = ?, previous_secret_ciphertext = ?, previous_secret_expires_at = ?, updated_at = ? WHERE id = ?', [
    sealWebhookSecret(secrets, row.id, secret),
    row.secret_ciphertext,
    previousSecretExpiresAtMs,
    nowMs,
    row.id,
  ]);
  return { endpoint: { ...endpointFromRow(row), updatedAtMs: nowMs }, secret: { secret, previousSecretExpiresAtMs } };
}

/** The secrets that sign a delivery at environment time `nowMs`: the current one, and the previous while in force. */
export function secretsInForce(row: Pick<EndpointRow, 'id' | 'secret_ciphertext' | 'previous_secret_ciphertext' | 'previous_secret_expires_at'>, nowMs: number, secrets: Pick<Secrets, 'masterKey'>): string[] {
  const current = openWebhookSecret(secrets, row.id, row.secret_ciphertext);
  if (row.previous_secret_ciphertext === null || row.previous_secret_expires_at === null || row.previous_secret_expires_at <= nowMs) return [current];
  return [current, openWebhookSecret(secrets, row.id, row.previous_secret_ciphertext)];
}

// Deliveries

export interface DeliveryRow {
  id: string;
  organization_id: string;
  environment: string;
  endpoint_id: string;
  event_id: string;
  origin: DeliveryOrigin;
  status: DeliveryStatus;
  status_reason: string | null;
  attempt_count: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

interface AttemptRow {
  delivery_id: string;
  attempt_number: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_excerpt: string | null;
  attempted_at: number;
}

function isoOrNull(timeMs: number | null): string | null {
  return timeMs === null ? null : new Date(timeMs).toISOString();
}

export function presentDelivery(row: DeliveryRow, eventType: string, attempts: readonly AttemptRow[]) {
  return {
    object: 'webhook_delivery' as const,
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType,
    origin: row.origin,
    status: row.status,
    statusReason: row.status_reason,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.status === 'pending' ? isoOrNull(row.next_attempt_at) : null,
    attempts: attempts.map((attempt) => ({
      number: attempt.attempt_number,
      statusCode: attempt.status_code,
      latencyMs: attempt.latency_ms,
      error: attempt.error,
      responseExcerpt: attempt.response_excerpt,
      attemptedAt: new Date(attempt.attempted_at).toISOString(),
    })),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    completedAt: isoOrNull(row.completed_at),
  };
}
export type PresentedDelivery = ReturnType<typeof presentDelivery>;

type DeliveryWithType = DeliveryRow & { event_type: string };

/** Presents deliveries with their attempts: one query for the attempts of the whole page (at most 100 deliveries). */
async function presentDeliveries(sql: Sql, rows: readonly DeliveryWithType[]): Promise<PresentedDelivery[]> {
  if (rows.length === 0) return [];
  const attempts = await sql.all<AttemptRow>(
    `SELECT * FROM webhook_attempts WHERE delivery_id IN (${rows.map(() => '?').join(', ')}) ORDER BY delivery_id, attempt_number`,
    rows.map((row) => row.id),
  );
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.delivery_id) ?? [];
    list.push(attempt);
    byDelivery.set(attempt.delivery_id, list);
  }
  return rows.map((row) => presentDelivery(row, row.event_type, byDelivery.get(row.id) ?? []));
}

export async function getDelivery(sql: Sql, deliveryId: string): Promise<PresentedDelivery> {
  const row = await sql.get<DeliveryWithType>('SELECT d.*, e.type AS event_type FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?', [deliveryId]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'webhook delivery', id: deliveryId, param: 'id' });
  return (await presentDeliveries(sql, [row]))[0]!;
}

/** An endpoint's deliveries, newest first, each with every attempt; filters: status, eventId. */
export async function listDeliveries(sql: Sql, scope: Scope, endpointId: string, query: ListQuery & { status?: DeliveryStatus | undefined; eventId?: string | undefined }) {
  await endpointRow(sql, scope, endpointId, false);
  const before = decodeCursor(query.cursor);
  const filters = [columnEquals('d.endpoint_id', endpointId), columnEquals('d.status', query.status), columnEquals('d.event_id', query.eventId), before === undefined ? undefined : { sql: 'd.id < ?', params: [before] }].filter(
    (filter) => filter !== undefined,
  );
  const rows = await sql.all<DeliveryWithType>(
    `SELECT d.*, e.type AS event_type FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE ${filters.map((filter) => filter.sql).join(' AND ')} ORDER BY d.id DESC LIMIT ?`,
    [...filters.flatMap((filter) => filter.params), query.limit + 1],
  );
  const page = toPage(rows, query.limit, (row) => row);
  return { ...page, data: await presentDeliveries(sql, page.data) };
}

export interface EndpointTarget {
  id: string;
  eventFilters: string[];
}

/**
 * The enabled endpoints of an environment. On PostgreSQL their rows are share-locked until the transaction ends, so
 * a concurrent disable or delete (which updates the row, then cancels pending deliveries) waits for the deliveries
 * made here and cancels them too, instead of leaving them pending for an endpoint that will never be sent to.
 */
export async function enabledEndpointsOf(tx: Sql, scope: Scope): Promise<EndpointTarget[]> {
  const rows = await tx.all<{ id: string; event_filters: string }>(
    `SELECT id, event_filters FROM webhook_endpoints WHERE organization_id = ? AND environment = ? AND status = 'enabled' AND deleted_at IS NULL ORDER BY id${forShare(tx)}`,
    [scope.organizationId, scope.environment],
  );
  return rows.map((row) => ({ id: row.id, eventFilters: JSON.parse(row.event_filters) as string[] }));
}

/**
 * Whether an endpoint receives an event of `type` in the ordinary course: its filters match, except that
 * `webhook.test` goes only where Send Test sends it, and a `webhook.delivery_exhausted` event is not sent to the
 * endpoint that just failed eight times (it would only fail again, and exhaust again, without end).
 */
export function endpointWantsEvent(endpoint: EndpointTarget, type: string, object: Record<string, unknown>): boolean {
  if (type === 'webhook.test') return false;
  if (type === 'webhook.delivery_exhausted' && object.endpointId === endpoint.id) return false;
  return eventMatchesFilters(type, endpoint.eventFilters);
}

/** A new pending delivery of an event to an endpoint, due at once. */
export async function createDelivery(tx: Sql, scope: Scope, endpointId: string, eventId: string, origin: DeliveryOrigin, nowMs: number): Promise<string> {
  const id = newId('whd', nowMs);
  await tx.run(
    `INSERT INTO webhook_deliveries (id, organization_id, environment, endpoint_id, event_id, origin, status, attempt_count, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    [id, scope.organizationId, scope.environment, endpointId, eventId, origin, nowMs, nowMs, nowMs],
  );
  return id;
}

function requireEnabled(row: EndpointRow, action: string): void {
  if (row.status !== 'enabled') throw new AppError('invalid_status_transition', { action, resource: 'webhook endpoint', id: row.id, status: row.status });
}

/** Marks an event as fanned out: its deliveries were made here, so the worker's fan-out must not add its own. */
async function markDispatched(tx: Sql, eventId: string, wallClockMs: number): Promise<void> {
  await tx.run('UPDATE events SET dispatched_at = ? WHERE id = ?', [wallClockMs, eventId]);
}

/** Send Test: a `webhook.test` event, delivered to this endpoint only (one attempt, no retries). */
export async function sendTestEvent(tx: Sql, scope: Scope, endpointId: string, nowMs: number, wallClockMs: number): Promise<PresentedDelivery> {
  const row = await endpointRow(tx, scope, endpointId, true);
  requireEnabled(row, 'test');
  const event = await recordEvent(
    tx,
    scope,
    'webhook.test',
    { object: 'webhook_test', endpointId, message: 'A test event sent with Send Test (POST /v1/webhooks/{id}/test).' },
    nowMs,
  );
  await markDispatched(tx, event.id, wallClockMs);
  const deliveryId = await createDelivery(tx, scope, endpointId, event.id, 'test', nowMs);
  return getDelivery(tx, deliveryId);
}

/**
 * A new delivery of a past event: to one endpoint (named, enabled; its filters are not consulted, it was asked
 * for), or to every enabled endpoint whose filters match the event's type. Receivers see the same webhook-id.
 */
export async function redeliverEvent(tx: Sql, scope: Scope, eventId: string, endpointId: string | undefined, nowMs: number): Promise<PresentedDelivery[]> {
  const event = await getEvent(tx, scope, eventId);
  let targets: string[];
  if (endpointId !== undefined) {
    let row: EndpointRow;
    try {
      row = await endpointRow(tx, scope, endpointId, true);
    } catch (error) {
      if (error instanceof AppError && error.code === 'resource_not_found') throw new AppError('resource_not_found', { resource: 'webhook endpoint', id: endpointId, param: 'endpointId' });
      throw error;
    }
    requireEnabled(row, 'redeliver to');
    targets = [row.id];
  } else {
    const endpoints = await enabledEndpointsOf(tx, scope);
    targets = endpoints.filter((endpoint) => endpointWantsEvent(endpoint, event.type, event.data.object)).map((endpoint) => endpoint.id);
  }
  const deliveries: PresentedDelivery[] = [];
  for (const target of targets) deliveries.push(await getDelivery(tx, await createDelivery(tx, scope, target, event.id, 'redeliver', nowMs)));
  return deliveries;
}
