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

/** LedgerOS's `POST /v1/withdrawals`: the chain and token by id and contract, the user in the body. */
export const createLedgerOsWithdrawalBody = z.strictObject({
  userId: z.string().min(1).max(64),
  chainId: z.union([z.number().int(), z.string().min(1).max(64)]).describe('EIP-155 chain id (8453 for Base), or the CAIP-2 id for Solana'),
  tokenAddress: z.string().min(1).max(100).describe('The token contract (EVM) or mint (Solana), as GET /v1/users/{id}/funding lists it'),
  amount: z.number().int().min(1).max(maxWithdrawalCents).describe('cents'),
  recipientAddress: z.string().min(1).max(100).describe('destination address on that chain'),
});
export type CreateLedgerOsWithdrawalInput = z.infer<typeof createLedgerOsWithdrawalBody>;

export const failWithdrawalBody = z.strictObject({ reason: z.string().min(1).max(200).optional() });

export const withdrawalSchema = z.object({
  object: z.literal('withdrawal'),
  id: z.string(),
  userId: z.string(),
  network: z.string(),
  token: z.string(),
  amount: z.number().int(),
  address: z.string(),
  chainId: z.union([z.number().int(), z.string()]).nullable().describe('EIP-155 chain id (CAIP-2 for Solana) of the network'),
  tokenAddress: z.string().nullable().describe("The token's contract (mint on Solana)"),
  recipientAddress: z.string().describe('= address (LedgerOS)'),
  status: z.enum(withdrawalStatuses),
  failureReason: z.string().nullable(),
  txHash: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const withdrawalListSchema = listPageSchema(withdrawalSchema);
