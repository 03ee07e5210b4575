// Deletes stored idempotent responses once they are older than the retention (≥ 24 h), every ten minutes.
import type { AppContext } from '../app-context.js';
import { sweepIdempotencyKeys } from './idempotency.js';

export const idempotencySweepIntervalMs = 10 * 60_000;

export function startIdempotencySweeper(app: AppContext): () => void {
  const sweep = async () => {
    try {
      const removed = await sweepIdempotencyKeys(app.db, app.clock.nowMs(), app.config.idempotencyRetentionMs);
      if (removed > 0) app.logger.info({ removed }, 'idempotency keys swept');
    } catch (error) {
      app.logger.warn({ err: error }, 'idempotency sweep failed');
    }
  };
  const timer = setInterval(() => void sweep(), idempotencySweepIntervalMs);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}
