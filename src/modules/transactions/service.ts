// Transactions (SPEC §4): one authorization and its life — pending → settled → refunded, pending → voided, or
// declined at once. This module owns the table and how a transaction reads; the card network (src/network) writes it.
import { AppError } from '../../domain/errors.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { approvedSpendCents } from '../agents/policy.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage, type ListQuery, type RowFilter } from '../pagination.js';
import type { Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';

export const transactionStatuses = ['pending', 'settled', 'voided', 'declined', 'refunded'] as const;
export type TransactionStatus = (typeof transactionStatuses)[number];
export type AttestationStatus = 'attested' | 'unattested' | 'stale';

export interface Merchant {
  name: string;
  normalizedName: string;
  mcc: string | null;
  category: string | null;
  city: string | null;
  country: string | null;
  id: string | null;
}

export interface Transaction {
  id: string;
  cardId: string | null;
  agentId: string | null;
  userId: string | null;
  status: TransactionStatus;
  amountCents: number;
  /** What the authorization approved, before increments; null when nothing was authorized (declines, force posts). */
  authorizedAmountCents: number | null;
  settledAmountCents: number;
  refundedAmountCents: number;
  incrementCount: number;
  refundCount: number;
  currency: string;
  merchant: Merchant;
  declineReason: string | null;
  declineDetail: string | null;
  intentId: string | null;
  intentMatch: 'matched' | 'mismatched' | null;
  attestationStatus: AttestationStatus;
  accessEventId: string | null;
  forcePost: boolean;
  /** The integrator's own labels (PATCH /v1/transactions/{id}); the network never reads them. */
  notes: string | null;
  tags: string[];
  category: string | null;
  settleAtMs: number | null;
  expiresAtMs: number | null;
  createdAtMs: number;
  updatedAtMs: number;
  settledAtMs: number | null;
  voidedAtMs: number | null;
}

export interface TransactionRow {
  id: string;
  card_id: string | null;
  agent_id: string | null;
  user_id: string | null;
  status: TransactionStatus;
  amount: number;
  authorized_amount: number | null;
  settled_amount: number;
  refunded_amount: number;
  increment_count: number;
  refund_count: number;
  currency: string;
  merchant_name: string;
  merchant_normalized_name: string;
  merchant_mcc: string | null;
  merchant_category: string | null;
  merchant_city: string | null;
  merchant_country: string | null;
  merchant_id: string | null;
  decline_reason: string | null;
  decline_detail: string | null;
  intent_id: string | null;
  intent_match: 'matched' | 'mismatched' | null;
  attestation_status: AttestationStatus;
  access_event_id: string | null;
  force_post: number;
  notes: string | null;
  tags: string;
  category: string | null;
  settle_at: number | null;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
  settled_at: number | null;
  voided_at: number | null;
}

export function transactionFromRow(row: TransactionRow): Transaction {
  return {
    id: row.id,
    cardId: row.card_id,
    agentId: row.agent_id,
    userId: row.user_id,
    status: row.status,
    amountCents: row.amount,
    authorizedAmountCents: row.authorized_amount,
    settledAmountCents: row.settled_amount,
    refundedAmountCents: row.refunded_amount,
    incrementCount: row.increment_count,
    refundCount: row.refund_count,
    currency: row.currency,
    merchant: {
      name: row.merchant_name,
      normalizedName: row.merchant_normalized_name,
      mcc: row.merchant_mcc,
      category: row.merchant_category,
      city: row.merchant_city,
      country: row.merchant_country,
      id: row.merchant_id,
    },
    declineReason: row.decline_reason,
    declineDetail: row.decline_detail,
    intentId: row.intent_id,
    intentMatch: row.intent_match,
    attestationStatus: row.attestation_status,
    accessEventId: row.access_event_id,
    forcePost: row.force_post === 1,
    notes: row.notes,
    tags: JSON.parse(row.tags) as string[],
    category: row.category,
    settleAtMs: row.settle_at,
    expiresAtMs: row.expires_at,
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
    settledAtMs: row.settled_at,
    voidedAtMs: row.voided_at,
  };
}

const iso = (timeMs: number | null) => (timeMs === null ? null : new Date(timeMs).toISOString());

export function presentTransaction(transaction: Transaction) {
  return {
    object: 'transaction' as const,
    id: transaction.id,
    status: transaction.status,
    amount: transaction.amountCents,
    authorizedAmount: transaction.authorizedAmountCents,
    settledAmount: transaction.settledAmountCents,
    refundedAmount: transaction.refundedAmountCents,
    currency: transaction.currency,
    merchant: transaction.merchant,
    declineReason: transaction.declineReason,
    declineDetail: transaction.declineDetail,
    intentId: transaction.intentId,
    intentMatch: transaction.intentMatch,
    attestationStatus: transaction.attestationStatus,
    accessEventId: transaction.accessEventId,
    forcePost: transaction.forcePost,
    notes: transaction.notes,
    tags: transaction.tags,
    category: transaction.category,
    cardId: transaction.cardId,
    agentId: transaction.agentId,
    userId: transaction.userId,
    settlesAt: transaction.status === 'pending' ? iso(transaction.settleAtMs) : null,
    expiresAt: transaction.status === 'pending' ? iso(transaction.expiresAtMs) : null,
    createdAt: iso(transaction.createdAtMs)!,
    // An approved authorization is authorized when it is created; declines and force posts never were.
    authorizedAt: transaction.authorizedAmountCents === null ? null : iso(transaction.createdAtMs),
    updatedAt: iso(transaction.updatedAtMs)!,
    settledAt: iso(transaction.settledAtMs),
    voidedAt: iso(transaction.voidedAtMs),
  };
}

function transactionNotFound(id: string): AppError {
  return new AppError('resource_not_found', { resource: 'transaction', id, param: 'id' });
}

/** Agent tokens read only their own agent's transactions; another's answers 404. */
export async function getTransaction(sql: Sql, scope: Scope, principal: Principal, transactionId: string): Promise<Transaction> {
  const row = await sql.get<TransactionRow>('SELECT * FROM transactions WHERE id = ? AND organization_id = ? AND environment = ?', [transactionId, scope.organizationId, scope.environment]);
  if (row === undefined || (principal.kind === 'agentToken' && row.agent_id !== principal.agentId)) throw transactionNotFound(transactionId);
  return transactionFromRow(row);
}

/** What a user's card charges have settled for, less what was refunded: LedgerOS's `postedCharges`, in cents. */
export async function postedChargesCents(sql: Sql, scope: Scope, userId: string): Promise<number> {
  const row = await sql.get<{ posted: number | string | null }>(
    "SELECT SUM(settled_amount - refunded_amount) AS posted FROM transactions WHERE user_id = ? AND organization_id = ? AND environment = ? AND status IN ('settled', 'refunded')",
    [userId, scope.organizationId, scope.environment],
  );
  return Number(row?.posted ?? 0);
}

/** For the network's state changes: locked on PostgreSQL until the transaction ends. */
export async function getTransactionForUpdate(tx: Sql, scope: Scope, transactionId: string): Promise<Transaction> {
  const row = await tx.get<TransactionRow>(`SELECT * FROM transactions WHERE id = ? AND organization_id = ? AND environment = ?${forUpdate(tx)}`, [
    transactionId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw transactionNotFound(transactionId);
  return transactionFromRow(row);
}

export interface TransactionLabelsPatch {
  notes?: string | null | undefined;
  tags?: string[] | undefined;
  category?: string | null | undefined;
}

/**
 * `PATCH /v1/transactions/{id}` (SPEC §11): the integrator's notes, tags and category. A field left out keeps its value,
 * null clears it (an empty list clears tags); money and status are the network's and never change here.
 */
export async function updateTransactionLabels(tx: Sql, scope: Scope, transactionId: string, patch: TransactionLabelsPatch, nowMs: number): Promise<Transaction> {
  const transaction = await getTransactionForUpdate(tx, scope, transactionId);
  const updated: Transaction = {
    ...transaction,
    notes: patch.notes === undefined ? transaction.notes : patch.notes,
    tags: patch.tags ?? transaction.tags,
    category: patch.category === undefined ? transaction.category : patch.category,
    updatedAtMs: nowMs,
  };
  await tx.run('UPDATE transactions SET notes = ?, tags = ?, category = ?, updated_at = ? WHERE id = ?', [updated.notes, JSON.stringify(updated.tags), updated.category, nowMs, transaction.id]);
  await recordEvent(tx, scope, 'transaction.updated', presentTransaction(updated), nowMs);
  return updated;
}

export interface TransactionFilters {
  cardId?: string | undefined;
  agentId?: string | undefined;
  userId?: string | undefined;
  status?: TransactionStatus | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

/** `GET /v1/transactions`: an agent token's list is silently narrowed to its own agent (SPEC §4). */
export async function listTransactions(sql: Sql, scope: Scope, principal: Principal, filters: TransactionFilters, query: ListQuery) {
  const agentFilter = principal.kind === 'agentToken' ? columnEquals('agent_id', principal.agentId) : columnEquals('agent_id', filters.agentId);
  const ownOnly: RowFilter | undefined = principal.kind === 'agentToken' && filters.agentId !== undefined && filters.agentId !== principal.agentId ? { sql: '1 = 0', params: [] } : undefined;
  // Narrowed to a card, agent or user, the scope is a filter, not the index (see scopeAsFilterOnly); a card's or
  // agent's page follows its (…, created_at) index, a user's its (user_id, id) index.
  const narrowed = agentFilter !== undefined || filters.cardId !== undefined || filters.userId !== undefined;
  const conditions = [
    narrowed ? scopeAsFilterOnly(sql, scope) : inScope(scope),
    agentFilter,
    ownOnly,
    columnEquals('card_id', filters.cardId),
    columnEquals('user_id', filters.userId),
    columnEquals('status', filters.status),
    filters.fromMs === undefined ? undefined : { sql: 'created_at >= ?', params: [filters.fromMs] },
    filters.toMs === undefined ? undefined : { sql: 'created_at < ?', params: [filters.toMs] },
  ];
  const present = (row: TransactionRow) => presentTransaction(transactionFromRow(row));
  const byCreation = agentFilter !== undefined || filters.cardId !== undefined;
  return listPage(sql, 'transactions', conditions, query, present, byCreation ? 'creation' : 'id');
}

/**
 * The scope of a list narrowed to a card, agent or user. SQLite, without statistics, would walk the organization's
 * transactions newest first (`transactions_by_owner`, which matches the order) until a page of them matched: 0.6 s for
 * a card just issued with a million stored. `+column` keeps the condition but not as an index choice, so SQLite reads
 * the card's, agent's or user's own index, bounded by their history. PostgreSQL plans from statistics.
 */
function scopeAsFilterOnly(sql: Sql, scope: Scope): RowFilter {
  if (sql.dialect !== 'sqlite') return inScope(scope);
  return { sql: '+organization_id = ? AND +environment = ?', params: [scope.organizationId, scope.environment] };
}

/**
 * What the card's policy controls count: its approved, not voided authorizations, their spend (as card limits count
 * it) and the last one's time. A force post is spend but no authorization (nothing approved it): it counts towards
 * the spend only, not the number of authorizations nor the cooldown. Read only when a control needs it
 * (maxAuthCount, cumulativeMax, cooldownMinutes).
 */
export async function cardLifetimeUse(tx: Sql, cardId: string): Promise<{ authCount: number; spentCents: number; lastApprovedAtMs: number | null }> {
  const row = await tx.get<{ auths: number | string | null; spent: number | string | null; last: number | string | null }>(
    `SELECT SUM(CASE WHEN force_post = 0 THEN 1 ELSE 0 END) AS auths, SUM(${approvedSpendCents}) AS spent, MAX(CASE WHEN force_post = 0 THEN created_at END) AS last
     FROM transactions WHERE card_id = ? AND status IN ('pending', 'settled', 'refunded')`,
    [cardId],
  );
  return { authCount: Number(row?.auths ?? 0), spentCents: Number(row?.spent ?? 0), lastApprovedAtMs: row?.last === null || row?.last === undefined ? null : Number(row.last) };
}

