import { fundingMethodsOn } from '../../domain/funding-networks.js';
import { defineRoute } from '../../http/route-definition.js';
import { listQuerySchema } from '../pagination.js';
import { depositContractsSchema, depositIdParams, depositListSchema, depositSchema, fundingInstructionsSchema, sandboxDepositBody, userIdParams } from './schemas.js';
import { depositContracts, fundingInstructions, getDeposit, listUserDeposits, observeDeposit, presentDeposit } from './service.js';

const tag = 'Funding';

export const fundingRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}/funding',
    operationId: 'getFundingInstructions',
    summary: "Deposit instructions: the user's address for each supported (network, token) pair; approved users only",
    tag,
    params: userIdParams,
    response: fundingInstructionsSchema,
    handler: async ({ sql, scope, params, app }) => fundingInstructions(sql, scope, params.id, app.secrets, fundingMethodsOn(app.config.chains)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}/contracts',
    operationId: 'getDepositContracts',
    summary: "LedgerOS's deposit contracts: per EVM chain the user's deposit address and each token with what completed deposits of it add up to",
    description:
      'Approved users only (403 user_not_approved otherwise), as the funding instructions. `balance` is the sum of completed deposits of the token to the address, in token units as a decimal string; it is not the spendable balance (GET /v1/balances/{userId}), which spending and withdrawals reduce. Solana is left out: it has no EVM chain id (see GET /v1/users/{id}/funding).',
    tag,
    params: userIdParams,
    response: depositContractsSchema,
    handler: async ({ sql, scope, params, app }) => depositContracts(sql, scope, params.id, app.secrets, fundingMethodsOn(app.config.chains)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}/deposits',
    operationId: 'listUserDeposits',
    summary: "A user's deposits, newest first",
    tag,
    params: userIdParams,
    query: listQuerySchema,
    response: depositListSchema,
    handler: async ({ sql, scope, params, query, nowMs }) => listUserDeposits(sql, scope, params.id, query, nowMs),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/deposits/{id}',
    operationId: 'getDeposit',
    summary: 'Get a deposit with its confirmations at the current environment time',
    tag,
    params: depositIdParams,
    response: depositSchema,
    handler: async ({ sql, scope, params, nowMs }) => presentDeposit(await getDeposit(sql, scope, params.id), nowMs),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/deposits',
    operationId: 'simulateDeposit',
    summary: 'Sandbox chain watcher: report an on-chain transfer to a user; unsupported networks or tokens are recorded as rejected',
    description:
      'A supported (network, token) pair becomes a pending deposit, credited once it has minConfirmations (advance the sandbox clock); ' +
      'with `confirmations` at or above minConfirmations it completes at once. The same txHash on the same network answers the existing deposit.',
    tag: 'Sandbox',
    body: sandboxDepositBody,
    response: depositSchema,
    handler: async ({ sql, scope, body, app, nowMs }) => presentDeposit(await observeDeposit(sql, scope, body, app.secrets, nowMs), nowMs),
  }),
];
