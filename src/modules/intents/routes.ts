import { z } from 'zod';
import { CommittedRefusal, defineRoute } from '../../http/route-definition.js';
import { accessCardDetails } from './details.js';
import { cardDetailsBody, cardDetailsSchema, decideIntentBody, declareIntentBody, intentListSchema, intentSchema, listAllIntentsQuery, listIntentsQuery } from './schemas.js';
import { getApprovalRecord } from '../approvals/service.js';
import { approvalRecordSchema } from '../approvals/record.js';
import { decideIntent, declareIntent, getIntent, listCardIntents, listIntents, presentIntent } from './service.js';

import { withCredentialsFromIssuer } from '../issuers/reveal.js';

const tag = 'Intents';
const idParams = z.strictObject({ id: z.string().min(1).max(64) });

function decisionRoute(action: 'cancel' | 'approve' | 'reject', summary: string) {
  return defineRoute({
    method: 'POST',
    url: `/v1/intents/{id}/${action}`,
    operationId: `${action}Intent`,
    summary,
    tag,
    params: idParams,
    body: decideIntentBody,
    response: intentSchema,
    handler: async ({ sql, scope, principal, params, body, nowMs, baseUrl, app }) =>
      presentIntent(await decideIntent(sql, scope, principal, params.id, action, body.reason, nowMs), nowMs, principal.kind === 'apiKey' ? { baseUrl, secrets: app.secrets } : undefined),
  });
}

export const intentRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/cards/{id}/intents',
    operationId: 'declareIntent',
    summary: 'Declare what the agent is about to buy with this card; required before reading card details',
    description:
      'The intent is `pending` for 1 h (or `pending_approval` when the card or agent requires approval at this amount). An amount above the card maxAmount or the agent remaining limit is accepted with `warnings` saying the authorization would be declined. Declaring the same `intentId` again returns the same intent.',
    tag,
    params: idParams,
    body: declareIntentBody,
    response: intentSchema,
    handler: async ({ sql, scope, principal, params, body, nowMs, baseUrl, app }) => {
      const link = { baseUrl, secrets: app.secrets };
      return presentIntent(await declareIntent(sql, scope, principal, params.id, body, link, nowMs), nowMs, principal.kind === 'apiKey' ? link : undefined);
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/cards/{id}/intents',
    operationId: 'listCardIntents',
    summary: "A card's intents, newest first (filter by status)",
    tag,
    params: idParams,
    query: listIntentsQuery,
    response: intentListSchema,
    handler: async ({ sql, scope, principal, params, query, nowMs, baseUrl, app }) => listCardIntents(sql, scope, principal, params.id, query.status, query, { baseUrl, secrets: app.secrets }, nowMs),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/intents',
    operationId: 'listIntents',
    summary: "The environment's intents across every card, newest first: filter by status (`pending_approval` is the approval queue), card, agent or user",
    description: 'API keys only. A status filter counts a due expiry: an intent past its expiry lists as `expired`.',
    tag,
    query: listAllIntentsQuery,
    response: intentListSchema,
    handler: async ({ sql, scope, query, nowMs, baseUrl, app }) => listIntents(sql, scope, query, query, { baseUrl, secrets: app.secrets }, nowMs),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/intents/{id}',
    operationId: 'getIntent',
    summary: 'Get an intent (its status counts an expiry that is due)',
    tag,
    params: idParams,
    response: intentSchema,
    handler: async ({ sql, scope, principal, params, nowMs, baseUrl, app }) =>
      presentIntent(await getIntent(sql, scope, principal, params.id), nowMs, principal.kind === 'apiKey' ? { baseUrl, secrets: app.secrets } : undefined),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/intents/{id}/approval',
    operationId: 'getIntentApproval',
    summary: "The intent's approval record, signed by the deployment (Ed25519 JWS; the key is at /.well-known/jwks.json)",
    description:
      'Every approval or rejection of an intent that waited for approval — by an API key, by the cardholder on the hosted page (with the passkey assertion for cardholderPasskey), or by the approval timeout — leaves one record: the intent\'s terms, the decision, the method, who decided and when. `jws` is the signed record; the other fields repeat its payload. Verify it offline with the SDK\'s `verifyApprovalRecord` or `cardrail verify-approval FILE`. 404 `approval_record_not_found` while undecided.',
    tag,
    params: idParams,
    response: approvalRecordSchema,
    handler: async ({ sql, scope, principal, params, app }) => getApprovalRecord(sql, scope, principal, params.id, app.secrets),
  }),
  decisionRoute('cancel', 'Cancel an intent that is pending, pending approval or revealed'),
  decisionRoute('approve', 'Approve an intent waiting in pending_approval (API keys only, and only with approvalMethod apiKey: an agent never approves its own request)'),
  decisionRoute('reject', 'Reject an intent waiting in pending_approval (API keys only, and only with approvalMethod apiKey)'),
  defineRoute({
    method: 'POST',
    url: '/v1/cards/{id}/details',
    operationId: 'getCardDetails',
    summary: 'Read the card number, CVV and expiry for a declared intent (409 intent_required without one)',
    description:
      'Needs a `pending` or `revealed` intent on the card (the named one, else the most recent); one waiting for approval answers 409 `intent_pending_approval`, an expired one 409 `intent_expired`. Moves it to `revealed`, valid 24 h for a transaction, and records a `credential.accessed` event whose id is `accessEventId`. At most 10 reads per card per hour. When `merchantText` or `expectedAmount` contradicts the intent (another merchant, or an amount outside the tolerance) the answer carries `warnings`, the access records them, and the risk rule `attestationMismatch` applies (`decline`: 409 `attestation_mismatch`).',
    tag: 'Cards',
    params: idParams,
    body: cardDetailsBody,
    response: cardDetailsSchema,
    secretFields: ['pan', 'cvv'],
    outside: {
      after: async (answer, { app, scope, params }) => (answer.exposureMode === 'rawPan' && answer.pan === undefined ? withCredentialsFromIssuer(app, scope, params.id, answer) : answer),
    },
    handler: async ({ sql, scope, principal, params, body, nowMs, app }) => {
      const outcome = await accessCardDetails(sql, scope, principal, params.id, body, app.secrets, app.followAgentStatus, nowMs);
      // A refusal by the risk rule keeps its alert: it commits with the 409.
      if (outcome.kind === 'refused') return new CommittedRefusal(outcome.error);
      return { object: 'card_details' as const, ...outcome.details };
    },
  }),
];
