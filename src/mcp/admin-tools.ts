// The admin tools of SPEC §7, for an operator's assistant holding an API key: users and their verification, agents
// and their tokens, cards, risk settings and alerts, webhook endpoints. Each calls the REST API through the SDK and
// adds no rules of its own; an agent token never sees them.
import { z } from 'zod';
import { approvalMethods, approvalTimeoutMinutesMax } from '../domain/intents.js';
import { spendingLimitFrequencies } from '../domain/limit-windows.js';
import { riskPresetNames, riskRuleNames } from '../domain/risk-rules.js';
import { agentSchema, agentTokenSchema, cardLimitFrequencies, limitExceededActions, patchableAgentStatuses } from '../modules/agents/schemas.js';
import { cardSchema, cardStatuses, cardTypes, onDriftActions, onLimitExceededActions } from '../modules/cards/schemas.js';
import { cardPolicySchema, createPolicyBody, policySchema, updatePolicyBody } from '../modules/policies/schemas.js';
import { riskAlertSchema, riskAlertStatuses, riskRulesPatchSchema, riskSettingsSchema } from '../modules/risk/schemas.js';
import { addressSchema, userSchema } from '../modules/users/schemas.js';
import { verificationLinkSchema, verificationStatusSchema } from '../modules/verification/schemas.js';
import { deliverySchema, deliveryStatuses, endpointSchema } from '../modules/webhooks/schemas.js';
import { expectData } from '../sdk/index.js';
import { required } from './session.js';
import { actionInput, defineTool, pageInput, pageOutput } from './tools.js';

const metadataInput = z.record(z.string(), z.string()).optional().describe('Your own key-value strings (up to 50 keys); replaces the metadata');
const cents = z.number().int().min(0).describe('Integer cents (USD): $12.34 is 1234');
const userIdInput = z.string().min(1).max(64).describe('The user (user_…)');
const agentIdInput = z.string().min(1).max(64).describe('The agent (agent_…)');
const cardIdInput = z.string().min(1).max(64).describe('The card (card_…)');
const approvalMethodInput = z.enum(approvalMethods);
const approvalTimeoutMinutesInput = z.number().int().min(1).max(approvalTimeoutMinutesMax);

const balanceSchema = z.object({
  object: z.literal('balance'),
  userId: z.string(),
  currency: z.literal('USD'),
  total: z.number().int().describe('cents: available + reserved + pending'),
  pending: z.number().int().describe('cents held by pending authorizations and withdrawals'),
  reserved: z.number().int().describe("cents reserved for open cards' maxAmount"),
  available: z.number().int().describe('cents that can be spent or reserved now'),
  debt: z.number().int().describe('cents owed after force posts or over-clearings'),
});

const ledgerUsers = defineTool({
  name: 'ledger_users',
  audience: 'admin',
  title: 'Users (cardholders)',
  description:
    'Users are the people whose money agents spend. action=create (firstName, lastName, email): a new user, applicationStatus notStarted — ' +
    'then verify them with ledger_onboarding. action=list: users, newest first. action=get (userId): one user with applicationStatus ' +
    '(notStarted, pending, approved, rejected, manualReview, documentRequired) and rejectionReason. action=update (userId, any of firstName, ' +
    'lastName, email, dateOfBirth YYYY-MM-DD, address, metadata): identity fields are locked (compliance_locked) while verification is pending, ' +
    "in review or approved. action=balance (userId): the user's balance in integer cents — available (= total − pending − reserved) is what " +
    'new cards can reserve. Only approved users can have agents, cards and deposits.',
  input: {
    action: actionInput(['create', 'list', 'get', 'update', 'balance']),
    userId: userIdInput.optional().describe('get, update, balance: the user (user_…)'),
    firstName: z.string().min(1).max(100).optional().describe('create, update'),
    lastName: z.string().min(1).max(100).optional().describe('create, update'),
    email: z.string().min(3).max(254).optional().describe('create, update'),
    dateOfBirth: z.string().optional().describe('update: YYYY-MM-DD'),
    address: addressSchema.optional().describe('update: postal address; country is ISO 3166-1 alpha-2 (US)'),
    metadata: metadataInput,
    ...pageInput,
  },
  output: {
    user: userSchema.optional(),
    users: z.array(userSchema).optional(),
    ...pageOutput,
    balance: balanceSchema.optional(),
  },
  async run(input, session) {
    const client = session.adminClient();
    switch (input.action) {
      case 'create': {
        const body = {
          firstName: required(input.firstName, 'firstName', 'create'),
          lastName: required(input.lastName, 'lastName', 'create'),
          email: required(input.email, 'email', 'create'),
          metadata: input.metadata,
        };
        return { user: expectData(await client.POST('/v1/users', { body })) };
      }
      case 'list': {
        const page = expectData(await client.GET('/v1/users', { params: { query: { limit: input.limit, cursor: input.cursor } } }));
        return { users: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'get': {
        const id = required(input.userId, 'userId', 'get');
        return { user: expectData(await client.GET('/v1/users/{id}', { params: { path: { id } } })) };
      }
      case 'update': {
        const id = required(input.userId, 'userId', 'update');
        const body = { firstName: input.firstName, lastName: input.lastName, email: input.email, dateOfBirth: input.dateOfBirth, address: input.address, metadata: input.metadata };
        return { user: expectData(await client.PATCH('/v1/users/{id}', { params: { path: { id } }, body })) };
      }
      case 'balance': {
        const userId = required(input.userId, 'userId', 'balance');
        return { balance: expectData(await client.GET('/v1/balances/{userId}', { params: { path: { userId } } })) };
      }
    }
  },
});

const ledgerOnboarding = defineTool({
  name: 'ledger_onboarding',
  audience: 'admin',
  title: 'Identity verification (KYC) links',
  description:
    'Identity verification (KYC) of a user. action=start (userId): a verificationUrl to send to the person — a hosted page where they enter ' +
    'their identity; it expires after 7 days. action=link (userId): a fresh URL when the old one expired ("expired" on the page). ' +
    'action=status (userId): applicationStatus (notStarted, pending, approved, rejected, manualReview, documentRequired), rejectionReason and ' +
    'when the form was submitted. A user must be approved before agents, cards or deposits.',
  input: { action: actionInput(['start', 'link', 'status']), userId: userIdInput },
  output: {
    link: verificationLinkSchema.optional().describe('start, link: the URL to send and when it expires'),
    verification: verificationStatusSchema.optional().describe('status'),
  },
  async run(input, session) {
    const client = session.adminClient();
    switch (input.action) {
      case 'start':
        return { link: expectData(await client.POST('/v1/verification/user', { body: { userId: input.userId } })) };
      case 'link':
        return { link: expectData(await client.GET('/v1/verification/user/{userId}/link', { params: { path: { userId: input.userId } } })) };
      case 'status':
        return { verification: expectData(await client.GET('/v1/verification/user/{userId}', { params: { path: { userId: input.userId } } })) };
    }
  },
});

const ledgerAgents = defineTool({
  name: 'ledger_agents',
  audience: 'admin',
  title: 'Agents and agent tokens',
  description:
    'Agents spend an approved user\'s money through cards. action=register (userId, name; optional description, spendingLimit in integer cents ' +
    'with spendingLimitFrequency perTransaction|per24HourPeriod|perWeek|perMonth|perYear|allTime (default perMonth), onLimitExceeded ' +
    'none|notify|suspend, limitWarningThreshold (share of the limit, default 0.8, whose crossing sends agent.limit_warning once per window), ' +
    'maxCards (most open cards), defaultCardLimit cents with defaultCardLimitFrequency perDay|perMonth (the limit of a new card without its own), ' +
    'defaultPolicyId (a spending policy under all its cards), ' +
    'requireApproval with autoApproveBelow cents, approvalMethod apiKey|cardholder|cardholderPasskey (who may approve: an API key, default; only ' +
    'the cardholder on the hosted page; the cardholder with a passkey) and approvalTimeoutMinutes (1–10080, default 60: then the intent is ' +
    'rejected), externalId — registering the same externalId again returns the existing ' +
    'agent without a token, created=false): answers the agent and its first token (at_…), shown only this once — give it to the agent as LEDGER_AGENT_TOKEN. ' +
    'action=create: the same settings without externalId; answers the agent only (issue a token with create_token). ' +
    'action=update (agentId; any setting, null clears; status active|suspended suspends or activates; a deregistered agent cannot change). ' +
    'action=list (optional userId), get (agentId; shows currentSpend and cardCount), suspend (agentId: its authorizations are declined), activate (agentId), deregister ' +
    '(agentId: final — revokes its tokens and closes its cards). Tokens: create_token (agentId, name, optional expiresAt ISO 8601; the secret ' +
    'is shown once), list_tokens (agentId), revoke_token (agentId, tokenId).',
  input: {
    action: actionInput(['register', 'create', 'update', 'list', 'get', 'suspend', 'activate', 'deregister', 'create_token', 'list_tokens', 'revoke_token']),
    agentId: agentIdInput.optional().describe('get, update, suspend, activate, deregister and the token actions: the agent (agent_…)'),
    userId: userIdInput.optional().describe('register, create: the approved user whose money the agent spends; list: only this user\'s agents'),
    name: z.string().min(1).max(100).optional().describe("register, create, update: the agent's name; create_token: a label for the token"),
    description: z.string().max(500).nullable().optional().describe('register, create, update (null clears)'),
    spendingLimit: cents.nullable().optional().describe('register, create, update: the agent-level limit in integer cents; absent (or null on update) means none'),
    spendingLimitFrequency: z.enum(spendingLimitFrequencies).optional().describe('register, create, update: what the limit covers (default perMonth)'),
    onLimitExceeded: z.enum(limitExceededActions).optional().describe('register, create, update: none (decline only, default), notify, suspend'),
    limitWarningThreshold: z.number().gt(0).max(1).optional().describe('register, create, update: the share of spendingLimit (default 0.8) that sends agent.limit_warning'),
    maxCards: z.number().int().min(1).nullable().optional().describe('register, create, update: the most open cards the agent may hold (null: no limit)'),
    defaultCardLimit: z.number().int().min(1).nullable().optional().describe('register, create, update: cents, the limit a new card without its own gets'),
    defaultCardLimitFrequency: z.enum(cardLimitFrequencies).optional().describe('register, create, update: perDay or perMonth (default)'),
    defaultPolicyId: z.string().min(1).max(64).nullable().optional().describe('register, create, update: a spending policy (pol_…, see ledger_policies) under all its cards; update: null detaches it'),
    status: z.enum(patchableAgentStatuses).optional().describe('update: suspended suspends the agent (its cards freeze), active activates it'),
    requireApproval: z.boolean().optional().describe("register, create, update: intents need an operator's approval unless below autoApproveBelow"),
    autoApproveBelow: cents.nullable().optional().describe('register, create, update: intents below this many cents skip approval'),
    approvalMethod: approvalMethodInput
      .optional()
      .describe('register, create, update: who may approve its intents where a card and its policies set none — apiKey (default), cardholder or cardholderPasskey'),
    approvalTimeoutMinutes: approvalTimeoutMinutesInput
      .optional()
      .describe('register, create, update: minutes an intent waits for approval before it is rejected (default 60, at most a week)'),
    externalId: z.string().min(1).max(255).optional().describe('register: your id for the agent (idempotent registration)'),
    metadata: metadataInput,
    tokenId: z.string().min(1).max(64).optional().describe('revoke_token: the token record (tok_…)'),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('create_token: when the token stops working'),
    ...pageInput,
  },
  output: {
    agent: agentSchema.optional(),
    agents: z.array(agentSchema).optional(),
    created: z.boolean().optional().describe('register: false when an existing agent was returned for its externalId'),
    token: z.string().nullable().optional().describe('register, create_token: the agent token secret (at_…), shown only in this answer'),
    tokenId: z.string().nullable().optional().describe('register: the token record (tok_…) of the new token'),
    agentToken: agentTokenSchema.optional().describe('create_token, revoke_token: the token record'),
    agentTokens: z.array(agentTokenSchema).optional(),
    ...pageOutput,
  },
  async run(input, session) {
    const client = session.adminClient();
    const agentPath = (action: string) => ({ path: { id: required(input.agentId, 'agentId', action) } });
    const settings = {
      description: input.description,
      spendingLimit: input.spendingLimit,
      spendingLimitFrequency: input.spendingLimitFrequency,
      onLimitExceeded: input.onLimitExceeded,
      limitWarningThreshold: input.limitWarningThreshold,
      maxCards: input.maxCards,
      defaultCardLimit: input.defaultCardLimit,
      defaultCardLimitFrequency: input.defaultCardLimitFrequency,
      defaultPolicyId: input.defaultPolicyId,
      requireApproval: input.requireApproval,
      autoApproveBelow: input.autoApproveBelow,
      approvalMethod: input.approvalMethod,
      approvalTimeoutMinutes: input.approvalTimeoutMinutes,
      metadata: input.metadata,
    };
    switch (input.action) {
      case 'register': {
        const body = { userId: required(input.userId, 'userId', 'register'), name: required(input.name, 'name', 'register'), ...settings, externalId: input.externalId };
        const { token, tokenId, created, ...agent } = expectData(await client.POST('/v1/agents/register', { body }));
        return { agent, created, token, tokenId };
      }
      case 'create': {
        const body = { userId: required(input.userId, 'userId', 'create'), name: required(input.name, 'name', 'create'), ...settings };
        return { agent: expectData(await client.POST('/v1/agents', { body })) };
      }
      case 'update': {
        const body = { name: input.name, status: input.status, ...settings };
        return { agent: expectData(await client.PATCH('/v1/agents/{id}', { params: agentPath('update'), body })) };
      }
      case 'list': {
        const page = expectData(await client.GET('/v1/agents', { params: { query: { userId: input.userId, limit: input.limit, cursor: input.cursor } } }));
        return { agents: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'get':
        return { agent: expectData(await client.GET('/v1/agents/{id}', { params: agentPath('get') })) };
      case 'suspend':
        return { agent: expectData(await client.POST('/v1/agents/{id}/suspend', { params: agentPath('suspend') })) };
      case 'activate':
        return { agent: expectData(await client.POST('/v1/agents/{id}/activate', { params: agentPath('activate') })) };
      case 'deregister':
        return { agent: expectData(await client.POST('/v1/agents/{id}/deregister', { params: agentPath('deregister') })) };
      case 'create_token': {
        const params = agentPath('create_token');
        const body = { name: required(input.name, 'name', 'create_token'), expiresAt: input.expiresAt };
        const { token, ...agentToken } = expectData(await client.POST('/v1/agents/{id}/tokens', { params, body }));
        return { agentToken, token };
      }
      case 'list_tokens': {
        const { path } = agentPath('list_tokens');
        const page = expectData(await client.GET('/v1/agents/{id}/tokens', { params: { path, query: { limit: input.limit, cursor: input.cursor } } }));
        return { agentTokens: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'revoke_token': {
        const { path } = agentPath('revoke_token');
        const tokenId = required(input.tokenId, 'tokenId', 'revoke_token');
        return { agentToken: expectData(await client.DELETE('/v1/agents/{id}/tokens/{tokenId}', { params: { path: { id: path.id, tokenId } } })) };
      }
    }
  },
});

const cardLimitsInput = z
  .object({
    perAuth: z.number().int().min(1).nullable().optional().describe('cents per authorization, at most maxAmount; update: null removes it'),
    perDay: z.number().int().min(1).nullable().optional().describe('cents per UTC day; update: null removes it'),
    perMonth: z.number().int().min(1).nullable().optional().describe('cents per UTC calendar month; update: null removes it'),
  })
  .optional();

const ledgerCards = defineTool({
  name: 'ledger_cards',
  audience: 'admin',
  title: 'Issue and manage cards',
  description:
    "Virtual cards of an agent. action=create (agentId, purpose, maxAmount = the per-transaction limit in integer cents; type single " +
    "(default: one purchase, then it closes) or multi (reusable, pinned to its first merchant unless merchantDriftEnabled=false); optional " +
    'limits {perAuth, perDay, perMonth}, policyId, merchantHint, maxAuthCount, attestationWindowMinutes, onDrift, onLimitExceeded decline|freeze, ' +
    'requireApproval/autoApproveBelow, approvalMethod apiKey|cardholder|cardholderPasskey and approvalTimeoutMinutes (absent: its policies\', ' +
    "else the agent's), expiresInMinutes or ttlDays, metadata; maxAmount may come from the policy): reserves " +
    "maxAmount from the user's available balance (insufficient_balance names both amounts). action=list (optional agentId, userId, status), " +
    'get (cardId), update (cardId; limits, metadata, approval (requireApproval, autoApproveBelow, approvalMethod, approvalTimeoutMinutes), ' +
    'drift settings — maxAmount cannot change), freeze (cardId: declines until ' +
    'unfrozen), unfreeze (cardId), close (cardId: final, releases the reservation).',
  input: {
    action: actionInput(['create', 'list', 'get', 'update', 'freeze', 'unfreeze', 'close']),
    cardId: cardIdInput.optional().describe('get, update, freeze, unfreeze, close: the card (card_…)'),
    agentId: agentIdInput.optional().describe('create: the agent the card is for; list: only its cards'),
    userId: userIdInput.optional().describe("list: only this user's cards"),
    status: z.enum(cardStatuses).optional().describe('list: only cards in this status'),
    purpose: z.string().min(1).max(500).optional().describe('create: what the card is for, kept for audit'),
    type: z.enum(cardTypes).optional().describe('create: single (default) or multi'),
    maxAmount: z.number().int().min(1).optional().describe('create: per-transaction limit in integer cents, reserved while the card is open'),
    limits: cardLimitsInput,
    merchantDriftEnabled: z.boolean().optional().describe('create, update: pin a multi-use card to its first merchant'),
    onDrift: z.enum(onDriftActions).optional().describe('create, update: what a purchase at another merchant does'),
    onLimitExceeded: z.enum(onLimitExceededActions).optional().describe('create, update: decline, or freeze the card too'),
    requireApproval: z.boolean().optional().describe("create, update: intents need an operator's approval"),
    autoApproveBelow: cents.optional().describe('create, update: with requireApproval, intents below this many cents need none'),
    approvalMethod: approvalMethodInput
      .nullable()
      .optional()
      .describe("create, update: who may approve the card's intents — apiKey, cardholder or cardholderPasskey; update: null follows its policies, else the agent"),
    approvalTimeoutMinutes: approvalTimeoutMinutesInput
      .nullable()
      .optional()
      .describe("create, update: minutes the card's intents wait for approval (1–10080); update: null follows its policies, else the agent"),
    expiresInMinutes: z.number().int().min(1).optional().describe('create: close the card automatically after this long'),
    ttlDays: z.number().int().min(1).optional().describe('create: close the card automatically after this many days (instead of expiresInMinutes)'),
    policyId: z.string().min(1).max(64).nullable().optional().describe('create, update: the spending policy (pol_…) whose controls apply where the card sets none; update: null detaches it'),
    merchantHint: z.string().min(1).max(200).nullable().optional().describe('create, update: multi-use cards: the merchant the card is pinned to before its first use'),
    maxAuthCount: z.number().int().min(1).nullable().optional().describe('create, update: approved authorizations the card may have'),
    attestationWindowMinutes: z.number().int().min(1).max(60).optional().describe('create, update: minutes after the details were read within which a purchase is attested (default 10)'),
    metadata: metadataInput,
    ...pageInput,
  },
  output: { card: cardSchema.optional(), cards: z.array(cardSchema).optional(), ...pageOutput },
  async run(input, session) {
    const client = session.adminClient();
    const cardPath = (action: string) => ({ path: { id: required(input.cardId, 'cardId', action) } });
    switch (input.action) {
      case 'create': {
        const id = required(input.agentId, 'agentId', 'create');
        const limits =
          input.limits === undefined ? undefined : { perAuth: input.limits.perAuth ?? undefined, perDay: input.limits.perDay ?? undefined, perMonth: input.limits.perMonth ?? undefined };
        const body = {
          purpose: required(input.purpose, 'purpose', 'create'),
          maxAmount: input.maxAmount,
          policyId: input.policyId ?? undefined,
          merchantHint: input.merchantHint ?? undefined,
          maxAuthCount: input.maxAuthCount ?? undefined,
          attestationWindowMinutes: input.attestationWindowMinutes,
          ttlDays: input.ttlDays,
          type: input.type,
          limits,
          merchantDriftEnabled: input.merchantDriftEnabled,
          onDrift: input.onDrift,
          onLimitExceeded: input.onLimitExceeded,
          requireApproval: input.requireApproval,
          autoApproveBelow: input.autoApproveBelow,
          approvalMethod: input.approvalMethod ?? undefined,
          approvalTimeoutMinutes: input.approvalTimeoutMinutes ?? undefined,
          expiresInMinutes: input.expiresInMinutes,
          metadata: input.metadata,
        };
        return { card: expectData(await client.POST('/v1/agents/{id}/cards', { params: { path: { id } }, body })) };
      }
      case 'list': {
        const query = { agentId: input.agentId, userId: input.userId, status: input.status, limit: input.limit, cursor: input.cursor };
        const page = expectData(await client.GET('/v1/cards', { params: { query } }));
        return { cards: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'get':
        return { card: expectData(await client.GET('/v1/cards/{id}', { params: cardPath('get') })) };
      case 'update': {
        const body = {
          limits: input.limits,
          metadata: input.metadata,
          requireApproval: input.requireApproval,
          autoApproveBelow: input.autoApproveBelow,
          approvalMethod: input.approvalMethod,
          approvalTimeoutMinutes: input.approvalTimeoutMinutes,
          merchantDriftEnabled: input.merchantDriftEnabled,
          onDrift: input.onDrift,
          onLimitExceeded: input.onLimitExceeded,
          policyId: input.policyId,
          merchantHint: input.merchantHint,
          maxAuthCount: input.maxAuthCount,
          attestationWindowMinutes: input.attestationWindowMinutes,
        };
        return { card: expectData(await client.PATCH('/v1/cards/{id}', { params: cardPath('update'), body })) };
      }
      case 'freeze':
        return { card: expectData(await client.POST('/v1/cards/{id}/freeze', { params: cardPath('freeze') })) };
      case 'unfreeze':
        return { card: expectData(await client.POST('/v1/cards/{id}/unfreeze', { params: cardPath('unfreeze') })) };
      case 'close':
        return { card: expectData(await client.POST('/v1/cards/{id}/close', { params: cardPath('close') })) };
    }
  },
});

const ledgerRisk = defineTool({
  name: 'ledger_risk',
  audience: 'admin',
  title: 'Risk settings and alerts',
  description:
    "The organization's risk engine. action=get_settings: every rule (merchantDrift, velocity, duplicate, spendSpike, unattestedSpend, " +
    'intentMismatch, cooldown, attestationMismatch) with enabled, action (alert, freeze_card, suspend_agent, decline) and parameters, plus dryRun and the preset. ' +
    'action=update_settings (rules: only the rules and fields to change; dryRun): a misspelt rule or parameter is refused. action=apply_preset ' +
    '(preset permissive|moderate|strict|paranoid, optional dryRun): replaces every rule. action=list_alerts (optional status open|resolved, ' +
    'rule, cardId, agentId, transactionId): alerts raised by rules, newest first. action=get_alert (alertId), resolve_alert (alertId, optional ' +
    'note). A frozen card is unfrozen with ledger_cards, a suspended agent activated with ledger_agents.',
  input: {
    action: actionInput(['get_settings', 'update_settings', 'apply_preset', 'list_alerts', 'get_alert', 'resolve_alert']),
    rules: riskRulesPatchSchema.optional().describe('update_settings: the rules and fields to change; absent ones stay'),
    dryRun: z.boolean().optional().describe('update_settings, apply_preset: record alerts without declining, freezing or suspending'),
    preset: z.enum(riskPresetNames).optional().describe('apply_preset'),
    alertId: z.string().min(1).max(64).optional().describe('get_alert, resolve_alert: the alert (alert_…)'),
    note: z.string().min(1).max(1000).optional().describe('resolve_alert: what was decided'),
    status: z.enum(riskAlertStatuses).optional().describe('list_alerts'),
    rule: z.enum(riskRuleNames).optional().describe('list_alerts'),
    cardId: z.string().min(1).max(64).optional().describe('list_alerts'),
    agentId: z.string().min(1).max(64).optional().describe('list_alerts'),
    transactionId: z.string().min(1).max(64).optional().describe('list_alerts'),
    ...pageInput,
  },
  output: {
    settings: riskSettingsSchema.optional(),
    alert: riskAlertSchema.optional(),
    alerts: z.array(riskAlertSchema).optional(),
    ...pageOutput,
  },
  async run(input, session) {
    const client = session.adminClient();
    switch (input.action) {
      case 'get_settings':
        return { settings: expectData(await client.GET('/v1/settings/risk')) };
      case 'update_settings':
        return { settings: expectData(await client.PATCH('/v1/settings/risk', { body: { rules: input.rules, dryRun: input.dryRun } })) };
      case 'apply_preset': {
        const body = { preset: required(input.preset, 'preset', 'apply_preset'), dryRun: input.dryRun };
        return { settings: expectData(await client.POST('/v1/settings/risk/preset', { body })) };
      }
      case 'list_alerts': {
        const query = { status: input.status, rule: input.rule, cardId: input.cardId, agentId: input.agentId, transactionId: input.transactionId, limit: input.limit, cursor: input.cursor };
        const page = expectData(await client.GET('/v1/risk/alerts', { params: { query } }));
        return { alerts: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'get_alert': {
        const id = required(input.alertId, 'alertId', 'get_alert');
        return { alert: expectData(await client.GET('/v1/risk/alerts/{id}', { params: { path: { id } } })) };
      }
      case 'resolve_alert': {
        const id = required(input.alertId, 'alertId', 'resolve_alert');
        return { alert: expectData(await client.POST('/v1/risk/alerts/{id}/resolve', { params: { path: { id } }, body: { note: input.note } })) };
      }
    }
  },
});

const ledgerWebhooks = defineTool({
  name: 'ledger_webhooks',
  audience: 'admin',
  title: 'Webhook endpoints',
  description:
    'Endpoints that receive signed events (Standard Webhooks). action=create (url, optional events — types such as card.frozen or families ' +
    'such as card.*, empty = all — and description): answers the endpoint and its signing secret (whsec_…). action=list, get (webhookId), ' +
    'update (webhookId; url, events, description, enabled — true re-enables an endpoint disabled after 410 Gone), delete (webhookId). ' +
    'action=secret (webhookId): the current signing secret; rotate_secret (webhookId): a new one (the old one also signs for 24 h). ' +
    'action=test (webhookId): Send Test, one webhook.test delivery; action=deliveries (webhookId, optional status, eventId): recent deliveries ' +
    'with their attempts and status codes — use them when events do not arrive.',
  input: {
    action: actionInput(['list', 'create', 'get', 'update', 'delete', 'secret', 'rotate_secret', 'test', 'deliveries']),
    webhookId: z.string().min(1).max(64).optional().describe('every action but list and create: the endpoint (webhook_…)'),
    url: z.string().min(1).max(2048).optional().describe('create, update: the http(s) URL events are POSTed to'),
    events: z.array(z.string().min(1).max(64)).max(100).optional().describe('create, update: event types or families (card.*); empty: all'),
    description: z.string().max(500).optional().describe('create, update'),
    enabled: z.boolean().optional().describe('update: false disables, true re-enables'),
    status: z.enum(deliveryStatuses).optional().describe('deliveries: only deliveries in this status'),
    eventId: z.string().min(1).max(64).optional().describe('deliveries: only deliveries of this event (evt_…)'),
    ...pageInput,
  },
  output: {
    webhook: endpointSchema.optional(),
    webhooks: z.array(endpointSchema).optional(),
    deleted: z.boolean().optional().describe('delete: the endpoint is gone'),
    secret: z.string().nullable().optional().describe('create, secret, rotate_secret: the signing secret (whsec_…)'),
    previousSecretExpiresAt: z.string().nullable().optional().describe('secret, rotate_secret: while the previous secret still signs too'),
    delivery: deliverySchema.optional(),
    deliveries: z.array(deliverySchema).optional(),
    ...pageOutput,
  },
  async run(input, session) {
    const client = session.adminClient();
    const endpointPath = (action: string) => ({ path: { id: required(input.webhookId, 'webhookId', action) } });
    switch (input.action) {
      case 'list': {
        const page = expectData(await client.GET('/v1/webhooks', { params: { query: { limit: input.limit, cursor: input.cursor } } }));
        return { webhooks: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'create': {
        const body = { url: required(input.url, 'url', 'create'), events: input.events, description: input.description };
        const { secret, ...webhook } = expectData(await client.POST('/v1/webhooks', { body }));
        return { webhook, secret };
      }
      case 'get':
        return { webhook: expectData(await client.GET('/v1/webhooks/{id}', { params: endpointPath('get') })) };
      case 'update': {
        const body = { url: input.url, events: input.events, description: input.description, enabled: input.enabled };
        return { webhook: expectData(await client.PATCH('/v1/webhooks/{id}', { params: endpointPath('update'), body })) };
      }
      case 'delete': {
        const { deleted, ...webhook } = expectData(await client.DELETE('/v1/webhooks/{id}', { params: endpointPath('delete') }));
        return { webhook, deleted };
      }
      case 'secret': {
        const answer = expectData(await client.GET('/v1/webhooks/{id}/secret', { params: endpointPath('secret') }));
        return { secret: answer.secret, previousSecretExpiresAt: answer.previousSecretExpiresAt };
      }
      case 'rotate_secret': {
        const answer = expectData(await client.POST('/v1/webhooks/{id}/rotate-secret', { params: endpointPath('rotate_secret') }));
        return { secret: answer.secret, previousSecretExpiresAt: answer.previousSecretExpiresAt };
      }
      case 'test':
        return { delivery: expectData(await client.POST('/v1/webhooks/{id}/test', { params: endpointPath('test') })) };
      case 'deliveries': {
        const { path } = endpointPath('deliveries');
        const query = { status: input.status, eventId: input.eventId, limit: input.limit, cursor: input.cursor };
        const page = expectData(await client.GET('/v1/webhooks/{id}/deliveries', { params: { path, query } }));
        return { deliveries: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
    }
  },
});

const ledgerPolicies = defineTool({
  name: 'ledger_policies',
  audience: 'admin',
  title: 'Spending policies',
  description:
    'Reusable spending controls for cards (SPEC §11). action=create (policy: name plus any of ttlMinutes/onExpiry, activeHoursStart/End "HH:MM" ' +
    'with activeTimezone (IANA) and activeDays (mon…sun), maxAmount, cumulativeMax, maxAuthCount, cooldownMinutes, limitPerAuth/PerDay/PerMonth ' +
    '(cents), allowedMccs/blockedMccs, allowedMerchants/blockedMerchants, merchantHint, onDrift, requireAttestation, intentTolerance 0–1, ' +
    'credentialExposure, approvalMethod apiKey|cardholder|cardholderPasskey, approvalTimeoutMinutes 1–10080). ' +
    'action=list, get (policyId), update (policyId, changes: only the fields to change; null clears one). Attach a policy to a card with ' +
    'ledger_cards (policyId) or to every card of an agent with ledger_agents (defaultPolicyId); a card’s own fields win over its policy’s. ' +
    'action=card_policy (cardId): the controls a card is held to now and their live state (active hours, lifetime spend, cooldown, count), ' +
    'with the approval method and timeout in force and where each comes from (sources: card, policy, agentPolicy or agent).',
  input: {
    action: actionInput(['create', 'list', 'get', 'update', 'card_policy']),
    policyId: z.string().min(1).max(64).optional().describe('get, update: the policy (pol_…)'),
    cardId: cardIdInput.optional().describe('card_policy: the card'),
    policy: createPolicyBody.optional().describe('create: the policy'),
    changes: updatePolicyBody.optional().describe('update: the fields to change'),
    ...pageInput,
  },
  output: { policy: policySchema.optional(), policies: z.array(policySchema).optional(), cardPolicy: cardPolicySchema.optional(), ...pageOutput },
  async run(input, session) {
    const client = session.adminClient();
    const policyPath = (action: string) => ({ path: { id: required(input.policyId, 'policyId', action) } });
    switch (input.action) {
      case 'create':
        return { policy: expectData(await client.POST('/v1/policies', { body: required(input.policy, 'policy', 'create') })) };
      case 'list': {
        const page = expectData(await client.GET('/v1/policies', { params: { query: { limit: input.limit, cursor: input.cursor } } }));
        return { policies: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'get':
        return { policy: expectData(await client.GET('/v1/policies/{id}', { params: policyPath('get') })) };
      case 'update':
        return { policy: expectData(await client.PATCH('/v1/policies/{id}', { params: policyPath('update'), body: required(input.changes, 'changes', 'update') })) };
      case 'card_policy': {
        const id = required(input.cardId, 'cardId', 'card_policy');
        return { cardPolicy: expectData(await client.GET('/v1/cards/{id}/policy', { params: { path: { id } } })) };
      }
    }
  },
});

export const adminTools = [ledgerUsers, ledgerOnboarding, ledgerAgents, ledgerCards, ledgerPolicies, ledgerRisk, ledgerWebhooks];
