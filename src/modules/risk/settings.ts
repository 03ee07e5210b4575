// Risk settings at each level (SPEC §4 "Risk engine"): the organization's rules (a preset, then PATCHes), and the
// overrides an agent or a card sets. Reads only its own table, so the cards module can take its merchant-drift
// defaults from here without depending on the rest of the risk module.
import {
  defaultRiskPreset,
  effectiveRiskSettings,
  patchRiskOverrides,
  patchRiskRules,
  riskPresets,
  type RiskOverrides,
  type RiskOverridesPatch,
  type RiskPresetName,
  type RiskRuleName,
  type RiskRules,
  type RiskSettings,
} from '../../domain/risk-rules.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import type { Scope } from '../../domain/scope.js';
import type { PatchRiskSettingsInput } from './schemas.js';

export type RiskLevel = 'organization' | 'agent' | 'card';

export interface OrganizationRiskSettings extends RiskSettings {
  preset: RiskPresetName | 'custom';
  updatedAtMs: number | null;
}

interface SettingsRow {
  level: RiskLevel;
  subject_id: string;
  settings: string;
  updated_at: number;
}

const organizationSubject = '';

function defaultOrganizationSettings(): OrganizationRiskSettings {
  return { preset: defaultRiskPreset, dryRun: false, rules: riskPresets[defaultRiskPreset], updatedAtMs: null };
}

function organizationFromRow(row: SettingsRow | undefined): OrganizationRiskSettings {
  if (row === undefined) return defaultOrganizationSettings();
  const stored = JSON.parse(row.settings) as Omit<OrganizationRiskSettings, 'updatedAtMs'>;
  // Rules added after the row was written take the preset's (or moderate's) values.
  const base = riskPresets[stored.preset === 'custom' ? defaultRiskPreset : stored.preset];
  return { preset: stored.preset, dryRun: stored.dryRun, rules: { ...base, ...stored.rules }, updatedAtMs: row.updated_at };
}

async function writeSettings(tx: Sql, scope: Scope, level: RiskLevel, subjectId: string, settings: object, nowMs: number): Promise<void> {
  await tx.run(
    `INSERT INTO risk_settings (organization_id, environment, level, subject_id, settings, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (organization_id, environment, level, subject_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
    [scope.organizationId, scope.environment, level, subjectId, JSON.stringify(settings), nowMs],
  );
}

export async function getOrganizationRiskSettings(sql: Sql, scope: Scope): Promise<OrganizationRiskSettings> {
  const row = await sql.get<SettingsRow>(`SELECT * FROM risk_settings WHERE organization_id = ? AND environment = ? AND level = 'organization' AND subject_id = ?`, [
    scope.organizationId,
    scope.environment,
    organizationSubject,
  ]);
  return organizationFromRow(row);
}

async function saveOrganizationSettings(tx: Sql, scope: Scope, settings: OrganizationRiskSettings, nowMs: number): Promise<OrganizationRiskSettings> {
  const saved = { ...settings, updatedAtMs: nowMs };
  await writeSettings(tx, scope, 'organization', organizationSubject, { preset: saved.preset, dryRun: saved.dryRun, rules: saved.rules }, nowMs);
  await recordEvent(tx, scope, 'risk_settings.updated', presentOrganizationRiskSettings(saved), nowMs);
  return saved;
}

/** PATCH: the given fields change; a change to any rule makes the preset `custom`. */
export async function updateOrganizationRiskSettings(tx: Sql, scope: Scope, input: PatchRiskSettingsInput, nowMs: number): Promise<OrganizationRiskSettings> {
  const current = await getOrganizationRiskSettings(tx, scope);
  const rules: RiskRules = input.rules === undefined ? current.rules : patchRiskRules(current.rules, input.rules);
  const rulesChanged = JSON.stringify(rules) !== JSON.stringify(current.rules);
  return saveOrganizationSettings(tx, scope, { preset: rulesChanged ? 'custom' : current.preset, dryRun: input.dryRun ?? current.dryRun, rules, updatedAtMs: current.updatedAtMs }, nowMs);
}

/**
 * Replaces every rule with the preset's table, then applies `adjustments` (LedgerOS's rule names given with the
 * preset); dry run is set as given (default off). Overrides stay. Adjustments that change the table make it `custom`.
 */
/** A partial change of some rules' fields, as patchRiskRules takes it. */
export type RiskRulesPatch = { [Rule in RiskRuleName]?: Partial<RiskRules[Rule]> };

export async function applyRiskPreset(tx: Sql, scope: Scope, preset: RiskPresetName, dryRun: boolean, nowMs: number, adjustments?: RiskRulesPatch): Promise<OrganizationRiskSettings> {
  const rules = adjustments === undefined ? riskPresets[preset] : patchRiskRules(riskPresets[preset], adjustments);
  const adjusted = JSON.stringify(rules) !== JSON.stringify(riskPresets[preset]);
  return saveOrganizationSettings(tx, scope, { preset: adjusted ? 'custom' : preset, dryRun, rules, updatedAtMs: null }, nowMs);
}

export function presentOrganizationRiskSettings(settings: OrganizationRiskSettings) {
  return {
    object: 'risk_settings' as const,
    preset: settings.preset,
    dryRun: settings.dryRun,
    rules: settings.rules,
    // LedgerOS's names of three rules, repeated so an integration written against LedgerOS reads them where it looks.
    duplicateDetection: settings.rules.duplicate,
    velocityLimit: settings.rules.velocity,
    cooldownViolation: settings.rules.cooldown,
    updatedAt: settings.updatedAtMs === null ? null : new Date(settings.updatedAtMs).toISOString(),
  };
}

export interface StoredOverrides {
  overrides: RiskOverrides;
  updatedAtMs: number | null;
}

export async function getRiskOverrides(sql: Sql, scope: Scope, level: 'agent' | 'card', subjectId: string): Promise<StoredOverrides> {
  const row = await sql.get<SettingsRow>('SELECT * FROM risk_settings WHERE organization_id = ? AND environment = ? AND level = ? AND subject_id = ?', [
    scope.organizationId,
    scope.environment,
    level,
    subjectId,
  ]);
  return row === undefined ? { overrides: {}, updatedAtMs: null } : { overrides: JSON.parse(row.settings) as RiskOverrides, updatedAtMs: row.updated_at };
}

/** Merge patch of an agent's or card's overrides; the caller has checked the subject exists in scope. */
export async function updateRiskOverrides(tx: Sql, scope: Scope, level: 'agent' | 'card', subjectId: string, patch: RiskOverridesPatch, nowMs: number): Promise<StoredOverrides> {
  const current = await getRiskOverrides(tx, scope, level, subjectId);
  const overrides = patchRiskOverrides(current.overrides, patch);
  await writeSettings(tx, scope, level, subjectId, overrides, nowMs);
  return { overrides, updatedAtMs: nowMs };
}

/**
 * The settings that apply to one card of one agent: organization, then agent, then card, in one indexed read of
 * at most three rows. The authorization calls this under its locks.
 */
export async function riskSettingsFor(sql: Sql, scope: Scope, agentId: string, cardId: string | undefined): Promise<RiskSettings> {
  const settings = await riskSettingsOfCards(sql, scope, [{ agentId, cardId: cardId ?? '' }]);
  if (cardId !== undefined) return settings.get(`${agentId} ${cardId}`)!;
  // Without a card, the card level is not read (no card id matches '').
  return settings.get(`${agentId} `)!;
}

/**
 * The settings of several cards of one scope with one read: the organization's row and every agent's and card's
 * overrides. Answered by `${agentId} ${cardId}`.
 */
export async function riskSettingsOfCards(sql: Sql, scope: Scope, subjects: readonly { agentId: string; cardId: string }[]): Promise<Map<string, RiskSettings>> {
  const agentIds = [...new Set(subjects.map((subject) => subject.agentId))];
  const cardIds = [...new Set(subjects.map((subject) => subject.cardId))];
  const rows = await sql.all<SettingsRow>(
    `SELECT * FROM risk_settings WHERE organization_id = ? AND environment = ?
       AND ((level = 'organization' AND subject_id = ?) OR (level = 'agent' AND subject_id IN (${agentIds.map(() => '?').join(', ')})) OR (level = 'card' AND subject_id IN (${cardIds.map(() => '?').join(', ')})))`,
    [scope.organizationId, scope.environment, organizationSubject, ...agentIds, ...cardIds],
  );
  const byLevelAndSubject = new Map(rows.map((row) => [`${row.level} ${row.subject_id}`, row]));
  const organization = organizationFromRow(byLevelAndSubject.get(`organization ${organizationSubject}`));
  const overridesOf = (level: 'agent' | 'card', subjectId: string) => {
    const row = byLevelAndSubject.get(`${level} ${subjectId}`);
    return row === undefined ? undefined : (JSON.parse(row.settings) as RiskOverrides);
  };
  return new Map(
    subjects.map((subject) => [
      `${subject.agentId} ${subject.cardId}`,
      effectiveRiskSettings(organization, overridesOf('agent', subject.agentId), subject.cardId === '' ? undefined : overridesOf('card', subject.cardId)),
    ]),
  );
}
