// Refund of a settled transaction (SPEC §5): network → available; all refunds together at most the settled amount.
import { AppError } from '../domain/errors.js';
import { externalAccountId, userAccountId } from '../ledger/accounts.js';
import { postTransfers } from '../ledger/transfers.js';
import { recordEvent } from '../modules/events/service.js';
import type { Scope } from '../domain/scope.js';
import { getTransactionForUpdate, presentTransaction, type Transaction } from '../modules/transactions/service.js';
import type { Sql } from '../store/database.js';
import { recordTransactionState } from '../modules/transactions/store.js';

export async function refundTransaction(tx: Sql, scope: Scope, transactionId: string, amountCents: number | undefined, nowMs: number): Promise<Transaction> {
  const transaction = await getTransactionForUpdate(tx, scope, transactionId);
  if ((transaction.status !== 'settled' && transaction.status !== 'refunded') || transaction.userId === null) {
    throw new AppError('invalid_status_transition', { action: 'refund', resource: 'transaction', id: transactionId, status: transaction.status });
  }
  const refundableCents = transaction.settledAmountCents - transaction.refundedAmountCents;
  const refundCents = amountCents ?? refundableCents;
  if (refundCents <= 0 || refundCents > refundableCents) throw new AppError('refund_exceeds_settled', { param: 'amount', amountCents: refundCents, refundableCents, id: transactionId });
  const refundNumber = transaction.refundCount + 1;
  await postTransfers(
    tx,
    scope,
    [{ debitAccount: externalAccountId(scope, 'external:network'), creditAccount: userAccountId(transaction.userId, 'available'), amountCents: refundCents, kind: 'refund', reference: `${transaction.id}:${refundNumber}` }],
    nowMs,
  );
  const refunded: Transaction = { ...transaction, status: 'refunded', refundedAmountCents: transaction.refundedAmountCents + refundCents, refundCount: refundNumber, updatedAtMs: nowMs };
  await recordTransactionState(tx, refunded);
  await recordEvent(tx, scope, 'transaction.refunded', { ...presentTransaction(refunded), refundAmount: refundCents }, nowMs);
  return refunded;
}
