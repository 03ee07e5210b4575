// Lithic's transaction events (`card_transaction.updated`: the whole transaction with every event so far) mapped onto
// cardrail's flows through src/network/network-messages.ts. Each Lithic event is applied once, by its token, in the
// database transaction that records it, so a redelivered webhook changes nothing; what it did (or why it did nothing)
// is kept with it. An AUTHORIZATION that Lithic itself declined after cardrail approved it (the answer came too late)
// releases the hold cardrail had taken.
import { z } from 'zod';
import type { Database } from '../../../store/database.js';
import { applyNetworkMessage, type MessageOutcome, type NetworkMessage } from '../../network-messages.js';
import { merchantOfLithic } from './asa.js';
import { findLithicCard, transactionOfLithicToken } from './cards.js';

const lithicEventSchema = z.object({
  token: z.string().min(1).max(100),
  type: z.string().max(50),
  result: z.string().max(50),
  amount: z.number().int().optional(),
  amounts: z.object({ cardholder: z.object({ amount: z.number().int() }) }).optional(),
  created: z.string().max(50),
});

/** The fields of Lithic's `card_transaction.updated` webhook that cardrail reads (others are accepted, unread). */
export const transactionEventSchema = z.object({
  event_type: z.string().max(100),
  token: z.string().min(1).max(100).optional(),
  card_token: z.string().min(1).max(100).optional(),
  merchant: z.object({ descriptor: z.string().max(200), mcc: z.string().max(10).nullish(), city: z.string().max(100).nullish(), country: z.string().max(10).nullish(), acceptor_id: z.string().max(100).nullish() }).optional(),
  events: z.array(lithicEventSchema).max(1_000).optional(),
});
export type TransactionEventBody = z.infer<typeof transactionEventSchema>;

export interface EventsReceipt {
  received: number;
  applied: number;
  ignored: number;
  /** Already applied by an earlier delivery. */
  duplicates: number;
}

type LithicEvent = z.infer<typeof lithicEventSchema>;

/** What the event means for cardrail, or why it means nothing. */
function messageOf(event: LithicEvent): NetworkMessage | string {
  const amountCents = Math.abs(event.amounts?.cardholder.amount ?? event.amount ?? 0);
  switch (event.type) {
    case 'AUTHORIZATION':
    case 'FINANCIAL_AUTHORIZATION':
      // Decided through ASA. Declined at Lithic after an approval here (the answer came too late): release the hold.
      return event.result === 'APPROVED' ? 'decided through Auth Stream Access' : { kind: 'reversal', amountCents: Number.MAX_SAFE_INTEGER };
    case 'AUTHORIZATION_ADVICE':
      return { kind: 'advice', amountCents };
    case 'CLEARING':
      return { kind: 'clearing', amountCents };
    case 'AUTHORIZATION_REVERSAL':
      return { kind: 'reversal', amountCents };
    case 'AUTHORIZATION_EXPIRY':
      return { kind: 'expiry' };
    case 'RETURN':
      return { kind: 'return', amountCents };
    case 'RETURN_REVERSAL':
      return { kind: 'return_reversal', amountCents };
    default:
      return `${event.type} events are not mapped (docs/issuers.md)`;
  }
}

export async function receiveTransactionEvents(db: Database, body: TransactionEventBody, wallClockMs: number): Promise<EventsReceipt> {
  const receipt: EventsReceipt = { received: 0, applied: 0, ignored: 0, duplicates: 0 };
  if (body.event_type !== 'card_transaction.updated' || body.token === undefined || body.card_token === undefined || body.events === undefined) return receipt;
  const owner = await findLithicCard(db, body.card_token, wallClockMs);
  if (owner === undefined) return { ...receipt, received: body.events.length, ignored: body.events.length };
  const transactionToken = body.token;
  const merchant = merchantOfLithic(body.merchant ?? { descriptor: 'UNKNOWN MERCHANT' });
  const events = [...body.events].sort((first, second) => first.created.localeCompare(second.created));
  await db.transaction(async (tx) => {
    for (const event of events) {
      receipt.received += 1;
      const message = messageOf(event);
      const claimed = await tx.run(
        `INSERT INTO issuer_events (issuer, event_token, organization_id, environment, transaction_token, event_type, amount, outcome, transaction_id, received_at)
         VALUES ('lithic', ?, ?, ?, ?, ?, ?, 'claimed', NULL, ?) ON CONFLICT (issuer, event_token) DO NOTHING`,
        [event.token, owner.scope.organizationId, owner.scope.environment, transactionToken, event.type, Math.abs(event.amounts?.cardholder.amount ?? event.amount ?? 0), owner.nowMs],
      );
      if (claimed.changes === 0) {
        receipt.duplicates += 1;
        continue;
      }
      const known = await transactionOfLithicToken(tx, transactionToken);
      let outcome: MessageOutcome;
      if (typeof message === 'string') outcome = { outcome: 'ignored', detail: message, transactionId: known?.transactionId ?? null };
      else if (event.result !== 'APPROVED' && event.type !== 'AUTHORIZATION' && event.type !== 'FINANCIAL_AUTHORIZATION') outcome = { outcome: 'ignored', detail: `Lithic's result was ${event.result}`, transactionId: known?.transactionId ?? null };
      else outcome = await applyNetworkMessage(tx, owner.scope, { transactionId: known?.transactionId ?? null, cardId: owner.cardId, merchant }, message, owner.nowMs);
      // A clearing that posted a transaction of its own: later events of Lithic's transaction find it.
      if (outcome.transactionId !== null && (known === undefined || known.transactionId === null)) {
        await tx.run(
          `INSERT INTO issuer_transactions (issuer, token, organization_id, environment, card_id, transaction_id, answer, created_at) VALUES ('lithic', ?, ?, ?, ?, ?, NULL, ?)
           ON CONFLICT (issuer, token) DO UPDATE SET transaction_id = excluded.transaction_id`,
          [transactionToken, owner.scope.organizationId, owner.scope.environment, owner.cardId, outcome.transactionId, owner.nowMs],
        );
      }
      await tx.run(`UPDATE issuer_events SET outcome = ?, transaction_id = ? WHERE issuer = 'lithic' AND event_token = ?`, [`${outcome.outcome}: ${outcome.detail}`.slice(0, 500), outcome.transactionId, event.token]);
      if (outcome.outcome === 'applied') receipt.applied += 1;
      else receipt.ignored += 1;
    }
  });
  return receipt;
}
