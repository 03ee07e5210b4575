// Incremental authorization (SPEC §4): the merchant asks for more on a pending authorization (a tip, a longer
// stay). The extra amount passes the same checks as an authorization — card state, maxAmount for the new total,
// card and agent limits, funds (decideIncrement in domain/authorization.ts) — and is held the same way; a refusal
// leaves the original authorization as it was.
import { decideIncrement } from '../domain/authorization.js';
import { AppError } from '../domain/errors.js';
import { postTransfers } from '../ledger/transfers.js';
import { agentPolicyAt, warnWhenAgentNearsLimit } from '../modules/agents/policy.js';
import { getAgentForUpdate } from '../modules/agents/service.js';
import { getCardForUpdate, recordCardUse } from '../modules/cards/service.js';
import { recordEvent } from '../modules/events/service.js';
import type { Scope } from '../domain/scope.js';
import { getTransactionForUpdate, presentTransaction, type Transaction } from '../modules/transactions/service.js';
import { getUser } from '../modules/users/service.js';
import type { Sql } from '../store/database.js';
import { cardSpend, changeTransactionAmount } from '../modules/transactions/store.js';
import { cardControls } from '../modules/policies/card-policy.js';
import { cardLifetimeUse } from '../modules/transactions/service.js';
import { lockCardholderAccounts } from './money.js';

export async function incrementAuthorization(tx: Sql, scope: Scope, transactionId: string, extraCents: number, nowMs: number): Promise<Transaction> {
  const peek = await getTransactionForUpdate(tx, scope, transactionId);
  if (peek.status !== 'pending' || peek.cardId === null || peek.agentId === null || peek.userId === null) {
    throw new AppError('invalid_status_transition', { action: 'increment', resource: 'transaction', id: transactionId, status: peek.status });
  }
  const agent = await getAgentForUpdate(tx, scope, peek.agentId);
  const card = await getCardForUpdate(tx, scope, peek.cardId, { agentLocked: true });
  const transaction = await getTransactionForUpdate(tx, scope, transactionId);
  const user = await getUser(tx, scope, peek.userId);
  const policy = await agentPolicyAt(tx, agent, nowMs);
  const spend = await cardSpend(tx, card.id, nowMs);
  const { controls } = await cardControls(tx, card, agent);
  const lifetime = controls.cumulativeMaxCents === null ? undefined : { cumulativeMaxCents: controls.cumulativeMaxCents, spentCents: (await cardLifetimeUse(tx, card.id)).spentCents };
  const accounts = await lockCardholderAccounts(tx, scope, peek.userId);
  const decision = decideIncrement({
    extraCents,
    authorizedCents: transaction.amountCents,
    card: {
      status: card.status,
      type: card.type,
      maxAmountCents: card.maxAmountCents,
      reservationCents: card.reservationCents,
      limitPerAuthCents: controls.limitPerAuthCents,
      limitPerDayCents: controls.limitPerDayCents,
      limitPerMonthCents: controls.limitPerMonthCents,
      spentTodayCents: spend.todayCents,
      spentThisMonthCents: spend.monthCents,
    },
    userApproved: user.applicationStatus === 'approved',
    agentActive: agent.status === 'active',
    agentRemainingCents: policy.remainingCents,
    agentLimitPerTransaction: policy.spendingLimitFrequency === 'perTransaction',
    lifetime,
    availableCents: accounts.availableCents,
    nowMs,
  });
  if (!decision.approved) throw new AppError('increment_declined', { amountCents: extraCents, declineReason: decision.code });

  const incrementNumber = transaction.incrementCount + 1;
  const reference = `${transaction.id}:${incrementNumber}`;
  await postTransfers(
    tx,
    scope,
    [
      { debitAccount: accounts.reserved, creditAccount: accounts.held, amountCents: decision.fromReservedCents, kind: 'increment.hold_reserved', reference },
      { debitAccount: accounts.available, creditAccount: accounts.held, amountCents: decision.fromAvailableCents, kind: 'increment.hold_available', reference },
      { debitAccount: accounts.available, creditAccount: accounts.reserved, amountCents: decision.topUpCents, kind: 'increment.reservation_top_up', reference },
    ],
    nowMs,
  );
  await recordCardUse(
    tx,
    card,
    { reservationCents: decision.reservationAfterCents, singleUseConsumed: card.singleUseConsumed, pinnedMerchant: card.pinnedMerchant },
    nowMs,
  );
  const incremented: Transaction = { ...transaction, amountCents: transaction.amountCents + extraCents, incrementCount: incrementNumber, updatedAtMs: nowMs };
  await changeTransactionAmount(tx, transaction, incremented.amountCents, incrementNumber, nowMs);
  await recordEvent(tx, scope, 'transaction.updated', { ...presentTransaction(incremented), incrementAmount: extraCents }, nowMs);
  await warnWhenAgentNearsLimit(tx, scope, agent, policy, { id: transaction.id, amountCents: extraCents, createdAtMs: transaction.createdAtMs }, nowMs);
  return incremented;
}
