// API shapes of the risk engine (SPEC §4 "Risk engine"). Rule objects are strict: a misspelt rule or parameter
// answers 422 instead of being ignored, so a caller never believes a setting took effect when it did not.
import { z } from 'zod';
import { riskActions, riskParameterBounds, riskPresetNames, riskRuleNames } from '../../domain/risk-rules.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';

const action = z
  .enum(riskActions)
  .describe('alert: record and send risk.<rule>; freeze_card / suspend_agent: also act after the approval (or the details read); decline: refuse the authorization (or the card details)');
const enabled = z.boolean();

function bounded(name: keyof typeof riskParameterBounds, description: string) {
  const bounds = riskParameterBounds[name];
  const base = name === 'multiplier' ? z.number() : z.number().int();
  return base.min(bounds.min).max(bounds.max).describe(description);
}

const parameters = {
  maxPerHour: bounded('maxPerHour', 'approved authorizations per card in a rolling hour, this one included'),
  maxPerDay: bounded('maxPerDay', 'approved authorizations per card in a rolling 24 hours, this one included'),
  windowMinutes: bounded('windowMinutes', 'same card, merchant and amount within this many minutes'),
  multiplier: bounded('multiplier', "fires above this multiple of the agent's mean approved amount"),
  baselineDays: bounded('baselineDays', 'days of the agent’s approved authorizations the mean is taken over'),
  minutes: bounded('minutes', 'minimum time between approved authorizations on a card'),
} as const;

/** Each rule with every field: the organization's settings and the effective settings. */
export const riskRulesSchema = z.object({
  merchantDrift: z.object({ enabled, action }),
  velocity: z.object({ enabled, action, maxPerHour: parameters.maxPerHour, maxPerDay: parameters.maxPerDay }),
  duplicate: z.object({ enabled, action, windowMinutes: parameters.windowMinutes }),
  spendSpike: z.object({ enabled, action, multiplier: parameters.multiplier, baselineDays: parameters.baselineDays }),
  unattestedSpend: z.object({ enabled, action }),
  intentMismatch: z.object({ enabled, action }),
  cooldown: z.object({ enabled, action, minutes: parameters.minutes }),
  attestationMismatch: z.object({ enabled, action }),
});

/** Organization PATCH: any subset of rules and fields; what is absent stays. */
export const riskRulesPatchSchema = z.strictObject({
  merchantDrift: z.strictObject({ enabled: enabled.optional(), action: action.optional() }).optional(),
  velocity: z.strictObject({ enabled: enabled.optional(), action: action.optional(), maxPerHour: parameters.maxPerHour.optional(), maxPerDay: parameters.maxPerDay.optional() }).optional(),
  duplicate: z.strictObject({ enabled: enabled.optional(), action: action.optional(), windowMinutes: parameters.windowMinutes.optional() }).optional(),
  spendSpike: z.strictObject({ enabled: enabled.optional(), action: action.optional(), multiplier: parameters.multiplier.optional(), baselineDays: parameters.baselineDays.optional() }).optional(),
  unattestedSpend: z.strictObject({ enabled: enabled.optional(), action: action.optional() }).optional(),
  intentMismatch: z.strictObject({ enabled: enabled.optional(), action: action.optional() }).optional(),
  cooldown: z.strictObject({ enabled: enabled.optional(), action: action.optional(), minutes: parameters.minutes.optional() }).optional(),
  attestationMismatch: z.strictObject({ enabled: enabled.optional(), action: action.optional() }).optional(),
});

/** LedgerOS's names of three rules (SPEC §11), accepted at the top level of the organization's settings. */
export const ledgerOsRiskRuleNames = { duplicateDetection: 'duplicate', velocityLimit: 'velocity', cooldownViolation: 'cooldown' } as const;
type LedgerOsRiskRuleName = keyof typeof ledgerOsRiskRuleNames;
const ledgerOsRules = Object.entries(ledgerOsRiskRuleNames) as Array<[LedgerOsRiskRuleName, (typeof ledgerOsRiskRuleNames)[LedgerOsRiskRuleName]]>;

const ledgerOsRulePatches = {
  duplicateDetection: riskRulesPatchSchema.shape.duplicate.describe("LedgerOS's name of rules.duplicate: the same fields"),
  velocityLimit: riskRulesPatchSchema.shape.velocity.describe("LedgerOS's name of rules.velocity: the same fields"),
  cooldownViolation: riskRulesPatchSchema.shape.cooldown.describe("LedgerOS's name of rules.cooldown: the same fields"),
};

type RulesPatch = z.infer<typeof riskRulesPatchSchema>;

/** The rules of a body under either name, as one patch of cardrail's names (a rule under both names is refused first). */
function withLedgerOsRules(rules: RulesPatch | undefined, body: Partial<Record<LedgerOsRiskRuleName, unknown>>): RulesPatch | undefined {
  const merged: Record<string, unknown> = { ...rules };
  for (const [alias, rule] of ledgerOsRules) if (body[alias] !== undefined) merged[rule] = body[alias];
  return rules === undefined && Object.keys(merged).length === 0 ? undefined : (merged as RulesPatch);
}

function refuseRuleUnderBothNames(body: { rules?: RulesPatch | undefined } & Partial<Record<LedgerOsRiskRuleName, unknown>>, context: z.RefinementCtx): void {
  for (const [alias, rule] of ledgerOsRules) {
    if (body[alias] !== undefined && body.rules?.[rule] !== undefined) {
      context.addIssue({
        code: 'custom',
        path: [alias],
        message: `give the rule once, as ${alias} (LedgerOS's name) or as rules.${rule}`,
        params: { errorCode: 'conflicting_parameters', other: `rules.${rule}`, subject: 'risk rule' },
      });
    }
  }
}

export const patchRiskSettingsBody = z
  .strictObject({
    dryRun: z.boolean().optional().describe('Record alerts (and send risk.<rule>) without declining, freezing or suspending'),
    rules: riskRulesPatchSchema.optional(),
    ...ledgerOsRulePatches,
  })
  .superRefine(refuseRuleUnderBothNames)
  .transform((body) => ({ dryRun: body.dryRun, rules: withLedgerOsRules(body.rules, body) }));
export type PatchRiskSettingsInput = z.output<typeof patchRiskSettingsBody>;

export const applyRiskPresetBody = z
  .strictObject({
    preset: z.enum(riskPresetNames).describe('Replaces every rule of the organization with the preset’s table (docs/risk.md)'),
    dryRun: z.boolean().optional().describe('Default false'),
    ...ledgerOsRulePatches,
  })
  .transform((body) => ({ preset: body.preset, dryRun: body.dryRun ?? false, adjustments: withLedgerOsRules(undefined, body) }));

export const riskSettingsSchema = z.object({
  object: z.literal('risk_settings'),
  /** The preset last applied; `custom` once a rule was changed by PATCH. */
  preset: z.enum([...riskPresetNames, 'custom']),
  dryRun: z.boolean(),
  rules: riskRulesSchema,
  duplicateDetection: riskRulesSchema.shape.duplicate.describe("LedgerOS's name of rules.duplicate: the same rule, repeated"),
  velocityLimit: riskRulesSchema.shape.velocity.describe("LedgerOS's name of rules.velocity: the same rule, repeated"),
  cooldownViolation: riskRulesSchema.shape.cooldown.describe("LedgerOS's name of rules.cooldown: the same rule, repeated"),
  updatedAt: z.string().nullable(),
});

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** Agent and card overrides: JSON merge patch — a value sets, `null` removes (the level above applies again). */
export const riskOverridesPatchBody = z.strictObject({
  dryRun: nullable(z.boolean()),
  rules: z
    .strictObject({
      merchantDrift: nullable(z.strictObject({ enabled: nullable(enabled), action: nullable(action) })),
      velocity: nullable(z.strictObject({ enabled: nullable(enabled), action: nullable(action), maxPerHour: nullable(parameters.maxPerHour), maxPerDay: nullable(parameters.maxPerDay) })),
      duplicate: nullable(z.strictObject({ enabled: nullable(enabled), action: nullable(action), windowMinutes: nullable(parameters.windowMinutes) })),
      spendSpike: nullable(z.strictObject({ enabled: nullable(enabled), action: nullable(action), multiplier: nullable(parameters.multiplier), baselineDays: nullable(parameters.baselineDays) })),
      unattestedSpend: nullable(z.strictObject({ enabled: nullable(enabled), action: nullable(action) })),
      intentMismatch: nullable(z.strictObject({ enabled: nullable(enabled), action: nullable(action) })),
      cooldown: nullable(z.strictObject({ enabled: nullable(enabled), action: nullable(action), minutes: nullable(parameters.minutes) })),
      attestationMismatch: nullable(z.strictObject({ enabled: nullable(enabled), action: nullable(action) })),
    })
    .optional(),
});
export type RiskOverridesPatchInput = z.infer<typeof riskOverridesPatchBody>;

export const riskOverridesSchema = z.object({
  object: z.literal('risk_overrides'),
  level: z.enum(['agent', 'card']),
  agentId: z.string(),
  cardId: z.string().nullable(),
  overrides: z.object({ dryRun: z.boolean().optional(), rules: riskRulesPatchSchema.optional() }),
  effective: z.object({ dryRun: z.boolean(), rules: riskRulesSchema }),
  updatedAt: z.string().nullable(),
});

export const riskAlertStatuses = ['open', 'resolved'] as const;
export type RiskAlertStatus = (typeof riskAlertStatuses)[number];

/** What the engine did about a firing. */
export const riskOutcomes = ['alerted', 'declined', 'card_frozen', 'agent_suspended', 'already_applied', 'dry_run'] as const;
export type RiskOutcome = (typeof riskOutcomes)[number];

export const riskAlertSchema = z.object({
  object: z.literal('risk_alert'),
  id: z.string(),
  rule: z.enum(riskRuleNames),
  eventType: z.string(),
  action: z.enum(riskActions),
  outcome: z.enum(riskOutcomes),
  dryRun: z.boolean(),
  status: z.enum(riskAlertStatuses),
  detail: z.string(),
  facts: z.record(z.string(), z.unknown()),
  cardId: z.string().nullable(),
  agentId: z.string().nullable(),
  userId: z.string().nullable(),
  transactionId: z.string().nullable(),
  resolution: z.object({ note: z.string().nullable(), by: z.string(), resolvedAt: z.string() }).nullable(),
  createdAt: z.string(),
});

export const riskAlertListSchema = listPageSchema(riskAlertSchema);

export const listRiskAlertsQuery = listQuerySchema.extend({
  status: z.enum(riskAlertStatuses).optional(),
  rule: z.enum(riskRuleNames).optional(),
  cardId: z.string().max(64).optional(),
  agentId: z.string().max(64).optional(),
  transactionId: z.string().max(64).optional(),
});
export type ListRiskAlertsQuery = z.infer<typeof listRiskAlertsQuery>;

export const resolveRiskAlertBody = z.strictObject({ note: z.string().trim().min(1).max(1_000).optional() });
