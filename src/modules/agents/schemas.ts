import { z } from 'zod';
import { spendingLimitFrequencies } from '../../domain/limit-windows.js';
import { approvalMethods } from '../../domain/intents.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { approvalMethodSchema, approvalTimeoutMinutesSchema } from '../policies/schemas.js';
import { metadataSchema } from '../users/schemas.js';

export const agentStatuses = ['active', 'suspended', 'deregistered'] as const;
export type AgentStatus = (typeof agentStatuses)[number];

export const limitExceededActions = ['none', 'notify', 'suspend'] as const;
export type LimitExceededAction = (typeof limitExceededActions)[number];

/** One billion dollars: far above any agent's limit, far below 2^53 cents. */
export const maxAgentAmountCents = 100_000_000_000;

const cents = z.number().int().min(0).max(maxAgentAmountCents);

/** What a new card of the agent with no limits of its own gets as its limit (cards know a daily and a monthly one). */
export const cardLimitFrequencies = ['perDay', 'perMonth'] as const;
export type CardLimitFrequency = (typeof cardLimitFrequencies)[number];

/** An agent holds at most this many open cards whatever maxCards says: a bound on what one agent can hold. */
export const maxCardsMax = 10_000;

const positiveCents = z.number().int().min(1).max(maxAgentAmountCents);

/** A share of the spending limit in (0, 1], to at most four decimals (it is kept in basis points). */
const limitWarningThreshold = z
  .number()
  .gt(0)
  .max(1)
  .refine((share) => Math.abs(share * 10_000 - Math.round(share * 10_000)) < 1e-6, { message: 'at most four decimals (0.0001 steps)' })
  .describe('The share of spendingLimit (0 exclusive to 1) whose crossing in a window records agent.limit_warning, once per window; default 0.8');

const agentFields = {
  userId: z.string().min(1).max(64).describe('The approved user whose money the agent spends'),
  name: z.string().trim().min(1).max(100),
  description: z.string().max(500).nullable().optional(),
  spendingLimit: cents.nullable().optional().describe('cents; absent or null means no agent-level limit'),
  spendingLimitFrequency: z
    .enum(spendingLimitFrequencies)
    .optional()
    .describe('What the limit covers: one transaction, a rolling 24 hours, or a calendar UTC week (from Monday), month, year, or all time; default perMonth'),
  onLimitExceeded: z.enum(limitExceededActions).optional().describe('none (decline only, default), notify (+ agent.limit_exceeded), suspend'),
  maxCards: z.number().int().min(1).max(maxCardsMax).nullable().optional().describe('The most cards the agent may hold that are not closed; absent or null: no limit'),
  defaultCardLimit: positiveCents
    .nullable()
    .optional()
    .describe("cents: the limit a new card of the agent gets when it is created without limits of its own (per defaultCardLimitFrequency); absent or null: none"),
  defaultCardLimitFrequency: z.enum(cardLimitFrequencies).optional().describe('Whether defaultCardLimit becomes the card’s perDay or perMonth limit; default perMonth'),
  limitWarningThreshold: limitWarningThreshold.optional(),
  defaultPolicyId: z
    .string()
    .min(1)
    .max(64)
    .nullable()
    .optional()
    .describe("A spending policy (POST /v1/policies) under every card of the agent: its controls apply where a card and its own policy set none"),
  metadata: metadataSchema.optional(),
  requireApproval: z.boolean().optional().describe("Intents need an API key's approval unless below autoApproveBelow; default false"),
  autoApproveBelow: cents.nullable().optional().describe('cents: intents below this amount skip approval'),
  approvalMethod: approvalMethodSchema
    .optional()
    .describe("Who may approve the agent's intents where a card and its policies set none: apiKey (default), cardholder (only the cardholder, on the hosted approval page) or cardholderPasskey (the cardholder, confirming with their passkey)"),
  approvalTimeoutMinutes: approvalTimeoutMinutesSchema
    .optional()
    .describe("Minutes the agent's intents wait in pending_approval before they are rejected, where a card and its policies set none: 1–10080 (a week), default 60"),
};

/** `POST /v1/agents`: an agent, no token (issue one with POST /v1/agents/{id}/tokens). */
export const createAgentBody = z.strictObject(agentFields);
export type CreateAgentInput = z.infer<typeof createAgentBody>;

/** `POST /v1/agents/register`: the same plus `externalId`; answers the agent's first token. */
export const registerAgentBody = z.strictObject({
  ...agentFields,
  externalId: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Your id for the agent: registering it again returns the existing agent (without a new token)'),
});
export type RegisterAgentInput = z.infer<typeof registerAgentBody>;

/** The statuses a PATCH may ask for; deregistration has its own endpoint and is final. */
export const patchableAgentStatuses = ['active', 'suspended'] as const;

/** `PATCH /v1/agents/{id}`: absent fields stay as they are; null clears a nullable one. */
export const updateAgentBody = z.strictObject({
  name: agentFields.name.optional(),
  description: agentFields.description,
  status: z
    .enum(patchableAgentStatuses)
    .optional()
    .describe('suspended suspends an active agent (statusReason manual, its cards freeze), active activates a suspended one; the status it has already is no change'),
  spendingLimit: agentFields.spendingLimit,
  spendingLimitFrequency: agentFields.spendingLimitFrequency,
  onLimitExceeded: agentFields.onLimitExceeded,
  maxCards: agentFields.maxCards.describe('null: no limit. Lowering it below the open cards closes none; only new cards are refused'),
  defaultCardLimit: agentFields.defaultCardLimit.describe('Applies to cards created from now on; null: none'),
  defaultCardLimitFrequency: agentFields.defaultCardLimitFrequency,
  limitWarningThreshold: agentFields.limitWarningThreshold,
  defaultPolicyId: agentFields.defaultPolicyId.describe('Applies to every card of the agent at once; null detaches it'),
  metadata: metadataSchema.optional().describe('Replaces the metadata'),
  requireApproval: agentFields.requireApproval,
  autoApproveBelow: agentFields.autoApproveBelow,
  approvalMethod: agentFields.approvalMethod.describe('apiKey, cardholder or cardholderPasskey; an agent always has one (null is refused)'),
  approvalTimeoutMinutes: agentFields.approvalTimeoutMinutes.describe('1–10080; an agent always has one (null is refused)'),
});
export type UpdateAgentInput = z.infer<typeof updateAgentBody>;

export const agentIdParams = z.strictObject({ id: z.string().min(1).max(64) });
export const agentTokenParams = z.strictObject({ id: z.string().min(1).max(64), tokenId: z.string().min(1).max(64) });

export const listAgentsQuery = listQuerySchema.extend({
  userId: z.string().min(1).max(64).optional().describe("Only this user's agents"),
});
export type ListAgentsQuery = z.infer<typeof listAgentsQuery>;

export const agentSchema = z.object({
  object: z.literal('agent'),
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  externalId: z.string().nullable(),
  spendingLimit: z.number().int().nullable().describe('cents'),
  spendingLimitFrequency: z.enum(spendingLimitFrequencies),
  currentSpend: z.number().int().describe('cents of approved authorizations (pending or settled) in the current window of spendingLimitFrequency; 0 for perTransaction'),
  limitWarningThreshold: z.number().describe('The share of spendingLimit whose crossing records agent.limit_warning, once per window'),
  onLimitExceeded: z.enum(limitExceededActions),
  maxCards: z.number().int().nullable().describe('The most open cards the agent may hold; null: no limit'),
  cardCount: z.number().int().describe('Cards of the agent that are not closed (active or frozen)'),
  defaultCardLimit: z.number().int().nullable().describe('cents: the limit a new card without limits of its own gets; null: none'),
  defaultCardLimitFrequency: z.enum(cardLimitFrequencies),
  defaultPolicyId: z.string().nullable().describe("The spending policy under every card's own policy; null: none"),
  requireApproval: z.boolean(),
  autoApproveBelow: z.number().int().nullable().describe('cents'),
  approvalMethod: z.enum(approvalMethods).describe("Who may approve the agent's intents where a card and its policies set none"),
  approvalTimeoutMinutes: z.number().int().describe("Minutes the agent's intents wait for approval, where a card and its policies set none"),
  status: z.enum(agentStatuses),
  statusReason: z.string().nullable().describe('Why the agent is not active: manual, limit_exceeded, or the risk rule that suspended it'),
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  deregisteredAt: z.string().nullable().describe('When the agent was deregistered; null until then'),
});

export const registeredAgentSchema = agentSchema.extend({
  created: z.boolean().describe('true when this request created the agent; false when an existing agent was returned for its externalId'),
  token: z
    .string()
    .nullable()
    .describe('A new agent token (at_dev_… / at_live_…), shown only in this response; null when an existing agent was returned for its externalId'),
  tokenId: z.string().nullable().describe('The new token’s record (tok_…), for listing or revoking it; null when no token was issued'),
});

/** The answer of suspend, activate and deregister: the agent, and the status it had before (LedgerOS). */
export const agentStatusChangeSchema = agentSchema.extend({ previousStatus: z.enum(agentStatuses).describe('The status before this request') });

export const agentListSchema = listPageSchema(agentSchema);

export const createAgentTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100).describe('A label to recognise the token by'),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('ISO-8601 time in the future (environment time) after which the token answers 401'),
});
export type CreateAgentTokenInput = z.infer<typeof createAgentTokenBody>;

export const agentTokenSchema = z.object({
  object: z.literal('agent_token'),
  id: z.string(),
  agentId: z.string(),
  name: z.string().nullable(),
  tokenPrefix: z.string().describe('at_dev_ or at_live_: the environment the token belongs to'),
  redactedToken: z.string().describe('Prefix and last four characters, for recognition'),
  isActive: z.boolean().describe('Whether the token authenticates now: not revoked and not expired (environment time)'),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('To the minute'),
  revokedAt: z.string().nullable(),
});

export const createdAgentTokenSchema = agentTokenSchema.extend({
  token: z.string().nullable().describe('The secret, shown only in this response (null when an Idempotency-Key replay answers it)'),
});

export const agentTokenListSchema = listPageSchema(agentTokenSchema);

export const agentPolicySchema = z.object({
  object: z.literal('agent_policy'),
  agentId: z.string(),
  spendingLimit: z.number().int().nullable().describe('cents; null means no limit'),
  spendingLimitFrequency: z.enum(spendingLimitFrequencies),
  currentSpend: z.number().int().describe('cents of approved authorizations (pending or settled) in the current window'),
  remaining: z.number().int().nullable().describe('cents the next authorization may be; null means no limit'),
  windowStart: z.string().nullable().describe('Start of the current window (inclusive); null for perTransaction'),
  windowEnd: z
    .string()
    .nullable()
    .describe('End of the window: the start of the next calendar period (exclusive), now for per24HourPeriod, null for perTransaction and allTime'),
});
