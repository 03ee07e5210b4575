// Tenant isolation and agent-token scope as a matrix (SPEC §3 "Auth", "Organizations"; §4 "Agent-token scope";
// §10 "Tenant isolation and agent scopes tested as matrices"): every route of `allRoutes` is called with each of
// the credentials below, and the answer expected is derived from the access table (src/http/access.ts), so a new
// route is covered — or fails here until it has a row in `cases` below. One test per route, all credentials in it.
//
// Credentials, for one organization's sandbox resources:
//   ownerKey       the organization's sandbox API key                         → 2xx
//   ownAgent       the token of the agent that owns the resource             → 2xx where agent tokens are allowed, else 403
//   siblingAgent   another agent's token, same organization, same user       → 404 where allowed, else 403
//   strangerAgent  another agent's token, same organization, another user    → 404 where allowed, else 403
//   otherOrgKey    another organization's sandbox key                        → 404 for a resource id; else 2xx showing none of it
//   liveKey        the same organization's live key against the sandbox ids  → 403 sandbox_only on sandbox routes; else as otherOrgKey
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { routeAccess } from '../../src/http/access.js';
import type { AnyRouteDefinition } from '../../src/http/route-definition.js';
import { allRoutes } from '../../src/http/all-routes.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import type { PrincipalKind } from '../../src/domain/principal.js';
import type { Scope } from '../../src/domain/scope.js';
import { assertError, startTestApp, type TestApp, type TestResponse } from '../helpers/app.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';
import type { StoreKind } from '../helpers/stores.js';
import { enrollPasskey } from '../helpers/webauthn.js';

const credentials = ['ownerKey', 'ownAgent', 'siblingAgent', 'strangerAgent', 'otherOrgKey', 'liveKey'] as const;
type Credential = (typeof credentials)[number];

const kindOf: Record<Credential, PrincipalKind> = {
  ownerKey: 'apiKey',
  ownAgent: 'agentToken',
  siblingAgent: 'agentToken',
  strangerAgent: 'agentToken',
  otherOrgKey: 'apiKey',
  liveKey: 'apiKey',
};

/** The first organization's sandbox resources a call is made against. `fresh` functions override some per call. */
interface World {
  userId: string;
  agentId: string;
  /** The token of `agentId`: the "own agent" credential. */
  agentToken: string;
  cardId: string;
  /** A card whose intents wait in pending_approval. */
  approvalCardId: string;
  intentId: string;
  tokenId: string;
  withdrawalId: string;
  depositId: string;
  apiKeyId: string;
  /** A filler key record of the organization (its secret is not a matrix credential: filler keys may only redeem). */
  fillerKeyId: string;
  /** A multi-use card without drift detection that the card network routes authorize on. */
  networkCardId: string;
  /** A pending authorization on `networkCardId`. */
  transactionId: string;
  /** The risk alert that authorization raised (moderate preset: unattested spend, no intent). */
  alertId: string;
  /** A webhook endpoint, and the webhook.test event Send Test recorded for it. */
  webhookId: string;
  /** A spending policy of the organization. */
  policyId: string;
  /** A passkey of `userId`, enrolled through the hosted page. */
  passkeyId: string;
  eventId: string;
  /** 3-D Secure, set by `freshChallenge` only: a pending challenge on a fresh card, its passcode and OTP token. */
  challengeId?: string;
  challengeOtp?: string;
  otpToken?: string;
}

type Fresh = (world: World) => Promise<Partial<World>>;

interface RouteCase {
  /** A valid body for the route (checked against the route's own schema before use). */
  body?: (world: World) => unknown;
  /** For a route that consumes multipart/form-data (a file upload): its form, instead of `body`. */
  form?: (world: World) => FormData;
  /** Appended to the path (list pages large enough that the owner's check below sees its ids). */
  query?: string;
  /**
   * Resources created before each credential's call, so a destructive or state-changing route judges every
   * credential on a resource in the right state, whatever an earlier call did.
   */
  fresh?: Fresh;
  /** For routes without a resource id that list: an id the owner's answer must contain (so its absence elsewhere means something). */
  ownerSees?: (world: World) => string;
  /** A stream that never ends by itself (server-sent events): judged on its head and first chunk. */
  stream?: true;
}

type Expected = { kind: 'success'; foreign: boolean } | { kind: 'error'; status: number; type: string; code: string };

const success: Expected = { kind: 'success', foreign: false };
const foreignSuccess: Expected = { kind: 'success', foreign: true };
const forbidden: Expected = { kind: 'error', status: 403, type: 'authorization_error', code: 'insufficient_permissions' };
const sandboxOnly: Expected = { kind: 'error', status: 403, type: 'authorization_error', code: 'sandbox_only' };
const notFound: Expected = { kind: 'error', status: 404, type: 'not_found_error', code: 'resource_not_found' };

/**
 * Answers the access table does not predict, each justified by SPEC. Empty today: every route follows the rules
 * above. Add `'METHOD /v1/path': { credential: expected }` with a comment quoting the SPEC sentence that demands it.
 */
const exceptions: Readonly<Record<string, Partial<Record<Credential, Expected>>>> = {
  // SPEC §4 "Transactions and the card network simulator": POST /v1/sandbox/authorizations "answers 200 with the
  // transaction whether approved or declined (a decline is the network's answer, not an API error); only a malformed
  // request is a 4xx". Another tenant's card presented to the network is an unknown card: declined invalid_card
  // (200), showing nothing of the card's owner.
  'POST /v1/sandbox/authorizations': { otherOrgKey: foreignSuccess },
};

/**
 * What SPEC §4 "Agent-token scope" (seed 000) lets an agent token call: "own cards (GET /v1/cards/{id},
 * GET /v1/agents/{self}/cards), /v1/cards/{id}/intents, /v1/cards/{id}/details, /v1/cards/{id}/challenges,
 * /v1/transactions (own only, silently filtered), GET /v1/agents/{self}/policy. Everything else → 403".
 * The access table may open nothing else to agent tokens except `agentTokenScopeAdditions`.
 */
const specAgentTokenScope: readonly RegExp[] = [
  /^GET \/v1\/cards\/\{id\}$/,
  /^GET \/v1\/agents\/\{id\}\/cards$/,
  /^(GET|POST) \/v1\/cards\/\{id\}\/intents$/,
  /^POST \/v1\/cards\/\{id\}\/details$/,
  /^GET \/v1\/cards\/\{id\}\/challenges$/,
  /^GET \/v1\/transactions(\/\{id\})?$/,
  /^GET \/v1\/agents\/\{id\}\/policy$/,
];

/** Agent-token routes outside that list, each because another part of SPEC says the agent does it. */
const agentTokenScopeAdditions: Readonly<Record<string, string>> = {
  // SPEC §4 Intents: "Also GET /v1/cards/{id}/intents, GET /v1/intents/{id}, POST /v1/intents/{id}/cancel"; §1 the agent
  // "declares intents"; §7 the agent tool ledger_intent does "declare, list, get, cancel".
  'GET /v1/intents/{id}': 'SPEC §4 Intents, §7 ledger_intent get',
  // SPEC §4 Approval: "Every decision yields an approval record signed by the deployment"; for its own intent it is
  // the agent's proof of the cardholder's mandate, to show whoever it pays (nothing in it is secret).
  'GET /v1/intents/{id}/approval': 'SPEC §4 Approval (the signed record of its own intent)',
  'POST /v1/intents/{id}/cancel': 'SPEC §4 Intents, §7 ledger_intent cancel',
  // SPEC §1 the agent "reads 3-D Secure codes"; §4 3-D Secure: "GET /v1/otp/{token} and DELETE /v1/otp/{token} as in
  // seed 002", the token being handed to the agent by GET /v1/cards/{id}/challenges; §7 the agent tool ledger_challenges.
  'GET /v1/otp/{token}': 'SPEC §1 Agent, §4 3-D Secure, §7 ledger_challenges',
  'DELETE /v1/otp/{token}': 'SPEC §1 Agent, §4 3-D Secure, §7 ledger_challenges',
  // SPEC §7: the agent tools ledger_status ("verification, balance, canSpend") and ledger_funding ("deposit
  // instructions") run with an agent token, and the user endpoints behind them stay API-key only.
  'GET /v1/agents/{id}/status': 'SPEC §7 ledger_status',
  'GET /v1/agents/{id}/funding': 'SPEC §7 ledger_funding',
  // SPEC §11 Cards: the card's effective policy and its live state; the agent reads what it is held to, as it reads
  // its agent policy (GET /v1/agents/{self}/policy).
  'GET /v1/cards/{id}/policy': 'SPEC §11 Cards, GET /v1/cards/{id}/policy',
  // SPEC §11 MCP: "ledger_card adds create and freeze for the agent's own cards (within maxCards, its policy and limit;
  // never unfreeze)"; the tool calls these routes with the agent's token. Unfreeze and close stay API-key only.
  'POST /v1/agents/{id}/cards': 'SPEC §11 MCP ledger_card create',
  'POST /v1/cards/{id}/freeze': 'SPEC §11 MCP ledger_card freeze',
  // SPEC §11 MCP: "ledger_challenges works without cardId" — the agent's challenges across its cards, by the rule of
  // GET /v1/cards/{id}/challenges (a revealed intent on the card), for its own agent only.
  'GET /v1/agents/{id}/challenges': 'SPEC §11 ledger_challenges without cardId, §4 3-D Secure',
};

const evmAddress = '0x52908400098527886E0F7030069857D2E4169EE7';
/** Ids the API hands out (`<prefix>_` + 26 characters), except request ids and the organization's own id. */
const idPattern = /^(?!req_|org_)[a-z]+_[0-9a-z]{26}$/;

function collectIds(value: unknown, into: Set<string>, except?: RegExp): void {
  if (typeof value === 'string') {
    if (idPattern.test(value) && except?.test(value) !== true) into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectIds(item, into, except);
  } else if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) collectIds(inner, into, except);
  }
}

/** `{name}` of `url` → the resource of the world it names, by parameter name and the collection it follows. */
function paramValue(url: string, name: string, world: World): string {
  if (name === 'userId') return world.userId;
  if (name === 'withdrawalId') return world.withdrawalId;
  if (name === 'tokenId') return world.tokenId;
  if (name === 'passkeyId') return world.passkeyId;
  if (name === 'token' && world.otpToken !== undefined) return world.otpToken;
  // No matrix credential may redeem (filler keys only, test/modules/fillers): a well-formed token that names nothing.
  if (name === 'token' && url.startsWith('/v1/details-tokens/')) return 'dtk_matrix';
  if (name === 'id' && url.startsWith('/v1/sandbox/challenges/') && world.challengeId !== undefined) return world.challengeId;
  if (name === 'id' && url.startsWith('/v1/risk/alerts/')) return world.alertId;
  if (name === 'id') {
    const segments = url.split('/').slice(2); // after '', 'v1'
    const collection = segments[0] === 'sandbox' ? segments[1] : segments[0];
    const byCollection: Record<string, keyof World> = {
      users: 'userId',
      agents: 'agentId',
      cards: 'cardId',
      intents: 'intentId',
      'api-keys': 'apiKeyId',
      'filler-keys': 'fillerKeyId',
      deposits: 'depositId',
      withdrawals: 'withdrawalId',
      transactions: 'transactionId',
      webhooks: 'webhookId',
      policies: 'policyId',
      events: 'eventId',
    };
    const field = collection === undefined ? undefined : byCollection[collection];
    const value = field === undefined ? undefined : world[field];
    if (value !== undefined) return value;
  }
  throw new Error(`no world resource for {${name}} of ${url}: teach paramValue in test/http/scope-matrix.test.ts`);
}

function fillPath(url: string, world: World): string {
  return url.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(paramValue(url, name, world)));
}

function routeKey(route: AnyRouteDefinition): string {
  return `${route.method} ${route.url}`;
}

/** What the access table says `credential` gets on `route` (before the route's own table of exceptions). */
function expectedFor(route: AnyRouteDefinition, credential: Credential, refersToResource: boolean): Expected {
  const exception = exceptions[routeKey(route)]?.[credential];
  if (exception !== undefined) return exception;
  const access = routeAccess[routeKey(route)];
  if (access === undefined || access === 'public' || 'signedBy' in access) throw new Error(`${routeKey(route)} has no row in src/http/access.ts`);
  if (!access.principals.includes(kindOf[credential])) return forbidden;
  if (credential === 'liveKey' && access.sandboxOnly === true) return sandboxOnly;
  switch (credential) {
    case 'ownerKey':
    case 'ownAgent':
      return success;
    case 'siblingAgent':
    case 'strangerAgent':
      // Another agent's resource answers 404; a route without one (GET /v1/transactions: "own only, silently
      // filtered", SPEC §4) answers the caller's own data and nothing of the owner agent's.
      return refersToResource ? notFound : foreignSuccess;
    case 'otherOrgKey':
    case 'liveKey':
      return refersToResource ? notFound : foreignSuccess;
  }
}

for (const storeKind of ['sqlite', 'postgres'] as const satisfies readonly StoreKind[]) {
  describe(`scope matrix: every route × every credential (${storeKind})`, () => {
    let testApp: TestApp;
    let world: World;
    let secretOf: (credential: Credential, world: World) => string;
    /** Every id the first organization's sandbox has handed out so far: none may reach a foreign credential. */
    const ownIds = new Set<string>();
    /** The owner agent's own resources (not its user, which a sibling agent shares): none may reach another agent. */
    const ownAgentIds = new Set<string>();

    async function owner(method: string, url: string, body?: unknown): Promise<any> {
      const response = await testApp.request(method, url, body === undefined ? {} : { body });
      assert.equal(response.statusCode, 200, `arrange ${method} ${url}: ${response.body}`);
      collectIds(response.json, ownIds);
      return response.json;
    }

    const newCard = async (world: World, extra: Record<string, unknown> = {}): Promise<string> =>
      (await owner('POST', `/v1/agents/${world.agentId}/cards`, { purpose: 'matrix card', type: 'multi', maxAmount: 1_000, ...extra })).id;
    const newAgent = async (world: World): Promise<Partial<World>> => {
      const registered = await owner('POST', '/v1/agents/register', { userId: world.userId, name: 'fresh agent' });
      return { agentId: registered.id, agentToken: registered.token };
    };
    const newWithdrawal = async (world: World): Promise<string> =>
      (await owner('POST', `/v1/users/${world.userId}/withdrawals`, { network: 'base', token: 'USDC', amount: 100, address: evmAddress })).id;
    const newUser = async (): Promise<Partial<World>> => ({ userId: (await owner('POST', '/v1/users', { firstName: 'Fresh', lastName: 'User', email: 'fresh@example.com' })).id });

    const freshCard: Fresh = async (world) => ({ cardId: await newCard(world) });
    const freshFrozenCard: Fresh = async (world) => {
      const cardId = await newCard(world);
      await owner('POST', `/v1/cards/${cardId}/freeze`);
      return { cardId };
    };
    const freshIntent: Fresh = async (world) => ({
      intentId: (await owner('POST', `/v1/cards/${world.cardId}/intents`, { summary: 'fresh intent', amount: 500, merchantText: 'Amazon' })).id,
    });
    const freshIntentAwaitingApproval: Fresh = async (world) => {
      const intent = await owner('POST', `/v1/cards/${world.approvalCardId}/intents`, { summary: 'needs approval', amount: 500, merchantText: 'Amazon' });
      assert.equal(intent.status, 'pending_approval');
      return { intentId: intent.id };
    };
    const freshApprovedIntent: Fresh = async (world) => {
      const { intentId } = await freshIntentAwaitingApproval(world);
      await owner('POST', `/v1/intents/${intentId}/approve`, { reason: 'matrix' });
      return { intentId };
    };
    const freshSuspendedAgent: Fresh = async (world) => {
      const agent = await newAgent(world);
      await owner('POST', `/v1/agents/${agent.agentId}/suspend`);
      return agent;
    };
    const freshToken: Fresh = async (world) => ({ tokenId: (await owner('POST', `/v1/agents/${world.agentId}/tokens`, { name: 'fresh token' })).id });
    const freshApiKey: Fresh = async () => ({ apiKeyId: (await owner('POST', '/v1/api-keys', { name: 'fresh key' })).id });
    const newPasskey = async (userId: string): Promise<string> => {
      const { passkey } = await enrollPasskey(testApp, userId, { name: 'matrix passkey' });
      ownIds.add(passkey.id);
      return passkey.id;
    };
    const freshPasskey: Fresh = async (world) => ({ passkeyId: await newPasskey(world.userId) });
    const freshWithdrawal: Fresh = async (world) => ({ withdrawalId: await newWithdrawal(world) });
    const freshSubmittedWithdrawal: Fresh = async (world) => {
      const withdrawalId = await newWithdrawal(world);
      await owner('POST', `/v1/sandbox/withdrawals/${withdrawalId}/submit`, {});
      return { withdrawalId };
    };
    const freshUser: Fresh = async () => newUser();
    /** A user whose application waits for a document. */
    const freshUserAwaitingDocument: Fresh = async () => {
      const user = await newUser();
      await owner('POST', `/v1/sandbox/users/${user.userId}/verification`, { outcome: 'documentRequired' });
      return user;
    };
    /** A user whose application waits for an operator's decision. */
    const freshUserInReview: Fresh = async () => {
      const user = await newUser();
      await owner('POST', `/v1/sandbox/users/${user.userId}/verification`, { outcome: 'manualReview' });
      return user;
    };
    const newAuthorization = async (world: World): Promise<string> => {
      const transaction = await owner('POST', '/v1/sandbox/authorizations', { cardId: world.networkCardId, amount: 100, merchant: { name: 'Amazon' } });
      assert.equal(transaction.status, 'pending', `arrange an authorization: ${JSON.stringify(transaction)}`);
      ownAgentIds.add(transaction.id);
      return transaction.id;
    };
    const alertOf = async (transactionId: string): Promise<string> => {
      const alerts = await owner('GET', `/v1/risk/alerts?transactionId=${transactionId}`);
      assert.ok(alerts.data.length >= 1, `arrange a risk alert: ${JSON.stringify(alerts)}`);
      return alerts.data[0].id;
    };
    const freshAlert: Fresh = async (world) => ({ alertId: await alertOf(await newAuthorization(world)) });
    const freshPendingTransaction: Fresh = async (world) => ({ transactionId: await newAuthorization(world) });
    const freshSettledTransaction: Fresh = async (world) => {
      const transactionId = await newAuthorization(world);
      await owner('POST', `/v1/sandbox/transactions/${transactionId}/clear`, {});
      return { transactionId };
    };

    /** A fresh card of the owner agent with a revealed intent and a pending 3-D Secure challenge (read by the key). */
    const freshChallenge: Fresh = async (world) => {
      const cardId = await newCard(world);
      await owner('POST', `/v1/cards/${cardId}/intents`, { summary: 'challenged purchase', amount: 100, merchantText: 'Amazon' });
      await owner('POST', `/v1/cards/${cardId}/details`, { summary: 'challenged purchase', expectedAmount: 100, merchantText: 'Amazon' });
      const challenge = await owner('POST', '/v1/sandbox/authorizations', { cardId, amount: 100, merchant: { name: 'Amazon' }, threeDS: true });
      assert.equal(challenge.status, 'challenge_required', `arrange a challenge: ${JSON.stringify(challenge)}`);
      const listed = await owner('GET', `/v1/cards/${cardId}/challenges`);
      for (const id of [cardId, challenge.id]) ownAgentIds.add(id);
      return { cardId, challengeId: challenge.id, challengeOtp: listed.data[0].otp, otpToken: listed.data[0].otpToken };
    };

    /** One row per route: its valid body, and which resources each call needs fresh. Every route must have one. */
    const cases: Readonly<Record<string, RouteCase>> = {
      'GET /v1/organization': {},
      'PATCH /v1/organization': { body: () => ({ requireIpAllowlist: false }) },
      'POST /v1/api-keys': { body: () => ({ name: 'matrix key' }) },
      'GET /v1/api-keys': { query: '?limit=100', ownerSees: (world) => world.apiKeyId },
      'GET /v1/api-keys/{id}': {},
      'DELETE /v1/api-keys/{id}': { fresh: freshApiKey },
      'POST /v1/filler-keys': { body: () => ({ name: 'matrix filler' }) },
      'GET /v1/filler-keys': { query: '?limit=100', ownerSees: (world) => world.fillerKeyId },
      'DELETE /v1/filler-keys/{id}': { fresh: async () => ({ fillerKeyId: (await owner('POST', '/v1/filler-keys', { name: 'fresh filler' })).id }) },
      'POST /v1/details-tokens/{token}/redeem': { body: () => ({ fingerprint: { extensionId: 'matrix', deviceHash: 'matrix' } }) },
      'GET /v1/sandbox/clock': {},
      'POST /v1/sandbox/clock/advance': { body: () => ({ seconds: 1 }) },

      'POST /v1/users': { body: () => ({ firstName: 'Matrix', lastName: 'User', email: 'matrix@example.com' }) },
      'GET /v1/users': { query: '?limit=100', ownerSees: (world) => world.userId },
      'GET /v1/users/{id}': {},
      'PATCH /v1/users/{id}': { body: () => ({ metadata: { touched: 'yes' } }) },
      'GET /v1/balances/{userId}': {},
      'GET /v1/users/{id}/balance': {},
      'GET /v1/users/{id}/cards': { ownerSees: (world) => world.cardId },
      'POST /v1/applications/user/initiate': { body: () => ({ firstName: 'Matrix', lastName: 'Applicant', email: 'applicant@example.com' }) },

      // Verification can start only for a user who is not approved, and the sandbox outcome changes the status.
      'POST /v1/verification/user': { fresh: freshUser, body: (world) => ({ userId: world.userId }) },
      'GET /v1/verification/user/{userId}': {},
      'GET /v1/verification/user/{userId}/link': { fresh: freshUser },
      'PUT /v1/verification/user/{userId}/document': {
        fresh: freshUserAwaitingDocument,
        form: () => {
          const form = new FormData();
          form.set('documentType', 'passport');
          form.set('file', new Blob(['%PDF-1.7 matrix'], { type: 'application/pdf' }), 'passport.pdf');
          return form;
        },
      },
      'POST /v1/sandbox/users/{id}/verification': { fresh: freshUser, body: () => ({ outcome: 'approved' }) },
      'POST /v1/users/{id}/verification/decision': { fresh: freshUserInReview, body: () => ({ outcome: 'approved', reason: 'checked by hand' }) },

      // Each removal judges a fresh passkey of the approved user (a user holds at most 10).
      'POST /v1/users/{id}/passkeys/enrollment': { body: () => ({ name: 'matrix passkey' }) },
      'GET /v1/users/{id}/passkeys': {},
      'DELETE /v1/users/{id}/passkeys/{passkeyId}': { fresh: freshPasskey },

      'GET /v1/users/{id}/funding': {},
      'GET /v1/users/{id}/contracts': {},
      'GET /v1/users/{id}/deposits': {},
      'GET /v1/deposits/{id}': {},
      'POST /v1/sandbox/deposits': { body: (world) => ({ userId: world.userId, network: 'base', token: 'USDC', amount: '1000000', confirmations: 12 }) },

      'POST /v1/users/{id}/withdrawals': { body: () => ({ network: 'base', token: 'USDC', amount: 100, address: evmAddress }) },
      'POST /v1/withdrawals': { body: (world) => ({ userId: world.userId, chainId: 8453, tokenAddress: '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913', amount: 100, recipientAddress: evmAddress }) },
      'GET /v1/users/{id}/withdrawals': {},
      'GET /v1/users/{id}/withdrawals/{withdrawalId}': {},
      'POST /v1/sandbox/withdrawals/{id}/submit': { fresh: freshWithdrawal, body: () => ({}) },
      'POST /v1/sandbox/withdrawals/{id}/confirm': { fresh: freshSubmittedWithdrawal, body: () => ({}) },
      'POST /v1/sandbox/withdrawals/{id}/fail': { fresh: freshWithdrawal, body: () => ({ reason: 'matrix' }) },

      'POST /v1/agents': { body: (world) => ({ userId: world.userId, name: 'matrix created agent' }) },
      'POST /v1/agents/register': { body: (world) => ({ userId: world.userId, name: 'matrix agent' }) },
      'GET /v1/agents': { query: '?limit=100', ownerSees: (world) => world.agentId },
      'GET /v1/agents/{id}': {},
      'PATCH /v1/agents/{id}': { body: () => ({ metadata: { touched: 'yes' } }) },
      'GET /v1/agents/{id}/policy': {},
      'GET /v1/agents/{id}/status': {},
      'GET /v1/agents/{id}/funding': {},
      'POST /v1/agents/{id}/suspend': { fresh: newAgent },
      'POST /v1/agents/{id}/activate': { fresh: freshSuspendedAgent },
      'POST /v1/agents/{id}/deregister': { fresh: newAgent },
      'POST /v1/agents/{id}/tokens': { body: () => ({ name: 'matrix token' }) },
      'GET /v1/agents/{id}/tokens': {},
      'DELETE /v1/agents/{id}/tokens/{tokenId}': { fresh: freshToken },

      'POST /v1/agents/{id}/cards': { body: () => ({ purpose: 'matrix card', type: 'multi', maxAmount: 100 }) },
      'GET /v1/agents/{id}/cards': {},
      'GET /v1/cards': { query: '?limit=100', ownerSees: (world) => world.cardId },
      'GET /v1/cards/{id}': {},
      'GET /v1/cards/{id}/policy': {},
      'POST /v1/policies': { body: () => ({ name: 'matrix policy', blockedMccs: ['7995'] }) },
      'GET /v1/policies': { query: '?limit=100', ownerSees: (world) => world.policyId },
      'GET /v1/policies/{id}': {},
      'PATCH /v1/policies/{id}': { body: () => ({ description: 'touched' }) },
      'PATCH /v1/cards/{id}': { body: () => ({ metadata: { touched: 'yes' } }) },
      'POST /v1/cards/{id}/freeze': { fresh: freshCard },
      'POST /v1/cards/{id}/unfreeze': { fresh: freshFrozenCard },
      'POST /v1/cards/{id}/close': { fresh: freshCard },

      'POST /v1/cards/{id}/intents': { body: () => ({ summary: 'matrix purchase', amount: 500, merchantText: 'Amazon' }) },
      'GET /v1/cards/{id}/intents': {},
      'GET /v1/intents': { query: '?limit=100', ownerSees: (world) => world.intentId },
      'GET /v1/intents/{id}': {},
      'GET /v1/intents/{id}/approval': { fresh: freshApprovedIntent },
      'POST /v1/intents/{id}/cancel': { fresh: freshIntent, body: () => ({ reason: 'changed my mind' }) },
      'POST /v1/intents/{id}/approve': { fresh: freshIntentAwaitingApproval, body: () => ({ reason: 'fine' }) },
      'POST /v1/intents/{id}/reject': { fresh: freshIntentAwaitingApproval, body: () => ({ reason: 'no' }) },
      // Reads the shared card's latest pending or revealed intent; two successful reads stay far below 10 per hour.
      'POST /v1/cards/{id}/details': { body: () => ({ summary: 'matrix purchase', expectedAmount: 500, merchantText: 'Amazon' }) },

      'GET /v1/transactions': { query: '?limit=100', ownerSees: (world) => world.transactionId },
      'GET /v1/transactions/{id}': {},
      'PATCH /v1/transactions/{id}': { body: () => ({ notes: 'touched', tags: ['scope'], category: 'matrix' }) },
      // Every approved authorization holds 100 of the network card's 5,000; each call judges a fresh transaction.
      'POST /v1/sandbox/authorizations': { body: (world) => ({ cardId: world.networkCardId, amount: 100, merchant: { name: 'Amazon' } }) },
      'POST /v1/sandbox/transactions/{id}/clear': { fresh: freshPendingTransaction, body: () => ({}) },
      'POST /v1/sandbox/transactions/{id}/void': { fresh: freshPendingTransaction },
      'POST /v1/sandbox/transactions/{id}/refund': { fresh: freshSettledTransaction, body: () => ({ amount: 50 }) },
      'POST /v1/sandbox/transactions/{id}/increment': { fresh: freshPendingTransaction, body: () => ({ amount: 100 }) },
      'POST /v1/sandbox/force-posts': { body: (world) => ({ cardId: world.networkCardId, amount: 100, merchant: { name: 'Amazon' } }) },

      // 3-D Secure: each call judges a fresh challenge (the list needs the revealed intent freshChallenge declares).
      'GET /v1/cards/{id}/challenges': { fresh: freshChallenge },
      'GET /v1/agents/{id}/challenges': { fresh: freshChallenge },
      'GET /v1/otp/{token}': { fresh: freshChallenge },
      'DELETE /v1/otp/{token}': { fresh: freshChallenge },
      'POST /v1/sandbox/challenges/{id}/complete': { fresh: freshChallenge, body: (world) => ({ otp: world.challengeOtp }) },

      // Webhooks and events: no worker runs here, so nothing is sent to the registered URLs.
      'POST /v1/webhooks': { body: () => ({ url: 'https://example.com/matrix' }) },
      'GET /v1/webhooks': { query: '?limit=100', ownerSees: (world) => world.webhookId },
      'GET /v1/webhooks/{id}': {},
      'PATCH /v1/webhooks/{id}': { body: () => ({ description: 'touched' }) },
      'DELETE /v1/webhooks/{id}': { fresh: async () => ({ webhookId: (await owner('POST', '/v1/webhooks', { url: 'https://example.com/fresh' })).id }) },
      'GET /v1/webhooks/{id}/secret': {},
      'POST /v1/webhooks/{id}/rotate-secret': {},
      'GET /v1/webhooks/{id}/deliveries': {},
      'POST /v1/webhooks/{id}/test': {},
      'GET /v1/events': { query: '?limit=100&type=webhook.test', ownerSees: (world) => world.eventId },
      'GET /v1/events/stream': { stream: true },
      'GET /v1/events/{id}': {},
      'POST /v1/events/{id}/redeliver': { body: () => ({}) },

      'GET /v1/settings/risk': {},
      'PATCH /v1/settings/risk': { body: () => ({ dryRun: false }) },
      'GET /v1/settings/issuer': {},
      'PATCH /v1/settings/issuer': { body: () => ({ issuer: 'sandbox' }) },
      'POST /v1/settings/risk/preset': { body: () => ({ preset: 'moderate' }) },
      'GET /v1/agents/{id}/risk': {},
      'PATCH /v1/agents/{id}/risk': { body: () => ({ rules: { velocity: { maxPerHour: 50 } } }) },
      'GET /v1/cards/{id}/risk': {},
      'PATCH /v1/cards/{id}/risk': { body: () => ({ rules: { duplicate: { windowMinutes: 5 } } }) },
      'GET /v1/risk/alerts': { query: '?limit=100', ownerSees: (world) => world.alertId },
      'GET /v1/risk/alerts/{id}': {},
      'POST /v1/risk/alerts/{id}/resolve': { fresh: freshAlert, body: () => ({ note: 'reviewed' }) },
    };

    before(async () => {
      // Every route is called by every credential, the live key included: more writes a minute than the live limits allow
      // one key (test/http/rate-limits.test.ts tests those). Rate limits are not what this matrix is about.
      const roomy = { perMinute: 100_000, burst: 100_000 };
      testApp = await startTestApp({ store: storeKind, config: { rateLimits: { read: roomy, write: roomy, cardCreate: roomy, sandboxMultiplier: 1 } } });
      const db = testApp.store.db;
      const scope: Scope = { organizationId: testApp.organizationId, environment: 'sandbox' };
      const nowMs = testApp.clock.nowMs();
      const userId = await createApprovedUser(db, scope, nowMs);
      await fundUser(db, scope, userId, 10_000_000, nowMs);
      const strangerUserId = await createApprovedUser(db, scope, nowMs, 'Roe');
      ownIds.add(userId).add(strangerUserId);

      const agent = await owner('POST', '/v1/agents/register', { userId, name: 'matrix owner agent' });
      const sibling = await owner('POST', '/v1/agents/register', { userId, name: 'sibling agent' });
      const stranger = await owner('POST', '/v1/agents/register', { userId: strangerUserId, name: 'stranger agent' });
      const partial = { userId, agentId: agent.id as string } as World;
      const cardId = await newCard(partial, { maxAmount: 5_000 });
      const approvalCardId = await newCard(partial, { maxAmount: 5_000, requireApproval: true });
      const intent = await owner('POST', `/v1/cards/${cardId}/intents`, { summary: 'shared intent', amount: 1_000, merchantText: 'Amazon' });
      const token = await owner('POST', `/v1/agents/${agent.id}/tokens`, { name: 'spare token' });
      const withdrawalId = await newWithdrawal(partial);
      const deposit = await owner('POST', '/v1/sandbox/deposits', { userId, network: 'base', token: 'USDC', amount: '1000000', confirmations: 12 });
      assert.equal(deposit.status, 'completed');
      const apiKey = await owner('POST', '/v1/api-keys', { name: 'matrix key' });
      const filler = await owner('POST', '/v1/filler-keys', { name: 'matrix filler' });
      const webhook = await owner('POST', '/v1/webhooks', { url: 'https://example.com/matrix-webhooks' });
      const policy = await owner('POST', '/v1/policies', { name: 'matrix policy' });
      const eventId = (await owner('POST', `/v1/webhooks/${webhook.id}/test`)).eventId as string;
      const networkCardId = await newCard(partial, { maxAmount: 5_000, merchantDriftEnabled: false });
      const passkeyId = await newPasskey(userId);
      const transaction = await owner('POST', '/v1/sandbox/authorizations', { cardId: networkCardId, amount: 100, merchant: { name: 'Amazon' } });
      assert.equal(transaction.status, 'pending', JSON.stringify(transaction));
      const alertId = await alertOf(transaction.id);
      for (const id of [agent.id, cardId, approvalCardId, intent.id, token.id, networkCardId, transaction.id, alertId]) ownAgentIds.add(id);
      world = {
        userId,
        agentId: agent.id,
        agentToken: agent.token,
        cardId,
        approvalCardId,
        intentId: intent.id,
        tokenId: token.id,
        withdrawalId,
        depositId: deposit.id,
        apiKeyId: apiKey.id,
        fillerKeyId: filler.id,
        networkCardId,
        transactionId: transaction.id,
        alertId,
        webhookId: webhook.id,
        policyId: policy.id,
        eventId,
        passkeyId,
      };

      // The second organization has data of its own, so its lists are not empty by accident.
      const other = await initializeOrganization(db, 'Other organization', testApp.clock.nowMs());
      const otherUser = await testApp.request('POST', '/v1/users', { key: other.sandboxKey, body: { firstName: 'Other', lastName: 'Tenant', email: 'other@example.com' } });
      assert.equal(otherUser.statusCode, 200, otherUser.body);
      assert.equal(ownIds.has(otherUser.json.id), false);

      secretOf = (credential, current) =>
        ({
          ownerKey: testApp.sandboxKey,
          ownAgent: current.agentToken,
          siblingAgent: sibling.token as string,
          strangerAgent: stranger.token as string,
          otherOrgKey: other.sandboxKey,
          liveKey: testApp.liveKey,
        })[credential];
    });
    after(async () => testApp?.close());

    it('has exactly one matrix row per route, and a body for exactly the routes that take one', () => {
      const keys = allRoutes.map(routeKey);
      assert.deepEqual(keys.filter((key) => cases[key] === undefined), [], 'routes with no row in the matrix');
      assert.deepEqual(Object.keys(cases).filter((key) => !keys.includes(key)), [], 'matrix rows for routes that no longer exist');
      assert.deepEqual(Object.keys(exceptions).filter((key) => !keys.includes(key)), [], 'exceptions for routes that no longer exist');
      for (const route of allRoutes) {
        const routeCase = cases[routeKey(route)];
        assert.equal((routeCase?.body ?? routeCase?.form) !== undefined, route.body !== undefined, `${routeKey(route)}: a body in the matrix exactly when the route has a body schema`);
        assert.equal(routeCase?.form !== undefined, route.consumes === 'multipart/form-data', `${routeKey(route)}: a form exactly when the route consumes multipart/form-data`);
      }
    });

    it('opens to agent tokens only the routes SPEC §4 names (approve and reject never: "an agent token can never approve")', () => {
      const agentRoutes = allRoutes.map(routeKey).filter((key) => {
        const access = routeAccess[key];
        return access !== undefined && access !== 'public' && 'principals' in access && access.principals.includes('agentToken');
      });
      const beyondSpec = agentRoutes.filter((key) => !specAgentTokenScope.some((pattern) => pattern.test(key)) && agentTokenScopeAdditions[key] === undefined);
      assert.deepEqual(beyondSpec, [], 'routes open to agent tokens that SPEC §4 does not allow');
      assert.deepEqual(Object.keys(agentTokenScopeAdditions).filter((key) => !agentRoutes.includes(key)), [], 'stale additions');
    });

    for (const route of allRoutes) {
      const key = routeKey(route);
      it(key, async () => {
        const routeCase = cases[key];
        assert.ok(routeCase !== undefined, `${key} has no row in the scope matrix (test/http/scope-matrix.test.ts): add one`);
        const failures: string[] = [];
        for (const credential of credentials) {
          const current: World = { ...world, ...(routeCase.fresh === undefined ? {} : await routeCase.fresh(world)) };
          const body = routeCase.body?.(current);
          if (body !== undefined) {
            const parsed = route.body.safeParse(body);
            assert.ok(parsed.success, `${key}: the matrix body is not valid for the route: ${JSON.stringify(parsed.error?.issues)}`);
          }
          const path = fillPath(route.url, current) + (routeCase.query ?? '');
          const refersToResource = route.url.includes('{') || (body !== undefined && [...ownIds].some((id) => JSON.stringify(body).includes(id)));
          const expected = expectedFor(route, credential, refersToResource);
          const response = routeCase.stream
            ? await requestStream(path, secretOf(credential, current))
            : await testApp.request(route.method, path, {
                key: secretOf(credential, current),
                ...(body === undefined ? {} : { body }),
                ...(routeCase.form === undefined ? {} : { form: routeCase.form(current) }),
              });
          try {
            judge(response, expected, credential, routeCase, current);
          } catch (error) {
            const message = (error as Error).message;
            failures.push(`  ${credential} (${route.method} ${path}): ${message.length > 600 ? `${message.slice(0, 600)}…` : message}`);
          }
          if (response.statusCode >= 200 && response.statusCode < 300) {
            if (credential === 'ownerKey' || credential === 'ownAgent') collectIds(response.json, ownIds);
            if (credential === 'ownAgent') collectIds(response.json, ownAgentIds, /^user_/);
          }
        }
        if (failures.length > 0) assert.fail(`${key}:\n${failures.join('\n')}`);
      });
    }

    // An issuer-processor's callbacks take its signature, never a credential of the API: every credential of the
    // matrix, sent as the API takes it, is refused 401 invalid_signature, and the refusal changes nothing.
    for (const [key, access] of Object.entries(routeAccess)) {
      if (access === 'public' || !('signedBy' in access)) continue;
      it(`${key} (signed by ${access.signedBy})`, async () => {
        const [method, path] = key.split(' ') as ['POST', string];
        const before = await testApp.request('GET', '/v1/transactions?limit=100', { key: testApp.sandboxKey });
        for (const credential of credentials) {
          const response = await testApp.request(method, path, { key: secretOf(credential, world), body: { token: 'lithic-transaction', card: { token: 'card-token' } } });
          assertError(response, { status: 401, type: 'authentication_error', code: 'invalid_signature' });
        }
        const afterwards = await testApp.request('GET', '/v1/transactions?limit=100', { key: testApp.sandboxKey });
        assert.deepEqual(afterwards.json, before.json, `${key}: a refused callback changed the transactions`);
      });
    }

    /** A GET of a stream: its head and first chunk when it opens (it never ends by itself), else the whole answer. */
    async function requestStream(path: string, key: string): Promise<TestResponse> {
      const response = await testApp.server.inject({ method: 'GET', url: path, headers: { 'Api-Key': key }, payloadAsStream: true });
      let body = '';
      for await (const chunk of response.stream()) {
        body += String(chunk);
        if (response.statusCode === 200) break;
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      return { statusCode: response.statusCode, headers: response.headers, body, json };
    }

    function judge(response: TestResponse, expected: Expected, credential: Credential, routeCase: RouteCase, current: World): void {
      if (expected.kind === 'error') {
        assertError(response, { status: expected.status, type: expected.type, code: expected.code });
        return;
      }
      assert.ok(response.statusCode >= 200 && response.statusCode < 300, `expected 2xx, got ${response.statusCode}: ${response.body}`);
      if (credential === 'ownerKey' && routeCase.ownerSees !== undefined) {
        const id = routeCase.ownerSees(current);
        assert.ok(response.body.includes(id), `the owner's answer lacks ${id}, so the foreign checks would prove nothing`);
      }
      if (expected.foreign) {
        const notTheirs = kindOf[credential] === 'agentToken' ? ownAgentIds : ownIds;
        const leaked = [...notTheirs].filter((id) => response.body.includes(id));
        assert.deepEqual(leaked, [], `a foreign credential was shown ids that are not its own: ${response.body}`);
        if (credential === 'otherOrgKey') assert.equal(response.body.includes(testApp.organizationId), false, 'another organization was shown the first one’s id');
        if (response.json?.object === 'list') {
          for (const item of response.json.data as Array<{ id: string }>) assert.equal(notTheirs.has(item.id), false, `list item ${item.id} is not the caller's to see`);
        }
      }
    }
  });
}
