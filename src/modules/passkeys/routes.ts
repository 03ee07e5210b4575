import { defineRoute } from '../../http/route-definition.js';
import { listQuerySchema } from '../pagination.js';
import { issueEnrollmentLink, presentEnrollmentLink } from './enrollment.js';
import { createEnrollmentBody, passkeyEnrollmentSchema, passkeyListSchema, passkeyParams, passkeySchema, passkeysPerUserMax, passkeyUserParams } from './schemas.js';
import { listPasskeysOfUser, presentPasskey, removePasskey } from './service.js';

const tag = 'Passkeys';

export const passkeyRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/users/{id}/passkeys/enrollment',
    operationId: 'createPasskeyEnrollment',
    summary: 'A link to the hosted page where an approved cardholder creates a passkey, to approve their agents’ purchases; valid 24 hours, once',
    description: `API keys only. The user must be approved (403 user_not_approved) and hold fewer than ${passkeysPerUserMax} passkeys (409 passkey_limit_reached). Earlier unused links of the user stop working. The cardholder opens \`enrollmentUrl\` on their phone or computer and presses "Create passkey"; \`passkey.enrolled\` is sent when it is stored (docs/passkeys.md).`,
    tag,
    params: passkeyUserParams,
    body: createEnrollmentBody,
    response: passkeyEnrollmentSchema,
    secretFields: ['enrollmentUrl'],
    handler: async ({ sql, scope, params, body, nowMs, baseUrl }) => presentEnrollmentLink(await issueEnrollmentLink(sql, scope, params.id, body, nowMs), baseUrl),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}/passkeys',
    operationId: 'listPasskeys',
    summary: "A cardholder's passkeys, newest first (what verifies them is kept; private keys never leave their devices)",
    tag,
    params: passkeyUserParams,
    query: listQuerySchema,
    response: passkeyListSchema,
    handler: async ({ sql, scope, params, query }) => listPasskeysOfUser(sql, scope, params.id, query),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/users/{id}/passkeys/{passkeyId}',
    operationId: 'removePasskey',
    summary: 'Remove a passkey (a lost phone): it can no longer approve anything; answers the removed passkey and sends passkey.removed',
    tag,
    params: passkeyParams,
    response: passkeySchema,
    handler: async ({ sql, scope, params, nowMs }) => presentPasskey(await removePasskey(sql, scope, params.id, params.passkeyId, nowMs)),
  }),
];
