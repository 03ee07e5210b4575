import { defineRoute } from '../../http/route-definition.js';
import { fieldsSetIn } from '../../http/validation.js';
import { admitCardOfPrincipal } from '../agents/card-allowance.js';
import { userIdParams } from '../users/schemas.js';
import { agentIdParams, cardIdParams, cardListSchema, cardSchema, cardStatusChangeSchema, createCardBody, listAgentCardsQuery, listCardsQuery, updateCardBody } from './schemas.js';
import {
  actorOf,
  cardFiltersOf,
  closeCardOnRequest,
  createCard,
  freezeCardOnRequest,
  getCardForPrincipal,
  listAgentCards,
  listCards,
  listUserCards,
  presentCard,
  presentStatusChange,
  unfreezeCardOnRequest,
  updateCard,
} from './service.js';

import { closeUnusedProcessorCard, issueCardAtProcessor, type IssuedAtProcessor } from '../issuers/service.js';

const tag = 'Cards';

export const cardRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/agents/{id}/cards',
    operationId: 'createCard',
    summary: "Issue a virtual card to an active agent; reserves maxAmount from the user's available balance (409 insufficient_balance otherwise)",
    description:
      "At most the agent's maxCards open cards (409 max_cards_reached). A card without limits of its own gets the agent's defaultCardLimit. An agent token may create cards for its own agent only, " +
      'with a maxAmount its spending limit still allows in the current window (409 card_exceeds_agent_limit), setting only purpose, type, maxAmount, limits, ' +
      'expiresInMinutes, ttlDays, metadata, onLimitExceeded, maxAuthCount, merchantHint, approvalMethod and approvalTimeoutMinutes (403 ' +
      "field_not_allowed_for_agent_token), and those only narrower than its default policy's — the approval method at least as strict " +
      "(apiKey < cardholder < cardholderPasskey) and the approval timeout no longer than its default policy's, else the agent's (403 agent_card_widens_policy).",
    tag,
    params: agentIdParams,
    body: createCardBody,
    response: cardSchema,
    rateLimit: 'cardCreate',
    // On a processor (docs/issuers.md) the card is issued there before the transaction, and closed there if it fails.
    outside: {
      before: async ({ app, scope, body }) => issueCardAtProcessor(app, scope, body.purpose),
      undo: async (prepared, { app }) => closeUnusedProcessorCard(app, prepared as IssuedAtProcessor),
    },
    handler: async ({ sql, scope, principal, params, body, nowMs, app, prepared }) => {
      const own = {
        limits: body.limits,
        maxAuthCount: body.maxAuthCount,
        ttlMinutes: body.ttlDays !== undefined ? body.ttlDays * 24 * 60 : body.expiresInMinutes,
        merchantHint: body.merchantHint,
        approvalMethod: body.approvalMethod,
        approvalTimeoutMinutes: body.approvalTimeoutMinutes,
      };
      await admitCardOfPrincipal(sql, principal, params.id, { maxAmountCents: body.maxAmount, fieldsSet: fieldsSetIn(createCardBody, body), own }, nowMs);
      return presentCard(await createCard(sql, scope, app.secrets, params.id, body, nowMs, undefined, prepared as IssuedAtProcessor | undefined));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/agents/{id}/cards',
    operationId: 'listAgentCards',
    summary: "An agent's cards, newest first (an agent token sees only its own)",
    tag,
    params: agentIdParams,
    query: listAgentCardsQuery,
    response: cardListSchema,
    handler: async ({ sql, scope, principal, params, query }) => listAgentCards(sql, scope, principal, params.id, query.status, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/cards',
    operationId: 'listCards',
    summary: 'List cards, newest first, optionally by agentId, userId and status',
    tag,
    query: listCardsQuery,
    response: cardListSchema,
    handler: async ({ sql, scope, query }) => listCards(sql, scope, cardFiltersOf(query), query),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/users/{id}/cards',
    operationId: 'listUserCards',
    summary: "A user's cards across their agents, newest first, optionally by status (LedgerOS)",
    tag,
    params: userIdParams,
    query: listAgentCardsQuery,
    response: cardListSchema,
    handler: async ({ sql, scope, params, query }) => listUserCards(sql, scope, params.id, query.status, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/cards/{id}',
    operationId: 'getCard',
    summary: 'Get a card (never its number or CVV: see POST /v1/cards/{id}/details)',
    tag,
    params: cardIdParams,
    response: cardSchema,
    handler: async ({ sql, scope, principal, params }) => presentCard(await getCardForPrincipal(sql, scope, principal, params.id)),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/v1/cards/{id}',
    operationId: 'updateCard',
    summary: 'Change status (active|frozen), limits, policy, approval policy, drift settings or metadata (maxAmount cannot change); closed cards answer 409',
    tag,
    params: cardIdParams,
    body: updateCardBody,
    response: cardSchema,
    handler: async ({ sql, scope, principal, params, body, nowMs }) => presentCard(await updateCard(sql, scope, params.id, body, actorOf(principal), nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/cards/{id}/freeze',
    operationId: 'freezeCard',
    summary: 'Freeze a card (statusReason manual): authorizations decline until it is unfrozen. A frozen card answers 409 card_already_frozen',
    description: 'An agent token may freeze its own agent\'s cards (never unfreeze or close them).',
    tag,
    params: cardIdParams,
    response: cardStatusChangeSchema,
    handler: async ({ sql, scope, principal, params, nowMs }) => {
      await getCardForPrincipal(sql, scope, principal, params.id); // an agent token freezes only its own agent's cards
      return presentStatusChange(await freezeCardOnRequest(sql, scope, params.id, actorOf(principal), nowMs));
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/cards/{id}/unfreeze',
    operationId: 'unfreezeCard',
    summary: 'Unfreeze a frozen card, whatever froze it (manual, limit, risk). An active card stays as it is (previousStatus active)',
    tag,
    params: cardIdParams,
    response: cardStatusChangeSchema,
    handler: async ({ sql, scope, principal, params, nowMs }) => presentStatusChange(await unfreezeCardOnRequest(sql, scope, params.id, actorOf(principal), nowMs)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/cards/{id}/close',
    operationId: 'closeCard',
    summary: 'Close a card for good (statusReason manual); its reservation returns to available. A closed card answers 409 card_already_closed',
    tag,
    params: cardIdParams,
    response: cardStatusChangeSchema,
    handler: async ({ sql, scope, principal, params, nowMs }) => presentStatusChange(await closeCardOnRequest(sql, scope, params.id, actorOf(principal), nowMs)),
  }),
];
