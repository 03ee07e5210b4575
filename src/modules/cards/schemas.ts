import { z } from 'zod';
import { riskActions, type RiskAction } from '../../domain/risk-rules.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { metadataSchema } from '../users/schemas.js';

export const cardTypes = ['single', 'multi'] as const;
export type CardType = (typeof cardTypes)[number];
export const cardStatuses = ['active', 'frozen', 'closed'] as const;
export type CardStatus = (typeof cardStatuses)[number];
/** The card's own merchant-drift action: any risk action (SPEC §4 names alert, freeze_card, decline; suspend_agent is the engine's fourth). */
export const onDriftActions = riskActions;
export type OnDrift = RiskAction;
export const onLimitExceededActions = ['decline', 'freeze'] as const;
export type OnLimitExceeded = (typeof onLimitExceededActions)[number];

/**
 * Why a card is not active (SPEC §4). Risk rules that freeze a card use `risk_<rule>`; every frozen or closed card
 * has one, an active card has none.
 */
export type CardStatusReason = 'manual' | 'limit_exceeded' | 'single_use_consumed' | 'expired' | 'agent_suspended' | 'agent_deregistered' | `risk_${string}`;

/** One billion dollars: far above any card, far below 2^53 cents. */
export const maxCardAmountCents = 100_000_000_000;
/** A card's own expiry (`expiresInMinutes`) can be at most its printed validity, three years. */
export const maxExpiresInMinutes = 3 * 365 * 24 * 60;

const positiveCents = z.number().int().min(1).max(maxCardAmountCents);
const nonNegativeCents = z.number().int().min(0).max(maxCardAmountCents);

export const createCardBody = z.strictObject({
  purpose: z.string().trim().min(1).max(500).describe('What the card is for, kept for audit'),
  type: z.enum(cardTypes).default('single').describe('single: one transaction; multi: reusable within its limits'),
  maxAmount: positiveCents.describe('Per-transaction limit in cents; reserved from the user’s available balance while the card is open'),
  limits: z
    .strictObject({
      perDay: positiveCents.optional().describe('cents per UTC day'),
      perMonth: positiveCents.optional().describe('cents per UTC calendar month'),
    })
    .optional(),
  merchantDriftEnabled: z
    .boolean()
    .optional()
    .describe("Pin the card to its first merchant; default: for multi, the risk settings' merchantDrift.enabled (true unless changed), false for single"),
  onDrift: z.enum(onDriftActions).optional().describe("What drift does; default: the risk settings' merchantDrift.action (alert unless changed)"),
  onLimitExceeded: z.enum(onLimitExceededActions).default('decline').describe('freeze also freezes the card (statusReason limit_exceeded)'),
  requireApproval: z.boolean().optional().describe("Intents need approval; absent follows the agent's policy"),
  autoApproveBelow: nonNegativeCents.optional().describe('With requireApproval, intents below this amount (cents) need no approval'),
  expiresInMinutes: z.number().int().min(1).max(maxExpiresInMinutes).optional().describe('Close the card automatically after this long'),
  metadata: metadataSchema.optional(),
});
export type CreateCardInput = z.infer<typeof createCardBody>;

export const updateCardBody = z.strictObject({
  limits: z
    .strictObject({
      perDay: positiveCents.nullable().optional().describe('cents; null removes the limit'),
      perMonth: positiveCents.nullable().optional().describe('cents; null removes the limit'),
    })
    .optional()
    .describe('Absent keys stay as they are'),
  metadata: metadataSchema.optional().describe('Replaces the metadata'),
  requireApproval: z.boolean().nullable().optional().describe("null follows the agent's policy"),
  autoApproveBelow: nonNegativeCents.nullable().optional(),
  merchantDriftEnabled: z.boolean().optional(),
  onDrift: z.enum(onDriftActions).optional(),
  onLimitExceeded: z.enum(onLimitExceededActions).optional(),
  // Silently ignoring it would let a caller believe the reservation changed.
  maxAmount: z
    .unknown()
    .optional()
    .refine((value) => value === undefined, { message: 'maxAmount cannot change after creation; close the card and create a new one' })
    .describe('Not changeable: answers 422'),
});
export type UpdateCardInput = z.infer<typeof updateCardBody>;

export const cardIdParams = z.strictObject({ id: z.string().min(1).max(64) });
export const agentIdParams = z.strictObject({ id: z.string().min(1).max(64) });

export const listCardsQuery = listQuerySchema.extend({
  agentId: z.string().min(1).max(64).optional(),
  userId: z.string().min(1).max(64).optional(),
  status: z.enum(cardStatuses).optional(),
});
export type ListCardsQuery = z.infer<typeof listCardsQuery>;

export const listAgentCardsQuery = listQuerySchema.extend({
  status: z.enum(cardStatuses).optional(),
});

export const cardSchema = z.object({
  object: z.literal('card'),
  id: z.string(),
  agentId: z.string(),
  userId: z.string(),
  type: z.enum(cardTypes),
  purpose: z.string(),
  maxAmount: z.number().int().describe('per-transaction limit, cents'),
  reservation: z.number().int().describe('cents currently reserved from the user’s balance for this card'),
  limits: z.object({ perDay: z.number().int().nullable(), perMonth: z.number().int().nullable() }),
  merchantDriftEnabled: z.boolean(),
  onDrift: z.enum(onDriftActions),
  onLimitExceeded: z.enum(onLimitExceededActions),
  requireApproval: z.boolean().nullable().describe("null: the agent's policy applies"),
  autoApproveBelow: z.number().int().nullable(),
  pinnedMerchant: z.string().nullable().describe('the merchant a drift-checked card is pinned to after its first authorization'),
  last4: z.string(),
  expirationMonth: z.string().describe('MM'),
  expirationYear: z.string().describe('YYYY'),
  status: z.enum(cardStatuses),
  statusReason: z.string().nullable().describe('manual, limit_exceeded, single_use_consumed, expired, risk_<rule>…; null while active'),
  expiresAt: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const cardListSchema = listPageSchema(cardSchema);

/** The answer of freeze, unfreeze and close: the card, and the status it had before (LedgerOS). */
export const cardStatusChangeSchema = cardSchema.extend({ previousStatus: z.enum(cardStatuses).describe('The status before this request') });
