// The one place that says which credentials may call which route (SPEC §3, §4 agent-token scope).
// Every /v1 route must appear here; registering one that does not fails at start.
import type { PrincipalKind } from '../domain/principal.js';

/** Which credentials a /v1 route of the request pipeline admits. */
export type PrincipalAccess = { readonly principals: readonly PrincipalKind[]; readonly sandboxOnly?: boolean };

export type RouteAccess =
  | PrincipalAccess
  /** An issuer-processor's callback: its signature is the credential (src/network/issuers/), never an API key. */
  | { readonly signedBy: 'lithic' }
  | 'public';

const apiKeyOnly = { principals: ['apiKey'] } as const;
const sandboxApiKeyOnly = { principals: ['apiKey'], sandboxOnly: true } as const;
/** Agent tokens may call these, and only on their own agent's resources (others answer 404). */
const apiKeyOrOwnAgent = { principals: ['apiKey', 'agentToken'] } as const;

export const routeAccess: Readonly<Record<string, RouteAccess>> = {
  'GET /v1/organization': apiKeyOnly,
  'PATCH /v1/organization': apiKeyOnly,
  'POST /v1/api-keys': apiKeyOnly,
  'GET /v1/api-keys': apiKeyOnly,
  'GET /v1/api-keys/{id}': apiKeyOnly,
  'DELETE /v1/api-keys/{id}': apiKeyOnly,
  // Credential exposure (SPEC §4): API keys manage filler keys; a filler key may redeem details tokens and nothing else.
  'POST /v1/filler-keys': apiKeyOnly,
  'GET /v1/filler-keys': apiKeyOnly,
  'DELETE /v1/filler-keys/{id}': apiKeyOnly,
  'POST /v1/details-tokens/{token}/redeem': { principals: ['fillerKey'] },
  'GET /v1/sandbox/clock': sandboxApiKeyOnly,
  'POST /v1/sandbox/clock/advance': sandboxApiKeyOnly,

  'POST /v1/users': apiKeyOnly,
  'GET /v1/users': apiKeyOnly,
  'GET /v1/users/{id}': apiKeyOnly,
  'PATCH /v1/users/{id}': apiKeyOnly,
  'GET /v1/balances/{userId}': apiKeyOnly,
  'GET /v1/users/{id}/balance': apiKeyOnly,
  'GET /v1/users/{id}/cards': apiKeyOnly,
  'POST /v1/applications/user/initiate': apiKeyOnly,

  'POST /v1/verification/user': apiKeyOnly,
  'GET /v1/verification/user/{userId}': apiKeyOnly,
  'GET /v1/verification/user/{userId}/link': apiKeyOnly,
  // LedgerOS's document upload (SPEC §11): the integrator's backend sends what the person gave it; API keys only.
  'PUT /v1/verification/user/{userId}/document': apiKeyOnly,
  'POST /v1/sandbox/users/{id}/verification': sandboxApiKeyOnly,
  // The operator's decision (SPEC §4): API keys only, live as well as sandbox.
  'POST /v1/users/{id}/verification/decision': apiKeyOnly,

  // Cardholder passkeys (docs/passkeys.md): the integrator sends the enrollment link and manages the list; an agent
  // never touches what approves its own purchases.
  'POST /v1/users/{id}/passkeys/enrollment': apiKeyOnly,
  'GET /v1/users/{id}/passkeys': apiKeyOnly,
  'DELETE /v1/users/{id}/passkeys/{passkeyId}': apiKeyOnly,

  'GET /v1/users/{id}/funding': apiKeyOnly,
  'GET /v1/users/{id}/contracts': apiKeyOnly,
  'GET /v1/users/{id}/deposits': apiKeyOnly,
  'GET /v1/deposits/{id}': apiKeyOnly,
  'POST /v1/sandbox/deposits': sandboxApiKeyOnly,

  'POST /v1/users/{id}/withdrawals': apiKeyOnly,
  'POST /v1/withdrawals': apiKeyOnly,
  'GET /v1/users/{id}/withdrawals': apiKeyOnly,
  'GET /v1/users/{id}/withdrawals/{withdrawalId}': apiKeyOnly,
  'POST /v1/sandbox/withdrawals/{id}/submit': sandboxApiKeyOnly,
  'POST /v1/sandbox/withdrawals/{id}/confirm': sandboxApiKeyOnly,
  'POST /v1/sandbox/withdrawals/{id}/fail': sandboxApiKeyOnly,

  'POST /v1/agents': apiKeyOnly,
  'POST /v1/agents/register': apiKeyOnly,
  'GET /v1/agents': apiKeyOnly,
  'GET /v1/agents/{id}': apiKeyOnly,
  'PATCH /v1/agents/{id}': apiKeyOnly,
  'GET /v1/agents/{id}/policy': apiKeyOrOwnAgent,
  // SPEC §7: the agent tools ledger_status (verification, balance, canSpend) and ledger_funding (deposit instructions)
  // need what the agent's user endpoints hold; these answer it for the agent's own user only.
  'GET /v1/agents/{id}/status': apiKeyOrOwnAgent,
  'GET /v1/agents/{id}/funding': apiKeyOrOwnAgent,
  'POST /v1/agents/{id}/suspend': apiKeyOnly,
  'POST /v1/agents/{id}/activate': apiKeyOnly,
  'POST /v1/agents/{id}/deregister': apiKeyOnly,
  'POST /v1/agents/{id}/tokens': apiKeyOnly,
  'GET /v1/agents/{id}/tokens': apiKeyOnly,
  'DELETE /v1/agents/{id}/tokens/{tokenId}': apiKeyOnly,

  'POST /v1/policies': apiKeyOnly,
  'GET /v1/policies': apiKeyOnly,
  'GET /v1/policies/{id}': apiKeyOnly,
  'PATCH /v1/policies/{id}': apiKeyOnly,

  // SPEC §11 MCP: the agent creates cards for itself (within maxCards and its spending limit) and freezes its own
  // cards — never unfreezes or closes them.
  'POST /v1/agents/{id}/cards': apiKeyOrOwnAgent,
  'GET /v1/agents/{id}/cards': apiKeyOrOwnAgent,
  'GET /v1/cards': apiKeyOnly,
  'GET /v1/cards/{id}': apiKeyOrOwnAgent,
  // The controls a card is held to: the agent may read what it is allowed (as it reads its agent policy).
  'GET /v1/cards/{id}/policy': apiKeyOrOwnAgent,
  'PATCH /v1/cards/{id}': apiKeyOnly,
  'POST /v1/cards/{id}/freeze': apiKeyOrOwnAgent,
  'POST /v1/cards/{id}/unfreeze': apiKeyOnly,
  'POST /v1/cards/{id}/close': apiKeyOnly,

  'POST /v1/cards/{id}/intents': apiKeyOrOwnAgent,
  'GET /v1/cards/{id}/intents': apiKeyOrOwnAgent,
  // The organization's intents across cards (the approval queue): API keys only.
  'GET /v1/intents': apiKeyOnly,
  'GET /v1/intents/{id}': apiKeyOrOwnAgent,
  // The signed record of its approval: evidence for the agent's platform and the agent alike.
  'GET /v1/intents/{id}/approval': apiKeyOrOwnAgent,
  'POST /v1/intents/{id}/cancel': apiKeyOrOwnAgent,
  'POST /v1/intents/{id}/approve': apiKeyOnly,
  'POST /v1/intents/{id}/reject': apiKeyOnly,
  'POST /v1/cards/{id}/details': apiKeyOrOwnAgent,

  'GET /v1/transactions': apiKeyOrOwnAgent,
  'GET /v1/transactions/{id}': apiKeyOrOwnAgent,
  // The integrator's labels (SPEC §11): API keys only; an agent reads its transactions but does not annotate them.
  'PATCH /v1/transactions/{id}': apiKeyOnly,
  'POST /v1/sandbox/authorizations': sandboxApiKeyOnly,
  'POST /v1/sandbox/transactions/{id}/clear': sandboxApiKeyOnly,
  'POST /v1/sandbox/transactions/{id}/void': sandboxApiKeyOnly,
  'POST /v1/sandbox/transactions/{id}/refund': sandboxApiKeyOnly,
  'POST /v1/sandbox/transactions/{id}/increment': sandboxApiKeyOnly,
  'POST /v1/sandbox/force-posts': sandboxApiKeyOnly,

  // 3-D Secure: the agent reads its card's passcodes (SPEC §1, §4); the OTP token is a bearer secret handed to it
  // there, and still answers only the owning agent's token or an API key. The merchant side is sandbox-only.
  'GET /v1/cards/{id}/challenges': apiKeyOrOwnAgent,
  // The same across the agent's cards (SPEC §11: ledger_challenges works without cardId), its own agent only.
  'GET /v1/agents/{id}/challenges': apiKeyOrOwnAgent,
  'GET /v1/otp/{token}': apiKeyOrOwnAgent,
  'DELETE /v1/otp/{token}': apiKeyOrOwnAgent,
  'POST /v1/sandbox/challenges/{id}/complete': sandboxApiKeyOnly,

  // Webhooks and events (SPEC §6): API keys only, sandbox and live alike.
  'POST /v1/webhooks': apiKeyOnly,
  'GET /v1/webhooks': apiKeyOnly,
  'GET /v1/webhooks/{id}': apiKeyOnly,
  'PATCH /v1/webhooks/{id}': apiKeyOnly,
  'DELETE /v1/webhooks/{id}': apiKeyOnly,
  'GET /v1/webhooks/{id}/secret': apiKeyOnly,
  'POST /v1/webhooks/{id}/rotate-secret': apiKeyOnly,
  'GET /v1/webhooks/{id}/deliveries': apiKeyOnly,
  'POST /v1/webhooks/{id}/test': apiKeyOnly,
  'GET /v1/events': apiKeyOnly,
  // The live stream of the same events: API keys only, like the list. Events carry whole objects of the environment
  // (other agents' cards, users' KYC status, webhooks), so an agent token gets 403 as on GET /v1/events; SPEC §4's
  // agent scope has no events (docs/decisions.md, "The event stream").
  'GET /v1/events/stream': apiKeyOnly,
  'GET /v1/events/{id}': apiKeyOnly,
  'POST /v1/events/{id}/redeliver': apiKeyOnly,

  'GET /v1/settings/risk': apiKeyOnly,
  'PATCH /v1/settings/risk': apiKeyOnly,
  'POST /v1/settings/risk/preset': apiKeyOnly,
  'GET /v1/agents/{id}/risk': apiKeyOnly,
  'PATCH /v1/agents/{id}/risk': apiKeyOnly,
  'GET /v1/cards/{id}/risk': apiKeyOnly,
  'PATCH /v1/cards/{id}/risk': apiKeyOnly,
  'GET /v1/risk/alerts': apiKeyOnly,
  'GET /v1/risk/alerts/{id}': apiKeyOnly,
  'POST /v1/risk/alerts/{id}/resolve': apiKeyOnly,

  // The organization's issuer-processor (docs/issuers.md): API keys only, live as well as sandbox.
  'GET /v1/settings/issuer': apiKeyOnly,
  'PATCH /v1/settings/issuer': apiKeyOnly,
  // Lithic's Auth Stream Access and transaction events, signed with the program's secrets.
  'POST /v1/issuers/lithic/asa': { signedBy: 'lithic' },
  'POST /v1/issuers/lithic/events': { signedBy: 'lithic' },
};

export function accessFor(method: string, url: string): RouteAccess {
  const access = routeAccess[`${method} ${url}`];
  if (access === undefined) throw new Error(`route ${method} ${url} has no entry in src/http/access.ts`);
  return access;
}
