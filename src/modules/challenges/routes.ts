// The agent's side of 3-D Secure: its card's pending challenges (with a revealed intent) and the OTP token
// endpoints of seed 002. The merchant's side (creating and completing challenges) is the sandbox network's.
import { z } from 'zod';
import { defineRoute } from '../../http/route-definition.js';
import { challengeListSchema, deletedOtpSchema, listChallengesQuery, otpSchema, otpTokenParams } from './schemas.js';
import { deleteOtp, listAgentChallenges, listCardChallenges, readOtp } from './service.js';

const tag = 'Cards';

export const challengeRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/cards/{id}/challenges',
    operationId: 'listCardChallenges',
    summary: "The card's pending 3-D Secure challenges with their one-time passcodes (409 intent_required without a revealed intent)",
    description:
      'Only while the card has a `revealed` intent (its details were read for a declared purchase): the passcode completes a purchase, so it is shown for the purchase the agent declared. Each item carries `otp`, `merchantName`, `amount`, `expiresAt` (5 minutes after the challenge) and `otpToken` for `GET /v1/otp/{token}`. Newest first.',
    tag,
    params: z.strictObject({ id: z.string().min(1).max(64) }),
    query: listChallengesQuery,
    response: challengeListSchema,
    handler: async ({ sql, scope, principal, params, query, nowMs, app }) => listCardChallenges(sql, scope, principal, params.id, query, app.secrets, nowMs),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agents/{id}/challenges',
    operationId: 'listAgentChallenges',
    summary: "The agent's pending 3-D Secure challenges across its cards, with their passcodes (only cards with a revealed intent)",
    description:
      "What `GET /v1/cards/{id}/challenges` answers, for every card of the agent at once (MCP ledger_challenges without a cardId): pending, unexpired challenges on cards that have a `revealed` intent, newest first; a card without one is left out. API key, or the agent's own token (another agent's answers 404).",
    tag,
    params: z.strictObject({ id: z.string().min(1).max(64) }),
    query: listChallengesQuery,
    response: challengeListSchema,
    handler: async ({ sql, scope, principal, params, query, nowMs, app }) => listAgentChallenges(sql, scope, principal, params.id, query, app.secrets, nowMs),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/otp/{token}',
    operationId: 'getOtp',
    summary: "A 3-D Secure challenge's one-time passcode by its OTP token (404 once expired, completed or deleted)",
    tag,
    params: otpTokenParams,
    response: otpSchema,
    handler: async ({ sql, scope, principal, params, nowMs, app }) => readOtp(sql, scope, principal, params.token, app.secrets, nowMs),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/otp/{token}',
    operationId: 'deleteOtp',
    summary: 'Stop listening: the OTP token answers 404 from now on (the challenge itself stays open)',
    tag,
    params: otpTokenParams,
    response: deletedOtpSchema,
    handler: async ({ sql, scope, principal, params, nowMs }) => deleteOtp(sql, scope, principal, params.token, nowMs),
  }),
];
