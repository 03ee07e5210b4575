// Agents: registration (idempotent on externalId, issuing the first token), their status life
// (active ⇄ suspended → deregistered, which is final and revokes every token), and their tokens' use cases.
// Other modules call the exported functions here, never the agents tables.
import { AppError } from '../../domain/errors.js';
import { credentialExpiryMs } from '../../domain/credentials.js';
import { newId } from '../../domain/ids.js';
import type { SpendingLimitFrequency } from '../../domain/limit-windows.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../scope.js';
import { requireApprovedUser } from '../users/service.js';
import type { AgentStatus, CreateAgentTokenInput, LimitExceededAction, ListAgentsQuery, RegisterAgentInput } from './schemas.js';
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
  requireApproval: boolean;
  autoApproveBelowCents: number | null;
  status: AgentStatus;
  statusReason: string | null;
  metadata: Record<string, string>;
  /** The spending policy under every card's own policy (SPEC §11); null: none. */
  defaultPolicyId: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

interface AgentRow {
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
  require_approval: number;
  auto_approve_below: number | null;
  status: AgentStatus;
  status_reason: string | null;
  metadata: string | null;
  default_policy_id: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(row: AgentRow): Agent {
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
    requireApproval: row.require_approval === 1,
    autoApproveBelowCents: row.auto_approve_below,
    status: row.status,
    statusReason: row.status_reason,
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    defaultPolicyId: row.default_policy_id ?? null,
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
  };
}

export function presentAgent(agent: Agent) {
  return {
    object: 'agent' as const,
    id: agent.id,
    userId: agent.userId,
    name: agent.name,
    description: agent.description,
    externalId: agent.externalId,
    spendingLimit: agent.spendingLimitCents,
    spendingLimitFrequency: agent.spendingLimitFrequency,
    onLimitExceeded: agent.onLimitExceeded,
    requireApproval: agent.requireApproval,
    autoApproveBelow: agent.autoApproveBelowCents,
    status: agent.status,
    statusReason: agent.statusReason,
    metadata: agent.metadata,
    createdAt: new Date(agent.createdAtMs).toISOString(),
    updatedAt: new Date(agent.updatedAtMs).toISOString(),
  };
}

/** Default when registration names no frequency: a calendar month, the seeds' example and stricter than per transaction. */
export const defaultSpendingLimitFrequency: SpendingLimitFrequency = 'perMonth';
/** The name given to the token issued at registration. */
export const registrationTokenName = 'registration';

const selectAgent = 'SELECT * FROM agents WHERE id = ? AND organization_id = ? AND environment = ?';

export async function getAgent(sql: Sql, scope: Scope, agentId: string): Promise<Agent> {
  const row = await sql.get<AgentRow>(selectAgent, [agentId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  return fromRow(row);
}

/** For writes that depend on the agent's status: on PostgreSQL the row stays locked until the transaction ends. */
export async function getAgentForUpdate(tx: Sql, scope: Scope, agentId: string): Promise<Agent> {
  const row = await tx.get<AgentRow>(`${selectAgent}${tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [agentId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  return fromRow(row);
}

/**
 * Hook for the card and intent modules: the agent, which must be `active` (else 409 `agent_not_active`). On
 * PostgreSQL it holds a share lock on the agent row until the transaction ends, so a concurrent suspension or
 * deregistration (which takes the row for update) is ordered before or after the caller's write, never beside it:
 * a card cannot be created for an agent whose deregistration is closing its cards at that moment.
 */
export async function lockActiveAgent(tx: Sql, scope: Scope, agentId: string): Promise<Agent> {
  const row = await tx.get<AgentRow>(`${selectAgent}${tx.dialect === 'postgres' ? ' FOR SHARE' : ''}`, [agentId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  const agent = fromRow(row);
  if (agent.status !== 'active') throw new AppError('agent_not_active', { agentId, status: agent.status });
  return agent;
}

async function findAgentByExternalId(sql: Sql, scope: Scope, externalId: string): Promise<Agent | undefined> {
  const row = await sql.get<AgentRow>('SELECT * FROM agents WHERE organization_id = ? AND environment = ? AND external_id = ?', [scope.organizationId, scope.environment, externalId]);
  return row === undefined ? undefined : fromRow(row);
}

/** The agent an externalId already names is the answer, unchanged, unless it belongs to another user. */
function existingForExternalId(existing: Agent, input: RegisterAgentInput): { agent: Agent; token: null } {
  if (existing.userId !== input.userId) {
    throw new AppError('external_id_in_use', { param: 'externalId', externalId: existing.externalId ?? '', agentId: existing.id });
  }
  return { agent: existing, token: null };
}

/**
 * Registers an agent and issues its first token (returned once, stored hashed). The same `externalId` again
 * returns the existing agent with `token: null` and issues nothing — also when registrations race: the unique
 * index on (organization, environment, external_id) decides, the loser's insert does nothing
 * (`ON CONFLICT DO NOTHING`, which raises no error, so the transaction stays usable) and it re-reads the winner.
 */
export async function registerAgent(tx: Sql, scope: Scope, input: RegisterAgentInput, nowMs: number): Promise<{ agent: Agent; token: string | null }> {
  if (input.externalId !== undefined) {
    const existing = await findAgentByExternalId(tx, scope, input.externalId);
    if (existing !== undefined) return existingForExternalId(existing, input);
  }
  await requireApprovedUser(tx, scope, input.userId, 'have agents');
  const agent: Agent = {
    id: newId('agent', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    userId: input.userId,
    name: input.name,
    description: input.description ?? null,
    externalId: input.externalId ?? null,
    spendingLimitCents: input.spendingLimit ?? null,
    spendingLimitFrequency: input.spendingLimitFrequency ?? defaultSpendingLimitFrequency,
    onLimitExceeded: input.onLimitExceeded ?? 'none',
    requireApproval: input.requireApproval ?? false,
    autoApproveBelowCents: input.autoApproveBelow ?? null,
    status: 'active',
    statusReason: null,
    metadata: input.metadata ?? {},
    defaultPolicyId: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  const inserted = await tx.run(
    `INSERT INTO agents (id, organization_id, environment, user_id, name, description, external_id, spending_limit, spending_limit_frequency,
       on_limit_exceeded, require_approval, auto_approve_below, status, status_reason, metadata, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (organization_id, environment, external_id) DO NOTHING`,
    [
      agent.id,
      scope.organizationId,
      scope.environment,
      agent.userId,
      agent.name,
      agent.description,
      agent.externalId,
      agent.spendingLimitCents,
      agent.spendingLimitFrequency,
      agent.onLimitExceeded,
      agent.requireApproval ? 1 : 0,
      agent.autoApproveBelowCents,
      agent.status,
      agent.statusReason,
      JSON.stringify(agent.metadata),
      nowMs,
      nowMs,
    ],
  );
  if (inserted.changes === 0) {
    // Only a non-null externalId can conflict: a concurrent registration of it committed first.
    const winner = input.externalId === undefined ? undefined : await findAgentByExternalId(tx, scope, input.externalId);
    if (winner === undefined) throw new Error(`agent insert for externalId ${String(input.externalId)} conflicted but no agent holds it`);
    return existingForExternalId(winner, input);
  }
  await recordEvent(tx, scope, 'agent.created', presentAgent(agent), nowMs);
  const { secret } = await issueAgentToken(tx, scope, agent.id, { name: registrationTokenName, expiresAtMs: null }, nowMs);
  return { agent, token: secret };
}

export async function listAgents(sql: Sql, scope: Scope, query: ListAgentsQuery) {
  return listPage(sql, 'agents', [inScope(scope), columnEquals('user_id', query.userId)], query, (row: AgentRow) => presentAgent(fromRow(row)));
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

export type AgentStatusListener = (tx: Sql, scope: Scope, change: AgentStatusChange, nowMs: number) => Promise<void>;

const agentStatusListeners: AgentStatusListener[] = [];

/**
 * Hook for the card module (which depends on agents, not the other way round): `listener` runs inside the
 * transaction of every agent status change, after the agent's row and event are written, so what it does (close
 * the cards of a deregistered agent and release their reservations, freeze those of a suspended one) commits or
 * rolls back with the change. Register once, at module load.
 */
export function onAgentStatusChange(listener: AgentStatusListener): void {
  if (!agentStatusListeners.includes(listener)) agentStatusListeners.push(listener);
}

async function changeAgentStatus(
  tx: Sql,
  scope: Scope,
  agentId: string,
  action: AgentStatusAction,
  statusReason: string | null,
  nowMs: number,
): Promise<Agent> {
  const agent = await getAgentForUpdate(tx, scope, agentId);
  const transition = transitions[action];
  if (!transition.from.includes(agent.status)) throw new AppError('invalid_status_transition', { action, resource: 'agent', id: agentId, status: agent.status });
  // Conditional on the status read, so that of two concurrent changes only one applies (SQLite has no row lock).
  const updated = await tx.run('UPDATE agents SET status = ?, status_reason = ?, updated_at = ? WHERE id = ? AND status = ?', [
    transition.to,
    statusReason,
    nowMs,
    agentId,
    agent.status,
  ]);
  if (updated.changes === 0) {
    const current = await getAgent(tx, scope, agentId);
    throw new AppError('invalid_status_transition', { action, resource: 'agent', id: agentId, status: current.status });
  }
  const changed: Agent = { ...agent, status: transition.to, statusReason, updatedAtMs: nowMs };
  await recordEvent(tx, scope, transition.event, presentAgent(changed), nowMs);
  if (action === 'deregister') await revokeAllTokensOfAgent(tx, scope, agentId, nowMs);
  for (const listener of agentStatusListeners) await listener(tx, scope, { action, previousStatus: agent.status, agent: changed }, nowMs);
  return changed;
}

/** `statusReason`: `manual` from the API; the authorization and risk paths pass `limit_exceeded` or `risk_<rule>`. */
export async function suspendAgent(tx: Sql, scope: Scope, agentId: string, statusReason: string, nowMs: number): Promise<Agent> {
  return changeAgentStatus(tx, scope, agentId, 'suspend', statusReason, nowMs);
}

/**
 * Hook for the authorization and risk paths: suspends the agent if it is still active and returns it, or returns
 * `undefined` when it is already suspended or deregistered (two authorizations deciding to suspend at once must not
 * fail the second one's transaction).
 */
export async function suspendAgentIfActive(tx: Sql, scope: Scope, agentId: string, statusReason: string, nowMs: number): Promise<Agent | undefined> {
  const agent = await getAgentForUpdate(tx, scope, agentId);
  if (agent.status !== 'active') return undefined;
  return changeAgentStatus(tx, scope, agentId, 'suspend', statusReason, nowMs);
}

export async function activateAgent(tx: Sql, scope: Scope, agentId: string, nowMs: number): Promise<Agent> {
  return changeAgentStatus(tx, scope, agentId, 'activate', null, nowMs);
}

/** Final: every token is revoked at once and the card module's listener closes the cards. */
export async function deregisterAgent(tx: Sql, scope: Scope, agentId: string, nowMs: number): Promise<Agent> {
  return changeAgentStatus(tx, scope, agentId, 'deregister', null, nowMs);
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

export async function listAgentTokens(sql: Sql, scope: Scope, agentId: string, query: ListQuery) {
  const agent = await getAgent(sql, scope, agentId);
  return listTokensOfAgent(sql, scope, agent.id, query);
}

export async function revokeAgentToken(tx: Sql, scope: Scope, agentId: string, tokenId: string, nowMs: number): Promise<AgentToken> {
  const agent = await getAgent(tx, scope, agentId);
  return revokeTokenOfAgent(tx, scope, agent.id, tokenId, nowMs);
}
