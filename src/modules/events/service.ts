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

export async function recordEvent(tx: Sql, scope: Scope, type: string, object: Record<string, unknown>, nowMs: number): Promise<EventRecord> {
  const id = newId('evt', nowMs);
  const data = { object };
  await tx.run('INSERT INTO events (id, organization_id, environment, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    id,
    scope.organizationId,
    scope.environment,
    type,
    JSON.stringify(data),
    nowMs,
  ]);
  return { id, type, createdAtMs: nowMs, environment: scope.environment, data };
}

export async function listEventsOfScope(sql: Sql, scope: Scope): Promise<EventRecord[]> {
  const rows = await sql.all<EventRow>('SELECT * FROM events WHERE organization_id = ? AND environment = ? ORDER BY id', [scope.organizationId, scope.environment]);
  return rows.map((row) => ({ id: row.id, type: row.type, createdAtMs: row.created_at, environment: row.environment, data: JSON.parse(row.data) as EventRecord['data'] }));
}

/** The webhook envelope and the API's event object (SPEC §6): `{id, type, createdAt, environment, data: {object}}`. */
export function presentEvent(event: EventRecord) {
  return {
    object: 'event' as const,
    id: event.id,
    type: event.type,
    createdAt: new Date(event.createdAtMs).toISOString(),
    environment: event.environment,
    data: event.data,
  };
}

function eventFromRow(row: EventRow): EventRecord {
  return { id: row.id, type: row.type, createdAtMs: row.created_at, environment: row.environment, data: JSON.parse(row.data) as EventRecord['data'] };
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
