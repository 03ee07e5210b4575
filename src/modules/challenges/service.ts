// 3-D Secure challenges (SPEC §4 "3-D Secure"): an authorization sent with `threeDS: true` waits here for its
// one-time passcode. This module owns the `challenges` table: creating a challenge, the agent's read of its card's
// pending challenges (only with a revealed intent), the OTP token endpoints of seed 002, attempts, the end of a
// challenge and its expiry after 5 minutes of environment time — written by due work, and applied on every read so a
// late sweep never shows an expired passcode. The flow that continues the authorization is src/network/challenge.ts.
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { sweepDueRows } from '../../store/due-rows.js';
import { getAgent } from '../agents/service.js';
import { getCardForPrincipal, type Card } from '../cards/service.js';
import type { VaultSecrets } from '../cards/vault.js';
import { recordEvent } from '../events/service.js';
import { revealedIntentsOfCard } from '../intents/service.js';
import { columnEquals, inScope, listPage, type ListQuery } from '../pagination.js';
import { visibleTo, type Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';
import { challengeOtp, challengeOtpToken, otpTokenHash } from './otp.js';
import type { ChallengeStatus } from './schemas.js';

export const challengeLifetimeMs = 5 * 60_000;
/** Wrong passcodes allowed: the third one declines the authorization `challenge_failed`. */
export const challengeAttemptsMax = 3;

export interface ChallengeMerchant {
  name: string;
  mcc: string | null;
  city: string | null;
  country: string | null;
  id: string | null;
}

/** The authorization waiting for the passcode. Never a PAN or CVV: the card is the challenge's `cardId`. */
export interface ChallengeRequest {
  /** How the merchant presented the card (its credentials were checked before the challenge was created). */
  presentedBy: 'pan' | 'cardId';
  amountCents: number;
  currency: string;
  merchant: ChallengeMerchant;
}

export interface Challenge {
  id: string;
  cardId: string;
  agentId: string;
  userId: string;
  request: ChallengeRequest;
  /** Whether its OTP token still answers (DELETE /v1/otp/{token} and the end of the challenge turn it off). */
  otpTokenActive: boolean;
  /** As stored; read through `effectiveChallengeStatus` to count an expiry that is due. */
  status: ChallengeStatus;
  attempts: number;
  expiresAtMs: number;
  transactionId: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

interface ChallengeRow {
  id: string;
  card_id: string;
  agent_id: string;
  user_id: string;
  request: string;
  otp_token_hash: string | null;
  status: ChallengeStatus;
  attempts: number;
  expires_at: number;
  transaction_id: string | null;
  created_at: number;
  updated_at: number;
}

/** The `request` column: amounts in cents under `amount`, as the API names them. */
interface StoredRequest {
  presentedBy: ChallengeRequest['presentedBy'];
  amount: number;
  currency: string;
  merchant: ChallengeMerchant;
}

function fromRow(row: ChallengeRow): Challenge {
  const stored = JSON.parse(row.request) as StoredRequest;
  return {
    id: row.id,
    cardId: row.card_id,
    agentId: row.agent_id,
    userId: row.user_id,
    request: { presentedBy: stored.presentedBy, amountCents: stored.amount, currency: stored.currency, merchant: stored.merchant },
    otpTokenActive: row.otp_token_hash !== null,
    status: row.status,
    attempts: Number(row.attempts),
    expiresAtMs: Number(row.expires_at),
    transactionId: row.transaction_id,
    createdAtMs: Number(row.created_at),
    updatedAtMs: Number(row.updated_at),
  };
}

export function effectiveChallengeStatus(challenge: Pick<Challenge, 'status' | 'expiresAtMs'>, nowMs: number): ChallengeStatus {
  return challenge.status === 'pending' && challenge.expiresAtMs <= nowMs ? 'expired' : challenge.status;
}

/** The challenge without its passcode: for the merchant side, events and webhooks. */
export function presentChallenge(challenge: Challenge, nowMs: number) {
  const status = effectiveChallengeStatus(challenge, nowMs);
  return {
    object: 'challenge' as const,
    id: challenge.id,
    status: status === 'pending' ? ('challenge_required' as const) : status,
    cardId: challenge.cardId,
    agentId: challenge.agentId,
    userId: challenge.userId,
    amount: challenge.request.amountCents,
    currency: challenge.request.currency,
    merchantName: challenge.request.merchant.name,
    merchant: challenge.request.merchant,
    attempts: challenge.attempts,
    attemptsRemaining: status === 'pending' ? challengeAttemptsMax - challenge.attempts : 0,
    expiresAt: new Date(challenge.expiresAtMs).toISOString(),
    transactionId: challenge.transactionId,
    createdAt: new Date(challenge.createdAtMs).toISOString(),
    updatedAt: new Date(challenge.updatedAtMs).toISOString(),
  };
}

function presentWithOtp(challenge: Challenge, secrets: VaultSecrets, nowMs: number) {
  return {
    ...presentChallenge(challenge, nowMs),
    otp: challengeOtp(secrets, challenge.id),
    otpToken: challenge.otpTokenActive ? challengeOtpToken(secrets, challenge.id) : null,
  };
}

function challengeNotFound(challengeId: string): AppError {
  return new AppError('resource_not_found', { resource: 'challenge', id: challengeId, param: 'id' });
}

/** Seed 002: an OTP token that expired or never existed answers 404 (the token itself is not echoed back). */
function otpTokenNotFound(): AppError {
  return new AppError('resource_not_found', { resource: 'OTP token', id: 'expired or unknown', param: 'token' });
}

/** Records the challenge and `challenge.requested` (no passcode in it: the agent reads that through the API). */
export async function createChallenge(tx: Sql, scope: Scope, card: Pick<Card, 'id' | 'agentId' | 'userId'>, request: ChallengeRequest, secrets: VaultSecrets, nowMs: number): Promise<Challenge> {
  const challenge: Challenge = {
    id: newId('chl', nowMs),
    cardId: card.id,
    agentId: card.agentId,
    userId: card.userId,
    request,
    otpTokenActive: true,
    status: 'pending',
    attempts: 0,
    expiresAtMs: nowMs + challengeLifetimeMs,
    transactionId: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  const stored: StoredRequest = { presentedBy: request.presentedBy, amount: request.amountCents, currency: request.currency, merchant: request.merchant };
  await tx.run(
    `INSERT INTO challenges (id, organization_id, environment, card_id, agent_id, user_id, request, otp_token_hash, status, attempts, expires_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    [
      challenge.id,
      scope.organizationId,
      scope.environment,
      challenge.cardId,
      challenge.agentId,
      challenge.userId,
      JSON.stringify(stored),
      otpTokenHash(challengeOtpToken(secrets, challenge.id)),
      challenge.expiresAtMs,
      nowMs,
      nowMs,
    ],
  );
  await recordEvent(tx, scope, 'challenge.requested', presentChallenge(challenge, nowMs), nowMs);
  return challenge;
}

/** Locked (PostgreSQL) until the transaction ends, so two completions of one challenge serialise. */
export async function getChallengeForUpdate(tx: Sql, scope: Scope, challengeId: string): Promise<Challenge> {
  const row = await tx.get<ChallengeRow>(`SELECT * FROM challenges WHERE id = ? AND organization_id = ? AND environment = ?${forUpdate(tx)}`, [
    challengeId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw challengeNotFound(challengeId);
  return fromRow(row);
}

export async function recordWrongOtp(tx: Sql, challenge: Challenge, nowMs: number): Promise<Challenge> {
  const attempts = challenge.attempts + 1;
  await tx.run('UPDATE challenges SET attempts = ?, updated_at = ? WHERE id = ?', [attempts, nowMs, challenge.id]);
  return { ...challenge, attempts, updatedAtMs: nowMs };
}

/** The challenge ended in a transaction; its OTP token stops answering. */
export async function finishChallenge(tx: Sql, challenge: Challenge, status: 'completed' | 'failed', transactionId: string, nowMs: number): Promise<Challenge> {
  await tx.run('UPDATE challenges SET status = ?, transaction_id = ?, otp_token_hash = NULL, updated_at = ? WHERE id = ?', [status, transactionId, nowMs, challenge.id]);
  return { ...challenge, status, transactionId, otpTokenActive: false, updatedAtMs: nowMs };
}

/**
 * The card's pending challenges with their passcodes, for its agent (or an API key) — only while the card has a
 * revealed intent: the passcode completes a purchase, so it is shown for the purchase the agent declared.
 */
export async function listCardChallenges(sql: Sql, scope: Scope, principal: Principal, cardId: string, query: ListQuery, secrets: VaultSecrets, nowMs: number) {
  const card = await getCardForPrincipal(sql, scope, principal, cardId);
  if ((await revealedIntentsOfCard(sql, card.id, nowMs)).length === 0) throw new AppError('intent_required');
  return listPage<ChallengeRow, ReturnType<typeof presentWithOtp>>(
    sql,
    'challenges',
    [inScope(scope), columnEquals('card_id', card.id), { sql: `status = 'pending' AND expires_at > ?`, params: [nowMs] }],
    query,
    (row) => presentWithOtp(fromRow(row), secrets, nowMs),
  );
}

/**
 * The agent's pending challenges across its cards, newest first (LedgerOS: ledger_challenges without a card): only on
 * cards with a revealed, unexpired intent, the rule of the per-card list; a card without one is left out rather than
 * refused, since the agent asked about all of them. Another agent's id answers 404 to an agent token.
 */
export async function listAgentChallenges(sql: Sql, scope: Scope, principal: Principal, agentId: string, query: ListQuery, secrets: VaultSecrets, nowMs: number) {
  if (!visibleTo(principal, agentId)) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  const agent = await getAgent(sql, scope, agentId);
  return listPage<ChallengeRow, ReturnType<typeof presentWithOtp>>(
    sql,
    'challenges',
    [
      inScope(scope),
      columnEquals('agent_id', agent.id),
      {
        sql: `status = 'pending' AND expires_at > ?
              AND EXISTS (SELECT 1 FROM intents WHERE intents.card_id = challenges.card_id AND intents.status = 'revealed' AND intents.expires_at > ?)`,
        params: [nowMs, nowMs],
      },
    ],
    query,
    (row) => presentWithOtp(fromRow(row), secrets, nowMs),
  );
}

/** The pending, unexpired challenge an OTP token names, if the caller may see it; 404 otherwise (seed 002). */
async function challengeOfOtpToken(sql: Sql, scope: Scope, principal: Principal, token: string, nowMs: number, lock: boolean): Promise<Challenge> {
  const row = await sql.get<ChallengeRow>(`SELECT * FROM challenges WHERE otp_token_hash = ? AND organization_id = ? AND environment = ?${lock ? forUpdate(sql) : ''}`, [
    otpTokenHash(token),
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined || !visibleTo(principal, row.agent_id)) throw otpTokenNotFound();
  const challenge = fromRow(row);
  if (effectiveChallengeStatus(challenge, nowMs) !== 'pending') throw otpTokenNotFound();
  return challenge;
}

export async function readOtp(sql: Sql, scope: Scope, principal: Principal, token: string, secrets: VaultSecrets, nowMs: number) {
  const challenge = await challengeOfOtpToken(sql, scope, principal, token, nowMs, false);
  return {
    object: 'otp' as const,
    challengeId: challenge.id,
    cardId: challenge.cardId,
    otp: challengeOtp(secrets, challenge.id),
    merchantName: challenge.request.merchant.name,
    amount: challenge.request.amountCents,
    currency: challenge.request.currency,
    expiresAt: new Date(challenge.expiresAtMs).toISOString(),
  };
}

/** Stops listening: the token answers 404 from now on. The challenge itself stays open for its passcode. */
export async function deleteOtp(tx: Sql, scope: Scope, principal: Principal, token: string, nowMs: number) {
  const challenge = await challengeOfOtpToken(tx, scope, principal, token, nowMs, true);
  await tx.run('UPDATE challenges SET otp_token_hash = NULL, updated_at = ? WHERE id = ?', [nowMs, challenge.id]);
  return { object: 'otp' as const, challengeId: challenge.id, deleted: true as const };
}

/** Due work: every pending challenge of the scope past its 5 minutes becomes `expired`, with `challenge.expired`. */
export async function expireDueChallenges(tx: Sql, scope: Scope, nowMs: number): Promise<number> {
  return sweepDueRows(
    (afterId, limit) =>
      tx.all<ChallengeRow>(`SELECT * FROM challenges WHERE status = 'pending' AND organization_id = ? AND environment = ? AND expires_at <= ? AND id > ? ORDER BY id LIMIT ?`, [
        scope.organizationId,
        scope.environment,
        nowMs,
        afterId,
        limit,
      ]),
    async (rows) => {
      let expired = 0;
      for (const row of rows) {
        const changed = await tx.run(`UPDATE challenges SET status = 'expired', otp_token_hash = NULL, updated_at = ? WHERE id = ? AND status = 'pending'`, [nowMs, row.id]);
        if (changed.changes === 0) continue;
        expired += 1;
        await recordEvent(tx, scope, 'challenge.expired', presentChallenge({ ...fromRow(row), status: 'expired', otpTokenActive: false, updatedAtMs: nowMs }, nowMs), nowMs);
      }
      return expired;
    },
  );
}
