import { z } from 'zod';
import { riskActions } from '../../domain/risk-rules.js';
import { onExpiryActions, weekdays } from '../../domain/spending-policy.js';
import { exposureModes } from '../../domain/credential-exposure.js';
import { approvalMethods, approvalTimeoutMinutesMax, approvalTimeoutMinutesMin } from '../../domain/intents.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { metadataSchema } from '../users/schemas.js';

/** One billion dollars: far above any card, far below 2^53 cents. */
const maxPolicyCents = 100_000_000_000;
const positiveCents = z.number().int().min(1).max(maxPolicyCents);
/** Three years of minutes: a card's printed validity. */
export const maxPolicyMinutes = 3 * 365 * 24 * 60;
const listEntriesMax = 500;

/** LedgerOS spells the drift action that freezes the card `freeze`; cardrail's risk engine calls it `freeze_card`. */
export const onDriftInputs = [...riskActions, 'freeze'] as const;
export const onDriftInput = z.enum(onDriftInputs).describe('alert, freeze (= freeze_card), freeze_card, decline or suspend_agent');

export const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a 24-hour time "HH:MM", 00:00–23:59')
  .describe('"HH:MM", local time in activeTimezone');
export const mccList = z
  .array(z.string().regex(/^\d{4}$/, 'a merchant category code of four digits'))
  .max(listEntriesMax)
  .describe('Merchant category codes (ISO 18245), four digits each');
export const merchantList = z
  .array(z.string().trim().min(1).max(200))
  .max(listEntriesMax)
  .describe('Merchant names, compared by their normalized form (case, punctuation and legal suffixes ignored; known descriptor aliases such as "AMZN Mktp US" count as amazon)');
export const merchantHintSchema = z.string().trim().min(1).max(200);
export const intentToleranceSchema = z.number().min(0).max(1).describe('A share, 0–1 (0.1 = 10 %): how far an authorized amount may be from the declared one and still match');
/** Who may approve an intent that needs approval; the same values on agents, cards and policies. */
export const approvalMethodSchema = z
  .enum(approvalMethods)
  .describe('Who may approve an intent that needs approval: apiKey (POST /v1/intents/{id}/approve with an API key), cardholder (only the cardholder, on the hosted approval page) or cardholderPasskey (the cardholder, confirming with their passkey)');
export const approvalTimeoutMinutesSchema = z
  .number()
  .int()
  .min(approvalTimeoutMinutesMin)
  .max(approvalTimeoutMinutesMax)
  .describe('Minutes an intent waits in pending_approval before it is rejected (approval_expired), 1–10080 (a week)');

/** The controls every policy field shares between create (optional) and PATCH (optional, null clears). */
const controlFields = {
  ttlMinutes: z.number().int().min(1).max(maxPolicyMinutes).describe("Cards under the policy expire this many minutes after they were issued"),
  onExpiry: z.enum(onExpiryActions).describe('What expiry does to a card: close (releases its reservation; the default) or freeze'),
  activeHoursStart: timeOfDay,
  activeHoursEnd: timeOfDay.describe('"HH:MM", exclusive; an end not after the start spans midnight (22:00–06:00)'),
  activeTimezone: z.string().min(1).max(64).describe('IANA time zone of the active hours, e.g. America/New_York; default UTC'),
  activeDays: z.array(z.enum(weekdays)).min(1).max(7).describe('Days the card may be used (mon…sun); a window spanning midnight belongs to the day it starts'),
  maxAmount: positiveCents.describe('maxAmount (cents) of cards issued under the policy without their own'),
  cumulativeMax: positiveCents.describe("Cap on the card's approved spend over its life, cents"),
  maxAuthCount: z.number().int().min(1).max(1_000_000_000).describe('Approved authorizations a card may have (voided ones do not count)'),
  cooldownMinutes: z.number().int().min(1).max(maxPolicyMinutes).describe('Minutes after an approved authorization before the card may be used again'),
  limitPerAuth: positiveCents.describe('Per-authorization cap, cents (at most the card’s maxAmount applies)'),
  limitPerDay: positiveCents.describe('cents per UTC day'),
  limitPerMonth: positiveCents.describe('cents per UTC calendar month'),
  allowedMccs: mccList,
  blockedMccs: mccList,
  allowedMerchants: merchantList,
  blockedMerchants: merchantList,
  merchantHint: merchantHintSchema.describe('The merchant multi-use cards are pinned to before their first use'),
  onDrift: onDriftInput,
  requireAttestation: z.boolean().describe('Decline (attestation_required) unless a declared intent’s details were read within the card’s attestationWindowMinutes'),
  intentTolerance: intentToleranceSchema,
  credentialExposure: z.enum(exposureModes).describe("How its cards' numbers may leave cardrail, where a card sets none: never, extensionOnly or rawPan"),
  approvalMethod: approvalMethodSchema.describe("Who may approve its cards' intents, where a card sets none: apiKey, cardholder or cardholderPasskey"),
  approvalTimeoutMinutes: approvalTimeoutMinutesSchema.describe("Minutes its cards' intents wait for approval before they are rejected, where a card sets none (1–10080)"),
};

type ControlField = keyof typeof controlFields;

function optionalFields<Nullable extends boolean>(nullable: Nullable) {
  return Object.fromEntries(Object.entries(controlFields).map(([key, schema]) => [key, nullable ? schema.nullable().optional() : schema.optional()])) as {
    [Key in ControlField]: Nullable extends true ? z.ZodOptional<z.ZodNullable<(typeof controlFields)[Key]>> : z.ZodOptional<(typeof controlFields)[Key]>;
  };
}

export const createPolicyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  description: z.string().max(500).nullable().optional(),
  ...optionalFields(false),
  acknowledgeRawPanRisk: z.boolean().optional().describe("Required (true) for credentialExposure rawPan when the organization's default is not rawPan"),
  metadata: metadataSchema.optional(),
});
export type CreatePolicyInput = z.infer<typeof createPolicyBody>;

export const updatePolicyBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  description: z.string().max(500).nullable().optional(),
  ...optionalFields(true),
  acknowledgeRawPanRisk: z.boolean().optional().describe("Required (true) to set credentialExposure rawPan when the organization's default is not rawPan"),
  metadata: metadataSchema.optional().describe('Replaces the metadata'),
});
export type UpdatePolicyInput = z.infer<typeof updatePolicyBody>;

export const policyIdParams = z.strictObject({ id: z.string().min(1).max(64) });
export const listPoliciesQuery = listQuerySchema;

const nullableCents = z.number().int().nullable();

export const policySchema = z.object({
  object: z.literal('policy'),
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  ttlMinutes: z.number().int().nullable(),
  onExpiry: z.enum(onExpiryActions).nullable(),
  activeHoursStart: z.string().nullable(),
  activeHoursEnd: z.string().nullable(),
  activeTimezone: z.string().nullable(),
  activeDays: z.array(z.enum(weekdays)).nullable(),
  maxAmount: nullableCents,
  cumulativeMax: nullableCents,
  maxAuthCount: z.number().int().nullable(),
  cooldownMinutes: z.number().int().nullable(),
  limitPerAuth: nullableCents,
  limitPerDay: nullableCents,
  limitPerMonth: nullableCents,
  allowedMccs: z.array(z.string()).nullable(),
  blockedMccs: z.array(z.string()).nullable(),
  allowedMerchants: z.array(z.string()).nullable(),
  blockedMerchants: z.array(z.string()).nullable(),
  merchantHint: z.string().nullable(),
  onDrift: z.enum(riskActions).nullable(),
  requireAttestation: z.boolean().nullable(),
  intentTolerance: z.number().nullable(),
  credentialExposure: z.enum(exposureModes).nullable(),
  approvalMethod: z.enum(approvalMethods).nullable(),
  approvalTimeoutMinutes: z.number().int().nullable(),
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const policyListSchema = listPageSchema(policySchema);

/** `GET /v1/cards/{id}/policy`: the card's effective controls and their live state (LedgerOS's shape, plus sources). */
export const cardPolicySchema = z.object({
  object: z.literal('card_policy'),
  cardId: z.string(),
  policyId: z.string().nullable().describe("The card's own policy"),
  agentDefaultPolicyId: z.string().nullable().describe("The agent's default policy, under the card's own"),
  limits: z.object({ maxAmount: z.number().int(), perAuth: nullableCents, perDay: nullableCents, perMonth: nullableCents }),
  ttl: z.object({ minutes: z.number().int().nullable(), expiresAt: z.string().nullable(), isExpired: z.boolean(), onExpiry: z.enum(onExpiryActions) }),
  activeHours: z.object({
    start: z.string().nullable(),
    end: z.string().nullable(),
    timezone: z.string(),
    activeDays: z.array(z.enum(weekdays)),
    isWithinActiveHours: z.boolean(),
  }),
  merchants: z.object({ allowedMccs: z.array(z.string()), blockedMccs: z.array(z.string()), allowedMerchants: z.array(z.string()), blockedMerchants: z.array(z.string()) }),
  cumulative: z.object({ max: nullableCents, spent: z.number().int(), remaining: nullableCents }),
  cooldown: z.object({ minutes: z.number().int().nullable(), lastTransactionAt: z.string().nullable(), cooldownEndsAt: z.string().nullable(), isInCooldown: z.boolean() }),
  authCount: z.object({ max: z.number().int().nullable(), current: z.number().int(), remaining: z.number().int().nullable() }),
  attestation: z.object({ required: z.boolean(), intentTolerance: z.number(), windowMinutes: z.number().int() }),
  credentialExposure: z.enum(exposureModes).describe("The mode in force: the card's own, else its policies', else the organization's default"),
  approvalMethod: z.enum(approvalMethods).describe("Who may approve the card's intents: the card's own, else its policy's, else its agent's default policy's, else the agent's (sources.approvalMethod says which)"),
  approvalTimeoutMinutes: z.number().int().describe("Minutes the card's intents wait for approval, resolved as approvalMethod is (sources.approvalTimeoutMinutes)"),
  merchantDrift: z.object({ enabled: z.boolean(), action: z.enum(riskActions), pinnedMerchant: z.string().nullable(), merchantHint: z.string().nullable() }),
  sources: z
    .record(z.string(), z.enum(['card', 'policy', 'agentPolicy', 'agent']))
    .describe("Where each control that is set comes from; approvalMethod and approvalTimeoutMinutes are always set, from the agent's own settings when no other level sets them"),
});
