import { z } from 'zod';
import { listPageSchema } from '../pagination.js';

export const withdrawalStatuses = ['pending', 'submitted', 'confirmed', 'failed'] as const;
export type WithdrawalStatus = (typeof withdrawalStatuses)[number];

/** One billion dollars: far above any single withdrawal, far below 2^53 cents. */
export const maxWithdrawalCents = 100_000_000_000;

export const createWithdrawalBody = z.strictObject({
  network: z.string().min(1).max(32).describe('base, ethereum, polygon, arbitrum, optimism or solana'),
  token: z.string().min(1).max(16).describe('USDC or USDT (USDC only on solana)'),
  amount: z.number().int().min(1).max(maxWithdrawalCents).describe('cents'),
  address: z.string().min(1).max(100).describe('destination address on that network'),
});
export type CreateWithdrawalInput = z.infer<typeof createWithdrawalBody>;

export const failWithdrawalBody = z.strictObject({ reason: z.string().min(1).max(200).optional() });

export const withdrawalSchema = z.object({
  object: z.literal('withdrawal'),
  id: z.string(),
  userId: z.string(),
  network: z.string(),
  token: z.string(),
  amount: z.number().int(),
  address: z.string(),
  status: z.enum(withdrawalStatuses),
  failureReason: z.string().nullable(),
  txHash: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const withdrawalListSchema = listPageSchema(withdrawalSchema);
