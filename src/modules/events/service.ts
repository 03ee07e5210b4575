// The events table is the outbox: every state change records its events in the same transaction, and the
// webhook worker delivers from it. Event payloads never carry a PAN or CVV.
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Sql, SqlValue } from '../../store/database.js';
import { insertRows } from '../../store/multi-row.js';
import { columnEquals, inScope, listPage, type ListQuery, type RowFilter } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';

export interface EventRecord {
  id: string;
  type: string;
  createdAtMs: number;
  organizationId: string;
  environment: string;
  data: { object: Record<string, unknown> };
}

interface EventRow {
  id: string;
  organization_id: string;
  environment: string;
  type: string;
  data: string;
  created_at: number;
}

/**
 * The event's place in the event stream's order (src/modules/events/feed.ts): on SQLite the next position of its scope,
 * taken inside the single writer's transaction, so positions follow commit order; on PostgreSQL the column's default,
 * the inserting transaction's id.
 */
const insertEventSql = {
  sqlite: `INSERT INTO events (id, organization_id, environment, type, data, created_at, stream_position)
           VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(stream_position), 0) + 1 FROM events WHERE organization_id = ? AND environment = ?))`,
  postgres: 'INSERT INTO events (id, organization_id, environment, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)',
};

export async function recordEvent(tx: Sql, scope: Scope, type: string, object: Record<string, unknown>, nowMs: number): Promise<EventRecord> {
  const id = newId('evt', nowMs);
  const data = { object };
  const values = [id, scope.organizationId, scope.environment, type, JSON.stringify(data), nowMs];
  await tx.run(insertEventSql[tx.dialect], tx.dialect === 'sqlite' ? [...values, scope.organizationId, scope.environment] : values);
  return { id, type, createdAtMs: nowMs, organizationId: scope.organizationId, environment: scope.environment, data };
}

/** An event to record with others: see `recordEvents`. */
export interface NewEvent {
  scope: Scope;
  type: string;
  object: Record<string, unknown>;
  nowMs: number;
  /** Made when the event happened (`newId('evt', nowMs)`), so ids keep the order of what happened. */
  id: string;
}

/**
 * Records several events in order with multi-row statements, as `recordEvent` would one by one: on SQLite each
 * scope's next stream positions are taken once, inside the single writer's transaction.
 */
export async function recordEvents(tx: Sql, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows: SqlValue[][] = [];
  if (tx.dialect === 'postgres') {
    for (const event of events) rows.push([event.id, event.scope.organizationId, event.scope.environment, event.type, JSON.stringify({ object: event.object }), event.nowMs]);
    await insertRows(tx, 'events', ['id', 'organization_id', 'environment', 'type', 'data', 'created_at'], rows);
    return;
  }
  const lastPosition = new Map<string, number>();
  for (const event of events) {
    const key = `${event.scope.organizationId}/${event.scope.environment}`;
    let last = lastPosition.get(key);
    if (last === undefined) {
      const row = await tx.get<{ last: number | null }>('SELECT MAX(stream_position) AS last FROM events WHERE organization_id = ? AND environment = ?', [
        event.scope.organizationId,
        event.scope.environment,
      ]);
      last = Number(row?.last ?? 0);
    }
    last += 1;
    lastPosition.set(key, last);
    rows.push([event.id, event.scope.organizationId, event.scope.environment, event.type, JSON.stringify({ object: event.object }), event.nowMs, last]);
  }
  await insertRows(tx, 'events', ['id', 'organization_id', 'environment', 'type', 'data', 'created_at', 'stream_position'], rows);
}

export async function listEventsOfScope(sql: Sql, scope: Scope): Promise<EventRecord[]> {
  const rows = await sql.all<EventRow>('SELECT * FROM events WHERE organization_id = ? AND environment = ? ORDER BY id', [scope.organizationId, scope.environment]);
  return rows.map(eventFromRow);
}

/**
 * The envelope webhooks and the event stream carry (SPEC §6, §11): `{id, type, createdAt, organizationId, environment,
 * data: {object}}`. Every channel presents an event through here, so they never disagree.
 */
export function eventEnvelope(event: EventRecord) {
  return {
    id: event.id,
    type: event.type,
    createdAt: new Date(event.createdAtMs).toISOString(),
    organizationId: event.organizationId,
    environment: event.environment,
    data: event.data,
  };
}

/** The API's event object: the envelope with `object: "event"`. */
export function presentEvent(event: EventRecord) {
  return { object: 'event' as const, ...eventEnvelope(event) };
}

export function eventFromRow(row: Pick<EventRow, 'id' | 'type' | 'created_at' | 'organization_id' | 'environment' | 'data'>): EventRecord {
  return { id: row.id, type: row.type, createdAtMs: row.created_at, organizationId: row.organization_id, environment: row.environment, data: JSON.parse(row.data) as EventRecord['data'] };
}

export async function getEvent(sql: Sql, scope: Scope, eventId: string): Promise<EventRecord> {
  const row = await sql.get<EventRow>('SELECT id, organization_id, environment, type, data, created_at FROM events WHERE id = ? AND organization_id = ? AND environment = ?', [
    eventId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'event', id: eventId, param: 'id' });
  return eventFromRow(row);
}

/** Newest first; `type` is an exact type or a `family.*` wildcard (validated by the route). */
export async function listEvents(sql: Sql, scope: Scope, query: ListQuery & { type?: string | undefined }) {
  const typeFilter: RowFilter | undefined =
    query.type === undefined ? undefined : query.type.endsWith('.*') ? { sql: 'type >= ? AND type < ?', params: familyRange(query.type.slice(0, -1)) } : columnEquals('type', query.type);
  return listPage(sql, 'events', [inScope(scope), typeFilter], query, (row: EventRow) => presentEvent(eventFromRow(row)));
}

/** `card.` → ['card.', 'card/']: every string that starts with the prefix sorts in this range ('/' follows '.'). */
function familyRange(prefix: string): [string, string] {
  return [prefix, `${prefix.slice(0, -1)}/`];
}
