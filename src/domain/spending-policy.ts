// Spending policies (SPEC §4 "Spending policies", §11 "Policies"): reusable controls attached to an agent
// (`defaultPolicyId`) or a card (`policyId`). The effective controls of a card are, field by field, the card's own
// value, else its policy's, else its agent's default policy's. Everything here is pure: time and facts are passed in.

import { normalizeMerchantName } from './merchants.js';

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

export const onExpiryActions = ['freeze', 'close'] as const;
export type OnExpiry = (typeof onExpiryActions)[number];

/** Active hours: local wall-clock times "HH:MM" in an IANA time zone, on some days of the week. */
export interface ActiveHours {
  /** Minutes after local midnight, 0–1439; start > end spans midnight (22:00–06:00). */
  startMinute: number | null;
  endMinute: number | null;
  timezone: string;
  /** Empty: every day. */
  days: readonly Weekday[];
}

/** The controls a policy (or a card's own fields) can set; null/undefined: not set at this level. */
export interface PolicyControls {
  ttlMinutes: number | null;
  onExpiry: OnExpiry | null;
  activeHoursStart: string | null;
  activeHoursEnd: string | null;
  activeTimezone: string | null;
  activeDays: readonly Weekday[] | null;
  maxAmountCents: number | null;
  cumulativeMaxCents: number | null;
  maxAuthCount: number | null;
  cooldownMinutes: number | null;
  limitPerAuthCents: number | null;
  limitPerDayCents: number | null;
  limitPerMonthCents: number | null;
  allowedMccs: readonly string[] | null;
  blockedMccs: readonly string[] | null;
  allowedMerchants: readonly string[] | null;
  blockedMerchants: readonly string[] | null;
  merchantHint: string | null;
  requireAttestation: boolean | null;
  /** A share, 0–1: how far an authorized amount may differ from the declared one and still match. */
  intentTolerance: number | null;
}

export const policyControlKeys = [
  'ttlMinutes',
  'onExpiry',
  'activeHoursStart',
  'activeHoursEnd',
  'activeTimezone',
  'activeDays',
  'maxAmountCents',
  'cumulativeMaxCents',
  'maxAuthCount',
  'cooldownMinutes',
  'limitPerAuthCents',
  'limitPerDayCents',
  'limitPerMonthCents',
  'allowedMccs',
  'blockedMccs',
  'allowedMerchants',
  'blockedMerchants',
  'merchantHint',
  'requireAttestation',
  'intentTolerance',
] as const satisfies readonly (keyof PolicyControls)[];

export const noControls: PolicyControls = Object.freeze(Object.fromEntries(policyControlKeys.map((key) => [key, null])) as unknown as PolicyControls);

/** Where each effective control came from, for the card policy view. */
export type ControlSource = 'card' | 'policy' | 'agentPolicy';

/**
 * The effective controls: for each field the first level that sets it (not null), in the order given — the card's
 * own fields, its policy, its agent's default policy. Active hours move as one piece (start, end, zone and days from
 * the same level), so a card's days never combine with another level's hours into a window nobody wrote.
 */
export function mergeControls(levels: readonly (Partial<PolicyControls> | undefined)[]): PolicyControls {
  const merged: Record<string, unknown> = { ...noControls };
  for (const key of policyControlKeys) {
    if (key === 'activeHoursStart' || key === 'activeHoursEnd' || key === 'activeTimezone' || key === 'activeDays') continue;
    for (const level of levels) {
      const value = level?.[key];
      if (value !== null && value !== undefined) {
        merged[key] = value;
        break;
      }
    }
  }
  const hoursLevel = levels.find((level) => level !== undefined && (hasValue(level.activeHoursStart) || hasValue(level.activeDays)));
  if (hoursLevel !== undefined) {
    merged.activeHoursStart = hoursLevel.activeHoursStart ?? null;
    merged.activeHoursEnd = hoursLevel.activeHoursEnd ?? null;
    merged.activeTimezone = hoursLevel.activeTimezone ?? null;
    merged.activeDays = hoursLevel.activeDays ?? null;
  }
  return merged as unknown as PolicyControls;
}

function hasValue(value: unknown): boolean {
  return value !== null && value !== undefined;
}

// ---- time of day ---------------------------------------------------------------------------------------------------

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" (24-hour, 00:00–23:59) → minutes after midnight; anything else → undefined. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = hhmm.exec(text);
  return match === null ? undefined : Number(match[1]) * 60 + Number(match[2]);
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `timezone` is an IANA zone name this runtime knows ("UTC" and "Etc/…" included). */
export function isKnownTimeZone(timezone: string): boolean {
  return formatterFor(timezone) !== undefined;
}

function formatterFor(timezone: string): Intl.DateTimeFormat | undefined {
  const cached = zoneFormatters.get(timezone);
  if (cached !== undefined) return cached;
  try {
    const formatter = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    zoneFormatters.set(timezone, formatter);
    return formatter;
  } catch {
    return undefined;
  }
}

const weekdayOfShortName: Readonly<Record<string, Weekday>> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

/** The local weekday and minute of the day at `nowMs` in `timezone`. */
export function localTime(nowMs: number, timezone: string): { weekday: Weekday; minute: number } {
  const formatter = formatterFor(timezone);
  if (formatter === undefined) throw new RangeError(`unknown time zone ${timezone}`);
  let weekday: Weekday | undefined;
  let hour = 0;
  let minute = 0;
  for (const part of formatter.formatToParts(new Date(nowMs))) {
    if (part.type === 'weekday') weekday = weekdayOfShortName[part.value];
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  if (weekday === undefined) throw new Error(`no weekday for ${nowMs} in ${timezone}`);
  return { weekday, minute: hour * 60 + minute };
}

function previousWeekday(day: Weekday): Weekday {
  return weekdays[(weekdays.indexOf(day) + 6) % 7]!;
}

/**
 * Whether `nowMs` falls in the active hours. The window is [start, end) in local time on each active day; a window
 * whose end is not after its start spans midnight and belongs to the day it starts on (Friday 22:00–06:00 covers
 * Saturday 03:00, not Friday 03:00). Days without hours: all day on those days. Hours without days: every day.
 * No controls → always within.
 */
export function isWithinActiveHours(controls: Pick<PolicyControls, 'activeHoursStart' | 'activeHoursEnd' | 'activeTimezone' | 'activeDays'>, nowMs: number): boolean {
  const start = controls.activeHoursStart === null ? null : parseTimeOfDay(controls.activeHoursStart);
  const end = controls.activeHoursEnd === null ? null : parseTimeOfDay(controls.activeHoursEnd);
  const days = controls.activeDays ?? [];
  if ((start === null || start === undefined) && days.length === 0) return true;
  const local = localTime(nowMs, controls.activeTimezone ?? 'UTC');
  const dayIsActive = (day: Weekday) => days.length === 0 || days.includes(day);
  if (start === null || start === undefined || end === null || end === undefined) return dayIsActive(local.weekday);
  if (start < end) return dayIsActive(local.weekday) && local.minute >= start && local.minute < end;
  // Overnight: the evening part belongs to today, the morning part to yesterday's window.
  if (local.minute >= start) return dayIsActive(local.weekday);
  if (local.minute < end) return dayIsActive(previousWeekday(local.weekday));
  return false;
}

// ---- merchant and category lists ----------------------------------------------------------------------------------

/** A merchant entry of a list names the authorization's merchant when their normalized names are equal. */
function merchantListed(list: readonly string[], merchantNormalizedName: string): boolean {
  return list.some((entry) => normalizeMerchantName(entry) === merchantNormalizedName);
}

// ---- the policy step of the authorization decision ----------------------------------------------------------------

export const policyDeclineCodes = ['outside_active_hours', 'blocked_mcc', 'blocked_merchant', 'auth_count_exceeded', 'cooldown_active', 'cumulative_limit_exceeded', 'attestation_required'] as const;
export type PolicyDeclineCode = (typeof policyDeclineCodes)[number];

/** What the policy step needs to know about the card's use so far and this authorization. */
export interface PolicyUsage {
  nowMs: number;
  amountCents: number;
  mcc: string | null;
  merchantNormalizedName: string;
  /** Approved, not voided authorizations on the card before this one. */
  authCount: number;
  /** Approved spend on the card over its life (what card limits count), this authorization excluded. */
  cumulativeSpentCents: number;
  /** The last approved authorization on the card, if any. */
  lastApprovedAtMs: number | null;
  /** attested: a fresh credential access matched an intent; stale or unattested otherwise. */
  attestation: 'attested' | 'stale' | 'unattested';
}

export interface PolicyDecline {
  code: PolicyDeclineCode;
  detail: string;
}

/**
 * The policy controls of SPEC §4's decision, in its order: active hours, merchant category lists, merchant lists,
 * the number of authorizations, the cooldown, the cumulative cap, attestation. The first that fails is returned.
 * Lists: an allow list admits only what it names (an authorization without an MCC fails a category allow list); a
 * block list refuses what it names; the block list wins over the allow list.
 */
export function policyDeclineOf(controls: PolicyControls, usage: PolicyUsage): PolicyDecline | undefined {
  if (!isWithinActiveHours(controls, usage.nowMs)) {
    return { code: 'outside_active_hours', detail: `the card is active ${describeActiveHours(controls)}` };
  }
  const mcc = usage.mcc?.trim() ?? null;
  if (controls.blockedMccs !== null && mcc !== null && controls.blockedMccs.includes(mcc)) return { code: 'blocked_mcc', detail: `merchant category ${mcc} is blocked` };
  if (controls.allowedMccs !== null && controls.allowedMccs.length > 0 && (mcc === null || !controls.allowedMccs.includes(mcc))) {
    return { code: 'blocked_mcc', detail: mcc === null ? 'the card accepts only listed merchant categories and this authorization has none' : `merchant category ${mcc} is not among the allowed ones` };
  }
  if (controls.blockedMerchants !== null && merchantListed(controls.blockedMerchants, usage.merchantNormalizedName)) {
    return { code: 'blocked_merchant', detail: `merchant ${usage.merchantNormalizedName} is blocked` };
  }
  if (controls.allowedMerchants !== null && controls.allowedMerchants.length > 0 && !merchantListed(controls.allowedMerchants, usage.merchantNormalizedName)) {
    return { code: 'blocked_merchant', detail: `merchant ${usage.merchantNormalizedName} is not among the allowed ones` };
  }
  if (controls.maxAuthCount !== null && usage.authCount >= controls.maxAuthCount) {
    return { code: 'auth_count_exceeded', detail: `the card allows ${controls.maxAuthCount} authorizations and has had ${usage.authCount}` };
  }
  const cooldownEndsAtMs = cooldownEnd(controls, usage.lastApprovedAtMs);
  if (cooldownEndsAtMs !== null && usage.nowMs < cooldownEndsAtMs) {
    return { code: 'cooldown_active', detail: `the card is in its ${controls.cooldownMinutes}-minute cooldown until ${new Date(cooldownEndsAtMs).toISOString()}` };
  }
  if (controls.cumulativeMaxCents !== null && usage.cumulativeSpentCents + usage.amountCents > controls.cumulativeMaxCents) {
    return { code: 'cumulative_limit_exceeded', detail: `the card's lifetime cap of ${controls.cumulativeMaxCents} would be exceeded (${usage.cumulativeSpentCents} spent)` };
  }
  if (controls.requireAttestation === true && usage.attestation !== 'attested') {
    return { code: 'attestation_required', detail: `the card requires a declared intent whose details were read shortly before (this authorization is ${usage.attestation})` };
  }
  return undefined;
}

/** When the cooldown after `lastApprovedAtMs` ends; null without a cooldown or a previous authorization. */
export function cooldownEnd(controls: Pick<PolicyControls, 'cooldownMinutes'>, lastApprovedAtMs: number | null): number | null {
  if (controls.cooldownMinutes === null || controls.cooldownMinutes === 0 || lastApprovedAtMs === null) return null;
  return lastApprovedAtMs + controls.cooldownMinutes * 60_000;
}

export function describeActiveHours(controls: Pick<PolicyControls, 'activeHoursStart' | 'activeHoursEnd' | 'activeTimezone' | 'activeDays'>): string {
  const hours = controls.activeHoursStart === null ? 'all day' : `${controls.activeHoursStart}–${controls.activeHoursEnd}`;
  const days = controls.activeDays === null || controls.activeDays.length === 0 ? 'every day' : controls.activeDays.join(', ');
  return `${hours} ${controls.activeTimezone ?? 'UTC'} on ${days}`;
}

/**
 * The per-authorization cap: the card's maxAmount, lowered by an effective per-authorization limit. (A policy's
 * maxAmount is the maxAmount of cards issued under it that do not give their own: a card always has one.)
 */
export function perAuthorizationCapCents(cardMaxAmountCents: number, controls: Pick<PolicyControls, 'limitPerAuthCents'>): number {
  return Math.min(cardMaxAmountCents, controls.limitPerAuthCents ?? Number.MAX_SAFE_INTEGER);
}
