import { z } from 'zod';
import { fundingNetworks, fundingTokens } from '../../domain/funding-networks.js';
import { listPageSchema } from '../pagination.js';

export const depositStatuses = ['pending', 'completed', 'rejected'] as const;
export type DepositStatus = (typeof depositStatuses)[number];

export const userIdParams = z.strictObject({ id: z.string().min(1).max(64) });
export const depositIdParams = z.strictObject({ id: z.string().min(1).max(64) });

const chainId = z.union([z.number().int(), z.string()]).describe('EIP-155 chain id (EVM) or CAIP-2 chain id (Solana)');

export const fundingMethodSchema = z.object({
  network: z.enum(fundingNetworks),
  token: z.enum(fundingTokens),
  chainId,
  tokenAddress: z.string().describe('The token contract (EVM) or mint (Solana) to send'),
  address: z.string().describe("The user's deposit address on this network"),
  minConfirmations: z.number().int().describe('Confirmations before the deposit is credited'),
  decimals: z.number().int().describe('Token decimals: amounts on chain are in base units of 10^-decimals'),
});

export const fundingInstructionsSchema = z.object({
  object: z.literal('funding_instructions'),
  userId: z.string(),
  currency: z.literal('USD'),
  methods: z.array(fundingMethodSchema),
});

export const depositContractsSchema = z.object({
  object: z.literal('deposit_contracts'),
  userId: z.string(),
  contracts: z
    .array(
      z.object({
        chainId: z.number().int().describe('EIP-155 chain id'),
        network: z.enum(fundingNetworks),
        depositAddress: z.string().describe("The user's deposit address on this chain (the same on every EVM chain)"),
        tokens: z.array(
          z.object({
            address: z.string().describe('The token contract'),
            symbol: z.enum(fundingTokens),
            decimals: z.number().int(),
            balance: z
              .string()
              .describe('What completed deposits of this token to the address add up to, in token units as a decimal string ("12.5" is 12.5 USDC); pending and rejected deposits are not counted, withdrawals and spending are not subtracted'),
          }),
        ),
      }),
    )
    .describe('One entry per supported EVM chain, in the order of the funding instructions'),
});

export const depositSchema = z.object({
  object: z.literal('deposit'),
  id: z.string(),
  userId: z.string(),
  network: z.string(),
  token: z.string(),
  amount: z.string().describe('Token base units as observed on chain'),
  amountCents: z.number().int().nullable().describe('Whole cents credited (1 token = 1 USD, floored); null when rejected'),
  remainderBaseUnits: z.string().nullable().describe('Base units below one cent, kept and not credited; null when rejected'),
  txHash: z.string(),
  address: z.string().nullable().describe('The deposit address the funds were sent to; null on an unsupported network'),
  status: z.enum(depositStatuses),
  rejectionReason: z.string().nullable().describe('Why a rejected deposit is not credited: an unsupported network or token, or `reorged` (its block left the chain before it was credited)'),
  confirmations: z.number().int().describe('Confirmations at the current environment time (capped at minConfirmations once completed); for a deposit seen on a real chain, head − block + 1 at the watcher’s last look'),
  minConfirmations: z.number().int().nullable().describe('Confirmations needed; null on an unsupported network'),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});

export const depositListSchema = listPageSchema(depositSchema);

export const sandboxDepositBody = z.strictObject({
  userId: z.string().min(1).max(64),
  network: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9._-]+$/, 'a network name such as base or solana')
    .describe('The chain the transfer was seen on; unsupported networks are recorded as rejected deposits'),
  token: z
    .string()
    .min(1)
    .max(20)
    .regex(/^[A-Za-z0-9._-]+$/, 'a token symbol such as USDC')
    .describe('Token symbol; an unsupported token is recorded as a rejected deposit'),
  amount: z
    .string()
    .regex(/^[0-9]{1,78}$/, 'token base units as a string of digits, e.g. "1000000" for 1 USDC')
    .describe('Token base units as a string of digits (USDC and USDT have 6 decimals: "1000000" is 1.00 USD)'),
  txHash: z
    .string()
    .regex(/^[A-Za-z0-9]{8,128}$/, 'a transaction hash or signature (8 to 128 letters and digits)')
    .optional()
    .describe('Defaults to a random 0x-prefixed hash; the same hash on the same network again is the same deposit'),
  confirmations: z.number().int().min(0).max(1_000_000).default(0).describe('Confirmations already seen; at or above minConfirmations completes at once'),
});
export type SandboxDepositInput = z.infer<typeof sandboxDepositBody>;
