// Runs due work (src/modules/due-work-steps.ts) every second for every organization and environment, each at its own
// time and in its own transaction.
import type { AppContext } from '../app-context.js';
import { environmentTimeMs } from '../domain/clock.js';
import type { Environment } from '../domain/environment.js';
import type { Scope } from '../domain/scope.js';
import { runDueWork } from '../modules/due-work-steps.js';

export const dueWorkIntervalMs = 1_000;

/** Runs due work for every organization and environment, each in its own transaction. */
export async function runDueWorkEverywhere(app: AppContext): Promise<void> {
  const clocks = await app.db.all<{ organization_id: string; environment: Environment; offset_ms: number }>('SELECT organization_id, environment, offset_ms FROM environment_clocks');
  const wallClockMs = app.clock.nowMs();
  for (const clock of clocks) {
    const scope: Scope = { organizationId: clock.organization_id, environment: clock.environment };
    await app.db.transaction((tx) => runDueWork(tx, scope, environmentTimeMs(wallClockMs, clock.environment, clock.offset_ms)));
  }
}

export function startDueWorkTimer(app: AppContext): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runDueWorkEverywhere(app)
      .catch((error: unknown) => app.logger.warn({ err: error }, 'due work failed'))
      .finally(() => {
        running = false;
      });
  }, dueWorkIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
