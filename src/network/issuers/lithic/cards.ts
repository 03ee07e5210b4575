// Finding the cardrail card, organization and environment behind a Lithic card token, for Lithic's callbacks (which
// carry no API key: the card they name is what scopes them).
import type { Scope } from '../../../domain/scope.js';
import { sandboxOffsetMs } from '../../../modules/sandbox/clock.js';
import { environmentTimeMs } from '../../../domain/clock.js';
import type { Environment } from '../../../domain/environment.js';
import type { Sql } from '../../../store/database.js';

export interface LithicCardOwner {
  cardId: string;
  scope: Scope;
  /** The environment's time now: the wall clock, plus the sandbox offset in a sandbox environment. */
  nowMs: number;
}

export async function findLithicCard(sql: Sql, lithicCardToken: string, wallClockMs: number): Promise<LithicCardOwner | undefined> {
  const row = await sql.get<{ id: string; organization_id: string; environment: Environment }>(
    `SELECT id, organization_id, environment FROM cards WHERE issuer = 'lithic' AND issuer_card_token = ?`,
    [lithicCardToken],
  );
  if (row === undefined) return undefined;
  const scope: Scope = { organizationId: row.organization_id, environment: row.environment };
  const offsetMs = scope.environment === 'sandbox' ? await sandboxOffsetMs(sql, scope) : 0;
  return { cardId: row.id, scope, nowMs: environmentTimeMs(wallClockMs, scope.environment, offsetMs) };
}

/** The processor's transaction token → cardrail's transaction (set by ASA, or by a clearing that posted one). */
export async function transactionOfLithicToken(sql: Sql, token: string): Promise<{ transactionId: string | null; answer: string | null } | undefined> {
  const row = await sql.get<{ transaction_id: string | null; answer: string | null }>(`SELECT transaction_id, answer FROM issuer_transactions WHERE issuer = 'lithic' AND token = ?`, [token]);
  return row === undefined ? undefined : { transactionId: row.transaction_id, answer: row.answer };
}
