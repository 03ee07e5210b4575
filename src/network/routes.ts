// The card network simulator's HTTP face (sandbox keys only): merchants presenting cards. A decline is the
// network's answer, so it is a 200 with the declined transaction; only a malformed request is a 4xx.
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { defineRoute } from '../http/route-definition.js';
import { presentTransaction } from '../modules/transactions/service.js';
import { transactionSchema } from '../modules/transactions/schemas.js';
import { authorize, type NetworkSettings } from './authorize.js';
import { completeChallenge, networkAnswerSchema, presentNetworkAnswer, requestChallenge } from './challenge.js';
import { completeChallengeBody } from '../modules/challenges/schemas.js';
import { clearTransaction } from './clear.js';
import { forcePost } from './force-post.js';
import { incrementAuthorization } from './increment.js';
import { refundTransaction } from './refund.js';
import { voidTransaction } from './void.js';

const maxAuthorizationCents = 100_000_000_000;
const amountCents = z.number().int().min(1).max(maxAuthorizationCents).describe('cents');
const transactionParams = z.strictObject({ id: z.string().min(1).max(64) });

function networkSettingsOf(app: AppContext): NetworkSettings {
  return { secrets: app.secrets, settlementDelayMs: app.config.settlementDelayMs, followAgentStatus: app.followAgentStatus };
}

export const merchantBody = z.strictObject({
  name: z.string().trim().min(1).max(200).describe('The descriptor as the network sends it, e.g. "AMZN Mktp US*2K4TY7"'),
  mcc: z.string().regex(/^\d{4}$/, 'a 4-digit merchant category code').optional(),
  city: z.string().max(100).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code').optional(),
  id: z.string().max(100).optional(),
});

const authorizationBody = z
  .strictObject({
    pan: z.string().regex(/^\d{12,19}$/, 'the card number, digits only').optional(),
    cvv: z.string().regex(/^\d{3,4}$/).optional(),
    expirationMonth: z.string().regex(/^\d{1,2}$/).optional(),
    expirationYear: z.string().regex(/^\d{4}$/).optional(),
    cardId: z.string().min(1).max(64).optional().describe('Instead of pan/cvv/expiry, for convenience'),
    amount: z.number().int().min(1).max(maxAuthorizationCents).describe('cents'),
    currency: z.literal('USD').default('USD'),
    merchant: merchantBody,
    threeDS: z.boolean().optional().describe('3-D Secure: answer a challenge (status challenge_required) instead of deciding, until the passcode is sent'),
  })
  .superRefine((body, context) => {
    if (body.cardId !== undefined) return;
    for (const field of ['pan', 'cvv', 'expirationMonth', 'expirationYear'] as const) {
      if (body[field] === undefined) context.addIssue({ code: 'custom', path: [field], message: `${field} is required unless cardId is given` });
    }
  });

export const networkRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/authorizations',
    operationId: 'simulateAuthorization',
    summary: 'Sandbox network: a merchant presents a card; answers the transaction, approved (pending) or declined',
    description:
      'With `threeDS: true` and a card that checks out, the answer is instead a challenge (`object: "challenge"`, `status: "challenge_required"`): the agent reads its passcode with `GET /v1/cards/{id}/challenges` and the merchant sends it to `POST /v1/sandbox/challenges/{id}/complete`.',
    tag: 'Sandbox network',
    rateLimit: 'none',
    body: authorizationBody,
    response: networkAnswerSchema,
    transactionless: true,
    handler: async ({ sql, scope, body, nowMs, app, transactionless }) => {
      const settings = networkSettingsOf(app);
      const { threeDS, amount, ...presented } = body;
      const request = { ...presented, amountCents: amount };
      if (threeDS === true) {
        const answer = transactionless ? await app.db.transaction((tx) => requestChallenge(tx, scope, settings, request, nowMs)) : await requestChallenge(sql, scope, settings, request, nowMs);
        return presentNetworkAnswer(answer, nowMs);
      }
      // Without an Idempotency-Key the engine decides it with the others arriving now (one batch, one commit).
      return presentTransaction(transactionless ? await app.authorizations.authorize(scope, request, nowMs) : await authorize(sql, scope, settings, request, nowMs));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/challenges/{id}/complete',
    operationId: 'simulateChallengeCompletion',
    summary: 'Sandbox network: the merchant sends the 3-D Secure passcode; the right one runs the authorization',
    description:
      'Right passcode → the authorization runs and its transaction is the answer. Wrong → the challenge with `attemptsRemaining`; the third wrong one → a declined transaction, `declineReason: "challenge_failed"`. Expired → 409 `challenge_expired`; already completed or failed → 409 `invalid_status_transition`.',
    tag: 'Sandbox network',
    rateLimit: 'none',
    params: transactionParams,
    body: completeChallengeBody,
    response: networkAnswerSchema,
    handler: async ({ sql, scope, params, body, nowMs, app }) =>
      presentNetworkAnswer(await completeChallenge(sql, scope, networkSettingsOf(app), params.id, body.otp, nowMs), nowMs),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/transactions/{id}/clear',
    operationId: 'simulateClearing',
    summary: 'Sandbox network: the merchant captures a pending authorization (less releases the rest; more draws reservation, available, then debt)',
    tag: 'Sandbox network',
    rateLimit: 'none',
    params: transactionParams,
    body: z.strictObject({ amount: amountCents.optional().describe('Default: the authorized amount') }),
    response: transactionSchema,
    handler: async ({ sql, scope, params, body, nowMs }) => presentTransaction(await clearTransaction(sql, scope, params.id, body.amount, nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/transactions/{id}/void',
    operationId: 'simulateVoid',
    summary: 'Sandbox network: the merchant reverses a pending authorization; the hold is released',
    tag: 'Sandbox network',
    rateLimit: 'none',
    params: transactionParams,
    response: transactionSchema,
    handler: async ({ sql, scope, params, nowMs }) => presentTransaction(await voidTransaction(sql, scope, params.id, 'reversal', nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/transactions/{id}/refund',
    operationId: 'simulateRefund',
    summary: 'Sandbox network: the merchant refunds a settled transaction, fully or in part',
    tag: 'Sandbox network',
    rateLimit: 'none',
    params: transactionParams,
    body: z.strictObject({ amount: amountCents.optional().describe('Default: all that is left to refund') }),
    response: transactionSchema,
    handler: async ({ sql, scope, params, body, nowMs }) => presentTransaction(await refundTransaction(sql, scope, params.id, body.amount, nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/transactions/{id}/increment',
    operationId: 'simulateIncrement',
    summary: 'Sandbox network: an incremental authorization on a pending transaction (409 increment_declined when refused)',
    tag: 'Sandbox network',
    rateLimit: 'none',
    params: transactionParams,
    body: z.strictObject({ amount: amountCents }),
    response: transactionSchema,
    handler: async ({ sql, scope, params, body, nowMs }) => presentTransaction(await incrementAuthorization(sql, scope, params.id, body.amount, nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/force-posts',
    operationId: 'simulateForcePost',
    summary: 'Sandbox network: a clearing with no authorization; never refused, it can leave the user in debt',
    tag: 'Sandbox network',
    rateLimit: 'none',
    body: z.strictObject({ cardId: z.string().min(1).max(64), amount: amountCents, merchant: merchantBody }),
    response: transactionSchema,
    handler: async ({ sql, scope, body, nowMs }) => presentTransaction(await forcePost(sql, scope, body.cardId, body.amount, body.merchant, nowMs)),
  }),
];
