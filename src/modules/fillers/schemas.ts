import { z } from 'zod';
import { listPageSchema, listQuerySchema } from '../pagination.js';

export const createFillerKeyBody = z.strictObject({ name: z.string().trim().min(1).max(100).describe('Where the filler runs, e.g. "checkout browser"') });
export const fillerKeyIdParams = z.strictObject({ id: z.string().min(1).max(64) });
export const listFillerKeysQuery = listQuerySchema;

export const fillerKeySchema = z.object({
  object: z.literal('filler_key'),
  id: z.string(),
  name: z.string(),
  keyPrefix: z.string().describe('fk_dev_ or fk_live_'),
  last4: z.string(),
  isActive: z.boolean(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const createdFillerKeySchema = fillerKeySchema.extend({ key: z.string().describe('The secret (fk_…), shown only in this answer') });
export const fillerKeyListSchema = listPageSchema(fillerKeySchema);

export const detailsTokenParams = z.strictObject({ token: z.string().min(1).max(200) });
export const redeemBody = z.strictObject({
  fingerprint: z
    .strictObject({
      extensionId: z.string().trim().min(1).max(200).describe("The filler's id (a browser extension's runtime id, or cardrail-fill)"),
      deviceHash: z.string().trim().min(1).max(200).describe('A stable id of the device the filler runs on'),
    })
    .describe('Recorded on credential.redeemed: which filler on which device received the number'),
});

export const cardCredentialsSchema = z.object({
  object: z.literal('card_credentials'),
  pan: z.string(),
  cvv: z.string(),
  expirationMonth: z.string(),
  expirationYear: z.string(),
  last4: z.string(),
  cardId: z.string(),
  intentId: z.string(),
  accessEventId: z.string(),
});
