// A scope's events in the order they became visible, for the event stream. Ids do not give that order: an id is
// made when its request starts, and a transaction that started earlier may commit later. Reading "ids after the last
// one seen" would then skip it for good. So each store keeps a commit order of its own:
// - SQLite: `stream_position`, the scope's next number taken inside the single writer's transaction (recordEvent).
//   Transactions commit in the writer's order, so positions become visible in increasing order.
// - PostgreSQL: `stream_xid`, the inserting transaction's id. Rows are read in (stream_xid, id) order and only below
//   the oldest transaction still running (pg_snapshot_xmin): every transaction with a smaller id has then committed
//   or rolled back, so nothing can appear later behind a position already passed.
import type { Sql } from '../../store/database.js';
import type { Scope } from '../../domain/scope.js';
import { eventFromRow, type EventRecord } from './service.js';

/** Where a stream is in its scope's events: everything at or before it was read. */
export type FeedPosition = { readonly store: 'sqlite'; readonly position: number } | { readonly store: 'postgres'; readonly xid: string; readonly id: string };

interface FeedRow {
  id: string;
  type: string;
  data: string;
  created_at: number;
  organization_id: string;
  environment: string;
  stream_position?: number;
  stream_xid?: string;
}

/** The most events one read answers. */
export const feedBatchMax = 200;

/** Where a stream that starts now begins, and the event just before it (what a client resumes from), if any. */
export interface FeedHead {
  position: FeedPosition;
  lastEventId: string | undefined;
}

/**
 * The position of "now": a stream starting here gets the events that become visible from now on. It is the scope's
 * latest event in stream order when there is one, so a client that reconnects before receiving any event can resume
 * from that event's id without a gap.
 */
export async function headPosition(sql: Sql, scope: Scope): Promise<FeedHead> {
  if (sql.dialect === 'sqlite') {
    const row = await sql.get<{ id: string; stream_position: number }>(
      'SELECT id, stream_position FROM events WHERE organization_id = ? AND environment = ? AND stream_position IS NOT NULL ORDER BY stream_position DESC LIMIT 1',
      [scope.organizationId, scope.environment],
    );
    return row === undefined ? { position: { store: 'sqlite', position: 0 }, lastEventId: undefined } : { position: { store: 'sqlite', position: row.stream_position }, lastEventId: row.id };
  }
  // Below the oldest transaction still running: those may yet commit events, which must come after the head. The
  // latest event below it is an exact head: nothing visible lies between the two.
  const row = await sql.get<{ id: string | null; stream_xid: string | null; xmin: string }>(
    `SELECT e.id, e.stream_xid::text AS stream_xid, horizon.xmin::text AS xmin
     FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) horizon
     LEFT JOIN LATERAL (
       SELECT id, stream_xid FROM events WHERE organization_id = ? AND environment = ? AND stream_xid < horizon.xmin ORDER BY stream_xid DESC, id DESC LIMIT 1
     ) e ON true`,
    [scope.organizationId, scope.environment],
  );
  if (row!.id === null || row!.stream_xid === null) return { position: { store: 'postgres', xid: row!.xmin, id: '' }, lastEventId: undefined };
  return { position: { store: 'postgres', xid: row!.stream_xid, id: row!.id }, lastEventId: row!.id };
}

/** The position of the event `eventId` of the scope (a stream resuming there gets what follows it), or undefined when the scope has no such event. */
export async function positionOfEvent(sql: Sql, scope: Scope, eventId: string): Promise<FeedPosition | undefined> {
  if (sql.dialect === 'sqlite') {
    const row = await sql.get<{ stream_position: number | null }>('SELECT stream_position FROM events WHERE id = ? AND organization_id = ? AND environment = ?', [
      eventId,
      scope.organizationId,
      scope.environment,
    ]);
    return row === undefined || row.stream_position === null ? undefined : { store: 'sqlite', position: row.stream_position };
  }
  const row = await sql.get<{ stream_xid: string }>('SELECT stream_xid::text AS stream_xid FROM events WHERE id = ? AND organization_id = ? AND environment = ?', [
    eventId,
    scope.organizationId,
    scope.environment,
  ]);
  return row === undefined ? undefined : { store: 'postgres', xid: row.stream_xid, id: eventId };
}

export interface FeedBatch {
  events: EventRecord[];
  /** Past the last event of the batch (the same position when the batch is empty). */
  position: FeedPosition;
}

/** Up to `limit` events of the scope after `position`, in stream order: one indexed range read. */
export async function eventsAfter(sql: Sql, scope: Scope, position: FeedPosition, limit: number): Promise<FeedBatch> {
  const count = Math.min(Math.max(1, limit), feedBatchMax);
  let rows: FeedRow[];
  if (position.store === 'sqlite') {
    rows = await sql.all<FeedRow>(
      `SELECT id, type, data, created_at, organization_id, environment, stream_position FROM events
       WHERE organization_id = ? AND environment = ? AND stream_position > ? ORDER BY stream_position LIMIT ?`,
      [scope.organizationId, scope.environment, position.position, count],
    );
  } else {
    rows = await sql.all<FeedRow>(
      `SELECT id, type, data, created_at, organization_id, environment, stream_xid::text AS stream_xid FROM events
       WHERE organization_id = ? AND environment = ? AND (stream_xid, id) > (?::xid8, ?) AND stream_xid < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY stream_xid, id LIMIT ?`,
      [scope.organizationId, scope.environment, position.xid, position.id, count],
    );
  }
  const last = rows[rows.length - 1];
  if (last === undefined) return { events: [], position };
  const next: FeedPosition = position.store === 'sqlite' ? { store: 'sqlite', position: last.stream_position! } : { store: 'postgres', xid: last.stream_xid!, id: last.id };
  return { events: rows.map(eventFromRow), position: next };
}
