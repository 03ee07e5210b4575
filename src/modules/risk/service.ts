// The risk engine's use cases beyond settings: carrying out what fired rules ask (freeze the card, suspend the
// agent) inside the authorization's (or the card-details read's) transaction, recording each firing as an alert with
// its `risk.<rule>` event, the alert list, and resolving alerts. Agent and card overrides are read and written here too.
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import {
  effectiveRiskSettings,
  riskEventType,
  riskRuleSnakeName,
  type DetailsRiskFacts,
  type RiskFacts,
  type RiskFiring,
  type RiskOverridesPatch,
} from '../../domain/risk-rules.js';
import type { Sql } from '../../store/database.js';
import { insertRows } from '../../store/multi-row.js';
import { getAgent, suspendAgentIfActive, type AgentStatusFollower } from '../agents/service.js';
import { freezeCard, getCard, systemActor, updateCard, type Card } from '../cards/service.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage } from '../pagination.js';
import type { Principal } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';
import type { ListRiskAlertsQuery, RiskAlertStatus, RiskOutcome, RiskOverridesPatchInput } from './schemas.js';
import { getOrganizationRiskSettings, getRiskOverrides, updateRiskOverrides, type StoredOverrides } from './settings.js';

export interface RiskAlert {
  id: string;
  rule: RiskFiring['rule'];
  eventType: string;
  action: RiskFiring['action'];
  outcome: RiskOutcome;
  dryRun: boolean;
  status: RiskAlertStatus;
  detail: string;
  facts: Record<string, unknown>;
  cardId: string | null;
  agentId: string | null;
  userId: string | null;
  transactionId: string | null;
  resolutionNote: string | null;
  resolvedBy: string | null;
  resolvedAtMs: number | null;
  createdAtMs: number;
}

interface RiskAlertRow {
  id: string;
  rule: RiskFiring['rule'];
  action: RiskFiring['action'];
  outcome: RiskOutcome;
  dry_run: number;
  status: RiskAlertStatus;
  detail: string;
  facts: string;
  card_id: string | null;
  agent_id: string | null;
  user_id: string | null;
  transaction_id: string | null;
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_at: number | null;
  created_at: number;
}

function fromRow(row: RiskAlertRow): RiskAlert {
  return {
    id: row.id,
    rule: row.rule,
    eventType: riskEventType(row.rule),
    action: row.action,
    outcome: row.outcome,
    dryRun: row.dry_run === 1,
    status: row.status,
    detail: row.detail,
    facts: JSON.parse(row.facts) as Record<string, unknown>,
    cardId: row.card_id,
    agentId: row.agent_id,
    userId: row.user_id,
    transactionId: row.transaction_id,
    resolutionNote: row.resolution_note,
    resolvedBy: row.resolved_by,
    resolvedAtMs: row.resolved_at,
    createdAtMs: row.created_at,
  };
}

export function presentRiskAlert(alert: RiskAlert) {
  return {
    object: 'risk_alert' as const,
    id: alert.id,
    rule: alert.rule,
    eventType: alert.eventType,
    action: alert.action,
    outcome: alert.outcome,
    dryRun: alert.dryRun,
    status: alert.status,
    detail: alert.detail,
    facts: alert.facts,
    cardId: alert.cardId,
    agentId: alert.agentId,
    userId: alert.userId,
    transactionId: alert.transactionId,
    resolution:
      alert.resolvedAtMs === null ? null : { note: alert.resolutionNote, by: alert.resolvedBy ?? 'unknown', resolvedAt: new Date(alert.resolvedAtMs).toISOString() },
    createdAt: new Date(alert.createdAtMs).toISOString(),
  };
}

/** What one authorization's firings are about, or one card-details read's. */
export type RiskSubject =
  | { card: Card; transactionId: string; facts: RiskFacts }
  | {
      card: Card;
      transactionId?: undefined;
      facts: DetailsRiskFacts;
      /** The credential.accessed event of the read; undefined when the details were refused. */
      accessEventId: string | undefined;
    };

/** The statusReason a rule's freeze or suspension leaves: `risk_<rule>`, e.g. `risk_velocity`. */
export function riskStatusReason(firing: RiskFiring): `risk_${string}` {
  return `risk_${riskRuleSnakeName(firing.rule)}`;
}

async function carryOut(
  tx: Sql,
  scope: Scope,
  firing: RiskFiring,
  subject: RiskSubject,
  declined: boolean,
  followAgentStatus: AgentStatusFollower,
  nowMs: number,
): Promise<RiskOutcome> {
  if (firing.dryRun) return 'dry_run';
  switch (firing.action) {
    case 'alert':
      return 'alerted';
    case 'decline':
      return declined ? 'declined' : 'alerted';
    case 'freeze_card': {
      const before = await getCard(tx, scope, subject.card.id);
      if (before.status !== 'active') return 'already_applied';
      await freezeCard(tx, scope, subject.card.id, riskStatusReason(firing), systemActor(firing.rule), nowMs);
      return 'card_frozen';
    }
    case 'suspend_agent':
      // `followAgentStatus` freezes every card of the agent in this same transaction.
      return (await suspendAgentIfActive(tx, scope, subject.card.agentId, riskStatusReason(firing), followAgentStatus, nowMs)) === undefined ? 'already_applied' : 'agent_suspended';
  }
}

/**
 * Acts on and records firings of one authorization (or card-details read), in its transaction: the action first (so
 * `card.frozen` or `agent.suspended` precede it), then the alert and its `risk.<rule>` event carrying the outcome.
 * `declined` says the authorization (or the details) was refused by these firings' decline.
 */
export async function recordRiskFirings(
  tx: Sql,
  scope: Scope,
  firings: readonly RiskFiring[],
  subject: RiskSubject,
  declined: boolean,
  followAgentStatus: AgentStatusFollower,
  nowMs: number,
): Promise<RiskAlert[]> {
  const alerts: RiskAlert[] = [];
  for (const firing of firings) {
    const outcome = await carryOut(tx, scope, firing, subject, declined, followAgentStatus, nowMs);
    const alert = riskAlertOf(firing, subject, outcome, newId('alert', nowMs), nowMs);
    await insertRiskAlerts(tx, [{ scope, alert }]);
    await recordEvent(tx, scope, alert.eventType, presentRiskAlert(alert), nowMs);
    alerts.push(alert);
  }
  return alerts;
}

/** Whether carrying out the firing changes records (a card frozen, an agent suspended), beyond its alert. */
export function firingActs(firing: RiskFiring): boolean {
  return !firing.dryRun && (firing.action === 'freeze_card' || firing.action === 'suspend_agent');
}

/** The outcome of a firing that does not act (`firingActs` false), as `recordRiskFirings` would record it. */
export function outcomeWithoutAction(firing: RiskFiring, declined: boolean): RiskOutcome {
  if (firing.dryRun) return 'dry_run';
  if (firing.action === 'decline' && declined) return 'declined';
  if (firing.action === 'alert' || firing.action === 'decline') return 'alerted';
  throw new Error(`the ${firing.action} of ${firing.rule} acts; record it with recordRiskFirings`);
}

/** The alert a firing leaves (pure). */
export function riskAlertOf(firing: RiskFiring, subject: RiskSubject, outcome: RiskOutcome, id: string, nowMs: number): RiskAlert {
  return {
    id,
    rule: firing.rule,
    eventType: firing.eventType,
    action: firing.action,
    outcome,
    dryRun: firing.dryRun,
    status: 'open',
    detail: firing.detail,
    facts: factsOfAlert(subject),
    cardId: subject.card.id,
    agentId: subject.card.agentId,
    userId: subject.card.userId,
    transactionId: subject.transactionId ?? null,
    resolutionNote: null,
    resolvedBy: null,
    resolvedAtMs: null,
    createdAtMs: nowMs,
  };
}

const alertColumns = ['id', 'organization_id', 'environment', 'rule', 'action', 'outcome', 'dry_run', 'status', 'detail', 'facts', 'card_id', 'agent_id', 'user_id', 'transaction_id', 'created_at'];

/** Writes new alerts (status open), each in its own scope, with multi-row statements. */
export async function insertRiskAlerts(tx: Sql, alerts: readonly { scope: Scope; alert: RiskAlert }[]): Promise<void> {
  await insertRows(
    tx,
    'risk_alerts',
    alertColumns,
    alerts.map(({ scope, alert }) => [
      alert.id,
      scope.organizationId,
      scope.environment,
      alert.rule,
      alert.action,
      alert.outcome,
      alert.dryRun ? 1 : 0,
      'open',
      alert.detail,
      JSON.stringify(alert.facts),
      alert.cardId,
      alert.agentId,
      alert.userId,
      alert.transactionId,
      alert.createdAtMs,
    ]),
  );
}

function factsOfAlert(subject: RiskSubject): Record<string, unknown> {
  if (subject.transactionId === undefined) {
    const { facts } = subject;
    return {
      intentId: facts.intentId,
      accessEventId: subject.accessEventId ?? null,
      declaredAmount: facts.declared.amountCents,
      declaredMerchant: facts.declared.merchantText,
      expectedAmount: facts.attested.amountCents,
      merchantText: facts.attested.merchantText,
      mismatches: facts.mismatches.map((mismatch) => mismatch.field),
    };
  }
  const { facts } = subject;
  return {
    amount: facts.amountCents,
    merchant: facts.merchantNormalizedName,
    pinnedMerchant: facts.card.pinnedMerchant,
    attestation: facts.attestation,
    intentMatch: facts.intentMatch,
    ...(facts.cardHistory === undefined ? {} : { cardHistory: facts.cardHistory }),
    ...(facts.agentBaseline === undefined ? {} : { agentBaseline: facts.agentBaseline }),
  };
}

export async function getRiskAlert(sql: Sql, scope: Scope, alertId: string): Promise<RiskAlert> {
  const row = await sql.get<RiskAlertRow>('SELECT * FROM risk_alerts WHERE id = ? AND organization_id = ? AND environment = ?', [alertId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'risk alert', id: alertId, param: 'id' });
  return fromRow(row);
}

export async function listRiskAlerts(sql: Sql, scope: Scope, query: ListRiskAlertsQuery) {
  const filters = [
    inScope(scope),
    columnEquals('status', query.status),
    columnEquals('rule', query.rule),
    columnEquals('card_id', query.cardId),
    columnEquals('agent_id', query.agentId),
    columnEquals('transaction_id', query.transactionId),
  ];
  return listPage(sql, 'risk_alerts', filters, query, (row: RiskAlertRow) => presentRiskAlert(fromRow(row)));
}

/** open → resolved, once; the note and the key that resolved it are kept and `risk_alert.resolved` is recorded. */
export async function resolveRiskAlert(tx: Sql, scope: Scope, principal: Principal, alertId: string, note: string | undefined, nowMs: number): Promise<RiskAlert> {
  const alert = await getRiskAlert(tx, scope, alertId);
  const updated = await tx.run(`UPDATE risk_alerts SET status = 'resolved', resolution_note = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND status = 'open'`, [
    note ?? null,
    principal.id,
    nowMs,
    alertId,
  ]);
  if (updated.changes === 0) throw new AppError('invalid_status_transition', { action: 'resolve', resource: 'risk alert', id: alertId, status: 'resolved' });
  const resolved: RiskAlert = { ...alert, status: 'resolved', resolutionNote: note ?? null, resolvedBy: principal.id, resolvedAtMs: nowMs };
  await recordEvent(tx, scope, 'risk_alert.resolved', presentRiskAlert(resolved), nowMs);
  return resolved;
}

/** An agent's overrides with the settings that result for it (its cards may override further). */
export async function getAgentRiskOverrides(sql: Sql, scope: Scope, agentId: string) {
  const agent = await getAgent(sql, scope, agentId);
  return presentOverrides(sql, scope, agent.id, undefined, await getRiskOverrides(sql, scope, 'agent', agent.id));
}

export async function updateAgentRiskOverrides(tx: Sql, scope: Scope, agentId: string, patch: RiskOverridesPatchInput, nowMs: number) {
  const agent = await getAgent(tx, scope, agentId);
  const stored = await updateRiskOverrides(tx, scope, 'agent', agent.id, patch as RiskOverridesPatch, nowMs);
  const presented = await presentOverrides(tx, scope, agent.id, undefined, stored);
  await recordEvent(tx, scope, 'risk_settings.updated', presented, nowMs);
  return presented;
}

/**
 * A card's overrides. Its merchant-drift setting is the card's own `merchantDriftEnabled` / `onDrift` (seed 000),
 * so that rule is read from and written to the card; `null` for it resets the card to the agent's or
 * organization's values of now.
 */
export async function getCardRiskOverrides(sql: Sql, scope: Scope, cardId: string) {
  const card = await getCard(sql, scope, cardId);
  return presentOverrides(sql, scope, card.agentId, card, await getRiskOverrides(sql, scope, 'card', card.id));
}

export async function updateCardRiskOverrides(tx: Sql, scope: Scope, cardId: string, patch: RiskOverridesPatchInput, nowMs: number) {
  let card = await getCard(tx, scope, cardId);
  const { merchantDrift, ...otherRules } = patch.rules ?? {};
  if (merchantDrift !== undefined) {
    // Merge patch on the card's own pair: a value sets, null (the rule or one field) takes the inherited value of now.
    const inherited = (await inheritedSettings(tx, scope, card.agentId)).rules.merchantDrift;
    const enabled = merchantDrift === null || merchantDrift.enabled === null ? inherited.enabled : (merchantDrift.enabled ?? card.merchantDriftEnabled);
    const action = merchantDrift === null || merchantDrift.action === null ? inherited.action : (merchantDrift.action ?? card.onDrift);
    card = await updateCard(tx, scope, card.id, { merchantDriftEnabled: enabled, onDrift: action }, systemActor('risk_settings'), nowMs);
  }
  const overridesPatch = { ...(patch.dryRun === undefined ? {} : { dryRun: patch.dryRun }), rules: otherRules } as RiskOverridesPatch;
  const stored = await updateRiskOverrides(tx, scope, 'card', card.id, overridesPatch, nowMs);
  const presented = await presentOverrides(tx, scope, card.agentId, card, stored);
  await recordEvent(tx, scope, 'risk_settings.updated', presented, nowMs);
  return presented;
}

async function inheritedSettings(sql: Sql, scope: Scope, agentId: string) {
  const organization = await getOrganizationRiskSettings(sql, scope);
  const agentOverrides = await getRiskOverrides(sql, scope, 'agent', agentId);
  return effectiveRiskSettings(organization, agentOverrides.overrides);
}

async function presentOverrides(sql: Sql, scope: Scope, agentId: string, card: Card | undefined, stored: StoredOverrides) {
  const inherited = await inheritedSettings(sql, scope, agentId);
  const cardDrift = card === undefined ? undefined : { enabled: card.merchantDriftEnabled, action: card.onDrift };
  const overrides = cardDrift === undefined ? stored.overrides : { ...stored.overrides, rules: { merchantDrift: cardDrift, ...stored.overrides.rules } };
  const effective = effectiveRiskSettings(inherited, card === undefined ? undefined : overrides);
  return {
    object: 'risk_overrides' as const,
    level: card === undefined ? ('agent' as const) : ('card' as const),
    agentId,
    cardId: card?.id ?? null,
    overrides,
    effective,
    updatedAt: stored.updatedAtMs === null ? null : new Date(stored.updatedAtMs).toISOString(),
  };
}
