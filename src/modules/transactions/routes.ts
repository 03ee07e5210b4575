import { z } from 'zod';
import { defineRoute } from '../../http/route-definition.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { getTransaction, listTransactions, presentTransaction, transactionStatuses, updateTransactionLabels } from './service.js';

const tag = 'Transactions';

const merchantSchema = z.object({
  name: z.string(),
  normalizedName: z.string(),
  mcc: z.string().nullable(),
  category: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  id: z.string().nullable(),
});

export const transactionSchema = z.object({
  object: z.literal('transaction'),
  id: z.string(),
  status: z.enum(transactionStatuses),
  amount: z.number().int().describe('Authorized amount in cents (including increments)'),
  authorizedAmount: z.number().int().nullable().describe('What the authorization approved, in cents, before increments or a partial clear; null for declines and force posts'),
  settledAmount: z.number().int(),
  refundedAmount: z.number().int(),
  currency: z.string(),
  merchant: merchantSchema,
  declineReason: z.string().nullable(),
  declineDetail: z.string().nullable(),
  intentId: z.string().nullable(),
  intentMatch: z.enum(['matched', 'mismatched']).nullable(),
  attestationStatus: z.enum(['attested', 'unattested', 'stale']),
  accessEventId: z.string().nullable(),
  forcePost: z.boolean(),
  notes: z.string().nullable(),
  tags: z.array(z.string()),
  category: z.string().nullable().describe("The integrator's own category (PATCH); the merchant's is merchant.category"),
  cardId: z.string().nullable(),
  agentId: z.string().nullable(),
  userId: z.string().nullable(),
  settlesAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  authorizedAt: z.string().nullable().describe('When the authorization was approved; null for declines and force posts'),
  updatedAt: z.string(),
  settledAt: z.string().nullable(),
  voidedAt: z.string().nullable(),
});

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
