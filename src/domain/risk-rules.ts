// The risk engine's rules (SPEC §4 "Risk engine"), pure: settings and their cascade (organization → agent →
// card), the four presets, and the evaluation of one authorization's facts, or of one card-details read's, into
// firings. The authorization's facts are gathered under its locks by src/modules/risk/facts.ts; the firings are acted
// on by src/modules/risk/service.ts. `decline` firings count before the decision (or refuse the details); the other
// actions act after an approval (or after the details were served).
import type { AttestationWarning } from './intents.js';

/** The rules evaluated on an authorization. */
export const authorizationRiskRuleNames = ['merchantDrift', 'velocity', 'duplicate', 'spendSpike', 'unattestedSpend', 'intentMismatch', 'cooldown'] as const;
/** The rules evaluated when card details are read. */
export const detailsRiskRuleNames = ['attestationMismatch'] as const;
export const riskRuleNames = [...authorizationRiskRuleNames, ...detailsRiskRuleNames] as const;
export type RiskRuleName = (typeof riskRuleNames)[number];
type AuthorizationRiskRuleName = (typeof authorizationRiskRuleNames)[number];

export const riskActions = ['alert', 'freeze_card', 'suspend_agent', 'decline'] as const;
export type RiskAction = (typeof riskActions)[number];

export const riskPresetNames = ['permissive', 'moderate', 'strict', 'paranoid'] as const;
export type RiskPresetName = (typeof riskPresetNames)[number];
export const defaultRiskPreset: RiskPresetName = 'moderate';

export interface RuleSwitch {
  enabled: boolean;
  action: RiskAction;
}

export interface RiskRules {
  merchantDrift: RuleSwitch;
  /** Approved authorizations on the card in the rolling hour and day, this one included. */
  velocity: RuleSwitch & { maxPerHour: number; maxPerDay: number };
  /** Same card, same merchant, same amount within the window. */
  duplicate: RuleSwitch & { windowMinutes: number };
  /** Amount above `multiplier` × the agent's mean approved amount over the last `baselineDays`. */
  spendSpike: RuleSwitch & { multiplier: number; baselineDays: number };
  /** No revealed intent of the card matched (attestation `unattested` or `stale`). */
  unattestedSpend: RuleSwitch;
  /** A revealed intent was found but the amount or merchant does not match it. */
  intentMismatch: RuleSwitch;
  /** Less than `minutes` since the card's previous approved authorization. */
  cooldown: RuleSwitch & { minutes: number };
  /** Card details asked for with an attestation that contradicts the declared intent (merchant or amount). */
  attestationMismatch: RuleSwitch;
}

export interface RiskSettings {
  dryRun: boolean;
  rules: RiskRules;
}

/** An agent's or card's override: only what it sets; the rest comes from the level above. */
export interface RiskOverrides {
  dryRun?: boolean;
  rules?: { [Rule in RiskRuleName]?: Partial<RiskRules[Rule]> };
}

/** Bounds on every parameter (TIGER_STYLE: a limit on everything), shared by the API schemas. */
export const riskParameterBounds = {
  maxPerHour: { min: 1, max: 10_000 },
  maxPerDay: { min: 1, max: 100_000 },
  windowMinutes: { min: 1, max: 7 * 24 * 60 },
  multiplier: { min: 1, max: 1_000 },
  baselineDays: { min: 1, max: 365 },
  minutes: { min: 1, max: 7 * 24 * 60 },
} as const;

/** A spend spike needs a baseline: fewer approved authorizations than this in the window and the rule stays quiet. */
export const spendSpikeMinimumBaselineCount = 3;

export const riskPresets: Readonly<Record<RiskPresetName, RiskRules>> = {
  permissive: {
    merchantDrift: { enabled: true, action: 'alert' },
    velocity: { enabled: false, action: 'alert', maxPerHour: 60, maxPerDay: 500 },
    duplicate: { enabled: false, action: 'alert', windowMinutes: 5 },
    spendSpike: { enabled: false, action: 'alert', multiplier: 10, baselineDays: 30 },
    unattestedSpend: { enabled: false, action: 'alert' },
    intentMismatch: { enabled: true, action: 'alert' },
    cooldown: { enabled: false, action: 'alert', minutes: 1 },
    attestationMismatch: { enabled: true, action: 'alert' },
  },
  moderate: {
    merchantDrift: { enabled: true, action: 'alert' },
    velocity: { enabled: true, action: 'alert', maxPerHour: 20, maxPerDay: 100 },
    duplicate: { enabled: true, action: 'alert', windowMinutes: 10 },
    spendSpike: { enabled: true, action: 'alert', multiplier: 5, baselineDays: 30 },
    unattestedSpend: { enabled: true, action: 'alert' },
    intentMismatch: { enabled: true, action: 'alert' },
    cooldown: { enabled: false, action: 'alert', minutes: 1 },
    attestationMismatch: { enabled: true, action: 'alert' },
  },
  strict: {
    merchantDrift: { enabled: true, action: 'freeze_card' },
    velocity: { enabled: true, action: 'decline', maxPerHour: 10, maxPerDay: 50 },
    duplicate: { enabled: true, action: 'decline', windowMinutes: 30 },
    spendSpike: { enabled: true, action: 'freeze_card', multiplier: 3, baselineDays: 30 },
    unattestedSpend: { enabled: true, action: 'freeze_card' },
    intentMismatch: { enabled: true, action: 'alert' },
    cooldown: { enabled: true, action: 'decline', minutes: 1 },
    attestationMismatch: { enabled: true, action: 'alert' },
  },
  paranoid: {
    merchantDrift: { enabled: true, action: 'decline' },
    velocity: { enabled: true, action: 'decline', maxPerHour: 5, maxPerDay: 20 },
    duplicate: { enabled: true, action: 'decline', windowMinutes: 60 },
    spendSpike: { enabled: true, action: 'suspend_agent', multiplier: 2, baselineDays: 30 },
    unattestedSpend: { enabled: true, action: 'decline' },
    intentMismatch: { enabled: true, action: 'freeze_card' },
    cooldown: { enabled: true, action: 'decline', minutes: 5 },
    attestationMismatch: { enabled: true, action: 'decline' },
  },
};

/** The webhook and alert name of a rule: `risk.merchant_drift`, `risk.spend_spike`… */
export function riskRuleSnakeName(rule: RiskRuleName): string {
  return rule.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function riskEventType(rule: RiskRuleName): string {
  return `risk.${riskRuleSnakeName(rule)}`;
}

/** Applies overrides in order (agent, then card): each set field replaces the one above, rule by rule. */
export function effectiveRiskSettings(organization: RiskSettings, ...overrides: ReadonlyArray<RiskOverrides | null | undefined>): RiskSettings {
  let dryRun = organization.dryRun;
  const rules = { ...organization.rules } as Record<RiskRuleName, RuleSwitch>;
  for (const override of overrides) {
    if (override === null || override === undefined) continue;
    if (override.dryRun !== undefined) dryRun = override.dryRun;
    for (const rule of riskRuleNames) {
      const ruleOverride = override.rules?.[rule];
      if (ruleOverride !== undefined) rules[rule] = { ...rules[rule], ...ruleOverride };
    }
  }
  return { dryRun, rules: rules as unknown as RiskRules };
}

/** JSON merge patch (RFC 7396) of overrides: `null` removes a field or a whole rule's override. */
export function patchRiskOverrides(current: RiskOverrides, patch: RiskOverridesPatch): RiskOverrides {
  const next: RiskOverrides = { ...current, rules: { ...current.rules } };
  if (patch.dryRun === null) delete next.dryRun;
  else if (patch.dryRun !== undefined) next.dryRun = patch.dryRun;
  const nextRules = next.rules as Record<string, Record<string, unknown> | undefined>;
  for (const rule of riskRuleNames) {
    const rulePatch = patch.rules?.[rule];
    if (rulePatch === undefined) continue;
    if (rulePatch === null) {
      delete nextRules[rule];
      continue;
    }
    const merged: Record<string, unknown> = { ...nextRules[rule] };
    for (const [field, value] of Object.entries(rulePatch)) {
      if (value === null) delete merged[field];
      else if (value !== undefined) merged[field] = value;
    }
    if (Object.keys(merged).length === 0) delete nextRules[rule];
    else nextRules[rule] = merged;
  }
  if (Object.keys(nextRules).length === 0) delete next.rules;
  return next;
}

type Nullable<T> = { [Key in keyof T]?: T[Key] | null };
export interface RiskOverridesPatch {
  dryRun?: boolean | null;
  rules?: { [Rule in RiskRuleName]?: Nullable<RiskRules[Rule]> | null };
}

/** Organization-level PATCH: every given field replaces the current one (no nulls: the organization has every value). */
export function patchRiskRules(current: RiskRules, patch: { [Rule in RiskRuleName]?: Partial<RiskRules[Rule]> }): RiskRules {
  const next = { ...current } as Record<RiskRuleName, RuleSwitch>;
  for (const rule of riskRuleNames) {
    const rulePatch = patch[rule];
    if (rulePatch !== undefined) next[rule] = { ...next[rule], ...definedFields(rulePatch) };
  }
  return next as unknown as RiskRules;
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** Everything the rules look at for one authorization. History counts cover approved authorizations only. */
export interface RiskFacts {
  nowMs: number;
  amountCents: number;
  merchantNormalizedName: string;
  card: { type: 'single' | 'multi'; merchantDriftEnabled: boolean; onDrift: RiskAction; pinnedMerchant: string | null };
  /** Of the card, for velocity, duplicate and cooldown; undefined when none of those rules is enabled. */
  cardHistory?: { lastHourCount: number; lastDayCount: number; duplicateCount: number; lastApprovedAtMs: number | null };
  /** Of the agent over spendSpike's baseline window; undefined when the rule is disabled. */
  agentBaseline?: { count: number; totalCents: number };
  attestation: 'attested' | 'stale' | 'unattested';
  /** null when no revealed intent was a candidate. */
  intentMatch: 'matched' | 'mismatched' | null;
}

export interface RiskFiring {
  rule: RiskRuleName;
  /** `risk.<rule>`: the event recorded when it fires. */
  eventType: string;
  action: RiskAction;
  /** In dry run the firing is recorded and nothing is done. */
  dryRun: boolean;
  detail: string;
}

type RuleCheck = (facts: RiskFacts, settings: RiskRules) => string | undefined;

const minuteMs = 60_000;

const ruleChecks: Readonly<Record<AuthorizationRiskRuleName, RuleCheck>> = {
  merchantDrift: (facts) => {
    const { card } = facts;
    if (card.type !== 'multi' || card.pinnedMerchant === null || card.pinnedMerchant === facts.merchantNormalizedName) return undefined;
    return `the card is pinned to ${card.pinnedMerchant}; this authorization is at ${facts.merchantNormalizedName}`;
  },
  velocity: (facts, { velocity }) => {
    const history = facts.cardHistory;
    if (history === undefined) return undefined;
    if (history.lastHourCount + 1 > velocity.maxPerHour) return `${history.lastHourCount + 1} authorizations on the card in the last hour (at most ${velocity.maxPerHour})`;
    if (history.lastDayCount + 1 > velocity.maxPerDay) return `${history.lastDayCount + 1} authorizations on the card in the last 24 hours (at most ${velocity.maxPerDay})`;
    return undefined;
  },
  duplicate: (facts, { duplicate }) => {
    const count = facts.cardHistory?.duplicateCount ?? 0;
    if (count === 0) return undefined;
    return `${count} authorization(s) of ${facts.amountCents} cents at ${facts.merchantNormalizedName} on the card in the last ${duplicate.windowMinutes} minutes`;
  },
  spendSpike: (facts, { spendSpike }) => {
    const baseline = facts.agentBaseline;
    if (baseline === undefined || baseline.count < spendSpikeMinimumBaselineCount) return undefined;
    // amount > multiplier × total / count, in integers: amount × count > multiplier × total.
    if (facts.amountCents * baseline.count <= spendSpike.multiplier * baseline.totalCents) return undefined;
    const meanCents = Math.round(baseline.totalCents / baseline.count);
    return `${facts.amountCents} cents is more than ${spendSpike.multiplier} × the agent's mean of ${meanCents} cents over ${spendSpike.baselineDays} days`;
  },
  unattestedSpend: (facts) => (facts.attestation === 'attested' ? undefined : `no revealed intent of the card matches this authorization (attestation ${facts.attestation})`),
  intentMismatch: (facts) => (facts.intentMatch === 'mismatched' ? 'the amount or merchant differs from the declared intent' : undefined),
  cooldown: (facts, { cooldown }) => {
    const last = facts.cardHistory?.lastApprovedAtMs ?? null;
    if (last === null || facts.nowMs - last >= cooldown.minutes * minuteMs) return undefined;
    return `the card's previous authorization was ${Math.floor((facts.nowMs - last) / 1000)} s ago (cooldown ${cooldown.minutes} min)`;
  },
};

/**
 * The rules that fire for these facts, in rule order. The card's own merchant-drift setting (`merchantDriftEnabled`,
 * `onDrift`, seed 000) is that rule's card-level value, so it wins over the agent's and the organization's.
 */
export function evaluateRiskRules(facts: RiskFacts, settings: RiskSettings): RiskFiring[] {
  const firings: RiskFiring[] = [];
  for (const rule of authorizationRiskRuleNames) {
    const ruleSettings = rule === 'merchantDrift' ? { enabled: facts.card.merchantDriftEnabled, action: facts.card.onDrift } : settings.rules[rule];
    if (!ruleSettings.enabled) continue;
    const detail = ruleChecks[rule](facts, settings.rules);
    if (detail !== undefined) firings.push({ rule, eventType: riskEventType(rule), action: ruleSettings.action, dryRun: settings.dryRun, detail });
  }
  return firings;
}

/** What the rules look at when card details are read: the intent they were asked under and the attestation sent. */
export interface DetailsRiskFacts {
  intentId: string;
  declared: { amountCents: number; merchantText: string };
  attested: { amountCents: number; merchantText: string };
  /** Where the attestation contradicts the intent (src/domain/intents.ts attestationWarnings); empty when it agrees. */
  mismatches: readonly AttestationWarning[];
}

/** The rules that fire when card details are read: attestationMismatch, when the attestation contradicts the intent. */
export function evaluateDetailsRiskRules(facts: DetailsRiskFacts, settings: RiskSettings): RiskFiring[] {
  const rule = 'attestationMismatch' satisfies (typeof detailsRiskRuleNames)[number];
  const ruleSettings = settings.rules[rule];
  if (!ruleSettings.enabled || facts.mismatches.length === 0) return [];
  const fields = facts.mismatches.map((mismatch) => mismatch.field).join(' and ');
  const detail = `card details for intent ${facts.intentId} were asked for with a ${fields} that contradicts the intent: ${facts.mismatches.map((mismatch) => mismatch.message).join(' ')}`;
  return [{ rule, eventType: riskEventType(rule), action: ruleSettings.action, dryRun: settings.dryRun, detail }];
}

/** The rule that declines the authorization, if any: the first firing with `decline`, outside dry run. */
export function riskDeclineOf(firings: readonly RiskFiring[]): RiskFiring | undefined {
  return firings.find((firing) => firing.action === 'decline' && !firing.dryRun);
}

/** Which windows the history query must cover, from the enabled rules (nothing to read when all are off). */
export function riskHistoryWindows(settings: RiskSettings): { cardSinceMs: number | undefined; duplicateWindowMs: number; cooldownMs: number; agentBaselineMs: number | undefined } {
  const { rules } = settings;
  const dayMs = 24 * 60 * minuteMs;
  const cardWindows = [rules.velocity.enabled ? dayMs : 0, rules.duplicate.enabled ? rules.duplicate.windowMinutes * minuteMs : 0, rules.cooldown.enabled ? rules.cooldown.minutes * minuteMs : 0];
  const cardSinceMs = Math.max(...cardWindows);
  return {
    cardSinceMs: cardSinceMs === 0 ? undefined : cardSinceMs,
    duplicateWindowMs: rules.duplicate.enabled ? rules.duplicate.windowMinutes * minuteMs : 0,
    cooldownMs: rules.cooldown.enabled ? rules.cooldown.minutes * minuteMs : 0,
    agentBaselineMs: rules.spendSpike.enabled ? rules.spendSpike.baselineDays * dayMs : undefined,
  };
}
