// Lithic's Auth Stream Access (ASA): each authorization at a Lithic card is a signed request that cardrail answers
// `APPROVED` or with the decline result matching its decline code, within Lithic's deadline. The request is mapped
// onto the same authorization decision as the sandbox network's (src/network/authorize.ts); the decision and the
// answer commit together before the answer is sent, and a retry of the same request (Lithic retries once) gets the
// answer stored with it, whatever happened since.
import { z } from 'zod';
import type { DeclineCode } from '../../../domain/authorization.js';
import { countryAlpha2 } from '../../../domain/countries.js';
import type { Scope } from '../../../domain/scope.js';
import type { Database, Sql } from '../../../store/database.js';
import { authorize, type AuthorizationRequest, type NetworkSettings } from '../../authorize.js';
import { clearTransaction } from '../../clear.js';
import { findLithicCard, transactionOfLithicToken, type LithicCardOwner } from './cards.js';
import type { Authorizer } from '../../engine.js';
import type { Transaction } from '../../../modules/transactions/service.js';

/** Lithic's ASA decline results (its `asa-response` schema); anything but APPROVED declines. */
export const asaDeclineResults = ['AVS_INVALID', 'CARD_PAUSED', 'INSUFFICIENT_FUNDS', 'UNAUTHORIZED_MERCHANT', 'VELOCITY_EXCEEDED', 'SUSPECTED_FRAUD'] as const;
export type AsaResult = 'APPROVED' | (typeof asaDeclineResults)[number];

/** Every cardrail decline code, as the ASA result a merchant's acquirer understands best (docs/issuers.md). */
export const asaResultOfDecline: Readonly<Record<DeclineCode, (typeof asaDeclineResults)[number]>> = {
  invalid_card: 'CARD_PAUSED',
  incorrect_cvv: 'SUSPECTED_FRAUD',
  card_expired: 'CARD_PAUSED',
  card_closed: 'CARD_PAUSED',
  card_frozen: 'CARD_PAUSED',
  single_use_consumed: 'CARD_PAUSED',
  user_not_approved: 'CARD_PAUSED',
  agent_suspended: 'CARD_PAUSED',
  exceeds_max_amount: 'VELOCITY_EXCEEDED',
  card_limit_exceeded: 'VELOCITY_EXCEEDED',
  agent_limit_exceeded: 'VELOCITY_EXCEEDED',
  outside_active_hours: 'UNAUTHORIZED_MERCHANT',
  blocked_mcc: 'UNAUTHORIZED_MERCHANT',
  blocked_merchant: 'UNAUTHORIZED_MERCHANT',
  auth_count_exceeded: 'VELOCITY_EXCEEDED',
  cooldown_active: 'VELOCITY_EXCEEDED',
  cumulative_limit_exceeded: 'VELOCITY_EXCEEDED',
  attestation_required: 'UNAUTHORIZED_MERCHANT',
  risk_declined: 'SUSPECTED_FRAUD',
  insufficient_funds: 'INSUFFICIENT_FUNDS',
  challenge_failed: 'SUSPECTED_FRAUD',
};

const lithicMerchantSchema = z.object({
  descriptor: z.string().max(200),
  mcc: z.string().max(10).nullish(),
  city: z.string().max(100).nullish(),
  country: z.string().max(10).nullish(),
  acceptor_id: z.string().max(100).nullish(),
});

/**
 * The fields of Lithic's ASA request (`CardAuthorization` in its SDK) that cardrail reads. Lithic's payloads grow
 * over time, so fields not named here are accepted and not read (docs/decisions.md, "Processor payloads").
 */
export const asaRequestSchema = z.object({
  token: z.string().min(1).max(100),
  status: z.enum(['AUTHORIZATION', 'CREDIT_AUTHORIZATION', 'FINANCIAL_AUTHORIZATION', 'FINANCIAL_CREDIT_AUTHORIZATION', 'BALANCE_INQUIRY']),
  card: z.object({ token: z.string().min(1).max(100) }),
  amounts: z.object({ cardholder: z.object({ amount: z.number().int().min(0), currency: z.string().max(3) }) }).optional(),
  authorization_amount: z.number().int().min(0).optional(),
  cardholder_currency: z.string().max(3).optional(),
  merchant: lithicMerchantSchema,
});
export type AsaRequest = z.infer<typeof asaRequestSchema>;

export interface AsaAnswer {
  token: string;
  result: AsaResult;
}

/** Lithic's merchant as the network simulator's: alpha-3 countries become alpha-2, an unknown one is dropped. */
export function merchantOfLithic(merchant: z.infer<typeof lithicMerchantSchema>): AuthorizationRequest['merchant'] {
  const country = merchant.country === null || merchant.country === undefined ? undefined : countryAlpha2(merchant.country);
  return {
    name: merchant.descriptor.trim() === '' ? 'UNKNOWN MERCHANT' : merchant.descriptor.trim(),
    mcc: merchant.mcc !== null && merchant.mcc !== undefined && /^\d{4}$/.test(merchant.mcc) ? merchant.mcc : undefined,
    city: merchant.city ?? undefined,
    country,
    id: merchant.acceptor_id ?? undefined,
  };
}

/** What the request asks to authorize: the cardholder amount in the card's billing currency. */
function amountOf(request: AsaRequest): { amountCents: number; currency: string } {
  return {
    amountCents: request.amounts?.cardholder.amount ?? request.authorization_amount ?? 0,
    currency: (request.amounts?.cardholder.currency ?? request.cardholder_currency ?? 'USD').toUpperCase(),
  };
}

/** The ASA result of a decided transaction: stable, so a retry answers what the first request was answered. */
export function asaResultOf(transaction: Pick<Transaction, 'status' | 'declineReason'>): AsaResult {
  if (transaction.status !== 'declined') return 'APPROVED';
  return transaction.declineReason === null ? 'SUSPECTED_FRAUD' : asaResultOfDecline[transaction.declineReason as DeclineCode];
}

/**
 * Requests that are not a plain authorization, decided in one transaction of their own with the answer stored:
 * credits and balance inquiries move no money now (a refund arrives as a RETURN event), a single-message
 * authorization (PIN debit) is authorized and cleared at once, and a card billed in another currency than cardrail's
 * US dollars has nothing to draw on.
 */
async function answerInOwnTransaction(db: Database, settings: NetworkSettings, owner: LithicCardOwner, request: AsaRequest): Promise<AsaAnswer> {
  return db.transaction(async (tx) => {
    const claimed = await tx.run(
      `INSERT INTO issuer_transactions (issuer, token, organization_id, environment, card_id, transaction_id, answer, created_at) VALUES ('lithic', ?, ?, ?, ?, NULL, NULL, ?)
       ON CONFLICT (issuer, token) DO NOTHING`,
      [request.token, owner.scope.organizationId, owner.scope.environment, owner.cardId, owner.nowMs],
    );
    if (claimed.changes === 0) {
      const earlier = await storedAnswer(tx, owner.scope, request.token);
      if (earlier !== undefined) return earlier;
    }
    const { amountCents, currency } = amountOf(request);
    let result: AsaResult = 'APPROVED';
    let transactionId: string | null = null;
    if (currency !== 'USD' || amountCents <= 0) result = 'UNAUTHORIZED_MERCHANT';
    else if (request.status === 'FINANCIAL_AUTHORIZATION') {
      const transaction = await authorize(tx, owner.scope, settings, { cardId: owner.cardId, amountCents, currency, merchant: merchantOfLithic(request.merchant), issuerClaim: { issuer: 'lithic', token: request.token } }, owner.nowMs);
      if (transaction.status === 'pending') await clearTransaction(tx, owner.scope, transaction.id, amountCents, owner.nowMs);
      result = asaResultOf(transaction);
      transactionId = transaction.id;
    }
    const answer: AsaAnswer = { token: request.token, result };
    await tx.run(`UPDATE issuer_transactions SET transaction_id = ?, answer = ? WHERE issuer = 'lithic' AND token = ?`, [transactionId, JSON.stringify(answer), request.token]);
    return answer;
  });
}

/** The answer an earlier request with this token got: stored as such, or that of the transaction it decided. */
async function storedAnswer(sql: Sql, scope: Scope, token: string): Promise<AsaAnswer | undefined> {
  const stored = await transactionOfLithicToken(sql, token);
  if (stored === undefined) return undefined;
  if (stored.answer !== null) return JSON.parse(stored.answer) as AsaAnswer;
  if (stored.transactionId === null) return undefined;
  const transaction = await sql.get<{ status: Transaction['status']; decline_reason: string | null }>('SELECT status, decline_reason FROM transactions WHERE id = ? AND organization_id = ? AND environment = ?', [
    stored.transactionId,
    scope.organizationId,
    scope.environment,
  ]);
  return transaction === undefined ? undefined : { token, result: asaResultOf({ status: transaction.status, declineReason: transaction.decline_reason as Transaction['declineReason'] }) };
}

/**
 * Answers one ASA request. A plain authorization goes to the authorization engine with the others arriving now (one
 * batch, one commit): the batch claims the request's token before deciding, so the answer sent is the durable one and
 * a retry — concurrent or later — answers the transaction decided the first time.
 */
export async function answerAuthorizationRequest(db: Database, authorizer: Authorizer, settings: NetworkSettings, request: AsaRequest, wallClockMs: number): Promise<AsaAnswer> {
  const owner = await findLithicCard(db, request.card.token, wallClockMs);
  // A card cardrail never issued (made in Lithic's dashboard, or of another deployment): not ours to approve.
  if (owner === undefined) return { token: request.token, result: 'CARD_PAUSED' };
  const earlier = await storedAnswer(db, owner.scope, request.token);
  if (earlier !== undefined) return earlier;
  const { amountCents, currency } = amountOf(request);
  if (request.status !== 'AUTHORIZATION' || currency !== 'USD' || amountCents <= 0) return answerInOwnTransaction(db, settings, owner, request);
  const transaction = await authorizer.authorize(
    owner.scope,
    { cardId: owner.cardId, amountCents, currency, merchant: merchantOfLithic(request.merchant), issuerClaim: { issuer: 'lithic', token: request.token } },
    owner.nowMs,
  );
  return { token: request.token, result: asaResultOf(transaction) };
}
