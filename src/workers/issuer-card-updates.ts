// Sends queued card states to the cards' issuer-processors (src/modules/cards/issuer-updates.ts): each pass takes what
// is due, asks the processor, and marks it done or schedules a retry. Setting a state twice is harmless, so several
// processes may run this on one database without leasing rows. Runs inside `cardrail serve` when a processor is configured.
import type { AppContext } from '../app-context.js';
import { AppError } from '../domain/errors.js';
import { dueIssuerCardUpdates, finishIssuerCardUpdate, retryIssuerCardUpdate } from '../modules/cards/issuer-updates.js';

export type IssuerCardUpdatesContext = Pick<AppContext, 'db' | 'clock' | 'logger' | 'issuers'>;

const passIntervalMs = 1_000;
const updatesPerPassMax = 50;

export interface IssuerCardUpdatesReport {
  sent: number;
  failed: number;
}

/** One pass: every due update sent once. Exported for tests, which run passes themselves. */
export async function sendIssuerCardUpdates(app: IssuerCardUpdatesContext): Promise<IssuerCardUpdatesReport> {
  const report: IssuerCardUpdatesReport = { sent: 0, failed: 0 };
  for (const update of await dueIssuerCardUpdates(app.db, app.clock.nowMs(), updatesPerPassMax)) {
    const issuer = app.issuers[update.issuer];
    try {
      if (issuer === undefined) throw new AppError('issuer_not_configured', { issuer: update.issuer });
      await issuer.setCardState(update.issuerCardToken, update.state);
      await finishIssuerCardUpdate(app.db, update.id, app.clock.nowMs());
      report.sent += 1;
    } catch (error) {
      const reason = error instanceof AppError ? error.message : 'unexpected failure';
      app.logger.warn({ cardId: update.cardId, issuer: update.issuer, state: update.state, attempts: update.attempts + 1, reason }, 'card state not yet mirrored at its issuer; will retry');
      await retryIssuerCardUpdate(app.db, update, reason, app.clock.nowMs());
      report.failed += 1;
    }
  }
  return report;
}

export function startIssuerCardUpdates(app: IssuerCardUpdatesContext): () => Promise<void> {
  let stopped = false;
  let current: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (stopped || current !== undefined) return;
    current = sendIssuerCardUpdates(app)
      .catch((error: unknown) => app.logger.error({ err: error }, 'issuer card updates pass failed'))
      .finally(() => {
        current = undefined;
      });
  }, passIntervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await current;
  };
}
