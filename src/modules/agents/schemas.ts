import { z } from 'zod';
import { spendingLimitFrequencies } from '../../domain/limit-windows.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { metadataSchema } from '../users/schemas.js';

export const agentStatuses = ['active', 'suspended', 'deregistered'] as const;
export type AgentStatus = (typeof agentStatuses)[number];

export const limitExceededActions = ['none', 'notify', 'suspend'] as const;
export type LimitExceededAction = (typeof limitExceededActions)[number];

/** One billion dollars: far above any agent's limit, far below 2^53 cents. */
export const maxAgentAmountCents = 100_000_000_000;

const cents = z.number().int().min(0).max(maxAgentAmountCents);

export const registerAgentBody = z.strictObject({
  userId: z.string().min(1).max(64).describe('The approved user whose money the agent spends'),
  name: z.string().trim().min(1).max(100),
  description: z.string().max(500).nullable().optional(),
  spendingLimit: cents.nullable().optional().describe('cents; absent or null means no agent-level limit'),
  spendingLimitFrequency: z
    .enum(spendingLimitFrequencies)
    .optional()
    .describe('What the limit covers: one transaction, a rolling 24 hours, or a calendar UTC week (from Monday), month, year, or all time; default perMonth'),
  externalId: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Your id for the agent: registering it again returns the existing agent (without a new token)'),
  onLimitExceeded: z.enum(limitExceededActions).optional().describe('none (decline only, default), notify (+ agent.limit_exceeded), suspend'),
  metadata: metadataSchema.optional(),
  requireApproval: z.boolean().optional().describe("Intents need an API key's approval unless below autoApproveBelow; default false"),
  autoApproveBelow: cents.nullable().optional().describe('cents: intents below this amount skip approval'),
});
export type RegisterAgentInput = z.infer<typeof registerAgentBody>;

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
  onLimitExceeded: z.enum(limitExceededActions),
  requireApproval: z.boolean(),
  autoApproveBelow: z.number().int().nullable().describe('cents'),
  status: z.enum(agentStatuses),
  statusReason: z.string().nullable().describe('Why the agent is not active: manual, limit_exceeded, or the risk rule that suspended it'),
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const registeredAgentSchema = agentSchema.extend({
  token: z
    .string()
    .nullable()
    .describe('A new agent token (at_dev_… / at_live_…), shown only in this response; null when an existing agent was returned for its externalId'),
});

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
  redactedToken: z.string().describe('Prefix and last four characters, for recognition'),
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
