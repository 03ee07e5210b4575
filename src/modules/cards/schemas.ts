import { issuerNames } from '../../network/issuer.js';
import { z } from 'zod';
import { riskActions, type RiskAction } from '../../domain/risk-rules.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { exposureModes } from '../../domain/credential-exposure.js';
import { approvalMethods } from '../../domain/intents.js';
import { approvalMethodSchema, approvalTimeoutMinutesSchema, merchantHintSchema, onDriftInput } from '../policies/schemas.js';
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
/** The same bound in days (LedgerOS's ttlDays). */
export const maxTtlDays = 3 * 365;
/** How long after the credential access an authorization still counts as attested (SPEC §11: 1–60, default 10). */
export const defaultAttestationWindowMinutes = 10;
const attestationWindowMinutes = z
  .number()
  .int()
  .min(1)
  .max(60)
  .describe('Minutes after the matched credential access within which an authorization is attested; later it is stale (default 10)');
const maxAuthCount = z.number().int().min(1).max(1_000_000_000);
const policyIdSchema = z.string().min(1).max(64);

const positiveCents = z.number().int().min(1).max(maxCardAmountCents);
const nonNegativeCents = z.number().int().min(0).max(maxCardAmountCents);

export const createCardBody = z.strictObject({
  purpose: z.string().trim().min(1).max(500).describe('What the card is for, kept for audit'),
  type: z.enum(cardTypes).default('single').describe('single: one transaction; multi: reusable within its limits'),
  maxAmount: positiveCents
    .optional()
    .describe("Per-transaction limit in cents; reserved from the user’s available balance while the card is open. Required unless the card's policy (or its agent's default policy) has a maxAmount"),
  limits: z
    .strictObject({
      perAuth: positiveCents.optional().describe('cents per authorization, at most maxAmount'),
      perDay: positiveCents.optional().describe('cents per UTC day'),
      perMonth: positiveCents.optional().describe('cents per UTC calendar month'),
    })
    .optional(),
  policyId: policyIdSchema.optional().describe("A spending policy (POST /v1/policies): its controls apply where the card sets none, over the agent's default policy"),
  merchantHint: merchantHintSchema.optional().describe('Multi-use cards: the merchant the card is pinned to before its first use (drift is judged against it)'),
  maxAuthCount: maxAuthCount.optional().describe('Approved authorizations the card may have (voided ones do not count)'),
  ttlDays: z.number().int().min(1).max(maxTtlDays).optional().describe('Close the card automatically after this many days (or use expiresInMinutes)'),
  attestationWindowMinutes: attestationWindowMinutes.optional(),
  credentialExposure: z
    .enum(exposureModes)
    .optional()
    .describe("How the card's number may leave cardrail: never, extensionOnly (a details token for a trusted filler) or rawPan (in the details answer); default: its policies', else the organization's defaultCredentialExposure"),
  acknowledgeRawPanRisk: z.boolean().optional().describe("Required (true) for rawPan when the organization's default is not rawPan: the number then reaches the agent's model"),
  merchantDriftEnabled: z
    .boolean()
    .optional()
    .describe("Pin the card to its first merchant; default: for multi, the risk settings' merchantDrift.enabled (true unless changed), false for single"),
  onDrift: onDriftInput.optional().describe("What drift does (freeze = freeze_card); default: the policy's onDrift, else the risk settings' merchantDrift.action (alert unless changed)"),
  onLimitExceeded: z.enum(onLimitExceededActions).default('decline').describe('freeze also freezes the card (statusReason limit_exceeded)'),
  requireApproval: z.boolean().optional().describe("Intents need approval; absent follows the agent's policy"),
  autoApproveBelow: nonNegativeCents.optional().describe('With requireApproval, intents below this amount (cents) need no approval'),
  approvalMethod: approvalMethodSchema
    .optional()
    .describe("Who may approve the card's intents: apiKey, cardholder (hosted approval page) or cardholderPasskey (the same, confirmed with a passkey); default: its policies', else the agent's"),
  approvalTimeoutMinutes: approvalTimeoutMinutesSchema
    .optional()
    .describe("Minutes the card's intents wait for approval before they are rejected, 1–10080; default: its policies', else the agent's"),
  expiresInMinutes: z.number().int().min(1).max(maxExpiresInMinutes).optional().describe('Close the card automatically after this long'),
  metadata: metadataSchema.optional(),
});
export type CreateCardInput = z.infer<typeof createCardBody>;

export const updateCardBody = z.strictObject({
  status: z.enum(['active', 'frozen']).optional().describe('frozen freezes the card (statusReason manual), active unfreezes it; closing is POST /v1/cards/{id}/close'),
  limits: z
    .strictObject({
      perAuth: positiveCents.nullable().optional().describe('cents; null removes the limit'),
      perDay: positiveCents.nullable().optional().describe('cents; null removes the limit'),
      perMonth: positiveCents.nullable().optional().describe('cents; null removes the limit'),
    })
    .optional()
    .describe('Absent keys stay as they are'),
  metadata: metadataSchema.optional().describe('Replaces the metadata'),
  requireApproval: z.boolean().nullable().optional().describe("null follows the agent's policy"),
  autoApproveBelow: nonNegativeCents.nullable().optional(),
  approvalMethod: approvalMethodSchema.nullable().optional().describe("null: its policies' (else the agent's) method applies"),
  approvalTimeoutMinutes: approvalTimeoutMinutesSchema.nullable().optional().describe("null: its policies' (else the agent's) timeout applies"),
  merchantDriftEnabled: z.boolean().optional(),
  onDrift: onDriftInput.optional(),
  onLimitExceeded: z.enum(onLimitExceededActions).optional(),
  policyId: policyIdSchema.nullable().optional().describe('null detaches the policy'),
  merchantHint: merchantHintSchema.nullable().optional().describe('Takes effect while the card has not been used (it is then pinned)'),
  maxAuthCount: maxAuthCount.nullable().optional(),
  attestationWindowMinutes: attestationWindowMinutes.optional(),
  credentialExposure: z.enum(exposureModes).nullable().optional().describe("null: its policies' (else the organization's) mode applies"),
  acknowledgeRawPanRisk: z.boolean().optional().describe("Required (true) to set rawPan when the organization's default is not rawPan"),
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
  limits: z.object({ perAuth: z.number().int().nullable(), perDay: z.number().int().nullable(), perMonth: z.number().int().nullable() }),
  policyId: z.string().nullable(),
  merchantHint: z.string().nullable(),
  maxAuthCount: z.number().int().nullable(),
  attestationWindowMinutes: z.number().int(),
  credentialExposure: z.enum(exposureModes).nullable().describe("The card's own mode; null: its policies', else the organization's default (GET /v1/cards/{id}/policy shows the one in force)"),
  merchantDriftEnabled: z.boolean(),
  onDrift: z.enum(onDriftActions),
  onLimitExceeded: z.enum(onLimitExceededActions),
  requireApproval: z.boolean().nullable().describe("null: the agent's policy applies"),
  autoApproveBelow: z.number().int().nullable(),
  approvalMethod: z
    .enum(approvalMethods)
    .nullable()
    .describe("The card's own approval method; null: its policies', else the agent's (GET /v1/cards/{id}/policy shows the one in force)"),
  approvalTimeoutMinutes: z.number().int().nullable().describe("The card's own approval timeout in minutes; null: its policies', else the agent's"),
  pinnedMerchant: z.string().nullable().describe('the merchant a drift-checked card is pinned to after its first authorization'),
  issuer: z.enum(issuerNames).describe('Where the card was issued: the sandbox simulator, or an issuer-processor (docs/issuers.md)'),
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
