// Void (merchant reversal) or expiry of a pending authorization (SPEC §5): the held amount goes back where
// voidReturns (domain/authorization.ts) says — the card's reservation while the card is open, the rest to available —
// and a voided single-use card becomes usable again.
import { voidReturns } from '../domain/authorization.js';
import { AppError } from '../domain/errors.js';
import { postTransfers } from '../ledger/transfers.js';
import { getCardForUpdate, recordCardUse } from '../modules/cards/service.js';
import { recordEvent } from '../modules/events/service.js';
import type { Scope } from '../domain/scope.js';
import { getTransactionForUpdate, presentTransaction, type Transaction } from '../modules/transactions/service.js';
import type { Sql } from '../store/database.js';
import { lockCardholderAccounts } from './money.js';
import { recordTransactionState } from '../modules/transactions/store.js';

export type VoidReason = 'reversal' | 'expired';

export async function voidTransaction(tx: Sql, scope: Scope, transactionId: string, reason: VoidReason, nowMs: number): Promise<Transaction> {
  const transaction = await getTransactionForUpdate(tx, scope, transactionId);
  if (transaction.status !== 'pending' || transaction.cardId === null || transaction.userId === null) {
    throw new AppError('invalid_status_transition', { action: 'void', resource: 'transaction', id: transactionId, status: transaction.status });
  }
  const card = await getCardForUpdate(tx, scope, transaction.cardId);
  const accounts = await lockCardholderAccounts(tx, scope, transaction.userId);
  const returns = voidReturns(transaction.amountCents, card, accounts.availableCents);
  const reference = transaction.id;
  await postTransfers(
    tx,
    scope,
    [
      { debitAccount: accounts.held, creditAccount: accounts.reserved, amountCents: returns.toReservedCents, kind: 'void.to_reserved', reference },
      { debitAccount: accounts.held, creditAccount: accounts.available, amountCents: returns.toAvailableCents, kind: 'void.to_available', reference },
      { debitAccount: accounts.available, creditAccount: accounts.reserved, amountCents: returns.topUpCents, kind: 'void.reservation_top_up', reference },
    ],
    nowMs,
  );
  if (card.status !== 'closed') {
    await recordCardUse(tx, card, { reservationCents: returns.reservationAfterCents, singleUseConsumed: false, pinnedMerchant: card.pinnedMerchant }, nowMs);
  }
  const voided: Transaction = { ...transaction, status: 'voided', voidedAtMs: nowMs, updatedAtMs: nowMs };
  await recordTransactionState(tx, voided);
  await recordEvent(tx, scope, 'transaction.voided', { ...presentTransaction(voided), voidReason: reason }, nowMs);
  return voided;
}
