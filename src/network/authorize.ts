// A merchant presents a card (SPEC §4 "Authorization decision"): resolve the card, gather the facts under lock,
// decide (src/domain/authorization.ts), then — in the same database transaction — record the transaction, hold the
// money through the ledger, adjust the card's reservation, match the intent and apply post-approval risk actions.
// Nothing here waits on anything but the database. Lock order: agent → card → ledger accounts.
import { cardLimitWindows, decideAuthorization, reservationAfterApproval, settlementDueMs, authorizationLifetimeMs, type CredentialCheck, type DeclineCode } from '../domain/authorization.js';
import { expiryHasPassed } from '../domain/card-numbers.js';
import { newId } from '../domain/ids.js';
import { matchIntent, merchantCategory, normalizeMerchantName } from '../domain/merchants.js';
import { evaluateRiskRules, riskDeclineOf, type RiskFacts } from '../domain/risk-rules.js';
import { userAccountId } from '../ledger/accounts.js';
import { lockAccounts, postTransfers } from '../ledger/transfers.js';
import { actOnAgentLimitExceeded, agentPolicyAt, approvedSpendCents, warnWhenAgentNearsLimit, type AgentPolicy } from '../modules/agents/policy.js';
import { getAgentForUpdate, type Agent } from '../modules/agents/service.js';
import { freezeCard, getCardForUpdate, recordCardUse, systemActor, type Card } from '../modules/cards/service.js';
import { readRiskHistory } from '../modules/risk/facts.js';
import { recordRiskFirings } from '../modules/risk/service.js';
import { riskSettingsFor } from '../modules/risk/settings.js';
import { cvvMatches, panFingerprint, type VaultSecrets } from '../modules/cards/vault.js';
import { recordEvent } from '../modules/events/service.js';
import { cardHadStaleIntent, recordIntentMatch, revealedIntentsOfCard } from '../modules/intents/service.js';
import type { Scope } from '../modules/scope.js';
import { cardControls, driftAnchorOf } from '../modules/policies/card-policy.js';
import { cardLifetimeUse } from '../modules/transactions/service.js';
import type { PolicyControls } from '../domain/spending-policy.js';
import { presentTransaction, type AttestationStatus, type Merchant, type Transaction } from '../modules/transactions/service.js';
import { getUser } from '../modules/users/service.js';
import type { Sql } from '../store/database.js';

export interface AuthorizationRequest {
  /** The card as a merchant presents it… */
  pan?: string | undefined;
  cvv?: string | undefined;
  expirationMonth?: string | undefined;
  expirationYear?: string | undefined;
  /** …or, for convenience in the sandbox, by id. */
  cardId?: string | undefined;
  amountCents: number;
  currency: string;
  merchant: { name: string; mcc?: string | undefined; city?: string | undefined; country?: string | undefined; id?: string | undefined };
}

export interface NetworkSettings {
  secrets: VaultSecrets;
  settlementDelayMs: number;
}

export async function findCardId(tx: Sql, scope: Scope, secrets: VaultSecrets, request: AuthorizationRequest): Promise<string | undefined> {
  if (request.cardId !== undefined) {
    const row = await tx.get<{ id: string }>('SELECT id FROM cards WHERE id = ? AND organization_id = ? AND environment = ?', [request.cardId, scope.organizationId, scope.environment]);
    return row?.id;
  }
  if (request.pan === undefined) return undefined;
  const row = await tx.get<{ id: string }>('SELECT id FROM cards WHERE environment = ? AND pan_fingerprint = ? AND organization_id = ?', [
    scope.environment,
    panFingerprint(secrets, request.pan),
    scope.organizationId,
  ]);
  return row?.id;
}

export function checkCredentials(card: Card, secrets: VaultSecrets, request: AuthorizationRequest, nowMs: number): CredentialCheck {
  if (request.cardId === undefined) {
    const presentedMonth = Number(request.expirationMonth);
    const presentedYear = Number(request.expirationYear);
    if (presentedMonth !== card.expirationMonth || presentedYear !== card.expirationYear) return 'card_expired';
    if (request.pan === undefined || request.cvv === undefined || !cvvMatches(secrets, request.pan, card.expirationMonth, card.expirationYear, request.cvv)) return 'incorrect_cvv';
  }
  if (expiryHasPassed({ month: card.expirationMonth, year: card.expirationYear }, nowMs)) return 'card_expired';
  if (card.expiresAtMs !== null && card.expiresAtMs <= nowMs && card.status !== 'closed') return 'card_expired';
  return 'valid';
}

/** Approved spend on the card in the current UTC day and month: one range scan of (card_id, created_at). */
export async function cardSpend(tx: Sql, cardId: string, nowMs: number): Promise<{ todayCents: number; monthCents: number }> {
  const { dayStartMs, monthStartMs } = cardLimitWindows(nowMs);
  const row = await tx.get<{ today: number | null; month: number | null }>(
    `SELECT SUM(CASE WHEN created_at >= ? THEN ${approvedSpendCents} ELSE 0 END) AS today, SUM(${approvedSpendCents}) AS month
     FROM transactions WHERE card_id = ? AND created_at >= ? AND status IN ('pending', 'settled', 'refunded')`,
    [dayStartMs, cardId, monthStartMs],
  );
  return { todayCents: Number(row?.today ?? 0), monthCents: Number(row?.month ?? 0) };
}

export function merchantOf(request: AuthorizationRequest): Merchant {
  return {
    name: request.merchant.name,
    normalizedName: normalizeMerchantName(request.merchant.name),
    mcc: request.merchant.mcc ?? null,
    category: merchantCategory(request.merchant.mcc) ?? null,
    city: request.merchant.city ?? null,
    country: request.merchant.country ?? null,
    id: request.merchant.id ?? null,
  };
}

export function newTransaction(nowMs: number, merchant: Merchant, request: AuthorizationRequest, card: Card | undefined): Transaction {
  return {
    id: newId('txn', nowMs),
    cardId: card?.id ?? null,
    agentId: card?.agentId ?? null,
    userId: card?.userId ?? null,
    status: 'declined',
    amountCents: request.amountCents,
    authorizedAmountCents: null,
    settledAmountCents: 0,
    refundedAmountCents: 0,
    incrementCount: 0,
    refundCount: 0,
    currency: request.currency,
    merchant,
    declineReason: null,
    declineDetail: null,
    intentId: null,
    intentMatch: null,
    attestationStatus: 'unattested',
    accessEventId: null,
    forcePost: false,
    notes: null,
    tags: [],
    category: null,
    settleAtMs: null,
    expiresAtMs: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    settledAtMs: null,
    voidedAtMs: null,
  };
}

export async function insertTransaction(tx: Sql, scope: Scope, transaction: Transaction): Promise<void> {
  await tx.run(
    `INSERT INTO transactions (id, organization_id, environment, card_id, agent_id, user_id, status, amount, authorized_amount, settled_amount, refunded_amount, currency,
       merchant_name, merchant_normalized_name, merchant_mcc, merchant_category, merchant_city, merchant_country, merchant_id, decline_reason, decline_detail,
       intent_id, intent_match, attestation_status, access_event_id, force_post, notes, tags, category, settle_at, expires_at, created_at, updated_at, settled_at, voided_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      transaction.id,
      scope.organizationId,
      scope.environment,
      transaction.cardId,
      transaction.agentId,
      transaction.userId,
      transaction.status,
      transaction.amountCents,
      transaction.authorizedAmountCents,
      transaction.settledAmountCents,
      transaction.refundedAmountCents,
      transaction.currency,
      transaction.merchant.name,
      transaction.merchant.normalizedName,
      transaction.merchant.mcc,
      transaction.merchant.category,
      transaction.merchant.city,
      transaction.merchant.country,
      transaction.merchant.id,
      transaction.declineReason,
      transaction.declineDetail,
      transaction.intentId,
      transaction.intentMatch,
      transaction.attestationStatus,
      transaction.accessEventId,
      transaction.forcePost ? 1 : 0,
      transaction.notes,
      JSON.stringify(transaction.tags),
      transaction.category,
      transaction.settleAtMs,
      transaction.expiresAtMs,
      transaction.createdAtMs,
      transaction.updatedAtMs,
      transaction.settledAtMs,
      transaction.voidedAtMs,
    ],
  );
}

export async function recordDecline(tx: Sql, scope: Scope, transaction: Transaction, code: DeclineCode, detail: string, nowMs: number): Promise<Transaction> {
  const declined: Transaction = { ...transaction, status: 'declined', declineReason: code, declineDetail: detail };
  await insertTransaction(tx, scope, declined);
  await recordEvent(tx, scope, 'transaction.declined', presentTransaction(declined), nowMs);
  return declined;
}

/** The card network's side effects of a limit decline: the card's `onLimitExceeded` and the agent's. */
async function actOnLimitDecline(tx: Sql, scope: Scope, code: DeclineCode, card: Card, agent: Agent, policy: AgentPolicy, amountCents: number, nowMs: number): Promise<void> {
  if (code === 'card_limit_exceeded' && card.onLimitExceeded === 'freeze') await freezeCard(tx, scope, card.id, 'limit_exceeded', systemActor('card_limit_exceeded'), nowMs);
  if (code === 'agent_limit_exceeded') await actOnAgentLimitExceeded(tx, scope, agent, policy, amountCents, nowMs);
}

export async function authorize(tx: Sql, scope: Scope, settings: NetworkSettings, request: AuthorizationRequest, nowMs: number): Promise<Transaction> {
  const merchant = merchantOf(request);
  const cardId = await findCardId(tx, scope, settings.secrets, request);
  if (cardId === undefined) return recordDecline(tx, scope, newTransaction(nowMs, merchant, request, undefined), 'invalid_card', 'no card with these credentials', nowMs);

  const unlocked = await tx.get<{ agent_id: string }>('SELECT agent_id FROM cards WHERE id = ?', [cardId]);
  const agent = await getAgentForUpdate(tx, scope, unlocked!.agent_id);
  const card = await getCardForUpdate(tx, scope, cardId, { agentLocked: true });
  const user = await getUser(tx, scope, card.userId);
  const policy = await agentPolicyAt(tx, agent, nowMs);
  const spend = await cardSpend(tx, card.id, nowMs);
  const { controls } = await cardControls(tx, card, agent);
  const needsLifetimeUse = controls.maxAuthCount !== null || controls.cumulativeMaxCents !== null || controls.cooldownMinutes !== null;
  const lifetime = needsLifetimeUse ? await cardLifetimeUse(tx, card.id) : { authCount: 0, spentCents: 0, lastApprovedAtMs: null };
  const available = userAccountId(card.userId, 'available');
  const reserved = userAccountId(card.userId, 'reserved');
  const held = userAccountId(card.userId, 'held');
  const accounts = await lockAccounts(tx, [available, reserved, held]);
  const availableCents = accounts.get(available)!.balance;
  const transaction = newTransaction(nowMs, merchant, request, card);

  // Attestation: the card's revealed intents are the candidates. Read before the decision, for the risk rules.
  const candidates = await revealedIntentsOfCard(tx, card.id, nowMs);
  const match = matchIntent(
    candidates.map((intent) => ({ id: intent.id, amountCents: intent.amountCents, merchantText: intent.merchantText, revealedAtMs: intent.revealedAtMs ?? intent.createdAtMs, tolerancePartsPerMillion: intent.tolerancePartsPerMillion })),
    { amountCents: request.amountCents, merchantName: request.merchant.name },
    controls.intentTolerance ?? undefined,
  );
  const matchedIntent = match === undefined ? undefined : candidates.find((intent) => intent.id === match.intentId);
  // Attested: the matched intent's details were read within the card's attestation window; later reads are stale.
  const accessFresh = matchedIntent !== undefined && nowMs - (matchedIntent.revealedAtMs ?? matchedIntent.createdAtMs) <= card.attestationWindowMinutes * 60_000;
  const attestationStatus: AttestationStatus =
    match !== undefined ? (accessFresh ? 'attested' : 'stale') : (await cardHadStaleIntent(tx, card.id, nowMs)) ? 'stale' : 'unattested';
  const intentMatch = match === undefined ? null : match.matched ? 'matched' : 'mismatched';

  const riskSettings = await riskSettingsFor(tx, scope, agent.id, card.id);
  const riskFacts: RiskFacts = {
    nowMs,
    amountCents: request.amountCents,
    merchantNormalizedName: merchant.normalizedName,
    card: { type: card.type, merchantDriftEnabled: card.merchantDriftEnabled, onDrift: card.onDrift, pinnedMerchant: driftAnchorOf(card, controls) },
    ...(await readRiskHistory(tx, riskSettings, { cardId: card.id, agentId: agent.id, merchantNormalizedName: merchant.normalizedName, amountCents: request.amountCents, nowMs })),
    attestation: attestationStatus,
    intentMatch,
  };
  const firings = evaluateRiskRules(riskFacts, riskSettings);
  const riskDecline = riskDeclineOf(firings);

  const decision = decideAuthorization({
    amountCents: request.amountCents,
    credentials: checkCredentials(card, settings.secrets, request, nowMs),
    card: {
      status: card.status,
      type: card.type,
      singleUseConsumed: card.singleUseConsumed,
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
    policy: {
      controls,
      usage: {
        nowMs,
        amountCents: request.amountCents,
        mcc: merchant.mcc,
        merchantNormalizedName: merchant.normalizedName,
        authCount: lifetime.authCount,
        cumulativeSpentCents: lifetime.spentCents,
        lastApprovedAtMs: lifetime.lastApprovedAtMs,
        attestation: attestationStatus,
      },
    },
    riskDeclineRule: riskDecline?.rule,
    availableCents,
  });

  if (!decision.approved) {
    const declined = await recordDecline(tx, scope, transaction, decision.code, decision.detail, nowMs);
    // Only the rules that declined it are recorded: the others judge authorizations that went through.
    if (decision.code === 'risk_declined') {
      const declining = firings.filter((firing) => firing.action === 'decline' && !firing.dryRun);
      await recordRiskFirings(tx, scope, declining, { card, transactionId: declined.id, facts: riskFacts }, true, nowMs);
    }
    await actOnLimitDecline(tx, scope, decision.code, card, agent, policy, request.amountCents, nowMs);
    return declined;
  }

  // The hold: the card's reservation first, then available.
  const reservation = reservationAfterApproval(card, decision.fromReservedCents, availableCents - decision.fromAvailableCents);
  await postTransfers(
    tx,
    scope,
    [
      { debitAccount: reserved, creditAccount: held, amountCents: decision.fromReservedCents, kind: 'authorization.hold_reserved', reference: transaction.id },
      { debitAccount: available, creditAccount: held, amountCents: decision.fromAvailableCents, kind: 'authorization.hold_available', reference: transaction.id },
      { debitAccount: reserved, creditAccount: available, amountCents: reservation.releaseCents, kind: 'authorization.reservation_release', reference: transaction.id },
      { debitAccount: available, creditAccount: reserved, amountCents: reservation.topUpCents, kind: 'authorization.reservation_top_up', reference: transaction.id },
    ],
    nowMs,
  );
  const pinFirst = card.type === 'multi' && card.merchantDriftEnabled && card.pinnedMerchant === null;
  const pinTo = driftAnchorOf(card, controls) ?? merchant.normalizedName;
  const usedCard = await recordCardUse(
    tx,
    card,
    { reservationCents: reservation.reservationAfterCents, singleUseConsumed: card.type === 'single' ? true : card.singleUseConsumed, pinnedMerchant: pinFirst ? pinTo : card.pinnedMerchant },
    nowMs,
  );

  const approved: Transaction = {
    ...transaction,
    status: 'pending',
    authorizedAmountCents: transaction.amountCents,
    intentId: matchedIntent?.id ?? null,
    intentMatch,
    attestationStatus,
    accessEventId: matchedIntent?.accessEventId ?? null,
    settleAtMs: settings.settlementDelayMs > 0 ? settlementDueMs(nowMs, settings.settlementDelayMs) : null,
    expiresAtMs: nowMs + authorizationLifetimeMs,
  };
  await insertTransaction(tx, scope, approved);
  await recordEvent(tx, scope, 'transaction.created', presentTransaction(approved), nowMs);
  await warnWhenAgentNearsLimit(tx, scope, agent, policy, approved, nowMs);
  if (match !== undefined && matchedIntent !== undefined) await recordIntentMatch(tx, scope, matchedIntent, approved.id, match.matched, match.matchResult as unknown as Record<string, unknown>, nowMs);

  // Post-approval risk: every firing is an alert; freeze_card and suspend_agent act now (dry run: they don't).
  await recordRiskFirings(tx, scope, firings, { card: usedCard, transactionId: approved.id, facts: riskFacts }, false, nowMs);
  return approved;
}
