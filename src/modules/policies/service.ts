// Spending policies (SPEC §4, §11): reusable controls, created, listed, read and changed by API keys. This module
// owns the spending_policies table; cards and agents name a policy by id. Changing a policy changes, at once, what
// every card under it may do (the authorization reads the policy in its transaction), except the values a card
// takes when it is issued (maxAmount, onDrift, merchant drift).
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { RiskAction } from '../../domain/risk-rules.js';
import { isKnownTimeZone, mergeControls, noControls, parseTimeOfDay, policyControlKeys, type ControlSource, type OnExpiry, type PolicyControls } from '../../domain/spending-policy.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { rawPanNeedsAcknowledgement, type ExposureMode } from '../../domain/credential-exposure.js';
import type { ApprovalMethod } from '../../domain/intents.js';
import { getOrganization } from '../organizations/service.js';
import { recordEvent } from '../events/service.js';
import { inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';
import type { CreatePolicyInput, UpdatePolicyInput } from './schemas.js';

export interface SpendingPolicy {
  id: string;
  name: string;
  description: string | null;
  controls: PolicyControls;
  /** The drift action cards issued under the policy take (stored canonical: `freeze` is `freeze_card`). */
  onDrift: RiskAction | null;
  /** How its cards expose their number where a card sets none; null: the agent's default policy or the organization decides. */
  credentialExposure: ExposureMode | null;
  /** Who may approve its cards' intents where a card sets none; null: the agent's default policy or the agent decides. */
  approvalMethod: ApprovalMethod | null;
  /** Minutes its cards' intents wait for approval where a card sets none; null: as approvalMethod. */
  approvalTimeoutMinutes: number | null;
  metadata: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
}

interface PolicyRow {
  id: string;
  name: string;
  description: string | null;
  ttl_minutes: number | null;
  on_expiry: OnExpiry | null;
  controls: string;
  metadata: string | null;
  created_at: number;
  updated_at: number;
}

/** The JSON of the controls column: every control but ttl and onExpiry (columns of their own), plus onDrift, the exposure and the approval settings. */
type StoredControls = Partial<PolicyControls> & {
  onDrift?: RiskAction | null;
  credentialExposure?: ExposureMode | null;
  approvalMethod?: ApprovalMethod | null;
  approvalTimeoutMinutes?: number | null;
};

function fromRow(row: PolicyRow): SpendingPolicy {
  const stored = JSON.parse(row.controls) as StoredControls;
  const { onDrift, credentialExposure, approvalMethod, approvalTimeoutMinutes, ...controls } = stored;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    controls: { ...noControls, ...controls, ttlMinutes: row.ttl_minutes === null ? null : Number(row.ttl_minutes), onExpiry: row.on_expiry },
    onDrift: onDrift ?? null,
    credentialExposure: credentialExposure ?? null,
    approvalMethod: approvalMethod ?? null,
    approvalTimeoutMinutes: approvalTimeoutMinutes ?? null,
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    createdAtMs: Number(row.created_at),
    updatedAtMs: Number(row.updated_at),
  };
}

export function presentPolicy(policy: SpendingPolicy) {
  const { controls } = policy;
  return {
    object: 'policy' as const,
    id: policy.id,
    name: policy.name,
    description: policy.description,
    ttlMinutes: controls.ttlMinutes,
    onExpiry: controls.onExpiry,
    activeHoursStart: controls.activeHoursStart,
    activeHoursEnd: controls.activeHoursEnd,
    activeTimezone: controls.activeTimezone,
    activeDays: controls.activeDays === null ? null : [...controls.activeDays],
    maxAmount: controls.maxAmountCents,
    cumulativeMax: controls.cumulativeMaxCents,
    maxAuthCount: controls.maxAuthCount,
    cooldownMinutes: controls.cooldownMinutes,
    limitPerAuth: controls.limitPerAuthCents,
    limitPerDay: controls.limitPerDayCents,
    limitPerMonth: controls.limitPerMonthCents,
    allowedMccs: controls.allowedMccs === null ? null : [...controls.allowedMccs],
    blockedMccs: controls.blockedMccs === null ? null : [...controls.blockedMccs],
    allowedMerchants: controls.allowedMerchants === null ? null : [...controls.allowedMerchants],
    blockedMerchants: controls.blockedMerchants === null ? null : [...controls.blockedMerchants],
    merchantHint: controls.merchantHint,
    onDrift: policy.onDrift,
    requireAttestation: controls.requireAttestation,
    intentTolerance: controls.intentTolerance,
    credentialExposure: policy.credentialExposure,
    approvalMethod: policy.approvalMethod,
    approvalTimeoutMinutes: policy.approvalTimeoutMinutes,
    metadata: policy.metadata,
    createdAt: new Date(policy.createdAtMs).toISOString(),
    updatedAt: new Date(policy.updatedAtMs).toISOString(),
  };
}

/** The API's field names (cents without the suffix) → the controls' names. */
const apiFieldOfControl: Readonly<Record<keyof PolicyControls, string>> = Object.fromEntries(
  policyControlKeys.map((key) => [key, key.endsWith('Cents') ? key.slice(0, -'Cents'.length) : key]),
) as Record<keyof PolicyControls, string>;

export function apiFieldOf(key: keyof PolicyControls): string {
  return apiFieldOfControl[key];
}

/** Controls from a request body: set fields only (undefined stays undefined; null, in a PATCH, clears). */
function controlsOfInput(input: Record<string, unknown>): Partial<Record<keyof PolicyControls, unknown>> {
  const controls: Partial<Record<keyof PolicyControls, unknown>> = {};
  for (const key of policyControlKeys) {
    const value = input[apiFieldOfControl[key]];
    if (value !== undefined) controls[key] = value;
  }
  return controls;
}

function invalid(param: string, reason: string): AppError {
  return new AppError('invalid_parameter_value', { param, reason });
}

/** The checks across fields that a schema of single fields cannot make; `controls` is the policy as it will be. */
export function checkControls(controls: PolicyControls): void {
  const { activeHoursStart: start, activeHoursEnd: end } = controls;
  if ((start === null) !== (end === null)) throw invalid(start === null ? 'activeHoursStart' : 'activeHoursEnd', 'activeHoursStart and activeHoursEnd are set together');
  if (start !== null && end !== null && parseTimeOfDay(start) === parseTimeOfDay(end)) {
    throw invalid('activeHoursEnd', 'the active hours end when they start; to allow the whole day, leave both unset');
  }
  if (controls.activeTimezone !== null && !isKnownTimeZone(controls.activeTimezone)) {
    throw invalid('activeTimezone', `${controls.activeTimezone} is not an IANA time zone (for example Europe/Paris, America/New_York or UTC)`);
  }
  if (controls.activeTimezone !== null && start === null && controls.activeDays === null) throw invalid('activeTimezone', 'a time zone needs activeHoursStart/End or activeDays');
  if (controls.activeDays !== null && new Set(controls.activeDays).size !== controls.activeDays.length) throw invalid('activeDays', 'a day is listed twice');
  if (controls.limitPerDayCents !== null && controls.limitPerMonthCents !== null && controls.limitPerMonthCents < controls.limitPerDayCents) {
    throw invalid('limitPerMonth', `the monthly limit (${controls.limitPerMonthCents}) is below the daily limit (${controls.limitPerDayCents})`);
  }
  if (controls.onExpiry !== null && controls.ttlMinutes === null) throw invalid('onExpiry', 'onExpiry needs ttlMinutes');
}

/** rawPan where the organization's default is safer must be acknowledged (422 raw_pan_acknowledgement_required). */
export async function requireRawPanAcknowledgement(sql: Sql, scope: Scope, requested: ExposureMode | null | undefined, acknowledged: boolean | undefined): Promise<void> {
  if (requested !== 'rawPan') return;
  const organization = await getOrganization(sql, scope.organizationId);
  if (rawPanNeedsAcknowledgement(requested, organization.defaultCredentialExposure, acknowledged)) {
    throw new AppError('raw_pan_acknowledgement_required', { param: 'acknowledgeRawPanRisk' });
  }
}

/** `freeze` is LedgerOS's name for the risk engine's `freeze_card`. */
export function canonicalOnDrift(onDrift: string): RiskAction {
  return (onDrift === 'freeze' ? 'freeze_card' : onDrift) as RiskAction;
}

async function writePolicy(tx: Sql, scope: Scope, policy: SpendingPolicy, insert: boolean): Promise<void> {
  const { ttlMinutes, onExpiry, ...rest } = policy.controls;
  const stored: StoredControls = {
    ...rest,
    onDrift: policy.onDrift,
    credentialExposure: policy.credentialExposure,
    approvalMethod: policy.approvalMethod,
    approvalTimeoutMinutes: policy.approvalTimeoutMinutes,
  };
  const values = [policy.name, policy.description, ttlMinutes, onExpiry, JSON.stringify(stored), JSON.stringify(policy.metadata), policy.updatedAtMs];
  if (insert) {
    await tx.run(
      `INSERT INTO spending_policies (name, description, ttl_minutes, on_expiry, controls, metadata, updated_at, id, organization_id, environment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [...values, policy.id, scope.organizationId, scope.environment, policy.createdAtMs],
    );
  } else {
    await tx.run(`UPDATE spending_policies SET name = ?, description = ?, ttl_minutes = ?, on_expiry = ?, controls = ?, metadata = ?, updated_at = ? WHERE id = ?`, [...values, policy.id]);
  }
}

export async function createPolicy(tx: Sql, scope: Scope, input: CreatePolicyInput, nowMs: number): Promise<SpendingPolicy> {
  const policy: SpendingPolicy = {
    id: newId('pol', nowMs),
    name: input.name,
    description: input.description ?? null,
    controls: { ...noControls, ...(controlsOfInput(input) as Partial<PolicyControls>) },
    onDrift: input.onDrift === undefined ? null : canonicalOnDrift(input.onDrift),
    credentialExposure: input.credentialExposure ?? null,
    approvalMethod: input.approvalMethod ?? null,
    approvalTimeoutMinutes: input.approvalTimeoutMinutes ?? null,
    metadata: input.metadata ?? {},
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  if (policy.controls.ttlMinutes !== null && policy.controls.onExpiry === null) policy.controls = { ...policy.controls, onExpiry: 'close' };
  checkControls(policy.controls);
  await requireRawPanAcknowledgement(tx, scope, input.credentialExposure, input.acknowledgeRawPanRisk);
  await writePolicy(tx, scope, policy, true);
  await recordEvent(tx, scope, 'policy.created', presentPolicy(policy), nowMs);
  return policy;
}

/** Absent fields stay; null clears a control (name cannot be cleared). */
export async function updatePolicy(tx: Sql, scope: Scope, policyId: string, patch: UpdatePolicyInput, nowMs: number): Promise<SpendingPolicy> {
  const current = await getPolicy(tx, scope, policyId, true);
  const controls = { ...current.controls, ...(controlsOfInput(patch) as Partial<PolicyControls>) };
  if (patch.ttlMinutes === null) controls.onExpiry = null;
  else if (controls.ttlMinutes !== null && controls.onExpiry === null) controls.onExpiry = 'close';
  const updated: SpendingPolicy = {
    ...current,
    name: patch.name ?? current.name,
    description: patch.description === undefined ? current.description : patch.description,
    controls,
    onDrift: patch.onDrift === undefined ? current.onDrift : patch.onDrift === null ? null : canonicalOnDrift(patch.onDrift),
    credentialExposure: patch.credentialExposure === undefined ? current.credentialExposure : patch.credentialExposure,
    approvalMethod: patch.approvalMethod === undefined ? current.approvalMethod : patch.approvalMethod,
    approvalTimeoutMinutes: patch.approvalTimeoutMinutes === undefined ? current.approvalTimeoutMinutes : patch.approvalTimeoutMinutes,
    metadata: patch.metadata ?? current.metadata,
    updatedAtMs: nowMs,
  };
  checkControls(updated.controls);
  await requireRawPanAcknowledgement(tx, scope, patch.credentialExposure, patch.acknowledgeRawPanRisk);
  await writePolicy(tx, scope, updated, false);
  await recordEvent(tx, scope, 'policy.updated', presentPolicy(updated), nowMs);
  return updated;
}

function policyNotFound(policyId: string, param: string): AppError {
  return new AppError('resource_not_found', { resource: 'policy', id: policyId, param });
}

export async function getPolicy(sql: Sql, scope: Scope, policyId: string, lock = false, param = 'id'): Promise<SpendingPolicy> {
  const row = await sql.get<PolicyRow>(`SELECT * FROM spending_policies WHERE id = ? AND organization_id = ? AND environment = ?${lock ? forUpdate(sql) : ''}`, [
    policyId,
    scope.organizationId,
    scope.environment,
  ]);
  if (row === undefined) throw policyNotFound(policyId, param);
  return fromRow(row);
}

/** A policy id given in a card's or agent's request: it must name a policy of the same scope (404 naming the field). */
export async function requirePolicy(sql: Sql, scope: Scope, policyId: string, param: string): Promise<SpendingPolicy> {
  return getPolicy(sql, scope, policyId, false, param);
}

export async function listPolicies(sql: Sql, scope: Scope, query: ListQuery) {
  return listPage(sql, 'spending_policies', [inScope(scope)], query, (row: PolicyRow) => presentPolicy(fromRow(row)));
}

/** Policies by id (the authorization reads a card's and its agent's in one statement); unknown ids are left out. */
export async function policiesById(sql: Sql, ids: readonly (string | null)[]): Promise<Map<string, SpendingPolicy>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  const found = new Map<string, SpendingPolicy>();
  if (wanted.length === 0) return found;
  const rows = await sql.all<PolicyRow>(`SELECT * FROM spending_policies WHERE id IN (${wanted.map(() => '?').join(', ')})`, wanted);
  for (const row of rows) found.set(row.id, fromRow(row));
  return found;
}

/** A card's effective controls from its own fields, its policy and its agent's default policy, and where each came from. */
export function effectiveControls(
  own: Partial<PolicyControls>,
  policy: SpendingPolicy | undefined,
  agentPolicy: SpendingPolicy | undefined,
): { controls: PolicyControls; sources: Partial<Record<keyof PolicyControls, ControlSource>> } {
  const levels: [ControlSource, Partial<PolicyControls> | undefined][] = [
    ['card', own],
    ['policy', policy?.controls],
    ['agentPolicy', agentPolicy?.controls],
  ];
  const controls = mergeControls(levels.map(([, level]) => level));
  const sources: Partial<Record<keyof PolicyControls, ControlSource>> = {};
  for (const key of policyControlKeys) {
    if (controls[key] === null) continue;
    const source = levels.find(([, level]) => level !== undefined && level[key] !== null && level[key] !== undefined && sameValue(level[key], controls[key]));
    if (source !== undefined) sources[key] = source[0];
  }
  return { controls, sources };
}

function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}
