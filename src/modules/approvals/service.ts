// Approval decisions (SPEC §4 "Approval"): who decided an intent that waited for approval, by which method, with
// what evidence — kept as the facts of a record that the deployment signs when it is served — and the hosted
// approval link of the cardholder methods. The link's token is derived from the intent's id with the master key, so
// it is never stored; only its SHA-256 is, to find the intent by it.
import { createHash } from 'node:crypto';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { ApprovalMethod } from '../../domain/intents.js';
import { masterKeyDigest, type Secrets } from '../../secrets.js';
import type { Sql } from '../../store/database.js';
import { visibleTo, type Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';
import { presentApprovalRecord, signApprovalRecord, type ApprovalRecordPayload } from './record.js';

export type ApprovalDecision = ApprovalRecordPayload['decision'];
export type ApprovalDecider = ApprovalRecordPayload['decidedBy'];
export type WebauthnEvidence = NonNullable<ApprovalRecordPayload['webauthn']>;

/** The terms of an intent that an approval is given for: what the record and a passkey's challenge commit to. */
export interface ApprovalTerms {
  id: string;
  cardId: string;
  agentId: string;
  userId: string;
  amountCents: number;
  currency: 'USD';
  merchantText: string;
  summary: string;
  /** When the approval lapses (the intent's expiry while it waits). */
  expiresAtMs: number;
}

export function isCardholderMethod(method: ApprovalMethod | null): method is 'cardholder' | 'cardholderPasskey' {
  return method === 'cardholder' || method === 'cardholderPasskey';
}

export function approvalLinkToken(secrets: Pick<Secrets, 'masterKey'>, intentId: string): string {
  return `apl_${masterKeyDigest(secrets, 'approval-link', intentId).toString('base64url')}`;
}

export function approvalTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function approvalPagePath(token: string): string {
  return `/approve/${token}`;
}

/** Where the hosted approval link of an intent and its method is reachable, for the integrator. */
export interface ApprovalLinkContext {
  baseUrl: string;
  secrets: Pick<Secrets, 'masterKey'>;
}

export function approvalUrlFor(link: ApprovalLinkContext, intentId: string): string {
  return `${link.baseUrl}${approvalPagePath(approvalLinkToken(link.secrets, intentId))}`;
}

/**
 * What a cardholder's passkey signs to approve or reject: the intent's id, amount, currency, merchant and expiry,
 * and the decision — so an assertion given for one intent, amount or decision is refused for any other.
 */
export function approvalChallenge(terms: ApprovalTerms, decision: ApprovalDecision): string {
  const committed = JSON.stringify(['cardrail-approval/1', terms.id, terms.amountCents, terms.currency, terms.merchantText, new Date(terms.expiresAtMs).toISOString(), decision]);
  return createHash('sha256').update(committed, 'utf8').digest('base64url');
}

/** Keeps the facts of a decision; `GET /v1/intents/{id}/approval` answers them signed. */
export async function recordApprovalDecision(
  tx: Sql,
  scope: Scope,
  terms: ApprovalTerms,
  decision: { decision: ApprovalDecision; method: ApprovalMethod; decidedBy: ApprovalDecider; reason: string | null; webauthn: WebauthnEvidence | null },
  nowMs: number,
): Promise<void> {
  const id = newId('apr', nowMs);
  const payload: ApprovalRecordPayload = {
    iss: 'cardrail',
    jti: id,
    iat: Math.floor(nowMs / 1000),
    organizationId: scope.organizationId,
    environment: scope.environment,
    decision: decision.decision,
    method: decision.method,
    reason: decision.reason,
    decidedBy: decision.decidedBy,
    decidedAt: new Date(nowMs).toISOString(),
    intent: {
      id: terms.id,
      cardId: terms.cardId,
      agentId: terms.agentId,
      userId: terms.userId,
      amount: terms.amountCents,
      currency: terms.currency,
      merchantText: terms.merchantText,
      summary: terms.summary,
      expiresAt: new Date(terms.expiresAtMs).toISOString(),
    },
    webauthn: decision.webauthn,
  };
  await tx.run('INSERT INTO approval_records (id, organization_id, environment, intent_id, decision, method, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    id,
    scope.organizationId,
    scope.environment,
    terms.id,
    decision.decision,
    decision.method,
    JSON.stringify(payload),
    nowMs,
  ]);
}

/** `GET /v1/intents/{id}/approval`: the decision's record, signed by the deployment (404 until it is decided). */
export async function getApprovalRecord(sql: Sql, scope: Scope, principal: Principal, intentId: string, secrets: Pick<Secrets, 'masterKey'>) {
  const row = await sql.get<{ agent_id: string; payload: string | null }>(
    `SELECT intents.agent_id, approval_records.payload FROM intents LEFT JOIN approval_records ON approval_records.intent_id = intents.id
     WHERE intents.id = ? AND intents.organization_id = ? AND intents.environment = ?`,
    [intentId, scope.organizationId, scope.environment],
  );
  if (row === undefined || !visibleTo(principal, row.agent_id)) throw new AppError('resource_not_found', { resource: 'intent', id: intentId, param: 'id' });
  if (row.payload === null) throw new AppError('approval_record_not_found', { intentId });
  const payload = JSON.parse(row.payload) as ApprovalRecordPayload;
  return presentApprovalRecord(signApprovalRecord(secrets, payload), payload);
}
