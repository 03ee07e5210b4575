// Virtual cards: issuing (number, expiry, vault), the reservation of maxAmount (available → reserved) and its
// release on close or expiry (reserved → available), freeze/unfreeze/close, settings, lists and the expiry sweep.
// Card rows are locked (FOR UPDATE on PostgreSQL) after their agent and before ledger accounts: agent → card → accounts.
import { randomBytes } from 'node:crypto';
import { cardExpiry, formatExpirationMonth, formatExpirationYear, lastFourDigits, panFromRandomBytes, panRandomBytesLength } from '../../domain/card-numbers.js';
import { AppError, isAppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { userAccountId } from '../../ledger/accounts.js';
import { lockAccounts, postTransfers } from '../../ledger/transfers.js';
import { forShare, forUpdate, type Sql } from '../../store/database.js';
import { sweepDueRows } from '../../store/due-rows.js';
import type { OnExpiry } from '../../domain/spending-policy.js';
import type { ExposureMode } from '../../domain/credential-exposure.js';
import type { ApprovalMethod } from '../../domain/intents.js';
import type { RiskAction } from '../../domain/risk-rules.js';
import { limitsForNewCard, lockAgentForNewCard } from '../agents/card-allowance.js';
import { getAgent, type Agent, type AgentStatusChange } from '../agents/service.js';
import { canonicalOnDrift, requirePolicy, requireRawPanAcknowledgement } from '../policies/service.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage, type ListQuery } from '../pagination.js';
import { visibleTo, type Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';
import { riskSettingsFor } from '../risk/settings.js';
import { getUser, requireApprovedUser } from '../users/service.js';
import { defaultAttestationWindowMinutes, type CardStatus, type CardStatusReason, type CardType, type CreateCardInput, type ListCardsQuery, type OnDrift, type OnLimitExceeded, type UpdateCardInput } from './schemas.js';
import { encryptPan, panFingerprint, type VaultSecrets } from './vault.js';
import { queueIssuerCardUpdate } from './issuer-updates.js';
import { heldByIssuerFingerprint, heldByIssuerMarker, type IssuedCard, type IssuerName, type ProcessorName } from '../../network/issuer.js';

export interface Card {
  id: string;
  agentId: string;
  userId: string;
  type: CardType;
  purpose: string;
  maxAmountCents: number;
  /** What the card holds in the user's `reserved` account now (invariant 3). */
  reservationCents: number;
  limitPerAuthCents: number | null;
  limitPerDayCents: number | null;
  limitPerMonthCents: number | null;
  /** The card's spending policy (its controls apply where the card sets none). */
  policyId: string | null;
  /** Multi-use: the merchant the card is pinned to until its first use pins it for real. */
  merchantHint: string | null;
  maxAuthCount: number | null;
  attestationWindowMinutes: number;
  /** The card's own credential exposure; null: its policies', else the organization's default. */
  credentialExposure: ExposureMode | null;
  /** What reaching expiresAt does: close (the default) or freeze. */
  onExpiry: OnExpiry;
  merchantDriftEnabled: boolean;
  onDrift: OnDrift;
  onLimitExceeded: OnLimitExceeded;
  /** null: the agent's policy decides. */
  requireApproval: boolean | null;
  autoApproveBelowCents: number | null;
  /** The card's own approval method; null: its policies', else its agent's. */
  approvalMethod: ApprovalMethod | null;
  /** The card's own approval timeout; null: its policies', else its agent's. */
  approvalTimeoutMinutes: number | null;
  pinnedMerchant: string | null;
  singleUseConsumed: boolean;
  /** Where the card was issued: the sandbox simulator, or a processor that holds its number (src/network/issuer.ts). */
  issuer: IssuerName;
  /** The processor's token for the card; null on the sandbox issuer. */
  issuerCardToken: string | null;
  /**
   * Sealed by vault.ts; `decryptPan(secrets, card.panCiphertext)` is the only way to the number. A processor's card
   * holds `heldByIssuerMarker` instead, which the vault refuses: its number is read from the processor.
   */
  panCiphertext: string;
  panFingerprint: string;
  last4: string;
  expirationMonth: number;
  expirationYear: number;
  status: CardStatus;
  /** null exactly when the card is active. */
  statusReason: CardStatusReason | null;
  expiresAtMs: number | null;
  metadata: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface CardRow {
  id: string;
  agent_id: string;
  user_id: string;
  type: CardType;
  purpose: string;
  max_amount: number;
  reservation: number;
  limit_per_auth: number | null;
  limit_per_day: number | null;
  limit_per_month: number | null;
  policy_id: string | null;
  merchant_hint: string | null;
  max_auth_count: number | null;
  attestation_window_minutes: number;
  credential_exposure: ExposureMode | null;
  on_expiry: OnExpiry;
  merchant_drift_enabled: number;
  on_drift: OnDrift;
  on_limit_exceeded: OnLimitExceeded;
  require_approval: number | null;
  auto_approve_below: number | null;
  approval_method: ApprovalMethod | null;
  approval_timeout_minutes: number | null;
  pinned_merchant: string | null;
  single_use_consumed: number;
  issuer: IssuerName;
  issuer_card_token: string | null;
  pan_ciphertext: string;
  pan_fingerprint: string;
  last4: string;
  expiration_month: number;
  expiration_year: number;
  status: CardStatus;
  status_reason: CardStatusReason | null;
  expires_at: number | null;
  metadata: string | null;
  created_at: number;
  updated_at: number;
}

export function cardFromRow(row: CardRow): Card {
  return {
    id: row.id,
    agentId: row.agent_id,
    userId: row.user_id,
    type: row.type,
    purpose: row.purpose,
    maxAmountCents: row.max_amount,
    reservationCents: row.reservation,
    limitPerAuthCents: row.limit_per_auth === null ? null : Number(row.limit_per_auth),
    limitPerDayCents: row.limit_per_day,
    limitPerMonthCents: row.limit_per_month,
    policyId: row.policy_id,
    merchantHint: row.merchant_hint,
    maxAuthCount: row.max_auth_count === null ? null : Number(row.max_auth_count),
    attestationWindowMinutes: Number(row.attestation_window_minutes),
    credentialExposure: row.credential_exposure ?? null,
    onExpiry: row.on_expiry,
    merchantDriftEnabled: row.merchant_drift_enabled === 1,
    onDrift: row.on_drift,
    onLimitExceeded: row.on_limit_exceeded,
    requireApproval: row.require_approval === null ? null : row.require_approval === 1,
    autoApproveBelowCents: row.auto_approve_below,
    approvalMethod: row.approval_method ?? null,
    approvalTimeoutMinutes: row.approval_timeout_minutes === null ? null : Number(row.approval_timeout_minutes),
    pinnedMerchant: row.pinned_merchant,
    singleUseConsumed: row.single_use_consumed === 1,
    issuer: row.issuer,
    issuerCardToken: row.issuer_card_token,
    panCiphertext: row.pan_ciphertext,
    panFingerprint: row.pan_fingerprint,
    last4: row.last4,
    expirationMonth: row.expiration_month,
    expirationYear: row.expiration_year,
    status: row.status,
    statusReason: row.status_reason,
    expiresAtMs: row.expires_at,
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
  };
}

/** The card as callers see it: never the number, its ciphertext or fingerprint, or a CVV. */
export function presentCard(card: Card) {
  return {
    object: 'card' as const,
    id: card.id,
    agentId: card.agentId,
    userId: card.userId,
    type: card.type,
    purpose: card.purpose,
    maxAmount: card.maxAmountCents,
    reservation: card.reservationCents,
    limits: { perAuth: card.limitPerAuthCents, perDay: card.limitPerDayCents, perMonth: card.limitPerMonthCents },
    policyId: card.policyId,
    merchantHint: card.merchantHint,
    maxAuthCount: card.maxAuthCount,
    attestationWindowMinutes: card.attestationWindowMinutes,
    credentialExposure: card.credentialExposure,
    merchantDriftEnabled: card.merchantDriftEnabled,
    onDrift: card.onDrift,
    onLimitExceeded: card.onLimitExceeded,
    requireApproval: card.requireApproval,
    autoApproveBelow: card.autoApproveBelowCents,
    approvalMethod: card.approvalMethod,
    approvalTimeoutMinutes: card.approvalTimeoutMinutes,
    pinnedMerchant: card.pinnedMerchant,
    issuer: card.issuer,
    last4: card.last4,
    expirationMonth: formatExpirationMonth(card.expirationMonth),
    expirationYear: formatExpirationYear(card.expirationYear),
    status: card.status,
    statusReason: card.statusReason,
    expiresAt: card.expiresAtMs === null ? null : new Date(card.expiresAtMs).toISOString(),
    metadata: card.metadata,
    createdAt: new Date(card.createdAtMs).toISOString(),
    updatedAt: new Date(card.updatedAtMs).toISOString(),
  };
}

export function presentStatusChange(change: CardStatusChange) {
  return { ...presentCard(change.card), previousStatus: change.previousStatus };
}

/** Who changed a card's status: a credential, or the system (expiry sweep, risk engine, authorization). */
export interface CardActor {
  kind: Principal['kind'] | 'system';
  id: string;
}

export function actorOf(principal: Principal): CardActor {
  return { kind: principal.kind, id: principal.id };
}

export function systemActor(what: string): CardActor {
  return { kind: 'system', id: what };
}

/** card.frozen / card.unfrozen / card.closed carry the card plus what it was before and who changed it. */
async function recordStatusChange(tx: Sql, scope: Scope, type: string, before: Card, after: Card, actor: CardActor, nowMs: number): Promise<void> {
  await queueIssuerCardUpdate(tx, after, nowMs);
  await recordEvent(
    tx,
    scope,
    type,
    { ...presentCard(after), statusChange: { previousStatus: before.status, previousStatusReason: before.statusReason, by: actor } },
    nowMs,
  );
}

function cardNotFound(cardId: string): AppError {
  return new AppError('resource_not_found', { resource: 'card', id: cardId, param: 'cardId' });
}

/** 409 card_not_active: the refusal of any action that needs an active (or not closed) card. */
export function cardNotActive(card: Pick<Card, 'id' | 'status' | 'statusReason'>): AppError {
  return new AppError('card_not_active', { cardId: card.id, status: card.status, reason: card.statusReason === null ? '' : ` (${card.statusReason})` });
}

export async function getCard(sql: Sql, scope: Scope, cardId: string): Promise<Card> {
  const row = await sql.get<CardRow>('SELECT * FROM cards WHERE id = ? AND organization_id = ? AND environment = ?', [cardId, scope.organizationId, scope.environment]);
  if (row === undefined) throw cardNotFound(cardId);
  return cardFromRow(row);
}

/**
 * For changes that depend on the card's current state: on PostgreSQL the row stays locked until the transaction
 * ends. Lock order everywhere is agent → card → ledger accounts, so on PostgreSQL the card's agent is share-locked
 * first unless the caller already holds it: an authorization whose risk rule suspends the agent (freezing its other
 * cards while holding the accounts) then never waits on a card whose closer waits on those accounts.
 */
export async function getCardForUpdate(tx: Sql, scope: Scope, cardId: string, options: { agentLocked?: boolean } = {}): Promise<Card> {
  if (tx.dialect === 'postgres' && options.agentLocked !== true) {
    const owner = await tx.get<{ agent_id: string }>('SELECT agent_id FROM cards WHERE id = ? AND organization_id = ? AND environment = ?', [cardId, scope.organizationId, scope.environment]);
    if (owner === undefined) throw cardNotFound(cardId);
    await tx.get(`SELECT id FROM agents WHERE id = ?${forShare(tx)}`, [owner.agent_id]);
  }
  const row = await tx.get<CardRow>(`SELECT * FROM cards WHERE id = ? AND organization_id = ? AND environment = ?${forUpdate(tx)}`, [
    cardId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw cardNotFound(cardId);
  return cardFromRow(row);
}

/** An agent token sees only its own agent's cards; any other card answers 404 as an unknown id would. */
export async function getCardForPrincipal(sql: Sql, scope: Scope, principal: Principal, cardId: string): Promise<Card> {
  const card = await getCard(sql, scope, cardId);
  if (!visibleTo(principal, card.agentId)) throw cardNotFound(cardId);
  return card;
}

function checkLimits(maxAmountCents: number, perAuthCents: number | null, perDayCents: number | null, perMonthCents: number | null): void {
  if (perAuthCents !== null && perAuthCents > maxAmountCents) {
    throw new AppError('invalid_parameter_value', { param: 'limits.perAuth', reason: `the per-authorization limit (${perAuthCents}) is above the card's maxAmount (${maxAmountCents})` });
  }
  if (perDayCents !== null && perMonthCents !== null && perMonthCents < perDayCents) {
    throw new AppError('invalid_parameter_value', { param: 'limits.perMonth', reason: `the monthly limit (${perMonthCents}) is below the daily limit (${perDayCents})` });
  }
}

/** Tries before giving up on finding an unused number: 10^9 numbers per environment make even two a rarity. */
const panAttemptsMax = 8;

/** Where card numbers get their randomness; a parameter of `createCard` so a test can force a collision. */
export type PanRandomness = (byteCount: number) => Uint8Array;
const systemPanRandomness: PanRandomness = (byteCount) => randomBytes(byteCount);

/**
 * Creates a card for an active agent of an approved user and reserves `maxAmount` from the user's available
 * balance. Refuses with 409 insufficient_balance (naming both amounts) when available is below it.
 */
export async function createCard(
  tx: Sql,
  scope: Scope,
  secrets: VaultSecrets,
  agentId: string,
  input: CreateCardInput,
  nowMs: number,
  panRandomness: PanRandomness = systemPanRandomness,
  issuedAt?: { issuer: ProcessorName; card: IssuedCard },
): Promise<Card> {
  const agent = await lockAgentForNewCard(tx, scope, agentId);
  await requireApprovedUser(tx, scope, agent.userId, 'get cards');
  const issue = await issuingTerms(tx, scope, agent, input, nowMs);
  const limits = limitsForNewCard(agent, input.limits);
  const limitPerDayCents = limits?.perDay ?? null;
  const limitPerMonthCents = limits?.perMonth ?? null;
  const limitPerAuthCents = limits?.perAuth ?? null;
  checkLimits(issue.maxAmountCents, limitPerAuthCents, limitPerDayCents, limitPerMonthCents);

  const available = userAccountId(agent.userId, 'available');
  const reserved = userAccountId(agent.userId, 'reserved');
  const accounts = await lockAccounts(tx, [available, reserved]);
  const availableCents = accounts.get(available)!.balance;
  if (availableCents < issue.maxAmountCents) throw new AppError('insufficient_balance', { param: 'maxAmount', availableCents, requestedCents: issue.maxAmountCents });

  // The card's merchant-drift setting, unless given, is its policies' or the agent's or organization's risk settings' at creation (docs/risk.md).
  const driftDefaults = (await riskSettingsFor(tx, scope, agent.id, undefined)).rules.merchantDrift;
  const expiry = issuedAt === undefined ? cardExpiry(nowMs) : { month: issuedAt.card.expirationMonth, year: issuedAt.card.expirationYear };
  const base = {
    id: newId('card', nowMs),
    agentId: agent.id,
    userId: agent.userId,
    type: input.type,
    purpose: input.purpose,
    maxAmountCents: issue.maxAmountCents,
    reservationCents: issue.maxAmountCents,
    limitPerAuthCents,
    limitPerDayCents,
    limitPerMonthCents,
    policyId: input.policyId ?? null,
    merchantHint: input.merchantHint ?? null,
    maxAuthCount: input.maxAuthCount ?? null,
    attestationWindowMinutes: input.attestationWindowMinutes ?? defaultAttestationWindowMinutes,
    credentialExposure: input.credentialExposure ?? null,
    onExpiry: issue.onExpiry,
    merchantDriftEnabled: input.merchantDriftEnabled ?? (input.type === 'multi' && (input.merchantHint !== undefined || driftDefaults.enabled)),
    onDrift: issue.onDrift ?? driftDefaults.action,
    onLimitExceeded: input.onLimitExceeded,
    requireApproval: input.requireApproval ?? null,
    autoApproveBelowCents: input.autoApproveBelow ?? null,
    approvalMethod: input.approvalMethod ?? null,
    approvalTimeoutMinutes: input.approvalTimeoutMinutes ?? null,
    pinnedMerchant: null,
    singleUseConsumed: false,
    expirationMonth: expiry.month,
    expirationYear: expiry.year,
    status: 'active' as const,
    statusReason: null,
    issuer: issuedAt?.issuer ?? ('sandbox' as const),
    issuerCardToken: issuedAt?.card.issuerCardToken ?? null,
    expiresAtMs: issue.expiresAtMs,
    metadata: input.metadata ?? {},
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };

  let card: Card | undefined;
  for (let attempt = 0; attempt < panAttemptsMax && card === undefined; attempt += 1) {
    const candidate: Card = issuedAt === undefined ? numberedInVault(base, secrets, panRandomness) : heldByIssuer(base, issuedAt);
    // A number already issued in this environment conflicts on the unique fingerprint: nothing is written, draw again.
    const inserted = await tx.run(
      `INSERT INTO cards (id, organization_id, environment, user_id, agent_id, type, purpose, max_amount, reservation, limit_per_day, limit_per_month,
         merchant_drift_enabled, on_drift, on_limit_exceeded, require_approval, auto_approve_below, pinned_merchant, single_use_consumed,
         pan_ciphertext, pan_fingerprint, last4, expiration_month, expiration_year, status, status_reason, expires_at, metadata, created_at, updated_at,
         limit_per_auth, policy_id, merchant_hint, max_auth_count, attestation_window_minutes, on_expiry, credential_exposure, approval_method, approval_timeout_minutes,
         issuer, issuer_card_token)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?, ?, ?, 'active', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (environment, pan_fingerprint) DO NOTHING`,
      [
        candidate.id,
        scope.organizationId,
        scope.environment,
        candidate.userId,
        candidate.agentId,
        candidate.type,
        candidate.purpose,
        candidate.maxAmountCents,
        candidate.reservationCents,
        candidate.limitPerDayCents,
        candidate.limitPerMonthCents,
        candidate.merchantDriftEnabled ? 1 : 0,
        candidate.onDrift,
        candidate.onLimitExceeded,
        candidate.requireApproval === null ? null : candidate.requireApproval ? 1 : 0,
        candidate.autoApproveBelowCents,
        candidate.panCiphertext,
        candidate.panFingerprint,
        candidate.last4,
        candidate.expirationMonth,
        candidate.expirationYear,
        candidate.expiresAtMs,
        JSON.stringify(candidate.metadata),
        nowMs,
        nowMs,
        candidate.limitPerAuthCents,
        candidate.policyId,
        candidate.merchantHint,
        candidate.maxAuthCount,
        candidate.attestationWindowMinutes,
        candidate.onExpiry,
        candidate.credentialExposure,
        candidate.approvalMethod,
        candidate.approvalTimeoutMinutes,
        candidate.issuer,
        candidate.issuerCardToken,
      ],
    );
    if (inserted.changes === 1) card = candidate;
    // A processor's card has one token: a conflict there is not a number to draw again.
    else if (issuedAt !== undefined) throw new Error('the issuer answered a card token already in use');
  }
  if (card === undefined) throw new Error(`no unused card number after ${panAttemptsMax} draws`);

  await postTransfers(tx, scope, [{ debitAccount: available, creditAccount: reserved, amountCents: card.reservationCents, kind: 'card.reserve', reference: card.id }], nowMs);
  await recordEvent(tx, scope, 'card.created', presentCard(card), nowMs);
  return card;
}

type UnnumberedCard = Omit<Card, 'panCiphertext' | 'panFingerprint' | 'last4'>;

/** A sandbox card: a fresh number from the test BIN, sealed in the vault. */
function numberedInVault(base: UnnumberedCard, secrets: VaultSecrets, panRandomness: PanRandomness): Card {
  const pan = panFromRandomBytes(panRandomness(panRandomBytesLength));
  return { ...base, panCiphertext: encryptPan(secrets, pan), panFingerprint: panFingerprint(secrets, pan), last4: lastFourDigits(pan) };
}

/** A processor's card: its number stays there (src/network/issuer.ts); only last4 and expiry are kept. */
function heldByIssuer(base: UnnumberedCard, issuedAt: { issuer: ProcessorName; card: IssuedCard }): Card {
  return {
    ...base,
    panCiphertext: heldByIssuerMarker(issuedAt.issuer),
    panFingerprint: heldByIssuerFingerprint(issuedAt.issuer, issuedAt.card.issuerCardToken),
    last4: issuedAt.card.last4,
  };
}

export interface CardFilters {
  agentId?: string | undefined;
  userId?: string | undefined;
  status?: CardStatus | undefined;
}

/** Newest first. Filtering by agent walks the (agent_id, id) index; by user, the (user_id, status) index. */
export async function listCards(sql: Sql, scope: Scope, filters: CardFilters, query: ListQuery) {
  const filtersOfQuery = [inScope(scope), columnEquals('agent_id', filters.agentId), columnEquals('user_id', filters.userId), columnEquals('status', filters.status)];
  return listPage(sql, 'cards', filtersOfQuery, query, (row: CardRow) => presentCard(cardFromRow(row)));
}

export function cardFiltersOf(query: ListCardsQuery): CardFilters {
  return { agentId: query.agentId, userId: query.userId, status: query.status };
}

/** `GET /v1/agents/{id}/cards`: the agent must exist in scope and, for an agent token, be the token's own. */
export async function listAgentCards(sql: Sql, scope: Scope, principal: Principal, agentId: string, status: CardStatus | undefined, query: ListQuery) {
  if (!visibleTo(principal, agentId)) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'agentId' });
  await getAgent(sql, scope, agentId);
  return listCards(sql, scope, { agentId, status }, query);
}

/** `GET /v1/users/{id}/cards`: the user must exist in scope (404 otherwise, never an empty list for a wrong id). */
export async function listUserCards(sql: Sql, scope: Scope, userId: string, status: CardStatus | undefined, query: ListQuery) {
  await getUser(sql, scope, userId);
  return listCards(sql, scope, { userId, status }, query);
}

/**
 * What the card network changes on a card as money moves: its reservation (the caller posts the matching ledger
 * transfers in the same transaction), single-use consumption and the merchant it is pinned to.
 */
/** The card after an authorization used it (pure): its reservation, single-use flag and pinned merchant. */
export function cardAfterUse(card: Card, change: { reservationCents: number; singleUseConsumed: boolean; pinnedMerchant: string | null }, nowMs: number): Card {
  if (!Number.isSafeInteger(change.reservationCents) || change.reservationCents < 0 || change.reservationCents > card.maxAmountCents) {
    throw new Error(`card ${card.id} reservation ${change.reservationCents} is outside 0..${card.maxAmountCents}`);
  }
  // A use that leaves the card as it was (a multi-use card's reservation topped back up, its merchant already
  // pinned) does not change the card: its row is not rewritten and its updatedAt stays.
  if (change.reservationCents === card.reservationCents && change.singleUseConsumed === card.singleUseConsumed && change.pinnedMerchant === card.pinnedMerchant) return card;
  return { ...card, ...change, updatedAtMs: nowMs };
}

/**
 * Writes what authorizations changed on cards (`cardAfterUse`): only those columns, so the card's other indexes are
 * left alone. A batch of authorizations writes each card once, with its last state.
 */
export async function writeCardUses(tx: Sql, cards: Iterable<Card>): Promise<void> {
  for (const card of cards) {
    await tx.run('UPDATE cards SET reservation = ?, single_use_consumed = ?, pinned_merchant = ?, updated_at = ? WHERE id = ?', [
      card.reservationCents,
      card.singleUseConsumed ? 1 : 0,
      card.pinnedMerchant,
      card.updatedAtMs,
      card.id,
    ]);
  }
}

export async function recordCardUse(
  tx: Sql,
  card: Card,
  change: { reservationCents: number; singleUseConsumed: boolean; pinnedMerchant: string | null },
  nowMs: number,
): Promise<Card> {
  const updated = cardAfterUse(card, change, nowMs);
  if (updated !== card) await writeCardUses(tx, [updated]);
  return updated;
}

async function writeCard(tx: Sql, card: Card): Promise<void> {
  await tx.run(
    `UPDATE cards SET reservation = ?, pinned_merchant = ?, single_use_consumed = ?, limit_per_day = ?, limit_per_month = ?, merchant_drift_enabled = ?, on_drift = ?,
       on_limit_exceeded = ?, require_approval = ?, auto_approve_below = ?, status = ?, status_reason = ?, metadata = ?, updated_at = ?,
       limit_per_auth = ?, policy_id = ?, merchant_hint = ?, max_auth_count = ?, attestation_window_minutes = ?, credential_exposure = ?,
       approval_method = ?, approval_timeout_minutes = ?
     WHERE id = ?`,
    [
      card.reservationCents,
      card.pinnedMerchant,
      card.singleUseConsumed ? 1 : 0,
      card.limitPerDayCents,
      card.limitPerMonthCents,
      card.merchantDriftEnabled ? 1 : 0,
      card.onDrift,
      card.onLimitExceeded,
      card.requireApproval === null ? null : card.requireApproval ? 1 : 0,
      card.autoApproveBelowCents,
      card.status,
      card.statusReason,
      JSON.stringify(card.metadata),
      card.updatedAtMs,
      card.limitPerAuthCents,
      card.policyId,
      card.merchantHint,
      card.maxAuthCount,
      card.attestationWindowMinutes,
      card.credentialExposure,
      card.approvalMethod,
      card.approvalTimeoutMinutes,
      card.id,
    ],
  );
}

/**
 * Limits, policy, approval policy, drift settings and metadata; allowed while active or frozen, never once closed.
 * `status` (LedgerOS) freezes or unfreezes as POST …/freeze and …/unfreeze do, except that asking for the status the
 * card already has changes nothing (a PATCH states what should be).
 */
export async function updateCard(tx: Sql, scope: Scope, cardId: string, patch: UpdateCardInput, actor: CardActor, nowMs: number): Promise<Card> {
  const card = await getCardForUpdate(tx, scope, cardId);
  if (card.status === 'closed') throw cardNotActive(card);
  if (patch.policyId !== undefined && patch.policyId !== null) await requirePolicy(tx, scope, patch.policyId, 'policyId');
  if (patch.merchantHint !== undefined && patch.merchantHint !== null && card.type === 'single') throw merchantHintOnSingleUse();
  await requireRawPanAcknowledgement(tx, scope, patch.credentialExposure, patch.acknowledgeRawPanRisk);
  const updated: Card = {
    ...card,
    limitPerAuthCents: patch.limits?.perAuth === undefined ? card.limitPerAuthCents : patch.limits.perAuth,
    limitPerDayCents: patch.limits?.perDay === undefined ? card.limitPerDayCents : patch.limits.perDay,
    limitPerMonthCents: patch.limits?.perMonth === undefined ? card.limitPerMonthCents : patch.limits.perMonth,
    policyId: patch.policyId === undefined ? card.policyId : patch.policyId,
    merchantHint: patch.merchantHint === undefined ? card.merchantHint : patch.merchantHint,
    maxAuthCount: patch.maxAuthCount === undefined ? card.maxAuthCount : patch.maxAuthCount,
    attestationWindowMinutes: patch.attestationWindowMinutes ?? card.attestationWindowMinutes,
    credentialExposure: patch.credentialExposure === undefined ? card.credentialExposure : patch.credentialExposure,
    requireApproval: patch.requireApproval === undefined ? card.requireApproval : patch.requireApproval,
    autoApproveBelowCents: patch.autoApproveBelow === undefined ? card.autoApproveBelowCents : patch.autoApproveBelow,
    approvalMethod: patch.approvalMethod === undefined ? card.approvalMethod : patch.approvalMethod,
    approvalTimeoutMinutes: patch.approvalTimeoutMinutes === undefined ? card.approvalTimeoutMinutes : patch.approvalTimeoutMinutes,
    merchantDriftEnabled: patch.merchantDriftEnabled ?? card.merchantDriftEnabled,
    onDrift: patch.onDrift === undefined ? card.onDrift : canonicalOnDrift(patch.onDrift),
    onLimitExceeded: patch.onLimitExceeded ?? card.onLimitExceeded,
    metadata: patch.metadata ?? card.metadata,
    updatedAtMs: nowMs,
  };
  checkLimits(updated.maxAmountCents, updated.limitPerAuthCents, updated.limitPerDayCents, updated.limitPerMonthCents);
  const { status, acknowledgeRawPanRisk: _acknowledged, ...settings } = patch;
  let result = card;
  if (Object.keys(settings).length > 0) {
    await writeCard(tx, updated);
    await recordEvent(tx, scope, 'card.updated', presentCard(updated), nowMs);
    result = updated;
  }
  if (status === 'frozen' && card.status === 'active') return freezeCard(tx, scope, cardId, 'manual', actor, nowMs);
  if (status === 'active' && card.status === 'frozen') return unfreezeCard(tx, scope, cardId, actor, nowMs);
  return result;
}

function merchantHintOnSingleUse(): AppError {
  return new AppError('invalid_parameter_value', {
    param: 'merchantHint',
    reason: 'a merchant hint pins multi-use cards; a single-use card is held to its merchant by the intent (or use allowedMerchants in a policy)',
  });
}

/** What a new card takes from its request and its policies when it is issued: maxAmount, expiry and drift action. */
interface IssuingTerms {
  maxAmountCents: number;
  expiresAtMs: number | null;
  onExpiry: OnExpiry;
  onDrift: RiskAction | undefined;
}

async function issuingTerms(tx: Sql, scope: Scope, agent: Agent, input: CreateCardInput, nowMs: number): Promise<IssuingTerms> {
  const policy = input.policyId === undefined ? undefined : await requirePolicy(tx, scope, input.policyId, 'policyId');
  const agentPolicy = agent.defaultPolicyId === null ? undefined : await requirePolicy(tx, scope, agent.defaultPolicyId, 'defaultPolicyId');
  const maxAmountCents = input.maxAmount ?? policy?.controls.maxAmountCents ?? agentPolicy?.controls.maxAmountCents ?? undefined;
  if (maxAmountCents === undefined || maxAmountCents === null) {
    throw new AppError('missing_parameter', { param: 'maxAmount' });
  }
  if (input.merchantHint !== undefined && input.type === 'single') throw merchantHintOnSingleUse();
  await requireRawPanAcknowledgement(tx, scope, input.credentialExposure, input.acknowledgeRawPanRisk);
  if (input.ttlDays !== undefined && input.expiresInMinutes !== undefined) {
    throw new AppError('invalid_parameter_value', { param: 'ttlDays', reason: 'give ttlDays or expiresInMinutes, not both' });
  }
  const ownTtlMinutes = input.ttlDays !== undefined ? input.ttlDays * 24 * 60 : input.expiresInMinutes;
  // The card's own lifetime closes it; else the first policy with a ttl sets the lifetime and what expiry does.
  const ttlPolicy = ownTtlMinutes === undefined ? [policy, agentPolicy].find((level) => level?.controls.ttlMinutes !== null && level !== undefined) : undefined;
  const ttlMinutes = ownTtlMinutes ?? ttlPolicy?.controls.ttlMinutes ?? null;
  const onDrift = input.onDrift !== undefined ? canonicalOnDrift(input.onDrift) : (policy?.onDrift ?? agentPolicy?.onDrift ?? undefined);
  return {
    maxAmountCents,
    expiresAtMs: ttlMinutes === null ? null : nowMs + ttlMinutes * 60_000,
    onExpiry: ttlPolicy?.controls.onExpiry ?? 'close',
    onDrift,
  };
}

/**
 * active → frozen with `reason` (manual from the API; limit_exceeded, risk_<rule>, agent_suspended from the
 * engines). Freezing a frozen card changes nothing and keeps its first reason (no second event); a closed card
 * answers 409 card_not_active.
 */
export async function freezeCard(tx: Sql, scope: Scope, cardId: string, reason: CardStatusReason, actor: CardActor, nowMs: number): Promise<Card> {
  const card = await getCardForUpdate(tx, scope, cardId);
  if (card.status === 'closed') throw cardNotActive(card);
  if (card.status === 'frozen') return card;
  const frozen: Card = { ...card, status: 'frozen', statusReason: reason, updatedAtMs: nowMs };
  await writeCard(tx, frozen);
  await recordStatusChange(tx, scope, 'card.frozen', card, frozen, actor, nowMs);
  return frozen;
}

/** What an operator's freeze, unfreeze or close answers: the card and the status it had (LedgerOS's previousStatus). */
export interface CardStatusChange {
  card: Card;
  previousStatus: CardStatus;
}

/**
 * `POST /v1/cards/{id}/freeze`: unlike an engine's freeze, which leaves a frozen card as it is, a person asking to
 * freeze a frozen card learns so (409 card_already_frozen), as one asking to close a closed card does.
 */
export async function freezeCardOnRequest(tx: Sql, scope: Scope, cardId: string, actor: CardActor, nowMs: number): Promise<CardStatusChange> {
  const card = await getCardForUpdate(tx, scope, cardId);
  if (card.status === 'frozen') throw new AppError('card_already_frozen', { cardId: card.id, reason: card.statusReason ?? 'manual' });
  return { card: await freezeCard(tx, scope, cardId, 'manual', actor, nowMs), previousStatus: card.status };
}

export async function unfreezeCardOnRequest(tx: Sql, scope: Scope, cardId: string, actor: CardActor, nowMs: number): Promise<CardStatusChange> {
  const card = await getCardForUpdate(tx, scope, cardId);
  return { card: await unfreezeCard(tx, scope, cardId, actor, nowMs), previousStatus: card.status };
}

export async function closeCardOnRequest(tx: Sql, scope: Scope, cardId: string, actor: CardActor, nowMs: number): Promise<CardStatusChange> {
  const card = await getCardForUpdate(tx, scope, cardId);
  return { card: await closeCard(tx, scope, card, 'manual', nowMs, actor), previousStatus: card.status };
}

/**
 * frozen → active, whatever froze it; the event records the reason it had and who unfroze it. Unfreezing an
 * active card changes nothing; a closed card answers 409 card_not_active.
 */
export async function unfreezeCard(tx: Sql, scope: Scope, cardId: string, actor: CardActor, nowMs: number): Promise<Card> {
  const card = await getCardForUpdate(tx, scope, cardId);
  if (card.status === 'closed') throw cardNotActive(card);
  if (card.status === 'active') return card;
  const active: Card = { ...card, status: 'active', statusReason: null, updatedAtMs: nowMs };
  await writeCard(tx, active);
  await recordStatusChange(tx, scope, 'card.unfrozen', card, active, actor, nowMs);
  return active;
}

/**
 * Closes a card for good and releases its current reservation (reserved → available, once per card). Used by
 * `POST /v1/cards/{id}/close` (manual), the expiry sweep (expired) and single-use consumption. The card is re-read
 * under lock, so the reservation released is the one it holds now, not what `card` said. Closing a closed card
 * answers 409 card_already_closed.
 */
export async function closeCard(tx: Sql, scope: Scope, card: Pick<Card, 'id'>, reason: CardStatusReason, nowMs: number, actor: CardActor = systemActor(reason)): Promise<Card> {
  const current = await getCardForUpdate(tx, scope, card.id);
  if (current.status === 'closed') throw new AppError('card_already_closed', { cardId: current.id, reason: current.statusReason ?? 'closed' });
  const closed: Card = { ...current, status: 'closed', statusReason: reason, reservationCents: 0, updatedAtMs: nowMs };
  await writeCard(tx, closed);
  await postTransfers(
    tx,
    scope,
    [{ debitAccount: userAccountId(current.userId, 'reserved'), creditAccount: userAccountId(current.userId, 'available'), amountCents: current.reservationCents, kind: 'card.release', reference: current.id }],
    nowMs,
  );
  await recordStatusChange(tx, scope, 'card.closed', current, closed, actor, nowMs);
  return closed;
}

/**
 * Due work: cards whose `expiresAt` has passed are closed (statusReason expired), or frozen when their policy's
 * onExpiry says so (a frozen card stays as it is). Returns how many changed.
 */
export async function closeExpiredCards(tx: Sql, scope: Scope, nowMs: number): Promise<number> {
  return sweepDueRows(
    (afterId, limit) =>
      tx.all<{ id: string; on_expiry: OnExpiry }>(
        `SELECT id, on_expiry FROM cards WHERE status IN ('active', 'frozen') AND expires_at <= ? AND (on_expiry = 'close' OR status = 'active')
           AND organization_id = ? AND environment = ? AND id > ? ORDER BY id LIMIT ?`,
        [nowMs, scope.organizationId, scope.environment, afterId, limit],
      ),
    async (rows) => {
      let closedCount = 0;
      for (const row of rows) {
        try {
          if (row.on_expiry === 'freeze') await freezeCard(tx, scope, row.id, 'expired', systemActor('expired'), nowMs);
          else await closeCard(tx, scope, row, 'expired', nowMs);
          closedCount += 1;
        } catch (error) {
          // Another worker closed it between the scan and the lock (PostgreSQL, several processes): nothing to do.
          if (!(isAppError(error) && (error.code === 'card_not_active' || error.code === 'card_already_closed'))) throw error;
        }
      }
      return closedCount;
    },
  );
}

/**
 * Cards follow their agent, in the transaction of the agent's change: suspending freezes its active cards
 * (statusReason `agent_suspended`), activating unfreezes the cards that suspension froze, and deregistering closes
 * every card, releasing the reservations. The agents module calls it as its `AgentStatusFollower`, wired in src/app.ts.
 */
export async function cardsFollowAgentStatus(tx: Sql, scope: Scope, change: AgentStatusChange, nowMs: number): Promise<void> {
  const cards = await tx.all<{ id: string; status: CardStatus; status_reason: string | null }>(`SELECT id, status, status_reason FROM cards WHERE agent_id = ? AND status <> 'closed' ORDER BY id`, [
    change.agent.id,
  ]);
  const actor = systemActor(`agent_${change.action}`);
  for (const card of cards) {
    if (change.action === 'suspend' && card.status === 'active') await freezeCard(tx, scope, card.id, 'agent_suspended', actor, nowMs);
    if (change.action === 'activate' && card.status === 'frozen' && card.status_reason === 'agent_suspended') await unfreezeCard(tx, scope, card.id, actor, nowMs);
    if (change.action === 'deregister') await closeCard(tx, scope, card, 'agent_deregistered', nowMs, actor);
  }
}
