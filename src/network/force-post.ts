// A force post (SPEC §4): a clearing that arrives with no authorization. It is never refused — the merchant has
// already been paid — so it draws from the card's reservation, then available, then the user's debt.
import { clearingSources } from '../domain/authorization.js';
import { newId } from '../domain/ids.js';
import { merchantCategory, normalizeMerchantName } from '../domain/merchants.js';
import { postTransfers } from '../ledger/transfers.js';
import { getCardForUpdate, recordCardUse } from '../modules/cards/service.js';
import { recordEvent } from '../modules/events/service.js';
import type { Scope } from '../domain/scope.js';
import { presentTransaction, type Transaction } from '../modules/transactions/service.js';
import type { Sql } from '../store/database.js';
import type { AuthorizationRequest } from './authorize.js';
import { insertTransaction } from '../modules/transactions/store.js';
import { lockCardholderAccounts } from './money.js';

export async function forcePost(tx: Sql, scope: Scope, cardId: string, amountCents: number, merchant: AuthorizationRequest['merchant'], nowMs: number): Promise<Transaction> {
  const card = await getCardForUpdate(tx, scope, cardId);
  const accounts = await lockCardholderAccounts(tx, scope, card.userId);
  const sources = clearingSources(amountCents, 0, card.reservationCents, accounts.availableCents);
  const transaction: Transaction = {
    id: newId('txn', nowMs),
    cardId: card.id,
    agentId: card.agentId,
    userId: card.userId,
    status: 'settled',
    amountCents,
    // A force post clears without an authorization: nothing was authorized.
    authorizedAmountCents: null,
    settledAmountCents: amountCents,
    refundedAmountCents: 0,
    incrementCount: 0,
    refundCount: 0,
    currency: 'USD',
    merchant: {
      name: merchant.name,
      normalizedName: normalizeMerchantName(merchant.name),
      mcc: merchant.mcc ?? null,
      category: merchantCategory(merchant.mcc) ?? null,
      city: merchant.city ?? null,
      country: merchant.country ?? null,
      id: merchant.id ?? null,
    },
    declineReason: null,
    declineDetail: null,
    intentId: null,
    intentMatch: null,
    attestationStatus: 'unattested',
    accessEventId: null,
    forcePost: true,
    notes: null,
    tags: [],
    category: null,
    settleAtMs: null,
    expiresAtMs: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    settledAtMs: nowMs,
    voidedAtMs: null,
  };
  const reference = transaction.id;
  await postTransfers(
    tx,
    scope,
    [
      { debitAccount: accounts.reserved, creditAccount: accounts.network, amountCents: sources.fromReservedCents, kind: 'force_post.from_reserved', reference },
      { debitAccount: accounts.available, creditAccount: accounts.network, amountCents: sources.fromAvailableCents, kind: 'force_post.from_available', reference },
      { debitAccount: accounts.debt, creditAccount: accounts.network, amountCents: sources.fromDebtCents, kind: 'force_post.from_debt', reference },
    ],
    nowMs,
  );
  if (sources.fromReservedCents > 0) {
    await recordCardUse(tx, card, { reservationCents: card.reservationCents - sources.fromReservedCents, singleUseConsumed: card.singleUseConsumed, pinnedMerchant: card.pinnedMerchant }, nowMs);
  }
  await insertTransaction(tx, scope, transaction);
  await recordEvent(tx, scope, 'transaction.created', presentTransaction(transaction), nowMs);
  await recordEvent(tx, scope, 'transaction.settled', presentTransaction(transaction), nowMs);
  return transaction;
}
