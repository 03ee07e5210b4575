// The agent tools of SPEC §7: what an agent holding an agent token does — check it can spend, see where its user
// deposits, read, create and freeze its cards, declare intents, read card details for a declared intent, follow its transactions and
// 3-D Secure passcodes, read its spending policy. Each calls the REST API through the SDK and adds no rules of its own.
import { z } from 'zod';
import { cardPolicySchema } from '../modules/policies/schemas.js';
import { intentStatuses } from '../domain/intents.js';
import { agentPolicySchema } from '../modules/agents/schemas.js';
import { agentStatusSchema } from '../modules/agents/status.js';
import { cardSchema, cardStatuses, cardTypes } from '../modules/cards/schemas.js';
import { challengeWithOtpSchema } from '../modules/challenges/schemas.js';
import { fundingInstructionsSchema } from '../modules/funding/schemas.js';
import { cardDetailsSchema, intentSchema } from '../modules/intents/schemas.js';
import { transactionSchema } from '../modules/transactions/schemas.js';
import { transactionStatuses } from '../modules/transactions/service.js';
import { expectData } from '../sdk/index.js';
import { missingArgument, required, ToolRefusal } from './session.js';
import { actionInput, defineTool, pageInput, pageOutput } from './tools.js';

const agentIdInput = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .describe('The agent (agent_…). Optional with an agent token when LEDGER_AGENT_ID is set; with an API key, the agent to act for');
const cardIdInput = z.string().min(1).max(64).describe('The card (card_…), from ledger_card action=list');
const cents = z.number().int().min(1).describe('Integer cents (USD): $12.34 is 1234');

/** A user's standing as ledger_status answers it for an API key given a userId: verification and balance. */
const userStatusSchema = z.object({
  userId: z.string(),
  verification: agentStatusSchema.shape.verification,
  balance: agentStatusSchema.shape.balance,
});

const ledgerStatus = defineTool({
  name: 'ledger_status',
  audience: 'agent',
  title: 'Can I spend?',
  readOnly: true,
  description:
    "Check whether this agent can spend right now, and why not. Returns the user's verification (KYC) status, the user's balance " +
    '(available, reserved, pending, in integer cents), the agent\'s status and spending policy (limit, spent, remaining in the current window), ' +
    'its active cards and their reserved cents, `canSpend`, and `reasons` (user_not_approved, agent_suspended, agent_limit_exceeded, ' +
    'no_active_card, insufficient_funds) with what must happen. Call it first, before planning a purchase; none of the reasons can be fixed ' +
    'by the agent itself: tell the user or operator (for insufficient_funds, ledger_funding gives the deposit addresses). ' +
    "userId (optional): with an API key, answers that user's verification and balance instead (`userStatus`, no agent needed); with an " +
    "agent token it must be the agent's own user (else error insufficient_permissions), and the agent's status is answered.",
  input: {
    agentId: agentIdInput,
    userId: z.string().min(1).max(64).optional().describe("A user (user_…): with an API key, that user's status; with an agent token, only the agent's own user"),
  },
  output: { agentStatus: agentStatusSchema.optional(), userStatus: userStatusSchema.optional() },
  async run(input, session) {
    const client = session.agentClient();
    if (input.userId !== undefined && !session.actsAsAgent) {
      if (input.agentId !== undefined) {
        throw new ToolRefusal('validation_error', 'conflicting_parameters', 'Give agentId (an agent\'s status) or userId (a user\'s status), not both', 'userId');
      }
      const id = input.userId;
      const user = expectData(await client.GET('/v1/users/{id}', { params: { path: { id } } }));
      const balance = expectData(await client.GET('/v1/balances/{userId}', { params: { path: { userId: id } } }));
      return {
        userStatus: {
          userId: user.id,
          verification: { applicationStatus: user.applicationStatus, rejectionReason: user.rejectionReason },
          balance: { currency: balance.currency, total: balance.total, available: balance.available, reserved: balance.reserved, pending: balance.pending, debt: balance.debt },
        },
      };
    }
    const id = session.agentId(input.agentId, 'status');
    const agentStatus = expectData(await client.GET('/v1/agents/{id}/status', { params: { path: { id } } }));
    if (input.userId !== undefined && input.userId !== agentStatus.userId) {
      throw new ToolRefusal(
        'authorization_error',
        'insufficient_permissions',
        `An agent token reads only its own user's status: this agent's user is ${agentStatus.userId}, not ${input.userId}. Leave userId out, or ask an operator with an API key.`,
        'userId',
      );
    }
    return { agentStatus };
  },
});

const ledgerFunding = defineTool({
  name: 'ledger_funding',
  audience: 'agent',
  title: 'Deposit instructions',
  readOnly: true,
  description:
    "Where the agent's user deposits money: one address per supported network and stablecoin (USDC and USDT on base, ethereum, polygon, " +
    'arbitrum, optimism; USDC on solana), each with chainId, token contract, minConfirmations and decimals. Deposits are credited 1:1 in USD ' +
    'once confirmed. Use it when ledger_status reports insufficient_funds, to tell the user how to add funds; sending a token on a network ' +
    'not listed here is rejected and never credited. Only approved (KYC-verified) users have instructions (else error user_not_approved). ' +
    "Also answers the user's balance now (integer cents: total, available, reserved, pending, debt), to see whether a deposit has arrived.",
  input: { agentId: agentIdInput },
  output: { funding: fundingInstructionsSchema.optional(), balance: agentStatusSchema.shape.balance.optional() },
  async run(input, session) {
    const client = session.agentClient();
    const id = session.agentId(input.agentId, 'funding');
    const funding = expectData(await client.GET('/v1/agents/{id}/funding', { params: { path: { id } } }));
    const status = expectData(await client.GET('/v1/agents/{id}/status', { params: { path: { id } } }));
    return { funding, balance: status.balance };
  },
});

const ledgerPolicy = defineTool({
  name: 'ledger_policy',
  audience: 'agent',
  title: 'Spending policy',
  readOnly: true,
  description:
    "The agent's spending limit: spendingLimit (integer cents, null = none), spendingLimitFrequency (perTransaction, per24HourPeriod, perWeek, " +
    'perMonth, perYear, allTime), currentSpend in the current window, remaining (the largest authorization the limit still allows; null = no ' +
    'limit) and the window start and end. Check it before declaring an intent for a large amount: an authorization above remaining is declined ' +
    'agent_limit_exceeded. With cardId it also answers cardPolicy: the controls that card is held to now — active hours (isWithinActiveHours), ' +
    'allowed and blocked merchant categories and merchants, per-authorization/day/month limits, lifetime cap and spend, cooldown, ' +
    'authorization count, whether an attested intent is required, and the merchant it is pinned to. Check it before a purchase.',
  input: { agentId: agentIdInput, cardId: z.string().min(1).max(64).optional().describe('One of your cards (card_…): also answer its cardPolicy') },
  output: { policy: agentPolicySchema.optional(), cardPolicy: cardPolicySchema.optional() },
  async run(input, session) {
    const client = session.agentClient();
    const id = session.agentId(input.agentId, 'policy');
    const policy = expectData(await client.GET('/v1/agents/{id}/policy', { params: { path: { id } } }));
    if (input.cardId === undefined) return { policy };
    return { policy, cardPolicy: expectData(await client.GET('/v1/cards/{id}/policy', { params: { path: { id: input.cardId } } })) };
  },
});

const cardLimitsInput = z
  .strictObject({
    perDay: cents.optional().describe('cents per UTC day'),
    perMonth: cents.optional().describe('cents per UTC calendar month'),
  })
  .optional()
  .describe("create: the card's own daily and monthly limits; absent: the agent's default card limit, if it has one");

const ledgerCard = defineTool({
  name: 'ledger_card',
  audience: 'agent',
  title: 'My cards and their details',
  description:
    "The agent's payment cards. action=list: the agent's cards (optional status filter: active, frozen, closed). action=get: one card — its " +
    'status and statusReason, type (single: one purchase; multi: reusable), maxAmount (the per-transaction limit, integer cents), limits, last4 ' +
    'and expiry. action=create (purpose, maxAmount in integer cents; optional type single (default) or multi, limits {perDay, perMonth}, ' +
    "expiresInMinutes, metadata): a new card for this agent, reserving maxAmount from the user's balance. It is refused with max_cards_reached " +
    "when the agent already holds its maxCards open cards (close or ask an operator), card_exceeds_agent_limit when maxAmount is above what the " +
    "agent's spending limit still allows this window (see ledger_policy remaining), agent_card_widens_policy when a limit is looser than the " +
    "agent's default policy, and insufficient_balance when the user's funds do not cover it. " +
    'action=freeze (cardId): stop a card of this agent at once — every authorization is declined, e.g. when its number may have leaked or a ' +
    'purchase looks wrong. Only an operator can unfreeze it again. ' +
    'action=details: the full card number (pan), cvv and expiry to pay with. details needs a declared intent on the card first: ' +
    'call ledger_intent action=declare, then details with the same summary, expectedAmount (integer cents, taxes and shipping included) and ' +
    'merchantText; without a pending or revealed intent it fails with intent_required (intent_pending_approval: wait until a person approves ' +
    'it; intent_expired: declare a new intent). Details whose merchantText or expectedAmount contradict the intent come with warnings ' +
    '(attestation_mismatch), or are refused with attestation_mismatch when the risk settings say so. Every details read is recorded as a credential.accessed ' +
    'event and allowed at most 10 times per card per hour. Use the number only at the declared merchant: the transaction is matched against ' +
    'the intent (amount within 10 %, same merchant).',
  input: {
    action: actionInput(['list', 'get', 'details', 'create', 'freeze']),
    cardId: cardIdInput.optional().describe('get, details, freeze: the card (card_…)'),
    agentId: agentIdInput,
    status: z.enum(cardStatuses).optional().describe('list: only cards in this status'),
    summary: z.string().min(1).max(500).optional().describe('details: what you are buying, as declared in the intent'),
    expectedAmount: cents.optional().describe('details: the expected total in integer cents, as declared in the intent'),
    merchantText: z.string().min(1).max(200).optional().describe('details: the merchant, as declared in the intent (e.g. "Amazon")'),
    intentId: z.string().min(1).max(100).optional().describe('details: the intent (int_… or your own intentId); default: the most recent usable one'),
    purpose: z.string().min(1).max(500).optional().describe('create: what the card is for, in words a person can audit'),
    maxAmount: cents.optional().describe('create: the per-transaction limit in integer cents, reserved from the user’s balance while the card is open'),
    type: z.enum(cardTypes).optional().describe('create: single (default: one purchase) or multi (reusable)'),
    limits: cardLimitsInput,
    expiresInMinutes: z.number().int().min(1).optional().describe('create: close the card automatically after this many minutes'),
    metadata: z.record(z.string(), z.string()).optional().describe('create: your own key-value strings'),
    ...pageInput,
  },
  output: {
    card: cardSchema.optional(),
    cards: z.array(cardSchema).optional(),
    ...pageOutput,
    details: cardDetailsSchema.optional().describe('pan, cvv, expirationMonth, expirationYear: secrets to give only to the merchant checkout'),
  },
  async run(input, session) {
    const client = session.agentClient();
    switch (input.action) {
      case 'list': {
        const id = session.agentId(input.agentId, 'list');
        const page = expectData(await client.GET('/v1/agents/{id}/cards', { params: { path: { id }, query: { status: input.status, limit: input.limit, cursor: input.cursor } } }));
        return { cards: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'get': {
        const id = required(input.cardId, 'cardId', 'get');
        return { card: expectData(await client.GET('/v1/cards/{id}', { params: { path: { id } } })) };
      }
      case 'details': {
        const id = required(input.cardId, 'cardId', 'details');
        const body = {
          summary: required(input.summary, 'summary', 'details'),
          expectedAmount: required(input.expectedAmount, 'expectedAmount', 'details'),
          merchantText: required(input.merchantText, 'merchantText', 'details'),
          intentId: input.intentId,
        };
        return { details: expectData(await client.POST('/v1/cards/{id}/details', { params: { path: { id } }, body })) };
      }
      case 'create': {
        const id = session.agentId(input.agentId, 'create');
        const body = {
          purpose: required(input.purpose, 'purpose', 'create'),
          maxAmount: required(input.maxAmount, 'maxAmount', 'create'),
          type: input.type,
          limits: input.limits,
          expiresInMinutes: input.expiresInMinutes,
          metadata: input.metadata,
        };
        return { card: expectData(await client.POST('/v1/agents/{id}/cards', { params: { path: { id } }, body })) };
      }
      case 'freeze': {
        const id = required(input.cardId, 'cardId', 'freeze');
        return { card: expectData(await client.POST('/v1/cards/{id}/freeze', { params: { path: { id } } })) };
      }
    }
  },
});

const ledgerIntent = defineTool({
  name: 'ledger_intent',
  audience: 'agent',
  title: 'Declare what you will buy',
  description:
    'Intents: before reading a card number the agent declares what it is about to buy. action=declare (cardId, summary, amount in integer ' +
    'cents including taxes and shipping, merchantText as the merchant will appear, e.g. "Amazon"; optional tolerance %, ttlMinutes, metadata): ' +
    'creates a pending intent valid ttlMinutes (default 1 hour) until ' +
    'details are read (then 24 hours for the purchase); it may carry warnings when the authorization would be declined (amount above the ' +
    "card's maxAmount or the agent's remaining limit), and is pending_approval when a person must approve it first — wait, then get it again. " +
    'action=list (cardId, optional status): the card\'s intents, newest first. action=get (intentId int_…): one intent; after the purchase its ' +
    'status is matched or mismatched with matchResult. action=cancel (intentId, optional reason): when the purchase will not happen.',
  input: {
    action: actionInput(['declare', 'list', 'get', 'cancel']),
    cardId: cardIdInput.optional().describe('declare, list: the card (card_…)'),
    intentId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('get, cancel: the intent id (int_…, the `id` declare answered). declare: optionally your own id for this purchase — declaring it again returns the same intent'),
    summary: z.string().min(1).max(500).optional().describe('declare: what you are about to buy, in words a person can audit'),
    amount: cents.optional().describe('declare: the expected total in integer cents, taxes and shipping included'),
    merchantText: z.string().min(1).max(200).optional().describe('declare: the merchant as it will appear, e.g. "Amazon"'),
    tolerance: z.number().min(0).max(100).optional().describe("declare: how far the final amount may differ and still match, in percent (default: the card's, 10)"),
    ttlMinutes: z.number().int().min(1).max(1440).optional().describe('declare: how long the intent waits for the card details (default 60)'),
    metadata: z.record(z.string(), z.string()).optional().describe('declare: your own key-value strings, e.g. an order id'),
    status: z.enum(intentStatuses).optional().describe('list: only intents in this status'),
    reason: z.string().min(1).max(500).optional().describe('cancel: why'),
    ...pageInput,
  },
  output: {
    intent: intentSchema.optional(),
    intents: z.array(intentSchema).optional(),
    ...pageOutput,
  },
  async run(input, session) {
    const client = session.agentClient();
    switch (input.action) {
      case 'declare': {
        const id = required(input.cardId, 'cardId', 'declare');
        const body = {
          summary: required(input.summary, 'summary', 'declare'),
          amount: required(input.amount, 'amount', 'declare'),
          merchantText: required(input.merchantText, 'merchantText', 'declare'),
          intentId: input.intentId,
          tolerance: input.tolerance,
          ttlMinutes: input.ttlMinutes,
          metadata: input.metadata,
        };
        return { intent: expectData(await client.POST('/v1/cards/{id}/intents', { params: { path: { id } }, body })) };
      }
      case 'list': {
        const id = required(input.cardId, 'cardId', 'list');
        const page = expectData(await client.GET('/v1/cards/{id}/intents', { params: { path: { id }, query: { status: input.status, limit: input.limit, cursor: input.cursor } } }));
        return { intents: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
      }
      case 'get': {
        const id = required(input.intentId, 'intentId', 'get');
        return { intent: expectData(await client.GET('/v1/intents/{id}', { params: { path: { id } } })) };
      }
      case 'cancel': {
        const id = required(input.intentId, 'intentId', 'cancel');
        return { intent: expectData(await client.POST('/v1/intents/{id}/cancel', { params: { path: { id } }, body: { reason: input.reason } })) };
      }
    }
  },
});

const ledgerTransactions = defineTool({
  name: 'ledger_transactions',
  audience: 'agent',
  title: 'My transactions',
  readOnly: true,
  description:
    "The agent's card transactions, newest first. action=list (default), filtered by cardId, status (pending: approved and held; settled; " +
    'voided; declined; refunded) and a created-at range from/to (ISO 8601). action=get (transactionId txn_…): one transaction. Each shows ' +
    'amount (integer cents), merchant, declineReason when declined, intentId and intentMatch (matched or mismatched against the declared ' +
    'intent), and attestationStatus. Use it after paying to confirm the authorization went through and matched the intent. With an agent ' +
    'token only the agent\'s own transactions are listed; with an API key pass agentId or cardId (or set LEDGER_AGENT_ID).',
  input: {
    action: z.enum(['list', 'get']).optional().describe('Default list'),
    transactionId: z.string().min(1).max(64).optional().describe('get: the transaction (txn_…)'),
    agentId: agentIdInput,
    cardId: z.string().min(1).max(64).optional().describe('list: only this card\'s transactions'),
    status: z.enum(transactionStatuses).optional().describe('list: only transactions in this status'),
    from: z.iso.datetime({ offset: true }).optional().describe('list: created at or after this ISO 8601 time'),
    to: z.iso.datetime({ offset: true }).optional().describe('list: created before this ISO 8601 time'),
    ...pageInput,
  },
  output: {
    transaction: transactionSchema.optional(),
    transactions: z.array(transactionSchema).optional(),
    ...pageOutput,
  },
  async run(input, session) {
    const client = session.agentClient();
    if (input.action === 'get') {
      const id = required(input.transactionId, 'transactionId', 'get');
      return { transaction: expectData(await client.GET('/v1/transactions/{id}', { params: { path: { id } } })) };
    }
    const agentId = session.optionalAgentId(input.agentId);
    // An API key sees every agent's transactions: an agent tool keeps to one agent (or one card).
    if (!session.actsAsAgent && agentId === undefined && input.cardId === undefined) {
      throw missingArgument('agentId', 'list', 'With an API key pass agentId or cardId, or set LEDGER_AGENT_ID');
    }
    const query = { agentId, cardId: input.cardId, status: input.status, from: input.from, to: input.to, limit: input.limit, cursor: input.cursor };
    const page = expectData(await client.GET('/v1/transactions', { params: { query } }));
    return { transactions: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
  },
});

const ledgerChallenges = defineTool({
  name: 'ledger_challenges',
  audience: 'agent',
  title: '3-D Secure passcodes',
  readOnly: true,
  description:
    'The pending 3-D Secure challenges of a card, or without cardId of all the agent\'s cards, newest first, each with the cardId, the ' +
    '6-digit one-time passcode (otp) to enter at the merchant, the merchant name, amount (integer cents), status (challenge_required while it ' +
    'waits) and expiresAt (5 minutes after the merchant asked). Use it when a checkout asks for a verification code sent to the cardholder. ' +
    'Only cards where the agent has a revealed intent (it read the details for a declared purchase) show their challenges: with cardId such ' +
    'a card is required (else error intent_required), without it the others are left out. Enter the passcode only at the merchant named in ' +
    'the challenge — three wrong codes decline the payment.',
  input: {
    cardId: cardIdInput.optional().describe('The card (card_…); leave it out for every card of the agent'),
    agentId: agentIdInput,
    ...pageInput,
  },
  output: { challenges: z.array(challengeWithOtpSchema).optional(), ...pageOutput },
  async run(input, session) {
    const client = session.agentClient();
    const query = { limit: input.limit, cursor: input.cursor };
    const page =
      input.cardId === undefined
        ? expectData(await client.GET('/v1/agents/{id}/challenges', { params: { path: { id: session.agentId(input.agentId, 'list') }, query } }))
        : expectData(await client.GET('/v1/cards/{id}/challenges', { params: { path: { id: input.cardId }, query } }));
    return { challenges: page.data, hasMore: page.hasMore, nextCursor: page.nextCursor };
  },
});

export const agentTools = [ledgerStatus, ledgerFunding, ledgerCard, ledgerIntent, ledgerTransactions, ledgerChallenges, ledgerPolicy];
