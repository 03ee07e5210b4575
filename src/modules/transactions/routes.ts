import { z } from 'zod';
import { defineRoute } from '../../http/route-definition.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { transactionSchema } from './schemas.js';
import { getTransaction, listTransactions, presentTransaction, transactionStatuses, updateTransactionLabels } from './service.js';

const tag = 'Transactions';

const isoTime = z.iso.datetime({ offset: true });

const listTransactionsQuery = listQuerySchema.extend({
  cardId: z.string().max(64).optional(),
  agentId: z.string().max(64).optional(),
  userId: z.string().max(64).optional(),
  status: z.enum(transactionStatuses).optional(),
  from: isoTime.optional().describe('Created at or after this time'),
  to: isoTime.optional().describe('Created before this time'),
});

const transactionIdParams = z.strictObject({ id: z.string().min(1).max(64) });

export const updateTransactionBody = z.strictObject({
  notes: z.string().max(2_000).nullable().optional().describe('Free text; null clears it'),
  tags: z.array(z.string().min(1).max(50)).max(20).optional().describe('Replaces the tags; [] clears them'),
  category: z.string().max(100).nullable().optional().describe('Your own category; null clears it'),
});

export const transactionRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/transactions',
    operationId: 'listTransactions',
    summary: 'Transactions, newest first; an agent token sees only its own',
    tag,
    query: listTransactionsQuery,
    response: listPageSchema(transactionSchema),
    handler: async ({ sql, scope, principal, query }) =>
      listTransactions(
        sql,
        scope,
        principal,
        { cardId: query.cardId, agentId: query.agentId, userId: query.userId, status: query.status, fromMs: query.from === undefined ? undefined : Date.parse(query.from), toMs: query.to === undefined ? undefined : Date.parse(query.to) },
        query,
      ),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/transactions/{id}',
    operationId: 'getTransaction',
    summary: 'Get a transaction with its intent match and attestation',
    tag,
    params: transactionIdParams,
    response: transactionSchema,
    handler: async ({ sql, scope, principal, params }) => presentTransaction(await getTransaction(sql, scope, principal, params.id)),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/v1/transactions/{id}',
    operationId: 'updateTransaction',
    summary: "Set, replace or clear a transaction's notes, tags and category (LedgerOS); amounts and status never change here",
    tag,
    params: transactionIdParams,
    body: updateTransactionBody,
    response: transactionSchema,
    handler: async ({ sql, scope, params, body, nowMs }) => presentTransaction(await updateTransactionLabels(sql, scope, params.id, body, nowMs)),
  }),
];
