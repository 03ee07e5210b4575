import { defineRoute } from '../../http/route-definition.js';
import { presentBalance, readUserBalances } from '../../ledger/balances.js';
import { listQuerySchema } from '../pagination.js';
import { z } from 'zod';
import { createUserBody, updateUserBody, userIdParams, userListSchema, userSchema } from './schemas.js';
import { postedChargesCents } from '../transactions/service.js';
import { createUser, getUser, listUsers, presentUser, updateUser } from './service.js';

const tag = 'Users';

const balanceSchema = z.object({
  object: z.literal('balance'),
  userId: z.string(),
  currency: z.literal('USD'),
  total: z.number().int().describe('available + reserved + pending, in cents'),
  pending: z.number().int().describe('held by pending authorizations and withdrawals'),
  reserved: z.number().int().describe("reserved for open cards' maxAmount"),
  available: z.number().int().describe('total − pending − reserved: what can be spent or reserved now'),
  debt: z.number().int().describe('owed after force posts or over-clearings beyond the funds; repaid first by deposits'),
});

const userBalanceSchema = z.object({
  object: z.literal('user_balance'),
  userId: z.string(),
  currency: z.literal('USD'),
  spendingPower: z.number().int().describe('what can be spent or reserved now, in cents (= available of GET /v1/balances/{userId})'),
  creditLimit: z.number().int().describe('the funds held for the user, in cents (= total): there is no credit beyond them'),
  pendingCharges: z.number().int().describe('held by pending authorizations and withdrawals (= pending)'),
  postedCharges: z.number().int().describe('what card charges have settled for, less refunds, since the user was created'),
  balanceDue: z.number().int().describe('owed after force posts or over-clearings beyond the funds (= debt); repaid first by deposits'),
});

export const userRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/users',
    operationId: 'createUser',
    summary: 'Create a user (cardholder); applicationStatus starts as notStarted',
    tag,
    body: createUserBody,
    response: userSchema,
    handler: async ({ sql, scope, body, nowMs }) => presentUser(await createUser(sql, scope, body, nowMs)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users',
    operationId: 'listUsers',
    summary: 'List users, newest first',
    tag,
    query: listQuerySchema,
    response: userListSchema,
    handler: async ({ sql, scope, query }) => listUsers(sql, scope, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}',
    operationId: 'getUser',
    summary: 'Get a user, including applicationStatus and rejectionReason',
    tag,
    params: userIdParams,
    response: userSchema,
    handler: async ({ sql, scope, params }) => presentUser(await getUser(sql, scope, params.id)),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/v1/users/{id}',
    operationId: 'updateUser',
    summary: 'Update a user; identity fields answer 409 compliance_locked while verification is pending, in review or approved',
    tag,
    params: userIdParams,
    body: updateUserBody,
    response: userSchema,
    handler: async ({ sql, scope, params, body, nowMs }) => presentUser(await updateUser(sql, scope, params.id, body, nowMs)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/balances/{userId}',
    operationId: 'getBalance',
    summary: "A user's balance from the ledger: total, pending, reserved, available (= total − pending − reserved)",
    tag: 'Balances',
    params: z.strictObject({ userId: z.string().min(1).max(64) }),
    response: balanceSchema,
    handler: async ({ sql, scope, params }) => {
      const user = await getUser(sql, scope, params.userId);
      return presentBalance(user.id, await readUserBalances(sql, user.id));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}/balance',
    operationId: 'getUserBalance',
    summary: "A user's balance in LedgerOS's terms: spendingPower, creditLimit, pendingCharges, postedCharges, balanceDue",
    description: 'The same ledger figures as `GET /v1/balances/{userId}` under LedgerOS’s names, plus the settled card charges.',
    tag: 'Balances',
    params: userIdParams,
    response: userBalanceSchema,
    handler: async ({ sql, scope, params }) => {
      const user = await getUser(sql, scope, params.id);
      const balance = presentBalance(user.id, await readUserBalances(sql, user.id));
      return {
        object: 'user_balance' as const,
        userId: user.id,
        currency: balance.currency,
        spendingPower: balance.available,
        creditLimit: balance.total,
        pendingCharges: balance.pending,
        postedCharges: await postedChargesCents(sql, scope, user.id),
        balanceDue: balance.debt,
      };
    },
  }),
];
