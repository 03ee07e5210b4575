// What an issuer-processor tells cardrail after an authorization — advices, clearings, reversals, expiries, returns
// and return reversals — mapped onto the same flows as the sandbox network's (clear.ts, void.ts, increment.ts,
// refund.ts, force-post.ts), so money moves exactly as it does in the simulator. A message cardrail has no flow for
// is recorded as `ignored` with the reason (docs/issuers.md lists each case); none is ever an error, because the
// processor's books are final and the message cannot be refused.
import { AppError } from '../domain/errors.js';
import type { Scope } from '../domain/scope.js';
import { getTransactionForUpdate, type Transaction } from '../modules/transactions/service.js';
import type { Sql } from '../store/database.js';
import type { AuthorizationRequest } from './authorize.js';
import { clearTransaction } from './clear.js';
import { forcePost } from './force-post.js';
import { incrementAuthorization } from './increment.js';
import { refundTransaction } from './refund.js';
import { voidTransaction } from './void.js';

export type NetworkMessage =
  /** The authorization's amount is now `amountCents` (a tip, a fuel fill-up): the hold grows to it if it can. */
  | { kind: 'advice'; amountCents: number }
  /** The merchant captured `amountCents` (less than authorized: a partial clearing). */
  | { kind: 'clearing'; amountCents: number }
  /** The merchant reversed `amountCents` of the authorization. */
  | { kind: 'reversal'; amountCents: number }
  /** The authorization lapsed uncleared. */
  | { kind: 'expiry' }
  /** The merchant refunded `amountCents`. */
  | { kind: 'return'; amountCents: number }
  /** A refund taken back: the money is owed again. */
  | { kind: 'return_reversal'; amountCents: number };

export interface MessageTarget {
  /** cardrail's transaction for the processor's, when one exists. */
  transactionId: string | null;
  cardId: string;
  merchant: AuthorizationRequest['merchant'];
}

export interface MessageOutcome {
  outcome: 'applied' | 'ignored';
  /** What was done, or why nothing was (`ignored`). */
  detail: string;
  /** The transaction the message changed or created (a force post), else its own. */
  transactionId: string | null;
}

function ignored(detail: string, transactionId: string | null): MessageOutcome {
  return { outcome: 'ignored', detail, transactionId };
}

function applied(detail: string, transaction: Transaction): MessageOutcome {
  return { outcome: 'applied', detail, transactionId: transaction.id };
}

export async function applyNetworkMessage(tx: Sql, scope: Scope, target: MessageTarget, message: NetworkMessage, nowMs: number): Promise<MessageOutcome> {
  const transaction = target.transactionId === null ? undefined : await getTransactionForUpdate(tx, scope, target.transactionId);
  const pending = transaction?.status === 'pending' ? transaction : undefined;
  switch (message.kind) {
    case 'clearing':
      if (pending !== undefined) return applied('cleared', await clearTransaction(tx, scope, pending.id, message.amountCents, nowMs));
      // No hold to clear (never authorized here, voided, or cleared once already): the merchant is paid all the same.
      return applied(transaction === undefined ? 'force posted: no authorization was decided here' : `force posted: the transaction was ${transaction.status}`, await forcePost(tx, scope, target.cardId, message.amountCents, target.merchant, nowMs));
    case 'reversal':
      if (pending === undefined) return ignored(transaction === undefined ? 'no authorization to reverse' : `nothing held: the transaction is ${transaction.status}`, transaction?.id ?? null);
      if (message.amountCents < pending.amountCents) return ignored(`partial reversal of ${message.amountCents} of ${pending.amountCents}: the hold stays until the clearing, which releases what it does not take`, pending.id);
      return applied('voided', await voidTransaction(tx, scope, pending.id, 'reversal', nowMs));
    case 'expiry':
      if (pending === undefined) return ignored(transaction === undefined ? 'no authorization to expire' : `nothing held: the transaction is ${transaction.status}`, transaction?.id ?? null);
      return applied('voided (expired)', await voidTransaction(tx, scope, pending.id, 'expired', nowMs));
    case 'advice':
      if (pending === undefined) return ignored(transaction === undefined ? 'no authorization was decided here; its clearing will post it' : `the transaction is ${transaction.status}`, transaction?.id ?? null);
      if (message.amountCents <= pending.amountCents) return ignored(`advice of ${message.amountCents} within the ${pending.amountCents} held: the clearing releases the rest`, pending.id);
      try {
        return applied(`hold raised to ${message.amountCents}`, await incrementAuthorization(tx, scope, pending.id, message.amountCents - pending.amountCents, nowMs));
      } catch (error) {
        if (error instanceof AppError && error.code === 'increment_declined') return ignored(`hold not raised (${error.message}): the clearing draws the difference`, pending.id);
        throw error;
      }
    case 'return': {
      const refundable = transaction !== undefined && (transaction.status === 'settled' || transaction.status === 'refunded') ? transaction.settledAmountCents - transaction.refundedAmountCents : 0;
      if (transaction === undefined || refundable <= 0) return ignored(transaction === undefined ? 'a return with no purchase here' : `nothing left to refund: the transaction is ${transaction.status}`, transaction?.id ?? null);
      const amountCents = Math.min(message.amountCents, refundable);
      const detail = amountCents < message.amountCents ? `refunded ${amountCents}, all that was left of ${message.amountCents}` : 'refunded';
      return applied(detail, await refundTransaction(tx, scope, transaction.id, amountCents, nowMs));
    }
    case 'return_reversal':
      return applied('force posted: a refund taken back', await forcePost(tx, scope, target.cardId, message.amountCents, target.merchant, nowMs));
  }
}
