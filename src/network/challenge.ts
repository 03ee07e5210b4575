// 3-D Secure in the card network (SPEC §4 "3-D Secure"): an authorization sent with `threeDS: true` whose card and
// credentials check out is not decided at once; a challenge (src/modules/challenges) holds it until the merchant
// sends the passcode. The right passcode runs the normal authorization (src/network/authorize.ts) with the stored
// request; the third wrong one records a `challenge_failed` decline through the same decline path.
import { z } from 'zod';
import { AppError } from '../domain/errors.js';
import { getCard } from '../modules/cards/service.js';
import { otpMatches } from '../modules/challenges/otp.js';
import { challengeSchema } from '../modules/challenges/schemas.js';
import {
  challengeAttemptsMax,
  createChallenge,
  effectiveChallengeStatus,
  finishChallenge,
  getChallengeForUpdate,
  presentChallenge,
  recordWrongOtp,
  type Challenge,
} from '../modules/challenges/service.js';
import type { Scope } from '../domain/scope.js';
import { transactionSchema } from '../modules/transactions/schemas.js';
import { presentTransaction, type Transaction } from '../modules/transactions/service.js';
import type { Sql } from '../store/database.js';
import { authorize, checkCredentials, findCardId, merchantOf, newTransaction, recordDecline, type AuthorizationRequest, type NetworkSettings } from './authorize.js';

/** The network's answer to a merchant: a decided transaction, or a challenge awaiting its passcode. */
export type NetworkAnswer = { kind: 'transaction'; transaction: Transaction } | { kind: 'challenge'; challenge: Challenge };

/** `object: "transaction"` when decided; `object: "challenge"` with `status: "challenge_required"` while waiting. */
export const networkAnswerSchema = z.discriminatedUnion('object', [transactionSchema, challengeSchema]);

export function presentNetworkAnswer(answer: NetworkAnswer, nowMs: number): z.input<typeof networkAnswerSchema> {
  return answer.kind === 'transaction' ? presentTransaction(answer.transaction) : presentChallenge(answer.challenge, nowMs);
}

/**
 * A challenge for a card that could be authorized: found, presented with the right credentials, active. Anything
 * else is decided at once by the normal authorization (it declines), so no passcode is sent for a card that cannot pay.
 */
export async function requestChallenge(tx: Sql, scope: Scope, settings: NetworkSettings, request: AuthorizationRequest, nowMs: number): Promise<NetworkAnswer> {
  const cardId = await findCardId(tx, scope, settings.secrets, request);
  const card = cardId === undefined ? undefined : await getCard(tx, scope, cardId);
  if (card === undefined || card.status !== 'active' || checkCredentials(card, settings.secrets, request, nowMs) !== 'valid') {
    return { kind: 'transaction', transaction: await authorize(tx, scope, settings, request, nowMs) };
  }
  const merchant = merchantOf(request);
  const challenge = await createChallenge(
    tx,
    scope,
    card,
    {
      presentedBy: request.cardId === undefined ? 'pan' : 'cardId',
      amountCents: request.amountCents,
      currency: request.currency,
      merchant: { name: merchant.name, mcc: merchant.mcc, city: merchant.city, country: merchant.country, id: merchant.id },
    },
    settings.secrets,
    nowMs,
  );
  return { kind: 'challenge', challenge };
}

/** The stored request in the `cardId` form: the credentials were checked when the challenge was created. */
function authorizationRequestOf(challenge: Challenge): AuthorizationRequest {
  const { merchant } = challenge.request;
  return {
    cardId: challenge.cardId,
    amountCents: challenge.request.amountCents,
    currency: challenge.request.currency,
    merchant: { name: merchant.name, mcc: merchant.mcc ?? undefined, city: merchant.city ?? undefined, country: merchant.country ?? undefined, id: merchant.id ?? undefined },
  };
}

/**
 * The merchant sends the passcode the cardholder's agent entered. Right → the authorization runs and its transaction
 * (approved or declined) is the answer. Wrong → the challenge with `attemptsRemaining` (a 200: the attempt counts, so
 * it must commit); the third wrong one → a declined `challenge_failed` transaction. Expired → 409 `challenge_expired`;
 * already completed or failed → 409 `invalid_status_transition`.
 */
export async function completeChallenge(tx: Sql, scope: Scope, settings: NetworkSettings, challengeId: string, otp: string, nowMs: number): Promise<NetworkAnswer> {
  const challenge = await getChallengeForUpdate(tx, scope, challengeId);
  const status = effectiveChallengeStatus(challenge, nowMs);
  if (status === 'expired') throw new AppError('challenge_expired', { id: challenge.id, expiresAt: new Date(challenge.expiresAtMs).toISOString() });
  if (status !== 'pending') throw new AppError('invalid_status_transition', { action: 'complete', resource: 'challenge', id: challenge.id, status });

  const request = authorizationRequestOf(challenge);
  if (otpMatches(settings.secrets, challenge.id, otp)) {
    const transaction = await authorize(tx, scope, settings, request, nowMs);
    await finishChallenge(tx, challenge, 'completed', transaction.id, nowMs);
    return { kind: 'transaction', transaction };
  }
  const attempted = await recordWrongOtp(tx, challenge, nowMs);
  if (attempted.attempts < challengeAttemptsMax) return { kind: 'challenge', challenge: attempted };
  const card = await getCard(tx, scope, challenge.cardId);
  const declined = await recordDecline(
    tx,
    scope,
    newTransaction(nowMs, merchantOf(request), request, card),
    'challenge_failed',
    `the one-time passcode was wrong ${challengeAttemptsMax} times`,
    nowMs,
  );
  await finishChallenge(tx, attempted, 'failed', declined.id, nowMs);
  return { kind: 'transaction', transaction: declined };
}
