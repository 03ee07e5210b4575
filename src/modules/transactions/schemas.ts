// The transaction as the API answers it: used by the transactions routes, the card network's routes and MCP tools.
import { z } from 'zod';
import { transactionStatuses } from './service.js';

const merchantSchema = z.object({
  name: z.string(),
  normalizedName: z.string(),
  mcc: z.string().nullable(),
  category: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  id: z.string().nullable(),
});

export const transactionSchema = z.object({
  object: z.literal('transaction'),
  id: z.string(),
  status: z.enum(transactionStatuses),
  amount: z.number().int().describe('Authorized amount in cents (including increments)'),
  authorizedAmount: z.number().int().nullable().describe('What the authorization approved, in cents, before increments or a partial clear; null for declines and force posts'),
  settledAmount: z.number().int(),
  refundedAmount: z.number().int(),
  currency: z.string(),
  merchant: merchantSchema,
  declineReason: z.string().nullable(),
  declineDetail: z.string().nullable(),
  intentId: z.string().nullable(),
  intentMatch: z.enum(['matched', 'mismatched']).nullable(),
  attestationStatus: z.enum(['attested', 'unattested', 'stale']),
  accessEventId: z.string().nullable(),
  forcePost: z.boolean(),
  notes: z.string().nullable(),
  tags: z.array(z.string()),
  category: z.string().nullable().describe("The integrator's own category (PATCH); the merchant's is merchant.category"),
  cardId: z.string().nullable(),
  agentId: z.string().nullable(),
  userId: z.string().nullable(),
  settlesAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  authorizedAt: z.string().nullable().describe('When the authorization was approved; null for declines and force posts'),
  updatedAt: z.string(),
  settledAt: z.string().nullable(),
  voidedAt: z.string().nullable(),
});
