// Clearing (capture) of a pending authorization (SPEC §5): the held amount goes to the network; less than
// authorized returns the rest; more draws the difference from the card's reservation, then available, then debt.
// A single-use card closes when its transaction settles.
import { clearingSources } from '../domain/authorization.js';
import { AppError } from '../domain/errors.js';
import { postTransfers } from '../ledger/transfers.js';
import { closeCard, getCardForUpdate, recordCardUse } from '../modules/cards/service.js';
import { recordEvent } from '../modules/events/service.js';
import type { Scope } from '../domain/scope.js';
import { getTransactionForUpdate, presentTransaction, type Transaction } from '../modules/transactions/service.js';
import type { Sql } from '../store/database.js';
import { lockCardholderAccounts } from './money.js';
import { recordTransactionState } from '../modules/transactions/store.js';

export async function clearTransaction(tx: Sql, scope: Scope, transactionId: string, amountCents: number | undefined, nowMs: number): Promise<Transaction> {
  const transaction = await getTransactionForUpdate(tx, scope, transactionId);
  if (transaction.status !== 'pending' || transaction.cardId === null || transaction.userId === null) {
    throw new AppError('invalid_status_transition', { action: 'clear', resource: 'transaction', id: transactionId, status: transaction.status });
  }
  const card = await getCardForUpdate(tx, scope, transaction.cardId);
  const accounts = await lockCardholderAccounts(tx, scope, transaction.userId);
  const clearCents = amountCents ?? transaction.amountCents;
  const sources = clearingSources(clearCents, transaction.amountCents, card.reservationCents, accounts.availableCents);
  const reference = transaction.id;
  await postTransfers(
    tx,
    scope,
    [
      { debitAccount: accounts.held, creditAccount: accounts.network, amountCents: sources.fromHeldCents, kind: 'clearing.capture', reference },
      { debitAccount: accounts.held, creditAccount: accounts.available, amountCents: sources.releaseHeldCents, kind: 'clearing.release', reference },
      { debitAccount: accounts.reserved, creditAccount: accounts.network, amountCents: sources.fromReservedCents, kind: 'clearing.over_reserved', reference },
      { debitAccount: accounts.available, creditAccount: accounts.network, amountCents: sources.fromAvailableCents, kind: 'clearing.over_available', reference },
      { debitAccount: accounts.debt, creditAccount: accounts.network, amountCents: sources.fromDebtCents, kind: 'clearing.over_debt', reference },
    ],
    nowMs,
  );
  const cardAfter =
    sources.fromReservedCents > 0 ? await recordCardUse(tx, card, { reservationCents: card.reservationCents - sources.fromReservedCents, singleUseConsumed: card.singleUseConsumed, pinnedMerchant: card.pinnedMerchant }, nowMs) : card;

  const settled: Transaction = { ...transaction, status: 'settled', settledAmountCents: clearCents, settledAtMs: nowMs, updatedAtMs: nowMs };
  await recordTransactionState(tx, settled);
  await recordEvent(tx, scope, 'transaction.settled', presentTransaction(settled), nowMs);
  if (cardAfter.type === 'single' && cardAfter.status !== 'closed') await closeCard(tx, scope, cardAfter, 'single_use_consumed', nowMs);
  return settled;
}
