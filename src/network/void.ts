// Void (merchant reversal) or expiry of a pending authorization (SPEC §5): the held amount goes back — into the
// card's reservation up to its maxAmount while the card is open, the rest to available. A voided single-use card
// becomes usable again and reserves its maxAmount again (from available, as far as it allows).
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
  const open = card.status !== 'closed';
  const toReservedCents = open ? Math.min(card.maxAmountCents - card.reservationCents, transaction.amountCents) : 0;
  const toAvailableCents = transaction.amountCents - toReservedCents;
  // A single-use card gave back what its authorization did not use (reservationAfterApproval); voided, it is usable
  // again, so it reserves its maxAmount again — the rest from available, as far as available allows.
  const topUpCents = open && card.type === 'single' ? Math.max(0, Math.min(card.maxAmountCents - card.reservationCents - toReservedCents, accounts.availableCents + toAvailableCents)) : 0;
  const reference = transaction.id;
  await postTransfers(
    tx,
    scope,
    [
      { debitAccount: accounts.held, creditAccount: accounts.reserved, amountCents: toReservedCents, kind: 'void.to_reserved', reference },
      { debitAccount: accounts.held, creditAccount: accounts.available, amountCents: toAvailableCents, kind: 'void.to_available', reference },
      { debitAccount: accounts.available, creditAccount: accounts.reserved, amountCents: topUpCents, kind: 'void.reservation_top_up', reference },
    ],
    nowMs,
  );
  if (open) {
    await recordCardUse(tx, card, { reservationCents: card.reservationCents + toReservedCents + topUpCents, singleUseConsumed: false, pinnedMerchant: card.pinnedMerchant }, nowMs);
  }
  const voided: Transaction = { ...transaction, status: 'voided', voidedAtMs: nowMs, updatedAtMs: nowMs };
  await recordTransactionState(tx, voided);
  await recordEvent(tx, scope, 'transaction.voided', { ...presentTransaction(voided), voidReason: reason }, nowMs);
  return voided;
}
