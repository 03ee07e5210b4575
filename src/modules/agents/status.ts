// What an agent may learn about its own standing (SPEC §7 ledger_status and ledger_funding): its user's verification
// and balance, its own status and spending policy, whether it can spend now and why not, and where its user deposits.
// Agent tokens reach these for their own agent only (another agent answers 404); the user endpoints stay API-key only.
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { fundingMethodsOn } from '../../domain/funding-networks.js';
import { defineRoute } from '../../http/route-definition.js';
import { presentBalance, readUserBalances } from '../../ledger/balances.js';
import type { Sql } from '../../store/database.js';
import { listCards } from '../cards/service.js';
import { fundingInstructionsSchema } from '../funding/schemas.js';
import { fundingInstructions } from '../funding/service.js';
import { scopeOf, visibleTo, type Principal } from '../../domain/principal.js';
import { applicationStatuses } from '../users/schemas.js';
import { getUser } from '../users/service.js';
import { agentPolicyAt, presentAgentPolicy } from './policy.js';
import { agentIdParams, agentPolicySchema, agentStatuses } from './schemas.js';
import { getAgent, type Agent } from './service.js';

/** Active cards counted for the status: one page, so the answer costs O(page) whatever the agent holds. */
export const statusCardsCountedMax = 100;

const spendBlockers = ['user_not_approved', 'agent_suspended', 'agent_limit_exceeded', 'no_active_card', 'insufficient_funds'] as const;

export const agentStatusSchema = z.object({
  object: z.literal('agent_status'),
  agentId: z.string(),
  userId: z.string(),
  agent: z.object({
    status: z.enum(agentStatuses),
    statusReason: z.string().nullable().describe('Why the agent is not active: manual, limit_exceeded, or the risk rule that suspended it'),
  }),
  verification: z.object({
    applicationStatus: z.enum(applicationStatuses).describe("The user's KYC status; only approved users can spend"),
    rejectionReason: z.string().nullable(),
  }),
  balance: z.object({
    currency: z.literal('USD'),
    total: z.number().int().describe('cents: available + reserved + pending'),
    available: z.number().int().describe('cents not held or reserved: what new cards can reserve and authorizations can draw'),
    reserved: z.number().int().describe("cents reserved for the user's open cards (all of the user's agents)"),
    pending: z.number().int().describe('cents held by pending authorizations and withdrawals'),
    debt: z.number().int().describe('cents owed after force posts or over-clearings; deposits repay it first'),
  }),
  policy: agentPolicySchema,
  cards: z.object({
    active: z.number().int().describe(`The agent's active cards, counted up to ${statusCardsCountedMax}`),
    reserved: z.number().int().describe('cents reserved on those cards, spendable by this agent first'),
  }),
  canSpend: z.boolean().describe('Whether an authorization could be approved now, before card-level limits, risk rules and the amount are judged'),
  reasons: z
    .array(z.object({ code: z.enum(spendBlockers), message: z.string() }))
    .describe('Why canSpend is false, in the order the authorization decision checks; empty when it is true'),
});

type SpendBlocker = z.infer<typeof agentStatusSchema>['reasons'][number];

/** The agent of `agentId` when the principal may see it: an agent token only its own (others answer 404, as another tenant's would). */
async function visibleAgent(sql: Sql, principal: Principal, agentId: string): Promise<Agent> {
  if (!visibleTo(principal, agentId)) throw new AppError('resource_not_found', { resource: 'agent', id: agentId, param: 'id' });
  return getAgent(sql, scopeOf(principal), agentId);
}

export async function agentStatus(sql: Sql, principal: Principal, agentId: string, nowMs: number): Promise<z.input<typeof agentStatusSchema>> {
  const scope = scopeOf(principal);
  const agent = await visibleAgent(sql, principal, agentId);
  const user = await getUser(sql, scope, agent.userId);
  const balance = presentBalance(user.id, await readUserBalances(sql, user.id));
  const policy = await agentPolicyAt(sql, agent, nowMs);
  const activeCards = await listCards(sql, scope, { agentId: agent.id, status: 'active' }, { limit: statusCardsCountedMax });
  const cardsReservedCents = activeCards.data.reduce((sum, card) => sum + card.reservation, 0);
  if (!Number.isSafeInteger(cardsReservedCents)) throw new Error(`reservations of agent ${agent.id} are outside the safe integer range`);

  const reasons: SpendBlocker[] = [];
  if (user.applicationStatus !== 'approved') {
    reasons.push({ code: 'user_not_approved', message: `The user's verification is ${user.applicationStatus}; only approved users can spend.` });
  }
  if (agent.status !== 'active') {
    const why = agent.statusReason === null ? '' : ` (${agent.statusReason})`;
    reasons.push({ code: 'agent_suspended', message: `The agent is ${agent.status}${why}; an operator must activate it before it can spend.` });
  }
  if (policy.remainingCents === 0) {
    const windowEndMs = policy.window?.endMs ?? null;
    const until = windowEndMs === null ? '' : ` until ${new Date(windowEndMs).toISOString()}`;
    reasons.push({
      code: 'agent_limit_exceeded',
      message: `The agent's ${policy.spendingLimitFrequency} spending limit of ${policy.spendingLimitCents} cents is used up${until}.`,
    });
  }
  if (activeCards.data.length === 0) {
    reasons.push({ code: 'no_active_card', message: 'The agent has no active card; an operator must create one (or unfreeze a frozen one).' });
  }
  if (balance.available + cardsReservedCents <= 0) {
    reasons.push({ code: 'insufficient_funds', message: "Nothing to spend: the user's available balance and this agent's card reservations are 0; the user must deposit funds." });
  }

  return {
    object: 'agent_status',
    agentId: agent.id,
    userId: user.id,
    agent: { status: agent.status, statusReason: agent.statusReason },
    verification: { applicationStatus: user.applicationStatus, rejectionReason: user.rejectionReason },
    balance: { currency: 'USD', total: balance.total, available: balance.available, reserved: balance.reserved, pending: balance.pending, debt: balance.debt },
    policy: presentAgentPolicy(policy),
    cards: { active: activeCards.data.length, reserved: cardsReservedCents },
    canSpend: reasons.length === 0,
    reasons,
  };
}

const tag = 'Agents';

export const agentStatusRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/agents/{id}/status',
    operationId: 'getAgentStatus',
    summary: "Whether the agent can spend now and why not: its user's verification and balance, its status, policy and active cards (API key, or the agent's own token)",
    tag,
    params: agentIdParams,
    response: agentStatusSchema,
    handler: async ({ sql, principal, params, nowMs }) => agentStatus(sql, principal, params.id, nowMs),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agents/{id}/funding',
    operationId: 'getAgentFundingInstructions',
    summary: "Deposit instructions of the agent's user, as GET /v1/users/{id}/funding answers them (API key, or the agent's own token)",
    tag,
    params: agentIdParams,
    response: fundingInstructionsSchema,
    handler: async ({ sql, principal, params, app }) => {
      const agent = await visibleAgent(sql, principal, params.id);
      return fundingInstructions(sql, scopeOf(principal), agent.userId, app.secrets, fundingMethodsOn(app.config.chains));
    },
  }),
];
