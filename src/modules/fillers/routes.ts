import { defineRoute } from '../../http/route-definition.js';
import { getAgent } from '../agents/service.js';
import type { Card } from '../cards/service.js';
import { intentStatusNow } from '../intents/service.js';
import { credentialExposureOf } from '../policies/card-policy.js';
import { scopeOf, type Principal } from '../../domain/principal.js';
import type { Sql } from '../../store/database.js';
import { redeemDetailsToken, type RedeemCheck } from './details-tokens.js';
import { createFillerKey, listFillerKeys, presentFillerKey, revokeFillerKey } from './keys.js';
import {
  cardCredentialsSchema,
  createdFillerKeySchema,
  createFillerKeyBody,
  detailsTokenParams,
  fillerKeyIdParams,
  fillerKeyListSchema,
  fillerKeySchema,
  listFillerKeysQuery,
  redeemBody,
} from './schemas.js';

import { withCredentialsFromIssuer } from '../issuers/reveal.js';

const tag = 'Credential exposure';

/** A token stays redeemable while its card is active and extensionOnly and its intent revealed. */
function stillRedeemable(sql: Sql, principal: Principal, nowMs: number): RedeemCheck {
  return async (card: Card, intentId: string) => {
    if (card.status !== 'active') return `card ${card.id} is ${card.status}`;
    const mode = await credentialExposureOf(sql, scopeOf(principal), card, await getAgent(sql, scopeOf(principal), card.agentId));
    if (mode !== 'extensionOnly') return `card ${card.id} is now ${mode}`;
    const status = await intentStatusNow(sql, intentId, nowMs);
    return status === 'revealed' ? undefined : `intent ${intentId} is ${status ?? 'gone'}`;
  };
}

export const fillerRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/filler-keys',
    operationId: 'createFillerKey',
    summary: 'Create a filler key (fk_…, shown once) for a trusted filler: it may redeem details tokens and nothing else',
    tag,
    body: createFillerKeyBody,
    response: createdFillerKeySchema,
    secretFields: ['key'],
    handler: async ({ sql, scope, body, nowMs }) => {
      const { fillerKey, secret } = await createFillerKey(sql, scope, body.name, nowMs);
      return { ...presentFillerKey(fillerKey), key: secret };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/filler-keys',
    operationId: 'listFillerKeys',
    summary: 'List filler keys, newest first (never their secrets)',
    tag,
    query: listFillerKeysQuery,
    response: fillerKeyListSchema,
    handler: async ({ sql, scope, query }) => listFillerKeys(sql, scope, query),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/filler-keys/{id}',
    operationId: 'revokeFillerKey',
    summary: 'Revoke a filler key for good (401 from then on)',
    tag,
    params: fillerKeyIdParams,
    response: fillerKeySchema,
    handler: async ({ sql, scope, params, nowMs }) => presentFillerKey(await revokeFillerKey(sql, scope, params.id, nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/details-tokens/{token}/redeem',
    operationId: 'redeemDetailsToken',
    summary: "Redeem a details token for the card's credentials, once, within 120 s (filler keys only)",
    description:
      'Only a filler key may redeem (agent tokens and API keys: 403). Unknown token: 404 `details_token_not_found`; redeemed: 409 `details_token_redeemed`; past 120 s: 409 `details_token_expired`; a card no longer active or extensionOnly, or an intent no longer revealed: 409 `details_token_unusable`. Recorded as `credential.redeemed`.',
    tag,
    params: detailsTokenParams,
    body: redeemBody,
    response: cardCredentialsSchema,
    secretFields: ['pan', 'cvv'],
    outside: { after: async (answer, { app, scope }) => withCredentialsFromIssuer(app, scope, answer.cardId, answer) },
    handler: async ({ sql, principal, params, body, nowMs, app }) => {
      if (principal.kind !== 'fillerKey') throw new Error('the access table admits only filler keys here');
      return redeemDetailsToken(sql, principal, params.token, body.fingerprint, app.secrets, stillRedeemable(sql, principal, nowMs), nowMs);
    },
  }),
];
