// The hosted approval page's work (SPEC §4 "Approval"): find the intent its link names, show the cardholder what
// they are asked to approve, and decide it as the cardholder — with a passkey's assertion over the intent's terms
// for `cardholderPasskey`. The link is single use: once the intent is decided (or its approval lapsed) the page
// says so and changes nothing. Time is the intent's environment time (the sandbox clock included).
import { environmentTimeMs } from '../../domain/clock.js';
import type { SpendingLimitFrequency } from '../../domain/limit-windows.js';
import { AppError } from '../../domain/errors.js';
import { effectiveIntentStatus, type IntentStatus } from '../../domain/intents.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { agentPolicyAt } from '../agents/policy.js';
import { getAgent } from '../agents/service.js';
import { getCard } from '../cards/service.js';
import { approvalTermsOf, intentFromRow, transitionIntent, type Intent, type IntentRow } from '../intents/service.js';
import { passkeyAuthenticationOptions, verifyPasskeyAssertion } from '../passkeys/service.js';
import { sandboxOffsetMs } from '../sandbox/clock.js';
import type { Scope } from '../../domain/scope.js';
import { approvalChallenge, approvalTokenHash, isCardholderMethod, type ApprovalDecision, type WebauthnEvidence } from './service.js';

/** What the page shows about the intent. */
export interface ApprovalView {
  intentId: string;
  method: 'cardholder' | 'cardholderPasskey';
  amountCents: number;
  currency: 'USD';
  merchantText: string;
  summary: string;
  agentName: string;
  cardLast4: string;
  /** The agent's spend in its current window against its limit (null: no limit). */
  agentSpendCents: number;
  agentLimitCents: number | null;
  agentLimitFrequency: SpendingLimitFrequency;
  expiresAtMs: number;
  status: IntentStatus;
  decisionReason: string | null;
}

export type ApprovalPageState =
  | { kind: 'notFound' }
  | { kind: 'open'; view: ApprovalView; error?: string }
  | { kind: 'decided'; view: ApprovalView; justNow: boolean }
  | { kind: 'expired'; view: ApprovalView };

export type ApprovalAction = 'approve' | 'reject';

interface Located {
  scope: Scope;
  intent: Intent;
  nowMs: number;
}

/** The intent a link names (a cardholder method's, in its scope) and its environment's time; undefined for none. */
async function locate(sql: Sql, token: string, wallClockMs: number, lock: boolean): Promise<Located | undefined> {
  const row = await sql.get<IntentRow & { organization_id: string; environment: 'sandbox' | 'live' }>(
    `SELECT * FROM intents WHERE approval_token_hash = ?${lock ? forUpdate(sql) : ''}`,
    [approvalTokenHash(token)],
  );
  if (row === undefined) return undefined;
  const intent = intentFromRow(row);
  if (!isCardholderMethod(intent.approvalMethod)) return undefined;
  const scope: Scope = { organizationId: row.organization_id, environment: row.environment };
  return { scope, intent, nowMs: environmentTimeMs(wallClockMs, scope.environment, await sandboxOffsetMs(sql, scope)) };
}

async function viewOf(sql: Sql, { scope, intent, nowMs }: Located): Promise<ApprovalView> {
  const agent = await getAgent(sql, scope, intent.agentId);
  const card = await getCard(sql, scope, intent.cardId);
  const spend = await agentPolicyAt(sql, agent, nowMs);
  const status = effectiveIntentStatus(intent.status, intent.expiresAtMs, nowMs);
  return {
    intentId: intent.id,
    method: intent.approvalMethod as 'cardholder' | 'cardholderPasskey',
    amountCents: intent.amountCents,
    currency: intent.currency,
    merchantText: intent.merchantText,
    summary: intent.summary,
    agentName: agent.name,
    cardLast4: card.last4,
    agentSpendCents: spend.currentSpendCents,
    agentLimitCents: spend.spendingLimitCents,
    agentLimitFrequency: spend.spendingLimitFrequency,
    expiresAtMs: intent.expiresAtMs,
    status,
    decisionReason: intent.status === 'pending_approval' && status === 'rejected' ? 'approval_expired' : intent.decisionReason,
  };
}

function stateOf(view: ApprovalView): ApprovalPageState {
  if (view.status === 'pending_approval') return { kind: 'open', view };
  if (view.status === 'rejected' && view.decisionReason === 'approval_expired') return { kind: 'expired', view };
  return { kind: 'decided', view, justNow: false };
}

export async function openApprovalPage(sql: Sql, token: string, wallClockMs: number): Promise<ApprovalPageState> {
  const located = await locate(sql, token, wallClockMs, false);
  if (located === undefined) return { kind: 'notFound' };
  return stateOf(await viewOf(sql, located));
}

/** Where the passkey's ceremony runs: the relying party is this deployment's host. */
export interface PasskeyOrigin {
  origin: string;
  rpID: string;
}

/** `POST /approve/{token}/options`: the WebAuthn request whose challenge commits to the intent's terms and `action`. */
export async function approvalPasskeyOptions(sql: Sql, token: string, action: ApprovalAction, origin: PasskeyOrigin, wallClockMs: number) {
  const located = await locate(sql, token, wallClockMs, false);
  if (located === undefined || located.intent.approvalMethod !== 'cardholderPasskey') throw new AppError('resource_not_found', { resource: 'approval link', id: 'token', param: 'token' });
  const view = await viewOf(sql, located);
  if (view.status !== 'pending_approval') throw new AppError('invalid_status_transition', { action, resource: 'intent', id: located.intent.id, status: view.status });
  return passkeyAuthenticationOptions(sql, located.scope, located.intent.userId, approvalChallenge(approvalTermsOf(located.intent), decisionOf(action)), origin.rpID);
}

function decisionOf(action: ApprovalAction): ApprovalDecision {
  return action === 'approve' ? 'approved' : 'rejected';
}

/**
 * The cardholder's decision on the page. `cardholder`: the form alone; `cardholderPasskey`: only with an assertion
 * over the intent's terms and this decision, by one of the intent's user's passkeys. A link whose intent is no longer
 * waiting changes nothing.
 */
export async function decideOnApprovalPage(
  tx: Sql,
  token: string,
  input: { action: ApprovalAction; note: string | undefined; credential: unknown },
  origin: PasskeyOrigin,
  wallClockMs: number,
): Promise<ApprovalPageState> {
  const located = await locate(tx, token, wallClockMs, true);
  if (located === undefined) return { kind: 'notFound' };
  const view = await viewOf(tx, located);
  if (view.status !== 'pending_approval') return stateOf(view);
  const { scope, intent, nowMs } = located;
  let webauthn: WebauthnEvidence | null = null;
  if (intent.approvalMethod === 'cardholderPasskey') {
    if (input.credential === undefined) return { kind: 'open', view, error: 'Confirm with your passkey: this approval needs it.' };
    const challenge = approvalChallenge(approvalTermsOf(intent), decisionOf(input.action));
    const verified = await verifyPasskeyAssertion(tx, scope, intent.userId, input.credential, { challenge, origin: origin.origin, rpID: origin.rpID }, nowMs);
    webauthn = evidenceOf(input.credential, verified.credentialId);
  }
  const updated = await transitionIntent(tx, scope, intent, input.action, input.note, { type: 'cardholder', userId: intent.userId, webauthn }, nowMs);
  return { kind: 'decided', view: await viewOf(tx, { scope, intent: updated, nowMs }), justNow: true };
}

/** The assertion as the browser produced it (base64url fields), for the signed record. */
function evidenceOf(assertion: unknown, credentialId: string): WebauthnEvidence {
  const response = (assertion as { response?: Record<string, unknown> }).response ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    credentialId,
    clientDataJSON: text(response.clientDataJSON),
    authenticatorData: text(response.authenticatorData),
    signature: text(response.signature),
    userHandle: typeof response.userHandle === 'string' ? response.userHandle : null,
  };
}

