// Card states mirrored at the card's issuer-processor. A status change of a processor's card queues its new state in
// the same database transaction (so a committed freeze is never forgotten); a worker (src/workers/issuer-card-updates.ts)
// sends each until the processor acknowledges it. cardrail decides every authorization itself, so a card frozen here
// is declined at once; the processor's copy of the state is a second line of defence that follows within seconds.
import { newId } from '../../domain/ids.js';
import { issuerCardStateOf, type IssuerCardState, type ProcessorName } from '../../network/issuer.js';
import type { Sql } from '../../store/database.js';

export interface IssuerCardUpdate {
  id: string;
  cardId: string;
  issuer: ProcessorName;
  issuerCardToken: string;
  state: IssuerCardState;
  attempts: number;
}

/** A later update replaces one not yet sent: only the card's newest state is worth sending. */
export async function queueIssuerCardUpdate(
  tx: Sql,
  card: { id: string; issuer: string; issuerCardToken: string | null; status: 'active' | 'frozen' | 'closed' },
  nowMs: number,
): Promise<void> {
  if (card.issuer === 'sandbox' || card.issuerCardToken === null) return;
  await tx.run(`UPDATE issuer_card_updates SET done_at = ?, last_error = 'superseded' WHERE card_id = ? AND done_at IS NULL`, [nowMs, card.id]);
  await tx.run('INSERT INTO issuer_card_updates (id, card_id, issuer, issuer_card_token, state, attempts, next_attempt_at, done_at, last_error, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, NULL, NULL, ?)', [
    newId('icu', nowMs),
    card.id,
    card.issuer,
    card.issuerCardToken,
    issuerCardStateOf(card.status),
    nowMs,
    nowMs,
  ]);
}

export async function dueIssuerCardUpdates(sql: Sql, nowMs: number, limit: number): Promise<IssuerCardUpdate[]> {
  const rows = await sql.all<{ id: string; card_id: string; issuer: ProcessorName; issuer_card_token: string; state: IssuerCardState; attempts: number }>(
    'SELECT id, card_id, issuer, issuer_card_token, state, attempts FROM issuer_card_updates WHERE done_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?',
    [nowMs, limit],
  );
  return rows.map((row) => ({ id: row.id, cardId: row.card_id, issuer: row.issuer, issuerCardToken: row.issuer_card_token, state: row.state, attempts: Number(row.attempts) }));
}

export async function finishIssuerCardUpdate(sql: Sql, id: string, nowMs: number): Promise<void> {
  await sql.run('UPDATE issuer_card_updates SET done_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND done_at IS NULL', [nowMs, id]);
}

/** Retries back off from 2 s, doubling, to at most an hour apart; they never stop (a state must reach the processor). */
export async function retryIssuerCardUpdate(sql: Sql, update: IssuerCardUpdate, error: string, nowMs: number): Promise<void> {
  const delayMs = Math.min(3_600_000, 2_000 * 2 ** Math.min(update.attempts, 20));
  await sql.run('UPDATE issuer_card_updates SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND done_at IS NULL', [nowMs + delayMs, error.slice(0, 500), update.id]);
}
