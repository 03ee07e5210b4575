import { z } from 'zod';
import { listPageSchema, listQuerySchema } from '../pagination.js';

/** As stored. */
export const challengeStatuses = ['pending', 'completed', 'failed', 'expired'] as const;
export type ChallengeStatus = (typeof challengeStatuses)[number];
/** As callers see it: a pending challenge is `challenge_required` (SPEC §4 "answers challenge_required"). */
export const presentedChallengeStatuses = ['challenge_required', 'completed', 'failed', 'expired'] as const;

const challengeMerchantSchema = z.object({
  name: z.string(),
  mcc: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  id: z.string().nullable(),
});

/** A 3-D Secure challenge without its passcode: what the merchant side, events and webhooks see. */
export const challengeSchema = z.object({
  object: z.literal('challenge'),
  id: z.string(),
  status: z.enum(presentedChallengeStatuses).describe('`challenge_required` while the passcode is awaited'),
  cardId: z.string(),
  agentId: z.string(),
  userId: z.string(),
  amount: z.number().int().describe('The authorization amount in cents'),
  currency: z.string(),
  merchantName: z.string(),
  merchant: challengeMerchantSchema,
  attempts: z.number().int().describe('Wrong passcodes entered so far'),
  attemptsRemaining: z.number().int().describe('Wrong passcodes still allowed before the authorization is declined `challenge_failed`'),
  expiresAt: z.string().describe('5 minutes after the challenge was requested (environment time)'),
  transactionId: z.string().nullable().describe('The transaction the challenge ended in'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** What the card's agent reads while it has a revealed intent on the card: the challenge with its passcode. */
export const challengeWithOtpSchema = challengeSchema.extend({
  otp: z.string().describe('The 6-digit one-time passcode to give the merchant'),
  otpToken: z.string().nullable().describe('Bearer secret for GET/DELETE /v1/otp/{token}; null once deleted'),
});
export const challengeListSchema = listPageSchema(challengeWithOtpSchema);
export const listChallengesQuery = listQuerySchema;

export const otpSchema = z.object({
  object: z.literal('otp'),
  challengeId: z.string(),
  cardId: z.string(),
  otp: z.string(),
  merchantName: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  expiresAt: z.string(),
});

export const deletedOtpSchema = z.object({
  object: z.literal('otp'),
  challengeId: z.string(),
  deleted: z.literal(true),
});

export const otpTokenParams = z.strictObject({ token: z.string().min(1).max(200) });

export const completeChallengeBody = z.strictObject({
  otp: z.string().regex(/^\d{6}$/, 'the 6-digit one-time passcode').describe('The passcode the cardholder (its agent) entered'),
});
