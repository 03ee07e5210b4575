import { z } from 'zod';
import { defineRoute } from '../../http/route-definition.js';
import { listQuerySchema } from '../pagination.js';
import { getUser } from '../users/service.js';
import { createLedgerOsWithdrawalBody, createWithdrawalBody, failWithdrawalBody, withdrawalListSchema, withdrawalSchema } from './schemas.js';
import { applyWithdrawalOutcome, createWithdrawal, createWithdrawalByContract, getWithdrawal, listWithdrawals, presentWithdrawal } from './service.js';

const tag = 'Withdrawals';
const userParams = z.strictObject({ id: z.string().min(1).max(64) });
const withdrawalParams = z.strictObject({ id: z.string().min(1).max(64) });

function sandboxOutcomeRoute(outcome: 'submit' | 'confirm' | 'fail', summary: string) {
  return defineRoute({
    method: 'POST',
    url: `/v1/sandbox/withdrawals/{id}/${outcome}`,
    operationId: `${outcome}SandboxWithdrawal`,
    summary,
    tag: 'Sandbox',
    params: withdrawalParams,
    body: failWithdrawalBody,
    response: withdrawalSchema,
    handler: async ({ sql, scope, params, body, nowMs }) => presentWithdrawal(await applyWithdrawalOutcome(sql, scope, params.id, outcome, nowMs, { failureReason: body.reason })),
  });
}

export const withdrawalRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/withdrawals',
    operationId: 'createWithdrawalByContract',
    summary: "LedgerOS's withdrawal: the user in the body, the chain by chainId and the token by its contract address",
    description: 'The same withdrawal as `POST /v1/users/{id}/withdrawals`: the amount (cents) is held from available at once.',
    tag,
    body: createLedgerOsWithdrawalBody,
    response: withdrawalSchema,
    handler: async ({ sql, scope, body, nowMs }) => presentWithdrawal(await createWithdrawalByContract(sql, scope, body, nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/users/{id}/withdrawals',
    operationId: 'createWithdrawal',
    summary: 'Withdraw stablecoins to an address; the amount is held from available at once (approved users only)',
    tag,
    params: userParams,
    body: createWithdrawalBody,
    response: withdrawalSchema,
    handler: async ({ sql, scope, params, body, nowMs }) => presentWithdrawal(await createWithdrawal(sql, scope, params.id, body, nowMs)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}/withdrawals',
    operationId: 'listWithdrawals',
    summary: "A user's withdrawals, newest first",
    tag,
    params: userParams,
    query: listQuerySchema,
    response: withdrawalListSchema,
    handler: async ({ sql, scope, params, query }) => {
      const user = await getUser(sql, scope, params.id);
      return listWithdrawals(sql, scope, user.id, query);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}/withdrawals/{withdrawalId}',
    operationId: 'getWithdrawal',
    summary: 'Get a withdrawal',
    tag,
    params: z.strictObject({ id: z.string().min(1).max(64), withdrawalId: z.string().min(1).max(64) }),
    response: withdrawalSchema,
    handler: async ({ sql, scope, params }) => presentWithdrawal(await getWithdrawal(sql, scope, params.withdrawalId, params.id)),
  }),
  sandboxOutcomeRoute('submit', 'Sandbox network: the withdrawal was broadcast (pending → submitted)'),
  sandboxOutcomeRoute('confirm', 'Sandbox network: the withdrawal confirmed on chain (submitted → confirmed); the held amount leaves the balance'),
  sandboxOutcomeRoute('fail', 'Sandbox network: the withdrawal failed (pending or submitted → failed); the held amount returns to available'),
];
