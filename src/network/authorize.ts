// A merchant presents a card (SPEC §4 "Authorization decision"). Authorizations are decided in batches: the state of
// every card, agent, user and ledger account a batch involves is read once, with set-based statements and under
// lock (src/network/authorization-batch.ts), each authorization is decided in arrival order against that state in
// memory (src/domain/authorization.ts and the other pure rules), so two on one card see each other, and the batch's
// rows are written together in the same database transaction. A single authorization is a batch of one. The rare
// effects that change other records (a card frozen, an agent suspended, a limit warning, an intent matched) are
// carried out by their modules between decisions, after the batch's rows so far are written.
import { decideAuthorization, reservationAfterApproval, settlementDueMs, authorizationLifetimeMs, type CredentialCheck, type DeclineCode } from '../domain/authorization.js';
import { expiryHasPassed } from '../domain/card-numbers.js';
import { newId } from '../domain/ids.js';
import { matchIntent, merchantCategory, normalizeMerchantName } from '../domain/merchants.js';
import { evaluateRiskRules, riskDeclineOf, type RiskFacts, type RiskFiring } from '../domain/risk-rules.js';
import { userAccountId } from '../ledger/accounts.js';
import { actOnAgentLimitExceeded, limitWarningDueAfter, warnWhenAgentNearsLimit, type AgentPolicy } from '../modules/agents/policy.js';
import type { Agent, AgentStatusFollower } from '../modules/agents/service.js';
import { cardAfterUse, freezeCard, systemActor, type Card } from '../modules/cards/service.js';
import { firingActs, outcomeWithoutAction, presentRiskAlert, recordRiskFirings, riskAlertOf, type RiskSubject } from '../modules/risk/service.js';
import { cvvMatches, panFingerprint, type VaultSecrets } from '../modules/cards/vault.js';
import { recordEvent } from '../modules/events/service.js';
import { recordIntentMatch } from '../modules/intents/service.js';
import type { Scope } from '../domain/scope.js';
import { driftAnchorOf } from '../modules/policies/card-policy.js';
import { insertTransaction } from '../modules/transactions/store.js';
import { getTransactionForUpdate, presentTransaction, type AttestationStatus, type Merchant, type Transaction } from '../modules/transactions/service.js';
import type { ProcessorName } from './issuer.js';
import type { Sql } from '../store/database.js';
import { AuthorizationBatch, type PreparedItem } from './authorization-batch.js';


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
  /**
   * An issuer-processor's authorization request (src/network/issuers/): its token is claimed in the batch's
   * transaction before the decision, so a retry of the same request answers the transaction decided the first time
   * instead of deciding again, and the processor's clearing settles it (never cardrail's settlement schedule).
   */
  issuerClaim?: { issuer: ProcessorName; token: string } | undefined;
}

export interface NetworkSettings {
  secrets: VaultSecrets;
  settlementDelayMs: number;
  /** What an agent's suspension by a limit or risk rule also does: its cards freeze (wired in src/app.ts). */
  followAgentStatus: AgentStatusFollower;
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

export async function recordDecline(tx: Sql, scope: Scope, transaction: Transaction, code: DeclineCode, detail: string, nowMs: number): Promise<Transaction> {
  const declined: Transaction = { ...transaction, status: 'declined', declineReason: code, declineDetail: detail };
  await insertTransaction(tx, scope, declined);
  await recordEvent(tx, scope, 'transaction.declined', presentTransaction(declined), nowMs);
  return declined;
}

/** One authorization of a batch: the request, its scope and the environment time it arrived at. */
export interface AuthorizationItem {
  scope: Scope;
  request: AuthorizationRequest;
  nowMs: number;
}

/** One authorization, decided in the caller's transaction: a batch of one. */
export async function authorize(tx: Sql, scope: Scope, settings: NetworkSettings, request: AuthorizationRequest, nowMs: number): Promise<Transaction> {
  const [transaction] = await authorizeBatch(tx, settings, [{ scope, request, nowMs }]);
  return transaction!;
}

/**
 * Decides `items` in order, in the caller's transaction, and answers their transactions in the same order. Each
 * decision sees every earlier one of the batch: the same outcomes, balances and records as deciding them one at a time.
 */
export async function authorizeBatch(tx: Sql, settings: NetworkSettings, items: readonly AuthorizationItem[]): Promise<Transaction[]> {
  const batch = new AuthorizationBatch(tx, settings.secrets);
  const prepared = items.map((item) => batch.prepare(item));
  const transactions: Transaction[] = [];
  const decidedHere = new Map<string, Transaction>();
  for (let index = 0; index < prepared.length; index += 1) {
    const { scope, request } = items[index]!;
    const claim = request.issuerClaim;
    if (claim !== undefined) {
      const earlier = await claimIssuerRequest(tx, scope, claim, request.cardId ?? null, items[index]!.nowMs, decidedHere);
      if (earlier !== undefined) {
        transactions.push(earlier);
        continue;
      }
    }
    await batch.ensureLoaded(prepared.slice(index));
    const transaction = await decide(batch, settings, prepared[index]!);
    if (claim !== undefined) await tx.run('UPDATE issuer_transactions SET transaction_id = ? WHERE issuer = ? AND token = ?', [transaction.id, claim.issuer, claim.token]);
    decidedHere.set(transaction.id, transaction);
    transactions.push(transaction);
  }
  await batch.flush();
  return transactions;
}

/**
 * Claims an issuer's request token (INSERT … ON CONFLICT DO NOTHING: on PostgreSQL a concurrent claim of the same
 * token waits for the first to commit). Answers the transaction an earlier claim decided — in this batch or before —
 * or undefined when this request is the one to decide.
 */
async function claimIssuerRequest(
  tx: Sql,
  scope: Scope,
  claim: NonNullable<AuthorizationRequest['issuerClaim']>,
  cardId: string | null,
  nowMs: number,
  decidedHere: ReadonlyMap<string, Transaction>,
): Promise<Transaction | undefined> {
  const claimed = await tx.run(
    `INSERT INTO issuer_transactions (issuer, token, organization_id, environment, card_id, transaction_id, answer, created_at) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)
     ON CONFLICT (issuer, token) DO NOTHING`,
    [claim.issuer, claim.token, scope.organizationId, scope.environment, cardId, nowMs],
  );
  if (claimed.changes === 1) return undefined;
  const row = await tx.get<{ transaction_id: string | null }>('SELECT transaction_id FROM issuer_transactions WHERE issuer = ? AND token = ?', [claim.issuer, claim.token]);
  if (row?.transaction_id === null || row?.transaction_id === undefined) return undefined;
  return decidedHere.get(row.transaction_id) ?? (await getTransactionForUpdate(tx, scope, row.transaction_id));
}

/** The card network's side effects of a limit decline: the card's `onLimitExceeded` and the agent's. */
function limitDeclineActs(code: DeclineCode, card: Card, agent: Agent): boolean {
  return (code === 'card_limit_exceeded' && card.onLimitExceeded === 'freeze') || (code === 'agent_limit_exceeded' && agent.onLimitExceeded !== 'none');
}

async function actOnLimitDecline(
  tx: Sql,
  scope: Scope,
  code: DeclineCode,
  card: Card,
  agent: Agent,
  policy: AgentPolicy,
  amountCents: number,
  followAgentStatus: AgentStatusFollower,
  nowMs: number,
): Promise<void> {
  if (code === 'card_limit_exceeded' && card.onLimitExceeded === 'freeze') await freezeCard(tx, scope, card.id, 'limit_exceeded', systemActor('card_limit_exceeded'), nowMs);
  if (code === 'agent_limit_exceeded') await actOnAgentLimitExceeded(tx, scope, agent, policy, amountCents, followAgentStatus, nowMs);
}

/** Records the firings' alerts and events: in the batch when none acts, else through the risk module after a flush. */
async function recordFirings(
  batch: AuthorizationBatch,
  scope: Scope,
  firings: readonly RiskFiring[],
  subject: RiskSubject,
  declined: boolean,
  followAgentStatus: AgentStatusFollower,
  nowMs: number,
): Promise<void> {
  if (firings.length === 0) return;
  if (firings.some(firingActs)) {
    await batch.between((tx) => recordRiskFirings(tx, scope, firings, subject, declined, followAgentStatus, nowMs));
    return;
  }
  for (const firing of firings) {
    const alert = riskAlertOf(firing, subject, outcomeWithoutAction(firing, declined), newId('alert', nowMs), nowMs);
    batch.addAlert(scope, alert);
    batch.addEvent(scope, alert.eventType, presentRiskAlert(alert), nowMs);
  }
}

function declineOf(batch: AuthorizationBatch, scope: Scope, transaction: Transaction, code: DeclineCode, detail: string, nowMs: number): Transaction {
  const declined: Transaction = { ...transaction, status: 'declined', declineReason: code, declineDetail: detail };
  batch.addTransaction(scope, declined);
  batch.addEvent(scope, 'transaction.declined', presentTransaction(declined), nowMs);
  return declined;
}

async function decide(batch: AuthorizationBatch, settings: NetworkSettings, item: PreparedItem<AuthorizationItem>): Promise<Transaction> {
  const { scope, request, nowMs } = item;
  const merchant = merchantOf(request);
  const cardId = batch.cardIdOf(item);
  if (cardId === undefined) return declineOf(batch, scope, newTransaction(nowMs, merchant, request, undefined), 'invalid_card', 'no card with these credentials', nowMs);

  const card = batch.card(cardId);
  const agent = batch.agent(card.agentId);
  const user = batch.user(card.userId);
  const controls = batch.controlsOf(card);
  const policy = await batch.agentPolicy(agent, nowMs);
  // The card's spend is read only for its daily or monthly limit: nothing else in the decision uses it.
  const spend = controls.limitPerDayCents !== null || controls.limitPerMonthCents !== null ? await batch.cardSpend(card.id, nowMs) : { todayCents: 0, monthCents: 0 };
  const needsLifetimeUse = controls.maxAuthCount !== null || controls.cumulativeMaxCents !== null || controls.cooldownMinutes !== null;
  const lifetime = needsLifetimeUse ? await batch.lifetimeUse(card.id) : { authCount: 0, spentCents: 0, lastApprovedAtMs: null };
  const available = userAccountId(card.userId, 'available');
  const reserved = userAccountId(card.userId, 'reserved');
  const held = userAccountId(card.userId, 'held');
  const availableCents = batch.account(available).balance;
  const transaction = newTransaction(nowMs, merchant, request, card);

  // Attestation: the card's revealed intents are the candidates. Read before the decision, for the risk rules.
  const candidates = batch.revealedIntents(card.id, nowMs);
  const match = matchIntent(
    candidates.map((intent) => ({ id: intent.id, amountCents: intent.amountCents, merchantText: intent.merchantText, revealedAtMs: intent.revealedAtMs ?? intent.createdAtMs, tolerancePartsPerMillion: intent.tolerancePartsPerMillion })),
    { amountCents: request.amountCents, merchantName: request.merchant.name },
    controls.intentTolerance ?? undefined,
  );
  const matchedIntent = match === undefined ? undefined : candidates.find((intent) => intent.id === match.intentId);
  // Attested: the matched intent's details were read within the card's attestation window; later reads are stale.
  const accessFresh = matchedIntent !== undefined && nowMs - (matchedIntent.revealedAtMs ?? matchedIntent.createdAtMs) <= card.attestationWindowMinutes * 60_000;
  const attestationStatus: AttestationStatus =
    match !== undefined ? (accessFresh ? 'attested' : 'stale') : batch.hadStaleIntent(card.id, nowMs) ? 'stale' : 'unattested';
  const intentMatch = match === undefined ? null : match.matched ? 'matched' : 'mismatched';

  const riskSettings = batch.riskSettings(scope, agent.id, card.id);
  const riskFacts: RiskFacts = {
    nowMs,
    amountCents: request.amountCents,
    merchantNormalizedName: merchant.normalizedName,
    card: { type: card.type, merchantDriftEnabled: card.merchantDriftEnabled, onDrift: card.onDrift, pinnedMerchant: driftAnchorOf(card, controls) },
    ...(await batch.riskHistory(riskSettings, { cardId: card.id, agentId: agent.id, merchantNormalizedName: merchant.normalizedName, amountCents: request.amountCents, nowMs })),
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
    const declined = declineOf(batch, scope, transaction, decision.code, decision.detail, nowMs);
    // Only the rules that declined it are recorded: the others judge authorizations that went through.
    if (decision.code === 'risk_declined') {
      const declining = firings.filter((firing) => firing.action === 'decline' && !firing.dryRun);
      await recordFirings(batch, scope, declining, { card, transactionId: declined.id, facts: riskFacts }, true, settings.followAgentStatus, nowMs);
    }
    if (limitDeclineActs(decision.code, card, agent)) await batch.between((tx) => actOnLimitDecline(tx, scope, decision.code, card, agent, policy, request.amountCents, settings.followAgentStatus, nowMs));
    return declined;
  }

  // The hold: the card's reservation first, then available.
  const reservation = reservationAfterApproval(card, decision.fromReservedCents, availableCents - decision.fromAvailableCents);
  batch.post(
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
  const usedCard = cardAfterUse(
    card,
    { reservationCents: reservation.reservationAfterCents, singleUseConsumed: card.type === 'single' ? true : card.singleUseConsumed, pinnedMerchant: pinFirst ? pinTo : card.pinnedMerchant },
    nowMs,
  );
  batch.useCard(usedCard);

  const approved: Transaction = {
    ...transaction,
    status: 'pending',
    authorizedAmountCents: transaction.amountCents,
    intentId: matchedIntent?.id ?? null,
    intentMatch,
    attestationStatus,
    accessEventId: matchedIntent?.accessEventId ?? null,
    settleAtMs: settings.settlementDelayMs > 0 && request.issuerClaim === undefined ? settlementDueMs(nowMs, settings.settlementDelayMs) : null,
    expiresAtMs: nowMs + authorizationLifetimeMs,
  };
  batch.addTransaction(scope, approved);
  batch.countApproval(approved, merchant.normalizedName);
  batch.addEvent(scope, 'transaction.created', presentTransaction(approved), nowMs);
  if (limitWarningDueAfter(agent, policy, approved) !== undefined) await batch.between((tx) => warnWhenAgentNearsLimit(tx, scope, agent, policy, approved, nowMs));
  if (match !== undefined && matchedIntent !== undefined) {
    await batch.between((tx) => recordIntentMatch(tx, scope, matchedIntent, approved.id, match.matched, match.matchResult as unknown as Record<string, unknown>, nowMs));
  }

  // Post-approval risk: every firing is an alert; freeze_card and suspend_agent act now (dry run: they don't).
  await recordFirings(batch, scope, firings, { card: usedCard, transactionId: approved.id, facts: riskFacts }, false, settings.followAgentStatus, nowMs);
  return approved;
}
