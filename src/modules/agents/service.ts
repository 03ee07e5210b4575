// Agents: creation and registration (idempotent on externalId, issuing the first token), changes (PATCH), their status
// life (active ⇄ suspended → deregistered, which is final and revokes every token), and their tokens' use cases.
// Other modules call the exported functions here, never the agents tables.
import { AppError } from '../../domain/errors.js';
import { credentialExpiryMs } from '../../domain/credentials.js';
import { defaultApprovalMethod, defaultApprovalTimeoutMinutes, type ApprovalMethod } from '../../domain/intents.js';
import { newId } from '../../domain/ids.js';
import { basisPointsPerUnit, defaultLimitWarningThresholdBps } from '../../domain/limit-warnings.js';
import { spendWindow, type SpendingLimitFrequency } from '../../domain/limit-windows.js';
import { forShare, forUpdate, type Sql } from '../../store/database.js';
import { openCardCountsOfAgents } from '../cards/counts.js';
import { recordEvent } from '../events/service.js';
import { requirePolicy } from '../policies/service.js';
import { columnEquals, inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';
import { requireApprovedUser } from '../users/service.js';
import type {
  AgentStatus,
  CardLimitFrequency,
  CreateAgentInput,
  CreateAgentTokenInput,
  LimitExceededAction,
  ListAgentsQuery,
  RegisterAgentInput,
  UpdateAgentInput,
} from './schemas.js';
import { agentSpendInWindowCents } from './spend.js';
import { issueAgentToken, listTokensOfAgent, revokeAllTokensOfAgent, revokeTokenOfAgent, type AgentToken } from './tokens.js';

export interface Agent {
  id: string;
  organizationId: string;
  environment: string;
  userId: string;
  name: string;
  description: string | null;
  externalId: string | null;
  spendingLimitCents: number | null;
  spendingLimitFrequency: SpendingLimitFrequency;
  onLimitExceeded: LimitExceededAction;
  /** null: no limit on the agent's open cards. */
  maxCards: number | null;
  /** The limit a new card without limits of its own gets, as its perDay or perMonth limit; null: none. */
  defaultCardLimitCents: number | null;
  defaultCardLimitFrequency: CardLimitFrequency;
  /** The share of the spending limit (basis points) whose crossing records agent.limit_warning. */
  limitWarningThresholdBps: number;
  /** Start of the spending window last warned about (null: none since the limit last changed). */
  limitWarningWindowStartMs: number | null;
  requireApproval: boolean;
  autoApproveBelowCents: number | null;
  /** Who may approve the agent's intents where a card and its policies set none. */
  approvalMethod: ApprovalMethod;
  /** Minutes its intents wait for approval where a card and its policies set none. */
  approvalTimeoutMinutes: number;
  status: AgentStatus;
  statusReason: string | null;
  metadata: Record<string, string>;
  /** The spending policy under every card's own policy (SPEC §11); null: none. */
  defaultPolicyId: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  deregisteredAtMs: number | null;
}

export interface AgentRow {
  id: string;
  organization_id: string;
  environment: string;
  user_id: string;
  name: string;
  description: string | null;
  external_id: string | null;
  spending_limit: number | null;
  spending_limit_frequency: SpendingLimitFrequency;
  on_limit_exceeded: LimitExceededAction;
  max_cards: number | null;
  default_card_limit: number | null;
  default_card_limit_frequency: CardLimitFrequency;
  limit_warning_threshold_bps: number;
  limit_warning_window_start: number | null;
  require_approval: number;
  auto_approve_below: number | null;
  approval_method: ApprovalMethod;
  approval_timeout_minutes: number;
  status: AgentStatus;
  status_reason: string | null;
  metadata: string | null;
  default_policy_id: string | null;
  created_at: number;
  updated_at: number;
  deregistered_at: number | null;
}

export function agentFromRow(row: AgentRow): Agent {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    userId: row.user_id,
    name: row.name,
    description: row.description,
    externalId: row.external_id,
    spendingLimitCents: row.spending_limit,
    spendingLimitFrequency: row.spending_limit_frequency,
    onLimitExceeded: row.on_limit_exceeded,
    maxCards: row.max_cards,
    defaultCardLimitCents: row.default_card_limit,
    defaultCardLimitFrequency: row.default_card_limit_frequency,
    limitWarningThresholdBps: row.limit_warning_threshold_bps,
    limitWarningWindowStartMs: row.limit_warning_window_start,
    requireApproval: row.require_approval === 1,
    autoApproveBelowCents: row.auto_approve_below,
    approvalMethod: row.approval_method,
    approvalTimeoutMinutes: Number(row.approval_timeout_minutes),
    status: row.status,
    statusReason: row.status_reason,
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    defaultPolicyId: row.default_policy_id ?? null,
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
    deregisteredAtMs: row.deregistered_at,
  };
}

/** What the agent object shows that is not a column: read from its transactions and cards when it is presented. */
export interface AgentFigures {
  /** Cents spent in the current window of its spending-limit frequency (0 for perTransaction). */
  currentSpendCents: number;
  /** Cards not closed. */
  cardCount: number;
}

export function presentAgent(agent: Agent, figures: AgentFigures) {
  return {
    object: 'agent' as const,
    id: agent.id,
    userId: agent.userId,
    name: agent.name,
    description: agent.description,
    externalId: agent.externalId,
    spendingLimit: agent.spendingLimitCents,
    spendingLimitFrequency: agent.spendingLimitFrequency,
    currentSpend: figures.currentSpendCents,
    limitWarningThreshold: agent.limitWarningThresholdBps / basisPointsPerUnit,
    onLimitExceeded: agent.onLimitExceeded,
    maxCards: agent.maxCards,
    cardCount: figures.cardCount,
    defaultCardLimit: agent.defaultCardLimitCents,
    defaultCardLimitFrequency: agent.defaultCardLimitFrequency,
    defaultPolicyId: agent.defaultPolicyId,
    requireApproval: agent.requireApproval,
    autoApproveBelow: agent.autoApproveBelowCents,
    approvalMethod: agent.approvalMethod,
    approvalTimeoutMinutes: agent.approvalTimeoutMinutes,
    status: agent.status,
    statusReason: agent.statusReason,
    metadata: agent.metadata,
    createdAt: new Date(agent.createdAtMs).toISOString(),
    updatedAt: new Date(agent.updatedAtMs).toISOString(),
    deregisteredAt: agent.deregisteredAtMs === null ? null : new Date(agent.deregisteredAtMs).toISOString(),
  };
}

/** The figures of each agent at `nowMs`: one spend read per agent (its window differs) and one count of open cards for all. */
export async function agentFiguresAt(sql: Sql, agents: readonly Agent[], nowMs: number): Promise<Map<string, AgentFigures>> {
  const cardCounts = await openCardCountsOfAgents(
    sql,
    agents.map((agent) => agent.id),
  );
  const figures = new Map<string, AgentFigures>();
  for (const agent of agents) {
    const window = spendWindow(agent.spendingLimitFrequency, nowMs);
    const currentSpendCents = window === null ? 0 : await agentSpendInWindowCents(sql, agent.id, window);
    figures.set(agent.id, { currentSpendCents, cardCount: cardCounts.get(agent.id) ?? 0 });
  }
  return figures;
}

/** The agent as the API and its events show it at `nowMs`. */
export async function presentAgentAt(sql: Sql, agent: Agent, nowMs: number) {
  const figures = await agentFiguresAt(sql, [agent], nowMs);
  return presentAgent(agent, figures.get(agent.id)!);
}

async function recordAgentEvent(tx: Sql, scope: Scope, type: string, agent: Agent, nowMs: number, extra: Record<string, unknown> = {}): Promise<void> {
  await recordEvent(tx, scope, type, { ...(await presentAgentAt(tx, agent, nowMs)), ...extra }, nowMs);
}

/** Default when registration names no frequency: a calendar month, the seeds' example and stricter than per transaction. */
export const defaultSpendingLimitFrequency: SpendingLimitFrequency = 'perMonth';
/** Default when a default card limit names no frequency: the card's monthly limit, as the agent's own default is monthly. */
export const defaultCardLimitFrequency: CardLimitFrequency = 'perMonth';
/** The name given to the token issued at registration. */
export const registrationTokenName = 'registration';

/** Basis points of a share the request schema already bounded to (0, 1] with at most four decimals. */
export function thresholdBpsOf(share: number): number {
  const bps = Math.round(share * basisPointsPerUnit);
  if (!Number.isSafeInteger(bps) || bps <= 0 || bps > basisPointsPerUnit) throw new Error(`limit warning threshold ${share} is outside (0, 1]`);
  return bps;
}

const selectAgent = 'SELECT * FROM agents WHERE id = ? AND organization_id = ? AND environment = ?';

export async function getAgent(sql: Sql, scope: Scope, agentId: string): Promise<Agent> {
  const row = await sql.get<AgentRow>(selectAgent, [agentId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  return agentFromRow(row);
}

/** For writes that depend on the agent's status: on PostgreSQL the row stays locked until the transaction ends. */
export async function getAgentForUpdate(tx: Sql, scope: Scope, agentId: string): Promise<Agent> {
  const row = await tx.get<AgentRow>(`${selectAgent}${forUpdate(tx)}`, [agentId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  return agentFromRow(row);
}

/**
 * Hook for the card and intent modules: the agent, which must be `active` (else 409 `agent_not_active`). On
 * PostgreSQL it holds a share lock on the agent row until the transaction ends, so a concurrent suspension or
 * deregistration (which takes the row for update) is ordered before or after the caller's write, never beside it:
 * a card cannot be created for an agent whose deregistration is closing its cards at that moment.
 */
export async function lockActiveAgent(tx: Sql, scope: Scope, agentId: string): Promise<Agent> {
  const row = await tx.get<AgentRow>(`${selectAgent}${forShare(tx)}`, [agentId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  const agent = agentFromRow(row);
  if (agent.status !== 'active') throw new AppError('agent_not_active', { agentId, status: agent.status });
  return agent;
}

async function findAgentByExternalId(sql: Sql, scope: Scope, externalId: string): Promise<Agent | undefined> {
  const row = await sql.get<AgentRow>('SELECT * FROM agents WHERE organization_id = ? AND environment = ? AND external_id = ?', [scope.organizationId, scope.environment, externalId]);
  return row === undefined ? undefined : agentFromRow(row);
}

function newAgent(scope: Scope, input: CreateAgentInput, externalId: string | null, nowMs: number): Agent {
  return {
    id: newId('agent', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    userId: input.userId,
    name: input.name,
    description: input.description ?? null,
    externalId,
    spendingLimitCents: input.spendingLimit ?? null,
    spendingLimitFrequency: input.spendingLimitFrequency ?? defaultSpendingLimitFrequency,
    onLimitExceeded: input.onLimitExceeded ?? 'none',
    maxCards: input.maxCards ?? null,
    defaultCardLimitCents: input.defaultCardLimit ?? null,
    defaultCardLimitFrequency: input.defaultCardLimitFrequency ?? defaultCardLimitFrequency,
    limitWarningThresholdBps: input.limitWarningThreshold === undefined ? defaultLimitWarningThresholdBps : thresholdBpsOf(input.limitWarningThreshold),
    limitWarningWindowStartMs: null,
    requireApproval: input.requireApproval ?? false,
    autoApproveBelowCents: input.autoApproveBelow ?? null,
    approvalMethod: input.approvalMethod ?? defaultApprovalMethod,
    approvalTimeoutMinutes: input.approvalTimeoutMinutes ?? defaultApprovalTimeoutMinutes,
    status: 'active',
    statusReason: null,
    metadata: input.metadata ?? {},
    defaultPolicyId: input.defaultPolicyId ?? null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    deregisteredAtMs: null,
  };
}

/** A default policy named in a request must be a policy of the scope (404 naming defaultPolicyId). */
async function requireDefaultPolicy(sql: Sql, scope: Scope, policyId: string | null | undefined): Promise<void> {
  if (policyId !== undefined && policyId !== null) await requirePolicy(sql, scope, policyId, 'defaultPolicyId');
}

/** Inserts a new agent; false when its externalId was taken meanwhile (`ON CONFLICT DO NOTHING` keeps the transaction usable). */
async function insertAgent(tx: Sql, agent: Agent): Promise<boolean> {
  const inserted = await tx.run(
    `INSERT INTO agents (id, organization_id, environment, user_id, name, description, external_id, spending_limit, spending_limit_frequency,
       on_limit_exceeded, max_cards, default_card_limit, default_card_limit_frequency, limit_warning_threshold_bps, require_approval,
       auto_approve_below, status, status_reason, metadata, created_at, updated_at, default_policy_id, approval_method, approval_timeout_minutes)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (organization_id, environment, external_id) DO NOTHING`,
    [
      agent.id,
      agent.organizationId,
      agent.environment,
      agent.userId,
      agent.name,
      agent.description,
      agent.externalId,
      agent.spendingLimitCents,
      agent.spendingLimitFrequency,
      agent.onLimitExceeded,
      agent.maxCards,
      agent.defaultCardLimitCents,
      agent.defaultCardLimitFrequency,
      agent.limitWarningThresholdBps,
      agent.requireApproval ? 1 : 0,
      agent.autoApproveBelowCents,
      agent.status,
      agent.statusReason,
      JSON.stringify(agent.metadata),
      agent.createdAtMs,
      agent.updatedAtMs,
      agent.defaultPolicyId,
      agent.approvalMethod,
      agent.approvalTimeoutMinutes,
    ],
  );
  return inserted.changes === 1;
}

/**
 * `POST /v1/agents`: an agent of an approved user, without a token (LedgerOS's create answers the agent; tokens come
 * from `POST /v1/agents/{id}/tokens`) and without an externalId, so without registration's idempotency.
 */
export async function createAgent(tx: Sql, scope: Scope, input: CreateAgentInput, nowMs: number): Promise<Agent> {
  await requireApprovedUser(tx, scope, input.userId, 'have agents');
  await requireDefaultPolicy(tx, scope, input.defaultPolicyId);
  const agent = newAgent(scope, input, null, nowMs);
  if (!(await insertAgent(tx, agent))) throw new Error(`agent ${agent.id} without externalId conflicted on insert`);
  await recordAgentEvent(tx, scope, 'agent.created', agent, nowMs);
  return agent;
}

export interface AgentRegistration {
  agent: Agent;
  /** false when an existing agent was returned for its externalId. */
  created: boolean;
  /** The new token's secret, shown once; null when none was issued. */
  token: string | null;
  tokenId: string | null;
}

/** The agent an externalId already names is the answer, unchanged, unless it belongs to another user. */
function existingForExternalId(existing: Agent, input: RegisterAgentInput): AgentRegistration {
  if (existing.userId !== input.userId) {
    throw new AppError('external_id_in_use', { param: 'externalId', externalId: existing.externalId ?? '', agentId: existing.id });
  }
  return { agent: existing, created: false, token: null, tokenId: null };
}

/**
 * Registers an agent and issues its first token (returned once, stored hashed). The same `externalId` again
 * returns the existing agent with `created: false`, `token: null` and issues nothing — also when registrations race:
 * the unique index on (organization, environment, external_id) decides, the loser's insert does nothing
 * (`ON CONFLICT DO NOTHING`, which raises no error, so the transaction stays usable) and it re-reads the winner.
 */
export async function registerAgent(tx: Sql, scope: Scope, input: RegisterAgentInput, nowMs: number): Promise<AgentRegistration> {
  if (input.externalId !== undefined) {
    const existing = await findAgentByExternalId(tx, scope, input.externalId);
    if (existing !== undefined) return existingForExternalId(existing, input);
  }
  await requireApprovedUser(tx, scope, input.userId, 'have agents');
  await requireDefaultPolicy(tx, scope, input.defaultPolicyId);
  const agent = newAgent(scope, input, input.externalId ?? null, nowMs);
  if (!(await insertAgent(tx, agent))) {
    // Only a non-null externalId can conflict: a concurrent registration of it committed first.
    const winner = input.externalId === undefined ? undefined : await findAgentByExternalId(tx, scope, input.externalId);
    if (winner === undefined) throw new Error(`agent insert for externalId ${String(input.externalId)} conflicted but no agent holds it`);
    return existingForExternalId(winner, input);
  }
  await recordAgentEvent(tx, scope, 'agent.created', agent, nowMs);
  const { token, secret } = await issueAgentToken(tx, scope, agent.id, { name: registrationTokenName, expiresAtMs: null }, nowMs);
  return { agent, created: true, token: secret, tokenId: token.id };
}

export async function listAgents(sql: Sql, scope: Scope, query: ListAgentsQuery, nowMs: number) {
  const page = await listPage(sql, 'agents', [inScope(scope), columnEquals('user_id', query.userId)], query, agentFromRow);
  const figures = await agentFiguresAt(sql, page.data, nowMs);
  return { ...page, data: page.data.map((agent) => presentAgent(agent, figures.get(agent.id)!)) };
}

// ---- status life ------------------------------------------------------------------------------------------------

export type AgentStatusAction = 'suspend' | 'activate' | 'deregister';

const transitions: Record<AgentStatusAction, { from: readonly AgentStatus[]; to: AgentStatus; event: string }> = {
  suspend: { from: ['active'], to: 'suspended', event: 'agent.suspended' },
  activate: { from: ['suspended'], to: 'active', event: 'agent.activated' },
  deregister: { from: ['active', 'suspended'], to: 'deregistered', event: 'agent.deregistered' },
};

export interface AgentStatusChange {
  action: AgentStatusAction;
  previousStatus: AgentStatus;
  /** The agent after the change. */
  agent: Agent;
}

/**
 * What else an agent's status change does, inside its transaction, after the agent's row and event are written, so
 * that it commits or rolls back with the change: the card module's `cardsFollowAgentStatus` freezes the cards of a
 * suspended agent, unfreezes them on activation and closes those of a deregistered one. Passed in because the card
 * module depends on agents, not the other way round; src/app.ts wires it (`AppContext.followAgentStatus`).
 */
export type AgentStatusFollower = (tx: Sql, scope: Scope, change: AgentStatusChange, nowMs: number) => Promise<void>;

/** The one way an agent's status changes: the status endpoints, PATCH status, and the limit and risk engines. */
async function changeAgentStatus(
  tx: Sql,
  scope: Scope,
  agentId: string,
  action: AgentStatusAction,
  statusReason: string | null,
  followAgentStatus: AgentStatusFollower,
  nowMs: number,
): Promise<AgentStatusChange> {
  const agent = await getAgentForUpdate(tx, scope, agentId);
  const transition = transitions[action];
  if (!transition.from.includes(agent.status)) throw new AppError('invalid_status_transition', { action, resource: 'agent', id: agentId, status: agent.status });
  const deregisteredAtMs = action === 'deregister' ? nowMs : agent.deregisteredAtMs;
  // Conditional on the status read, so that of two concurrent changes only one applies (SQLite has no row lock).
  const updated = await tx.run('UPDATE agents SET status = ?, status_reason = ?, deregistered_at = ?, updated_at = ? WHERE id = ? AND status = ?', [
    transition.to,
    statusReason,
    deregisteredAtMs,
    nowMs,
    agentId,
    agent.status,
  ]);
  if (updated.changes === 0) {
    const current = await getAgent(tx, scope, agentId);
    throw new AppError('invalid_status_transition', { action, resource: 'agent', id: agentId, status: current.status });
  }
  const changed: Agent = { ...agent, status: transition.to, statusReason, deregisteredAtMs, updatedAtMs: nowMs };
  await recordAgentEvent(tx, scope, transition.event, changed, nowMs);
  if (action === 'deregister') await revokeAllTokensOfAgent(tx, scope, agentId, nowMs);
  const change: AgentStatusChange = { action, previousStatus: agent.status, agent: changed };
  await followAgentStatus(tx, scope, change, nowMs);
  return change;
}

/** `statusReason`: `manual` from the API; the authorization and risk paths pass `limit_exceeded` or `risk_<rule>`. */
export async function suspendAgent(tx: Sql, scope: Scope, agentId: string, statusReason: string, followAgentStatus: AgentStatusFollower, nowMs: number): Promise<AgentStatusChange> {
  return changeAgentStatus(tx, scope, agentId, 'suspend', statusReason, followAgentStatus, nowMs);
}

/**
 * Hook for the authorization and risk paths: suspends the agent if it is still active and returns it, or returns
 * `undefined` when it is already suspended or deregistered (two authorizations deciding to suspend at once must not
 * fail the second one's transaction).
 */
export async function suspendAgentIfActive(
  tx: Sql,
  scope: Scope,
  agentId: string,
  statusReason: string,
  followAgentStatus: AgentStatusFollower,
  nowMs: number,
): Promise<Agent | undefined> {
  const agent = await getAgentForUpdate(tx, scope, agentId);
  if (agent.status !== 'active') return undefined;
  return (await changeAgentStatus(tx, scope, agentId, 'suspend', statusReason, followAgentStatus, nowMs)).agent;
}

export async function activateAgent(tx: Sql, scope: Scope, agentId: string, followAgentStatus: AgentStatusFollower, nowMs: number): Promise<AgentStatusChange> {
  return changeAgentStatus(tx, scope, agentId, 'activate', null, followAgentStatus, nowMs);
}

/** Final: every token is revoked at once and `followAgentStatus` closes the cards. */
export async function deregisterAgent(tx: Sql, scope: Scope, agentId: string, followAgentStatus: AgentStatusFollower, nowMs: number): Promise<AgentStatusChange> {
  return changeAgentStatus(tx, scope, agentId, 'deregister', null, followAgentStatus, nowMs);
}

/** Hook for the budget warning (policy.ts): the spending window last warned about. Not a change of the agent's settings. */
export async function rememberLimitWarningWindow(tx: Sql, agentId: string, windowStartMs: number): Promise<void> {
  await tx.run('UPDATE agents SET limit_warning_window_start = ? WHERE id = ?', [windowStartMs, agentId]);
}

// ---- changes (PATCH) ----------------------------------------------------------------------------------------------

/** The agent with the patch's fields applied (absent: unchanged; null: cleared). Status is not a field here. */
function patchedAgent(agent: Agent, patch: UpdateAgentInput): Agent {
  const keep = <T>(value: T | undefined, current: T): T => (value === undefined ? current : value);
  return {
    ...agent,
    name: keep(patch.name, agent.name),
    description: keep(patch.description, agent.description),
    spendingLimitCents: keep(patch.spendingLimit, agent.spendingLimitCents),
    spendingLimitFrequency: keep(patch.spendingLimitFrequency, agent.spendingLimitFrequency),
    onLimitExceeded: keep(patch.onLimitExceeded, agent.onLimitExceeded),
    maxCards: keep(patch.maxCards, agent.maxCards),
    defaultCardLimitCents: keep(patch.defaultCardLimit, agent.defaultCardLimitCents),
    defaultCardLimitFrequency: keep(patch.defaultCardLimitFrequency, agent.defaultCardLimitFrequency),
    limitWarningThresholdBps: patch.limitWarningThreshold === undefined ? agent.limitWarningThresholdBps : thresholdBpsOf(patch.limitWarningThreshold),
    defaultPolicyId: keep(patch.defaultPolicyId, agent.defaultPolicyId),
    metadata: keep(patch.metadata, agent.metadata),
    requireApproval: keep(patch.requireApproval, agent.requireApproval),
    autoApproveBelowCents: keep(patch.autoApproveBelow, agent.autoApproveBelowCents),
    approvalMethod: keep(patch.approvalMethod, agent.approvalMethod),
    approvalTimeoutMinutes: keep(patch.approvalTimeoutMinutes, agent.approvalTimeoutMinutes),
  };
}

/** The API fields whose value differs between two versions of an agent, with the earlier values (figures are not settings). */
function previousAttributes(before: Agent, after: Agent): Record<string, unknown> {
  const sameFigures: AgentFigures = { currentSpendCents: 0, cardCount: 0 };
  const earlier = presentAgent(before, sameFigures) as Record<string, unknown>;
  const later = presentAgent(after, sameFigures) as Record<string, unknown>;
  const changed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(earlier)) {
    if (field !== 'updatedAt' && JSON.stringify(value) !== JSON.stringify(later[field])) changed[field] = value;
  }
  return changed;
}

async function writeAgentSettings(tx: Sql, agent: Agent): Promise<void> {
  await tx.run(
    `UPDATE agents SET name = ?, description = ?, spending_limit = ?, spending_limit_frequency = ?, on_limit_exceeded = ?, max_cards = ?,
       default_card_limit = ?, default_card_limit_frequency = ?, limit_warning_threshold_bps = ?, limit_warning_window_start = ?, metadata = ?,
       require_approval = ?, auto_approve_below = ?, updated_at = ?, default_policy_id = ?, approval_method = ?, approval_timeout_minutes = ?
     WHERE id = ?`,
    [
      agent.name,
      agent.description,
      agent.spendingLimitCents,
      agent.spendingLimitFrequency,
      agent.onLimitExceeded,
      agent.maxCards,
      agent.defaultCardLimitCents,
      agent.defaultCardLimitFrequency,
      agent.limitWarningThresholdBps,
      agent.limitWarningWindowStartMs,
      JSON.stringify(agent.metadata),
      agent.requireApproval ? 1 : 0,
      agent.autoApproveBelowCents,
      agent.updatedAtMs,
      agent.defaultPolicyId,
      agent.approvalMethod,
      agent.approvalTimeoutMinutes,
      agent.id,
    ],
  );
}

/**
 * `PATCH /v1/agents/{id}`: settings change in place (`agent.updated` with `previousAttributes`, only when something
 * differs), then a `status` other than the current one goes through the same transition as the suspend and activate
 * endpoints (its event, and the cards following). A deregistered agent refuses every change (409 agent_deregistered).
 * A new limit, frequency or warning share re-arms the budget warning for the current window.
 */
export async function updateAgent(tx: Sql, scope: Scope, agentId: string, patch: UpdateAgentInput, followAgentStatus: AgentStatusFollower, nowMs: number): Promise<Agent> {
  const agent = await getAgentForUpdate(tx, scope, agentId);
  if (agent.status === 'deregistered') throw new AppError('agent_deregistered', { agentId });
  await requireDefaultPolicy(tx, scope, patch.defaultPolicyId);
  const patched = patchedAgent(agent, patch);
  const changed = previousAttributes(agent, patched);
  let current = agent;
  if (Object.keys(changed).length > 0) {
    const budgetChanged = 'spendingLimit' in changed || 'spendingLimitFrequency' in changed || 'limitWarningThreshold' in changed;
    current = { ...patched, limitWarningWindowStartMs: budgetChanged ? null : agent.limitWarningWindowStartMs, updatedAtMs: nowMs };
    await writeAgentSettings(tx, current);
    await recordAgentEvent(tx, scope, 'agent.updated', current, nowMs, { previousAttributes: changed });
  }
  if (patch.status === undefined || patch.status === current.status) return current;
  const change =
    patch.status === 'suspended' ? await suspendAgent(tx, scope, agentId, 'manual', followAgentStatus, nowMs) : await activateAgent(tx, scope, agentId, followAgentStatus, nowMs);
  return change.agent;
}

// ---- tokens -----------------------------------------------------------------------------------------------------

/** A new token for an active agent; `expiresAt` must be in the future of the environment's time. */
export async function createAgentToken(
  tx: Sql,
  scope: Scope,
  agentId: string,
  input: CreateAgentTokenInput,
  nowMs: number,
): Promise<{ token: AgentToken; secret: string }> {
  await lockActiveAgent(tx, scope, agentId);
  return issueAgentToken(tx, scope, agentId, { name: input.name, expiresAtMs: credentialExpiryMs(input.expiresAt, nowMs) }, nowMs);
}

export async function listAgentTokens(sql: Sql, scope: Scope, agentId: string, query: ListQuery, nowMs: number) {
  const agent = await getAgent(sql, scope, agentId);
  return listTokensOfAgent(sql, scope, agent.id, query, nowMs);
}

export async function revokeAgentToken(tx: Sql, scope: Scope, agentId: string, tokenId: string, nowMs: number): Promise<AgentToken> {
  const agent = await getAgent(tx, scope, agentId);
  return revokeTokenOfAgent(tx, scope, agent.id, tokenId, nowMs);
}
