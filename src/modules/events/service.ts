// The events table is the outbox: every state change records its events in the same transaction, and the
// webhook worker delivers from it. Event payloads never carry a PAN or CVV.
import { newId } from '../../domain/ids.js';
import type { Sql } from '../../store/database.js';
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
