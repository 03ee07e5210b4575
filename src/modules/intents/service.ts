// Intents (SPEC §4): an agent declares what it is about to buy before it may read the card's number. Approval
// policy, warnings, the lifecycle against environment time, and expiry — written by the sweeper and also applied
// when reading, so a late sweeper never lets an expired intent through.
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import {
  approvalExpiredReason,
  cancelableStatuses,
  effectiveApprovalPolicy,
  effectiveIntentStatus,
  expiringStatuses,
  intentWarnings,
  needsApproval,
  pendingLifetimeMs,
  type ApprovalMethod,
  type IntentStatus,
  type IntentWarning,
} from '../../domain/intents.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { sweepDueRows } from '../../store/due-rows.js';
import { agentPolicyAt } from '../agents/policy.js';
import { approvalTokenHash, approvalLinkToken, approvalUrlFor, isCardholderMethod, recordApprovalDecision, type ApprovalDecider, type ApprovalLinkContext, type ApprovalTerms, type WebauthnEvidence } from '../approvals/service.js';
import { approvalSettingsOf } from '../policies/card-policy.js';
import { getAgent } from '../agents/service.js';
import { cardNotActive, getCardForUpdate, getCardForPrincipal } from '../cards/service.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage, type ListQuery, type RowFilter } from '../pagination.js';
import { visibleTo, type Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';
import { defaultIntentTtlMinutes, type DeclareIntentInput } from './schemas.js';

export interface Intent {
  id: string;
  cardId: string;
  agentId: string;
  userId: string;
  clientIntentId: string | null;
  summary: string;
  amountCents: number;
  merchantText: string;
  currency: 'USD';
  /** The intent's own amount tolerance in parts per million of `amountCents`; null: the card's applies. */
  tolerancePartsPerMillion: number | null;
  /** How long the intent stays pending (after declaration or approval) while its details are unread. */
  ttlMinutes: number;
  metadata: Record<string, string>;
  /** As stored; read through `presentIntent` or `effectiveIntentStatus` to count a pending expiry. */
  status: IntentStatus;
  warnings: IntentWarning[];
  expiresAtMs: number;
  revealedAtMs: number | null;
  /** When an authorization was matched against it (matched or mismatched). */
  matchedAtMs: number | null;
  accessEventId: string | null;
  transactionId: string | null;
  matchResult: Record<string, unknown> | null;
  decisionReason: string | null;
  /** Who may approve it, when it waited (or waits) for approval; null when it needed none. */
  approvalMethod: ApprovalMethod | null;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface IntentRow {
  id: string;
  card_id: string;
  agent_id: string;
  user_id: string;
  client_intent_id: string | null;
  summary: string;
  amount: number;
  merchant_text: string;
  currency: string;
  tolerance_ppm: number | null;
  ttl_minutes: number | null;
  metadata: string | null;
  status: IntentStatus;
  warnings: string | null;
  expires_at: number;
  revealed_at: number | null;
  matched_at: number | null;
  access_event_id: string | null;
  transaction_id: string | null;
  match_result: string | null;
  decision_reason: string | null;
  approval_method: ApprovalMethod | null;
  created_at: number;
  updated_at: number;
}

export function intentFromRow(row: IntentRow): Intent {
  return {
    id: row.id,
    cardId: row.card_id,
    agentId: row.agent_id,
    userId: row.user_id,
    clientIntentId: row.client_intent_id,
    summary: row.summary,
    amountCents: row.amount,
    merchantText: row.merchant_text,
    currency: 'USD',
    tolerancePartsPerMillion: row.tolerance_ppm === null ? null : Number(row.tolerance_ppm),
    // Intents declared before ttlMinutes existed had the fixed hour.
    ttlMinutes: row.ttl_minutes === null ? defaultIntentTtlMinutes : Number(row.ttl_minutes),
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    status: row.status,
    warnings: row.warnings === null ? [] : (JSON.parse(row.warnings) as IntentWarning[]),
    expiresAtMs: row.expires_at,
    revealedAtMs: row.revealed_at,
    matchedAtMs: row.matched_at === null ? null : Number(row.matched_at),
    accessEventId: row.access_event_id,
    transactionId: row.transaction_id,
    matchResult: row.match_result === null ? null : (JSON.parse(row.match_result) as Record<string, unknown>),
    decisionReason: row.decision_reason,
    approvalMethod: row.approval_method ?? null,
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
  };
}

/** The intent's amount tolerance as a share of its amount (0.1 = 10 %); undefined: the card's applies. */
export function intentAmountTolerance(intent: Pick<Intent, 'tolerancePartsPerMillion'>): number | undefined {
  return intent.tolerancePartsPerMillion === null ? undefined : intent.tolerancePartsPerMillion / 1_000_000;
}

/** The terms an approval of the intent is given for. */
export function approvalTermsOf(intent: Intent): ApprovalTerms {
  return {
    id: intent.id,
    cardId: intent.cardId,
    agentId: intent.agentId,
    userId: intent.userId,
    amountCents: intent.amountCents,
    currency: intent.currency,
    merchantText: intent.merchantText,
    summary: intent.summary,
    expiresAtMs: intent.expiresAtMs,
  };
}

/**
 * The intent as the API answers it. `link` is given where the reader may see the hosted approval link (API keys and
 * webhooks, never an agent token): `approvalUrl` is then set while a cardholder method's approval is awaited.
 */
export function presentIntent(intent: Intent, nowMs: number, link?: ApprovalLinkContext) {
  const status = effectiveIntentStatus(intent.status, intent.expiresAtMs, nowMs);
  const timedOut = intent.status === 'pending_approval' && status === 'rejected';
  return {
    object: 'intent' as const,
    id: intent.id,
    cardId: intent.cardId,
    agentId: intent.agentId,
    userId: intent.userId,
    intentId: intent.clientIntentId,
    summary: intent.summary,
    amount: intent.amountCents,
    expectedAmount: intent.amountCents,
    merchantText: intent.merchantText,
    expectedMerchant: intent.merchantText,
    expectedCurrency: intent.currency,
    tolerance: intent.tolerancePartsPerMillion === null ? null : intent.tolerancePartsPerMillion / 10_000,
    ttlMinutes: intent.ttlMinutes,
    metadata: intent.metadata,
    status,
    warnings: intent.warnings,
    expiresAt: expiringStatuses.has(intent.status) ? new Date(intent.expiresAtMs).toISOString() : null,
    revealedAt: intent.revealedAtMs === null ? null : new Date(intent.revealedAtMs).toISOString(),
    matchedAt: intent.matchedAtMs === null ? null : new Date(intent.matchedAtMs).toISOString(),
    accessEventId: intent.accessEventId,
    transactionId: intent.transactionId,
    matchResult: intent.matchResult,
    decisionReason: timedOut ? approvalExpiredReason : intent.decisionReason,
    approvalMethod: intent.approvalMethod,
    approvalUrl: link !== undefined && status === 'pending_approval' && isCardholderMethod(intent.approvalMethod) ? approvalUrlFor(link, intent.id) : null,
    createdAt: new Date(intent.createdAtMs).toISOString(),
    updatedAt: new Date(intent.updatedAtMs).toISOString(),
  };
}

function intentNotFound(intentId: string): AppError {
  return new AppError('resource_not_found', { resource: 'intent', id: intentId, param: 'id' });
}

async function findByClientId(sql: Sql, scope: Scope, cardId: string, clientIntentId: string): Promise<Intent | undefined> {
  const row = await sql.get<IntentRow>('SELECT * FROM intents WHERE organization_id = ? AND environment = ? AND card_id = ? AND client_intent_id = ?', [
    scope.organizationId,
    scope.environment,
    cardId,
    clientIntentId,
  ]);
  return row === undefined ? undefined : intentFromRow(row);
}

export async function declareIntent(tx: Sql, scope: Scope, principal: Principal, cardId: string, input: DeclareIntentInput, link: ApprovalLinkContext, nowMs: number): Promise<Intent> {
  const card = await getCardForUpdate(tx, scope, cardId);
  if (!visibleTo(principal, card.agentId)) throw new AppError('resource_not_found', { resource: 'card', id: cardId, param: 'cardId' });
  if (input.intentId !== undefined) {
    const existing = await findByClientId(tx, scope, card.id, input.intentId);
    if (existing !== undefined) return existing;
  }
  if (card.status !== 'active') throw cardNotActive(card);

  const agent = await getAgent(tx, scope, card.agentId);
  // A suspended agent's card may have been unfrozen by hand; intents are still refused (docs/decisions.md, Agents).
  if (agent.status !== 'active') throw new AppError('agent_not_active', { agentId: agent.id, status: agent.status });
  const approval = effectiveApprovalPolicy({ requireApproval: card.requireApproval, autoApproveBelowCents: card.autoApproveBelowCents }, agent);
  const waitsForApproval = needsApproval(approval, input.amountCents);
  const approvalSettings = waitsForApproval ? await approvalSettingsOf(tx, scope, card, agent) : undefined;
  const policy = await agentPolicyAt(tx, agent, nowMs);
  const intent: Intent = {
    id: newId('int', nowMs),
    cardId: card.id,
    agentId: card.agentId,
    userId: card.userId,
    clientIntentId: input.intentId ?? null,
    summary: input.summary,
    amountCents: input.amountCents,
    merchantText: input.merchantText,
    currency: input.currency,
    tolerancePartsPerMillion: input.tolerancePartsPerMillion,
    ttlMinutes: input.ttlMinutes,
    metadata: input.metadata,
    status: waitsForApproval ? 'pending_approval' : 'pending',
    warnings: intentWarnings(input.amountCents, card.maxAmountCents, policy.remainingCents),
    expiresAtMs: nowMs + (approvalSettings !== undefined ? approvalSettings.timeoutMinutes * 60_000 : pendingLifetimeMs(input.ttlMinutes)),
    revealedAtMs: null,
    matchedAtMs: null,
    accessEventId: null,
    transactionId: null,
    matchResult: null,
    decisionReason: null,
    approvalMethod: approvalSettings?.method ?? null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await tx.run(
    `INSERT INTO intents (id, organization_id, environment, card_id, agent_id, user_id, client_intent_id, summary, amount, merchant_text, currency, tolerance_ppm, ttl_minutes, metadata,
       status, warnings, expires_at, approval_method, approval_token_hash, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      intent.id,
      scope.organizationId,
      scope.environment,
      intent.cardId,
      intent.agentId,
      intent.userId,
      intent.clientIntentId,
      intent.summary,
      intent.amountCents,
      intent.merchantText,
      intent.currency,
      intent.tolerancePartsPerMillion,
      intent.ttlMinutes,
      JSON.stringify(intent.metadata),
      intent.status,
      JSON.stringify(intent.warnings),
      intent.expiresAtMs,
      intent.approvalMethod,
      isCardholderMethod(intent.approvalMethod) ? approvalTokenHash(approvalLinkToken(link.secrets, intent.id)) : null,
      nowMs,
      nowMs,
    ],
  );
  // Webhooks carry the hosted approval link, so the platform can send it to the cardholder.
  const presented = presentIntent(intent, nowMs, link);
  await recordEvent(tx, scope, 'intent.created', presented, nowMs);
  if (waitsForApproval) await recordEvent(tx, scope, 'intent.pending_approval', presented, nowMs);
  return intent;
}

export async function getIntent(sql: Sql, scope: Scope, principal: Principal, intentId: string, lock = false): Promise<Intent> {
  const row = await sql.get<IntentRow>(`SELECT * FROM intents WHERE id = ? AND organization_id = ? AND environment = ?${lock ? forUpdate(sql) : ''}`, [
    intentId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined || !visibleTo(principal, row.agent_id)) throw intentNotFound(intentId);
  return intentFromRow(row);
}

/**
 * A status filter compares the effective status, so an intent past its expiry lists as expired, not pending (the
 * sweeper may not have written the expiry yet). `+expires_at` keeps the expiry out of index choice (SQLite's rule
 * for a unary +; a no-op on PostgreSQL): pages are read along an (owner, status, id) index, never a status-wide one.
 */
function statusFilter(status: IntentStatus | undefined, nowMs: number): RowFilter | undefined {
  if (status === undefined) return undefined;
  if (status === 'expired') return { sql: `(status = 'expired' OR (status IN ('pending', 'revealed') AND +expires_at <= ?))`, params: [nowMs] };
  // An approval nobody gave in time is a rejection.
  if (status === 'rejected') return { sql: `(status = 'rejected' OR (status = 'pending_approval' AND +expires_at <= ?))`, params: [nowMs] };
  if (expiringStatuses.has(status)) return { sql: 'status = ? AND +expires_at > ?', params: [status, nowMs] };
  return { sql: 'status = ?', params: [status] };
}

export async function listCardIntents(sql: Sql, scope: Scope, principal: Principal, cardId: string, status: IntentStatus | undefined, query: ListQuery, link: ApprovalLinkContext, nowMs: number) {
  const card = await getCardForPrincipal(sql, scope, principal, cardId);
  const shownLink = principal.kind === 'apiKey' ? link : undefined;
  return listPage(sql, 'intents', [columnEquals('card_id', card.id), statusFilter(status, nowMs)], query, (row: IntentRow) => presentIntent(intentFromRow(row), nowMs, shownLink));
}

export interface IntentFilters {
  status?: IntentStatus | undefined;
  cardId?: string | undefined;
  agentId?: string | undefined;
  userId?: string | undefined;
}

/** The environment's intents across every card, newest first (the approval queue: `status=pending_approval`). */
export async function listIntents(sql: Sql, scope: Scope, filters: IntentFilters, query: ListQuery, link: ApprovalLinkContext, nowMs: number) {
  return listPage(
    sql,
    'intents',
    [inScope(scope), columnEquals('card_id', filters.cardId), columnEquals('agent_id', filters.agentId), columnEquals('user_id', filters.userId), statusFilter(filters.status, nowMs)],
    query,
    (row: IntentRow) => presentIntent(intentFromRow(row), nowMs, link),
  );
}

type Transition = { action: 'cancel' | 'approve' | 'reject'; from: ReadonlySet<IntentStatus>; to: IntentStatus; event: string };

const transitions: Record<Transition['action'], Transition> = {
  cancel: { action: 'cancel', from: cancelableStatuses, to: 'canceled', event: 'intent.canceled' },
  approve: { action: 'approve', from: new Set(['pending_approval']), to: 'pending', event: 'intent.approved' },
  reject: { action: 'reject', from: new Set(['pending_approval']), to: 'rejected', event: 'intent.rejected' },
};

/**
 * Cancel (agent or key), approve or reject (API keys only: the access table refuses agent tokens). An intent whose
 * approval method is the cardholder's is decided on the hosted page only: an API key gets 403.
 */
export async function decideIntent(tx: Sql, scope: Scope, principal: Principal, intentId: string, action: Transition['action'], reason: string | undefined, nowMs: number): Promise<Intent> {
  const intent = await getIntent(tx, scope, principal, intentId, true);
  if (action === 'cancel') return transitionIntent(tx, scope, intent, action, reason, undefined, nowMs);
  if (isCardholderMethod(intent.approvalMethod)) throw new AppError('cardholder_approval_required', { intentId, action, method: intent.approvalMethod });
  return transitionIntent(tx, scope, intent, action, reason, { type: 'apiKey', id: principal.id }, nowMs);
}

/** Who approved or rejected an intent: an API key, or its cardholder on the hosted page (with a passkey's assertion). */
export type IntentDecider = { type: 'apiKey'; id: string } | { type: 'cardholder'; userId: string; webauthn: WebauthnEvidence | null };

/**
 * Moves a locked intent through `action`. Approvals and rejections name who decided (`decider`) and leave an
 * approval record; the hosted approval page calls this with the cardholder as decider.
 */
export async function transitionIntent(
  tx: Sql,
  scope: Scope,
  intent: Intent,
  action: Transition['action'],
  reason: string | undefined,
  decider: IntentDecider | undefined,
  nowMs: number,
): Promise<Intent> {
  const transition = transitions[action];
  const status = effectiveIntentStatus(intent.status, intent.expiresAtMs, nowMs);
  if (!transition.from.has(status)) throw new AppError('invalid_status_transition', { action, resource: 'intent', id: intent.id, status });
  // An approved intent gets its whole pending time (ttlMinutes) from the moment of approval.
  const expiresAtMs = action === 'approve' ? nowMs + pendingLifetimeMs(intent.ttlMinutes) : intent.expiresAtMs;
  const updated: Intent = { ...intent, status: transition.to, expiresAtMs, decisionReason: reason ?? null, updatedAtMs: nowMs };
  await tx.run('UPDATE intents SET status = ?, expires_at = ?, decision_reason = ?, decided_at = ?, updated_at = ? WHERE id = ?', [updated.status, expiresAtMs, updated.decisionReason, nowMs, nowMs, intent.id]);
  await recordEvent(tx, scope, transition.event, presentIntent(updated, nowMs), nowMs);
  if (decider !== undefined) {
    const decidedBy: ApprovalDecider = decider.type === 'apiKey' ? { type: 'apiKey', id: decider.id } : { type: 'cardholder', userId: decider.userId };
    await recordApprovalDecision(
      tx,
      scope,
      approvalTermsOf(intent),
      {
        decision: action === 'approve' ? 'approved' : 'rejected',
        method: intent.approvalMethod ?? 'apiKey',
        decidedBy,
        reason: reason ?? null,
        webauthn: decider.type === 'cardholder' ? decider.webauthn : null,
      },
      nowMs,
    );
  }
  return updated;
}

/**
 * Due work: writes the expiry of every intent of the scope whose time has passed, with `intent.expired` — or, for one
 * still waiting for approval, its rejection (`approval_expired`) with `intent.rejected` and an approval record.
 */
export async function expireDueIntents(tx: Sql, scope: Scope, nowMs: number): Promise<number> {
  return sweepDueRows(
    (afterId, limit) =>
      tx.all<IntentRow>(
        `SELECT * FROM intents WHERE organization_id = ? AND environment = ? AND status IN ('pending_approval', 'pending', 'revealed') AND expires_at <= ? AND id > ? ORDER BY id LIMIT ?`,
        [scope.organizationId, scope.environment, nowMs, afterId, limit],
      ),
    async (rows) => {
      let expired = 0;
      for (const row of rows) {
        const intent = intentFromRow(row);
        const timedOut = row.status === 'pending_approval';
        const changed = timedOut
          ? await tx.run(`UPDATE intents SET status = 'rejected', decision_reason = ?, decided_at = ?, updated_at = ? WHERE id = ? AND status = ?`, [approvalExpiredReason, nowMs, nowMs, row.id, row.status])
          : await tx.run(`UPDATE intents SET status = 'expired', updated_at = ? WHERE id = ? AND status = ?`, [nowMs, row.id, row.status]);
        if (changed.changes === 0) continue;
        expired += 1;
        if (!timedOut) {
          await recordEvent(tx, scope, 'intent.expired', presentIntent({ ...intent, status: 'expired', updatedAtMs: nowMs }, nowMs), nowMs);
          continue;
        }
        await recordEvent(tx, scope, 'intent.rejected', presentIntent({ ...intent, status: 'rejected', decisionReason: approvalExpiredReason, updatedAtMs: nowMs }, nowMs), nowMs);
        await recordApprovalDecision(
          tx,
          scope,
          approvalTermsOf(intent),
          { decision: 'rejected', method: intent.approvalMethod ?? 'apiKey', decidedBy: { type: 'timeout' }, reason: approvalExpiredReason, webauthn: null },
          nowMs,
        );
      }
      return expired;
    },
  );
}

/** The card's intents an authorization can be matched against: revealed and within their 24 h. */
export async function revealedIntentsOfCard(tx: Sql, cardId: string, nowMs: number): Promise<Intent[]> {
  const rows = await tx.all<IntentRow>(`SELECT * FROM intents WHERE card_id = ? AND status = 'revealed' AND expires_at > ? ORDER BY id`, [cardId, nowMs]);
  return rows.map(intentFromRow);
}

/** Whether the card's details were read for an intent that has since expired (the transaction is then `stale`). */
export async function cardHadStaleIntent(tx: Sql, cardId: string, nowMs: number): Promise<boolean> {
  const row = await tx.get<{ id: string }>(
    `SELECT id FROM intents WHERE card_id = ? AND revealed_at IS NOT NULL AND (status = 'expired' OR (status = 'revealed' AND expires_at <= ?)) LIMIT 1`,
    [cardId, nowMs],
  );
  return row !== undefined;
}

/** An authorization was matched against the intent: `matched` or `mismatched`, informational either way. */
export async function recordIntentMatch(
  tx: Sql,
  scope: Scope,
  intent: Intent,
  transactionId: string,
  matched: boolean,
  matchResult: Record<string, unknown>,
  nowMs: number,
): Promise<Intent> {
  const updated: Intent = { ...intent, status: matched ? 'matched' : 'mismatched', transactionId, matchResult, matchedAtMs: nowMs, updatedAtMs: nowMs };
  await tx.run('UPDATE intents SET status = ?, transaction_id = ?, match_result = ?, matched_at = ?, updated_at = ? WHERE id = ?', [
    updated.status,
    transactionId,
    JSON.stringify(matchResult),
    nowMs,
    nowMs,
    intent.id,
  ]);
  await recordEvent(tx, scope, matched ? 'intent.matched' : 'intent.mismatched', presentIntent(updated, nowMs), nowMs);
  return updated;
}

/** The status an intent has now (a pending one past its expiry reads expired); undefined for an unknown id. */
export async function intentStatusNow(sql: Sql, intentId: string, nowMs: number): Promise<IntentStatus | undefined> {
  const row = await sql.get<{ status: IntentStatus; expires_at: number }>('SELECT status, expires_at FROM intents WHERE id = ?', [intentId]);
  return row === undefined ? undefined : effectiveIntentStatus(row.status, Number(row.expires_at), nowMs);
}
