import { z } from 'zod';
import { intentStatuses } from '../../domain/intents.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';

const maxIntentAmountCents = 100_000_000_000;

export const declareIntentBody = z.strictObject({
  summary: z.string().trim().min(1).max(500).describe('What the agent is about to buy, in words a person can audit'),
  amount: z.number().int().min(1).max(maxIntentAmountCents).describe('Expected total in cents, including taxes and shipping'),
  merchantText: z.string().trim().min(1).max(200).describe('The merchant as it will appear, e.g. "Amazon"'),
  intentId: z.string().min(1).max(100).optional().describe('Your own id for this intent: declaring it again returns the same intent'),
});
export type DeclareIntentInput = z.infer<typeof declareIntentBody>;

export const cardDetailsBody = z.strictObject({
  summary: z.string().trim().min(1).max(500),
  expectedAmount: z.number().int().min(1).max(maxIntentAmountCents),
  merchantText: z.string().trim().min(1).max(200),
  intentId: z.string().min(1).max(100).optional().describe('The intent these details are for (its id or your intentId); default: the most recent usable one'),
});
export type CardDetailsInput = z.infer<typeof cardDetailsBody>;

export const listIntentsQuery = listQuerySchema.extend({ status: z.enum(intentStatuses).optional() });
export const listAllIntentsQuery = listIntentsQuery.extend({
  cardId: z.string().min(1).max(64).optional().describe('Only intents on this card'),
  agentId: z.string().min(1).max(64).optional().describe("Only this agent's intents"),
  userId: z.string().min(1).max(64).optional().describe("Only intents on this user's cards"),
});
export const decideIntentBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });

export const intentSchema = z.object({
  object: z.literal('intent'),
  id: z.string(),
  cardId: z.string(),
  agentId: z.string(),
  userId: z.string(),
  intentId: z.string().nullable().describe('Your own id, when you gave one'),
  summary: z.string(),
  amount: z.number().int(),
  merchantText: z.string(),
  status: z.enum(intentStatuses),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  expiresAt: z.string().nullable().describe('When a pending, pending_approval or revealed intent expires'),
  revealedAt: z.string().nullable(),
  accessEventId: z.string().nullable(),
  transactionId: z.string().nullable(),
  matchResult: z.record(z.string(), z.unknown()).nullable(),
  decisionReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const intentListSchema = listPageSchema(intentSchema);

export const cardDetailsSchema = z.object({
  object: z.literal('card_details'),
  accessEventId: z.string().describe('Id of the credential.accessed event that records this access'),
  pan: z.string().nullable(),
  cvv: z.string().nullable(),
  expirationMonth: z.string(),
  expirationYear: z.string(),
  last4: z.string(),
  intentId: z.string(),
  warnings: z
    .array(
      z.object({
        code: z.string().describe('attestation_mismatch'),
        field: z.string().describe('The attestation field that contradicts the intent: merchantText or expectedAmount'),
        message: z.string(),
      }),
    )
    .describe('Where the attestation contradicts the declared intent (another merchant, or an amount outside the tolerance); empty when it agrees'),
});
