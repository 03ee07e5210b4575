// The events table is the outbox: every state change records its events in the same transaction, and the
// webhook worker delivers from it. Event payloads never carry a PAN or CVV.
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Sql } from '../../store/database.js';
import { columnEquals, inScope, listPage, type ListQuery, type RowFilter } from '../pagination.js';
import type { Scope } from '../scope.js';

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
