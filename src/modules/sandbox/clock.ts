// The sandbox clock: each organization's sandbox environment runs ahead of the wall clock by an offset that only
// moves forward, so expiries, settlement delays and limit windows can be tested without waiting.
import type { Sql } from '../../store/database.js';
import type { Scope } from '../../domain/scope.js';

export const maxAdvanceSeconds = 10 * 365 * 24 * 3600;

export async function sandboxOffsetMs(sql: Sql, scope: Scope): Promise<number> {
  const row = await sql.get<{ offset_ms: number }>('SELECT offset_ms FROM environment_clocks WHERE organization_id = ? AND environment = ?', [scope.organizationId, scope.environment]);
  return row?.offset_ms ?? 0;
}

export async function advanceSandboxClock(tx: Sql, scope: Scope, seconds: number): Promise<number> {
  await tx.run(
    `INSERT INTO environment_clocks (organization_id, environment, offset_ms) VALUES (?, ?, ?)
     ON CONFLICT (organization_id, environment) DO UPDATE SET offset_ms = environment_clocks.offset_ms + excluded.offset_ms`,
    [scope.organizationId, scope.environment, seconds * 1000],
  );
  return sandboxOffsetMs(tx, scope);
}

export function presentSandboxClock(wallClockMs: number, offsetMs: number) {
  return {
    object: 'sandbox_clock' as const,
    now: new Date(wallClockMs + offsetMs).toISOString(),
    offsetSeconds: Math.floor(offsetMs / 1000),
  };
}
