// SPEC §11, replayed: one request per LedgerOS endpoint of the compatibility list, sent over real HTTP to a real
// `cardrail serve`, with LedgerOS's field names in the request, asserting that the fields LedgerOS documents are in
// the answer (presence and type; exact values only where the flow determines them). docs/ledgeros-compatibility.md
// lists the same surface with every difference and its reason.
//
// The table below is the §11 list in the order a LedgerOS integration builds its world: a user through
// `POST /v1/applications/user/initiate`, KYC approved in the sandbox, a stablecoin deposit, a policy, agents, cards,
// an intent, card details, an authorization at the merchant, the transaction's labels, the agent's state, withdrawals,
// risk settings, webhooks, API keys. Rows of three kinds:
//   - a case `{endpoint, request, expectFields}`: one §11 endpoint, its request, and what its answer must carry;
//   - `arrange`: what the sandbox stands in for (the KYC provider, the chain, the card network, the clock), through
//     cardrail's own sandbox endpoints; these are not §11 and must simply succeed;
//   - `check`: a §11 item that is not a request (what webhook deliveries carry).
// A case whose world is missing (an earlier case did not create what it needs) fails naming what it needs.
// Not here: credential exposure (credentialExposure, acknowledgeRawPanRisk, detailsToken, the details-token redeem,
// filler keys: test/modules/fillers and test/extension), LedgerOS's customers API (out of scope, SPEC §11), and §11's MCP tool changes, which are
// tools rather than routes (test/mcp).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The specification lives next to the checkout (../shared/SPEC.md) unless CARDRAIL_SPEC_PATH says otherwise. */
const specPath = process.env.CARDRAIL_SPEC_PATH ?? join(repositoryRoot, '..', 'shared', 'SPEC.md');

/** §11 endpoints this file does not replay, and why. */
const notReplayed: Record<string, string> = {
  'POST /v1/details-tokens/{}/redeem': 'credential exposure: test/modules/fillers/credential-exposure.test.ts',
};
/** Endpoints §11 names in prose rather than in a `METHOD /path` span. */
const namedInProse = ['POST /v1/agents/{}/suspend', 'POST /v1/agents/{}/deregister', 'POST /v1/api-keys'];

const baseUsdc = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const recipientAddress = '0x52908400098527886E0F7030069857D2E4169EE7';
/** The world's purchase: an intent, its details and the merchant's authorization agree on it. */
const purchase = { amount: 12_999, merchant: 'Amazon', descriptor: 'AMZN Mktp US*2K4TY7' };
/** The world agent's monthly limit: the purchase spends 87 % of it, past LedgerOS's 80 % warning share. */
const agentLimit = 15_000;

// ---------------------------------------------------------------------------------------------------------------
// Expectations: a dotted path (`data.0.id`, `ttl.isExpired`) to a type, a union of types, a pattern or an exact value.

type TypeName = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';
type Expectation = TypeName | `${TypeName}|${TypeName}` | RegExp | { is: unknown } | { oneOf: readonly unknown[] };
type Fields = Record<string, Expectation>;

const is = (value: unknown) => ({ is: value });
const oneOf = (...values: unknown[]) => ({ oneOf: values });
const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const url = /^https?:\/\/\S+$/;

function typeOf(value: unknown): TypeName | 'undefined' | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'object' || typeof value === 'undefined') return typeof value as TypeName | 'undefined';
  return 'other';
}

function valueAt(body: unknown, path: string): { found: boolean; value: unknown } {
  let current: unknown = body;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return { found: false, value: undefined };
    current = (current as Record<string, unknown>)[key];
  }
  return { found: true, value: current };
}

/** What is wrong with `body` against `fields`, one line per field; empty when it carries them all. */
function fieldProblems(body: unknown, fields: Fields): string[] {
  const problems: string[] = [];
  for (const [path, expectation] of Object.entries(fields)) {
    const { found, value } = valueAt(body, path);
    if (!found) {
      problems.push(`${path}: absent`);
      continue;
    }
    const actual = typeOf(value);
    const shown = JSON.stringify(value);
    if (typeof expectation === 'string') {
      const allowed = expectation.split('|');
      const matches = allowed.includes(actual) || (actual === 'integer' && allowed.includes('number'));
      if (!matches) problems.push(`${path}: ${shown} is ${actual}, expected ${expectation}`);
    } else if (expectation instanceof RegExp) {
      if (typeof value !== 'string' || !expectation.test(value)) problems.push(`${path}: ${shown} does not match ${expectation}`);
    } else if ('is' in expectation) {
      if (!isDeepStrictEqual(value, expectation.is)) problems.push(`${path}: ${shown}, expected ${JSON.stringify(expectation.is)}`);
    } else if (!expectation.oneOf.some((candidate) => isDeepStrictEqual(value, candidate))) {
      problems.push(`${path}: ${shown}, expected one of ${JSON.stringify(expectation.oneOf)}`);
    }
  }
  return problems;
}

function isDeepStrictEqual(left: unknown, right: unknown): boolean {
  try {
    assert.deepStrictEqual(left, right);
    return true;
  } catch {
    return false;
  }
}

/** The fields of a LedgerOS list page (cardrail keeps `nextCursor`, a documented difference). */
const listPage: Fields = { object: is('list'), data: 'array', hasMore: 'boolean', nextCursor: 'string|null' };

// ---------------------------------------------------------------------------------------------------------------
// The world: ids and secrets the rows create, by name. `need` fails a row whose world an earlier row did not make.

class World {
  readonly saved = new Map<string, string>();
  constructor(
    readonly apiKey: string,
    readonly receiverUrl: string,
  ) {}
  save(name: string, value: unknown): void {
    if (typeof value === 'string' && value !== '') this.saved.set(name, value);
  }
  need(name: string): string {
    const value = this.saved.get(name);
    if (value === undefined) throw new Error(`needs ${name}, which the row that creates it did not produce (see its failure above)`);
    return value;
  }
}

interface ReplayRequest {
  path: string;
  body?: unknown;
  /** A multipart body instead of JSON. */
  form?: FormData;
  /** The credential in the Api-Key header: the sandbox API key unless this names a saved one (the agent's token). */
  as?: string;
}

interface Answer {
  status: number;
  json: unknown;
  text: string;
}

interface ReplayCase {
  kind: 'case';
  /** `METHOD /path` as SPEC §11 writes it (parameters as `{id}`). */
  endpoint: string;
  /** The §11 item the row checks, when it is more than the endpoint (a field, an event, an error code). */
  checks?: string;
  request: (world: World) => ReplayRequest;
  /** 200 unless given. */
  expectStatus?: number;
  expectFields: Fields | ((world: World) => Fields);
  /** Runs on any 2xx answer before the fields are checked, so a missing field does not also break later rows. */
  save?: (body: any, world: World) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

interface ArrangeStep {
  kind: 'arrange';
  /** What the step stands in for. */
  arrange: string;
  endpoint: string;
  request: (world: World) => ReplayRequest;
  save?: (body: any, world: World) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** What the answer must be for the world to be as the following rows assume. */
  expectFields?: Fields;
}

interface CheckStep {
  kind: 'check';
  checks: string;
  run: (world: World, receiver: WebhookReceiver) => Promise<void>;
}

type Row = ReplayCase | ArrangeStep | CheckStep;

const caseRow = (row: Omit<ReplayCase, 'kind'>): ReplayCase => ({ kind: 'case', ...row });
const arrange = (row: Omit<ArrangeStep, 'kind'>): ArrangeStep => ({ kind: 'arrange', ...row });
const check = (row: Omit<CheckStep, 'kind'>): CheckStep => ({ kind: 'check', ...row });

const errorFields = (code: string): Fields => ({ status: is('error'), 'error.type': 'string', 'error.code': is(code), 'error.message': 'string', requestId: /^req_/ });

/** Fields of LedgerOS's agent object (§11: adds currentSpend, maxCards, cardCount). */
const agentFields: Fields = { id: /^agent_/, userId: /^user_/, name: 'string', status: 'string', spendingLimit: 'integer|null', spendingLimitFrequency: 'string', currentSpend: 'integer', maxCards: 'integer|null', cardCount: 'integer' };
/** Fields of LedgerOS's agent token record (§11). */
const tokenFields = (prefix: string): Fields => ({ [`${prefix}id`]: /^tok_/, [`${prefix}tokenPrefix`]: /^at_dev_/, [`${prefix}isActive`]: 'boolean', [`${prefix}lastUsedAt`]: 'string|null', [`${prefix}revokedAt`]: 'string|null' });
/** Fields of a card LedgerOS integrations read (seeds 000, 001; SPEC §4). */
const cardFields: Fields = { id: /^card_/, status: 'string', statusReason: 'string|null', type: 'string', purpose: 'string', maxAmount: 'integer', limits: 'object', last4: /^\d{4}$/, expirationMonth: /^\d{2}$/, expirationYear: /^\d{4}$/ };
/** Fields of a transaction (SPEC §4 and the §11 additions). */
const transactionFields = (prefix: string): Fields => ({
  [`${prefix}id`]: /^txn_/,
  [`${prefix}status`]: 'string',
  [`${prefix}amount`]: 'integer',
  [`${prefix}currency`]: 'string',
  [`${prefix}merchant.name`]: 'string',
  [`${prefix}cardId`]: /^card_/,
  [`${prefix}agentId`]: /^agent_/,
  [`${prefix}authorizedAmount`]: 'integer|null',
  [`${prefix}authorizedAt`]: 'string|null',
  [`${prefix}notes`]: 'string|null',
  [`${prefix}tags`]: 'array',
  [`${prefix}category`]: 'string|null',
});
/** The fields of a policy, as §11 lists them (credentialExposure: test/modules/fillers). */
const policyFields: Fields = {
  id: 'string',
  name: 'string',
  description: 'string|null',
  ttlMinutes: 'integer|null',
  onExpiry: 'string|null',
  activeHoursStart: 'string|null',
  activeHoursEnd: 'string|null',
  activeTimezone: 'string|null',
  activeDays: 'array|null',
  maxAmount: 'integer|null',
  cumulativeMax: 'integer|null',
  maxAuthCount: 'integer|null',
  cooldownMinutes: 'integer|null',
  limitPerAuth: 'integer|null',
  limitPerDay: 'integer|null',
  limitPerMonth: 'integer|null',
  allowedMccs: 'array|null',
  blockedMccs: 'array|null',
  allowedMerchants: 'array|null',
  blockedMerchants: 'array|null',
  merchantHint: 'string|null',
  onDrift: 'string|null',
  requireAttestation: 'boolean|null',
  intentTolerance: 'number|null',
};
const policyBody = {
  name: 'Online shopping',
  description: 'One-off purchases at known shops',
  ttlMinutes: 1_440,
  onExpiry: 'freeze',
  activeHoursStart: '00:00',
  activeHoursEnd: '23:59',
  activeTimezone: 'UTC',
  activeDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  maxAmount: 5_000,
  cumulativeMax: 100_000,
  maxAuthCount: 10,
  cooldownMinutes: 1,
  limitPerAuth: 5_000,
  limitPerDay: 10_000,
  limitPerMonth: 50_000,
  allowedMccs: ['5942', '5732'],
  blockedMccs: ['7995'],
  allowedMerchants: ['Amazon'],
  blockedMerchants: ['Casino Royale'],
  merchantHint: 'Amazon',
  onDrift: 'alert',
  requireAttestation: true,
  intentTolerance: 0.1,
};
const controlsCardBody = (policyId: string) => ({
  purpose: 'Books from Amazon, a few orders this month',
  type: 'multi',
  maxAmount: 5_000,
  merchantHint: 'Amazon',
  limits: { perAuth: 4_000, perDay: 10_000, perMonth: 40_000 },
  maxAuthCount: 5,
  ttlDays: 30,
  attestationWindowMinutes: 15,
  onDrift: 'freeze',
  policyId,
});
/** LedgerOS's risk rule names (§11) and the cardrail rules they name. */
const ledgerOsRuleNames = { duplicateDetection: 'duplicate', velocityLimit: 'velocity', cooldownViolation: 'cooldown' } as const;
const ledgerOsRuleMirror: Fields = { 'duplicateDetection.enabled': 'boolean', 'velocityLimit.enabled': 'boolean', 'cooldownViolation.enabled': 'boolean' };

// ---------------------------------------------------------------------------------------------------------------
// The §11 list, in the order an integration builds its world.

const rows: Row[] = [
  // --- Webhooks first, so the receiver sees every event of the flow.
  caseRow({
    endpoint: 'POST /v1/webhooks',
    checks: 'events ["*"] = all',
    request: (world) => ({ path: '/v1/webhooks', body: { url: world.receiverUrl, events: ['*'], description: 'LedgerOS replay' } }),
    expectFields: (world) => ({ id: /^webhook_/, url: is(world.receiverUrl), events: 'array', secret: /^whsec_/, status: is('enabled') }),
    save: (body, world) => {
      world.save('webhookId', body.id);
      world.save('webhookSecret', body.secret);
    },
  }),

  // --- Users, KYC, funds.
  caseRow({
    endpoint: 'POST /v1/applications/user/initiate',
    request: () => ({ path: '/v1/applications/user/initiate', body: { firstName: 'John', lastName: 'Doe', email: 'john.doe@example.com' } }),
    expectFields: { id: /^user_/, firstName: is('John'), lastName: is('Doe'), email: is('john.doe@example.com'), applicationStatus: is('notStarted'), applicationCompletionLink: url },
    save: (body, world) => world.save('userId', body.id),
  }),
  caseRow({
    endpoint: 'GET /v1/users/{id}',
    request: (world) => ({ path: `/v1/users/${world.need('userId')}` }),
    expectFields: (world) => ({ id: is(world.need('userId')), firstName: 'string', lastName: 'string', email: 'string', applicationStatus: is('notStarted'), rejectionReason: 'string|null', metadata: 'object' }),
  }),
  caseRow({
    endpoint: 'GET /v1/verification/user/{id}',
    checks: 'adds verificationUrl',
    request: (world) => ({ path: `/v1/verification/user/${world.need('userId')}` }),
    expectFields: (world) => ({ userId: is(world.need('userId')), applicationStatus: is('notStarted'), verificationUrl: url }),
  }),
  caseRow({
    endpoint: 'GET /v1/verification/user/{id}/link',
    request: (world) => ({ path: `/v1/verification/user/${world.need('userId')}/link` }),
    expectFields: (world) => ({ userId: is(world.need('userId')), verificationUrl: url, expiresAt: iso }),
  }),
  caseRow({
    endpoint: 'POST /v1/verification/user',
    request: (world) => ({ path: '/v1/verification/user', body: { userId: world.need('userId') } }),
    expectFields: (world) => ({ userId: is(world.need('userId')), verificationUrl: url, applicationStatus: is('notStarted'), expiresAt: iso }),
  }),
  arrange({
    arrange: 'the person completes KYC on the hosted page (the sandbox provider approves)',
    endpoint: 'POST /v1/sandbox/users/{id}/verification',
    request: (world) => ({ path: `/v1/sandbox/users/${world.need('userId')}/verification`, body: { outcome: 'approved' } }),
    expectFields: { applicationStatus: is('approved') },
  }),
  caseRow({
    endpoint: 'PATCH /v1/users/{id}',
    request: (world) => ({ path: `/v1/users/${world.need('userId')}`, body: { metadata: { crmId: 'crm-1001' } } }),
    expectFields: (world) => ({ id: is(world.need('userId')), applicationStatus: is('approved'), 'metadata.crmId': is('crm-1001') }),
  }),
  arrange({
    arrange: '1,000 USDC arrive on Base (the sandbox chain watcher, already confirmed)',
    endpoint: 'POST /v1/sandbox/deposits',
    request: (world) => ({ path: '/v1/sandbox/deposits', body: { userId: world.need('userId'), network: 'base', token: 'USDC', amount: '1000000000', confirmations: 12 } }),
    expectFields: { status: is('completed'), amountCents: is(100_000) },
  }),
  caseRow({
    endpoint: 'GET /v1/users/{id}/balance',
    request: (world) => ({ path: `/v1/users/${world.need('userId')}/balance` }),
    expectFields: (world) => ({ userId: is(world.need('userId')), spendingPower: is(100_000), creditLimit: is(100_000), pendingCharges: is(0), postedCharges: is(0), balanceDue: is(0) }),
  }),
  caseRow({
    endpoint: 'GET /v1/users/{id}/contracts',
    request: (world) => ({ path: `/v1/users/${world.need('userId')}/contracts` }),
    expectFields: (world) => ({
      userId: is(world.need('userId')),
      contracts: 'array',
      'contracts.0.chainId': 'integer|string',
      'contracts.0.depositAddress': 'string',
      'contracts.0.tokens': 'array',
      'contracts.0.tokens.0.address': 'string',
      'contracts.0.tokens.0.symbol': 'string',
      'contracts.0.tokens.0.balance': 'string|number',
    }),
  }),

  // --- Policies.
  caseRow({
    endpoint: 'POST /v1/policies',
    request: () => ({ path: '/v1/policies', body: policyBody }),
    expectFields: { ...policyFields, ...Object.fromEntries(Object.entries(policyBody).map(([field, value]) => [field, is(value)])) },
    save: (body, world) => world.save('policyId', body.id),
  }),
  caseRow({
    endpoint: 'GET /v1/policies',
    request: () => ({ path: '/v1/policies' }),
    expectFields: { ...listPage, ...Object.fromEntries(Object.entries(policyFields).map(([field, expectation]) => [`data.0.${field}`, expectation])) },
  }),
  caseRow({
    endpoint: 'GET /v1/policies/{id}',
    request: (world) => ({ path: `/v1/policies/${world.need('policyId')}` }),
    expectFields: (world) => ({ ...policyFields, id: is(world.need('policyId')), name: is(policyBody.name) }),
  }),
  caseRow({
    endpoint: 'PATCH /v1/policies/{id}',
    request: (world) => ({ path: `/v1/policies/${world.need('policyId')}`, body: { description: 'One-off purchases, two minutes apart', cooldownMinutes: 2 } }),
    expectFields: (world) => ({ ...policyFields, id: is(world.need('policyId')), description: is('One-off purchases, two minutes apart'), cooldownMinutes: is(2), name: is(policyBody.name) }),
  }),

  // --- Agents.
  caseRow({
    endpoint: 'POST /v1/agents/register',
    checks: 'answer adds created, token, tokenId',
    request: (world) => ({
      path: '/v1/agents/register',
      body: { userId: world.need('userId'), name: 'checkout-bot', description: 'Handles online purchases', spendingLimit: agentLimit, spendingLimitFrequency: 'perMonth', externalId: 'checkout-bot-1' },
    }),
    expectFields: { ...agentFields, name: is('checkout-bot'), status: is('active'), spendingLimit: is(agentLimit), created: is(true), token: /^at_dev_/, tokenId: /^tok_/ },
    save: (body, world) => {
      world.save('agentId', body.id);
      world.save('agentToken', body.token);
    },
  }),
  caseRow({
    endpoint: 'POST /v1/agents',
    request: (world) => ({
      path: '/v1/agents',
      body: {
        userId: world.need('userId'),
        name: 'research-bot',
        description: 'Buys datasets and papers',
        spendingLimit: 20_000,
        spendingLimitFrequency: 'perWeek',
        onLimitExceeded: 'notify',
        maxCards: 3,
        defaultCardLimit: 2_500,
        defaultCardLimitFrequency: 'perMonth',
        defaultPolicyId: world.need('policyId'),
        metadata: { team: 'research' },
      },
    }),
    expectFields: (world) => ({
      ...agentFields,
      name: is('research-bot'),
      status: is('active'),
      onLimitExceeded: is('notify'),
      maxCards: is(3),
      cardCount: is(0),
      currentSpend: is(0),
      defaultCardLimit: is(2_500),
      defaultCardLimitFrequency: is('perMonth'),
      defaultPolicyId: is(world.need('policyId')),
      'metadata.team': is('research'),
    }),
  }),
  caseRow({
    endpoint: 'POST /v1/agents/{id}/tokens',
    request: (world) => ({ path: `/v1/agents/${world.need('agentId')}/tokens`, body: { name: 'ci-runner' } }),
    expectFields: { ...tokenFields(''), token: /^at_dev_/, isActive: is(true), lastUsedAt: is(null), revokedAt: is(null) },
  }),
  caseRow({
    endpoint: 'GET /v1/agents/{id}/tokens',
    request: (world) => ({ path: `/v1/agents/${world.need('agentId')}/tokens` }),
    expectFields: { ...listPage, ...tokenFields('data.0.') },
  }),

  // --- Cards.
  caseRow({
    endpoint: 'POST /v1/agents/{id}/cards',
    checks: "seed 001's body: purpose, type, maxAmount",
    request: (world) => ({ path: `/v1/agents/${world.need('agentId')}/cards`, body: { purpose: 'Purchase wireless headphones from Amazon', type: 'single', maxAmount: 15_000 } }),
    expectFields: { ...cardFields, type: is('single'), maxAmount: is(15_000), status: is('active') },
    save: (body, world) => world.save('cardId', body.id),
  }),
  caseRow({
    endpoint: 'POST /v1/agents/{id}/cards',
    checks: '§11 controls: merchantHint, limits.perAuth, maxAuthCount, ttlDays, attestationWindowMinutes, onDrift "freeze", policyId',
    request: (world) => ({ path: `/v1/agents/${world.need('agentId')}/cards`, body: controlsCardBody(world.need('policyId')) }),
    expectFields: (world) => ({
      ...cardFields,
      type: is('multi'),
      maxAmount: is(5_000),
      merchantHint: is('Amazon'),
      'limits.perAuth': is(4_000),
      'limits.perDay': is(10_000),
      'limits.perMonth': is(40_000),
      maxAuthCount: is(5),
      attestationWindowMinutes: is(15),
      // §11: `freeze` = `freeze_card`; which spelling the card answers is not said (docs/ledgeros-compatibility.md).
      onDrift: oneOf('freeze', 'freeze_card'),
      policyId: is(world.need('policyId')),
      // ttlDays: 30 gives the card an end.
      expiresAt: iso,
    }),
    save: (body, world) => world.save('controlsCardId', body.id),
  }),
  caseRow({
    endpoint: 'GET /v1/cards/{id}',
    request: (world) => ({ path: `/v1/cards/${world.need('cardId')}` }),
    expectFields: (world) => ({ ...cardFields, id: is(world.need('cardId')), status: is('active'), statusReason: is(null), maxAmount: is(15_000) }),
  }),
  caseRow({
    endpoint: 'GET /v1/cards/{id}/policy',
    request: (world) => ({ path: `/v1/cards/${world.need('controlsCardId')}/policy` }),
    expectFields: (world) => ({
      cardId: is(world.need('controlsCardId')),
      'ttl.minutes': 'integer|null',
      'ttl.expiresAt': 'string|null',
      'ttl.isExpired': is(false),
      'ttl.onExpiry': 'string|null',
      'activeHours.start': is('00:00'),
      'activeHours.end': is('23:59'),
      'activeHours.timezone': is('UTC'),
      'activeHours.activeDays': 'array',
      'activeHours.isWithinActiveHours': 'boolean',
      'cumulative.max': is(100_000),
      'cumulative.spent': is(0),
      'cumulative.remaining': is(100_000),
      'cooldown.minutes': is(2),
      'cooldown.lastTransactionAt': is(null),
      'cooldown.cooldownEndsAt': is(null),
      'cooldown.isInCooldown': is(false),
      'authCount.max': is(5),
      'authCount.current': is(0),
      'authCount.remaining': is(5),
      'attestation.required': is(true),
      'attestation.intentTolerance': is(0.1),
      'merchantDrift.action': 'string',
      'merchantDrift.pinnedMerchant': 'string|null',
    }),
  }),
  caseRow({
    endpoint: 'GET /v1/users/{id}/cards',
    request: (world) => ({ path: `/v1/users/${world.need('userId')}/cards` }),
    expectFields: (world) => ({ ...listPage, ...Object.fromEntries(Object.entries(cardFields).map(([field, expectation]) => [`data.0.${field}`, expectation])), 'data.0.userId': is(world.need('userId')) }),
  }),
  arrange({
    arrange: 'a second card the operator freezes, unfreezes and closes',
    endpoint: 'POST /v1/agents/{id}/cards',
    request: (world) => ({ path: `/v1/agents/${world.need('agentId')}/cards`, body: { purpose: 'Operator actions', type: 'multi', maxAmount: 1_000 } }),
    save: (body, world) => world.save('operatorCardId', body.id),
  }),
  caseRow({
    endpoint: 'POST /v1/cards/{id}/freeze',
    checks: 'answer adds previousStatus',
    request: (world) => ({ path: `/v1/cards/${world.need('operatorCardId')}/freeze` }),
    expectFields: { ...cardFields, status: is('frozen'), previousStatus: is('active') },
  }),
  caseRow({
    endpoint: 'POST /v1/cards/{id}/freeze',
    checks: '409 card_already_frozen',
    request: (world) => ({ path: `/v1/cards/${world.need('operatorCardId')}/freeze` }),
    expectStatus: 409,
    expectFields: errorFields('card_already_frozen'),
  }),
  caseRow({
    endpoint: 'POST /v1/cards/{id}/unfreeze',
    checks: 'answer adds previousStatus',
    request: (world) => ({ path: `/v1/cards/${world.need('operatorCardId')}/unfreeze` }),
    expectFields: { ...cardFields, status: is('active'), previousStatus: is('frozen') },
  }),
  caseRow({
    endpoint: 'PATCH /v1/cards/{id}',
    checks: 'status active|frozen, limits',
    request: (world) => ({ path: `/v1/cards/${world.need('operatorCardId')}`, body: { status: 'frozen', limits: { perDay: 1_000, perMonth: 5_000 } } }),
    expectFields: { ...cardFields, status: is('frozen'), 'limits.perDay': is(1_000), 'limits.perMonth': is(5_000) },
  }),
  caseRow({
    endpoint: 'POST /v1/cards/{id}/close',
    checks: 'answer adds previousStatus',
    request: (world) => ({ path: `/v1/cards/${world.need('operatorCardId')}/close` }),
    // `frozen` once PATCH {status} froze it; the status it had is what matters here.
    expectFields: { ...cardFields, status: is('closed'), previousStatus: oneOf('active', 'frozen') },
  }),
  caseRow({
    endpoint: 'POST /v1/cards/{id}/close',
    checks: '409 card_already_closed',
    request: (world) => ({ path: `/v1/cards/${world.need('operatorCardId')}/close` }),
    expectStatus: 409,
    expectFields: errorFields('card_already_closed'),
  }),

  // --- Intents and details: the agent, with its own token in the Api-Key header.
  caseRow({
    endpoint: 'POST /v1/cards/{id}/intents',
    checks: 'expectedAmount, expectedMerchant, expectedCurrency, tolerance, ttlMinutes, metadata, intentId',
    request: (world) => ({
      path: `/v1/cards/${world.need('cardId')}/intents`,
      as: 'agentToken',
      body: {
        summary: 'Buy Sony WH-1000XM5 headphones',
        expectedAmount: purchase.amount,
        expectedMerchant: purchase.merchant,
        expectedCurrency: 'USD',
        tolerance: 10,
        ttlMinutes: 60,
        metadata: { orderRef: 'A-1001' },
        intentId: 'replay-order-1',
      },
    }),
    expectFields: (world) => ({ id: /^int_/, cardId: is(world.need('cardId')), status: is('pending'), summary: 'string', amount: is(purchase.amount), merchantText: is(purchase.merchant), intentId: is('replay-order-1'), expiresAt: iso }),
    save: (body, world) => world.save('intentId', body.id),
  }),
  caseRow({
    endpoint: 'GET /v1/cards/{id}/intents',
    request: (world) => ({ path: `/v1/cards/${world.need('cardId')}/intents`, as: 'agentToken' }),
    expectFields: { ...listPage, 'data.0.id': /^int_/, 'data.0.status': 'string', 'data.0.amount': is(purchase.amount), 'data.0.merchantText': is(purchase.merchant) },
  }),
  caseRow({
    endpoint: 'POST /v1/cards/{id}/details',
    checks: 'summary, expectedAmount, expectedCurrency, merchantText, reason, clientContext → accessEventId, exposureMode, …',
    request: (world) => ({
      path: `/v1/cards/${world.need('cardId')}/details`,
      as: 'agentToken',
      body: {
        summary: 'Buy Sony WH-1000XM5 headphones',
        expectedAmount: purchase.amount,
        expectedCurrency: 'USD',
        merchantText: purchase.merchant,
        reason: 'one-time',
        clientContext: { userAgent: 'checkout-bot/1.0', pageUrl: 'https://www.amazon.com/checkout' },
      },
    }),
    // A rawPan card (the organization default): the credentials themselves, no details token.
    expectFields: { accessEventId: /^evt_/, exposureMode: is('rawPan'), last4: /^\d{4}$/, pan: /^\d{16}$/, cvv: /^\d{3}$/, expirationMonth: /^\d{2}$/, expirationYear: /^\d{4}$/ },
  }),
  arrange({
    arrange: 'the agent pays at Amazon: the merchant presents the card to the network',
    endpoint: 'POST /v1/sandbox/authorizations',
    request: (world) => ({ path: '/v1/sandbox/authorizations', body: { cardId: world.need('cardId'), amount: purchase.amount, merchant: { name: purchase.descriptor, mcc: '5942', city: 'Seattle', country: 'US' } } }),
    expectFields: { status: is('pending'), authorizedAmount: is(purchase.amount) },
    save: (body, world) => world.save('transactionId', body.id),
  }),
  caseRow({
    endpoint: 'GET /v1/intents/{id}',
    checks: 'adds matchedAt',
    request: (world) => ({ path: `/v1/intents/${world.need('intentId')}`, as: 'agentToken' }),
    expectFields: (world) => ({ id: is(world.need('intentId')), status: is('matched'), amount: is(purchase.amount), matchedAt: iso, transactionId: is(world.need('transactionId')) }),
  }),

  // --- Transactions.
  caseRow({
    endpoint: 'GET /v1/transactions',
    request: (world) => ({ path: `/v1/transactions?cardId=${world.need('cardId')}` }),
    expectFields: { ...listPage, ...transactionFields('data.0.') },
  }),
  caseRow({
    endpoint: 'GET /v1/transactions/{id}',
    checks: 'adds authorizedAmount, authorizedAt, notes, tags, category',
    request: (world) => ({ path: `/v1/transactions/${world.need('transactionId')}` }),
    expectFields: (world) => ({ ...transactionFields(''), id: is(world.need('transactionId')), status: is('pending'), amount: is(purchase.amount), authorizedAmount: is(purchase.amount), authorizedAt: iso, notes: is(null), tags: is([]), category: is(null) }),
  }),
  caseRow({
    endpoint: 'PATCH /v1/transactions/{id}',
    request: (world) => ({ path: `/v1/transactions/${world.need('transactionId')}`, body: { notes: 'Headphones for the studio', tags: ['audio', 'q3'], category: 'equipment' } }),
    expectFields: (world) => ({ ...transactionFields(''), id: is(world.need('transactionId')), notes: is('Headphones for the studio'), tags: is(['audio', 'q3']), category: is('equipment'), authorizedAmount: is(purchase.amount) }),
  }),

  // --- The agent's state after spending.
  caseRow({
    endpoint: 'GET /v1/agents',
    request: (world) => ({ path: `/v1/agents?userId=${world.need('userId')}` }),
    expectFields: { ...listPage, ...Object.fromEntries(Object.entries(agentFields).map(([field, expectation]) => [`data.0.${field}`, expectation])) },
  }),
  caseRow({
    endpoint: 'GET /v1/agents/{id}',
    request: (world) => ({ path: `/v1/agents/${world.need('agentId')}` }),
    expectFields: (world) => ({ ...agentFields, id: is(world.need('agentId')), currentSpend: is(purchase.amount) }),
  }),
  caseRow({
    endpoint: 'PATCH /v1/agents/{id}',
    checks: 'name, description, status, spendingLimit, spendingLimitFrequency, onLimitExceeded, metadata',
    request: (world) => ({
      path: `/v1/agents/${world.need('agentId')}`,
      body: { name: 'checkout-bot-eu', description: 'Handles online purchases in the EU', status: 'active', spendingLimit: agentLimit, spendingLimitFrequency: 'perMonth', onLimitExceeded: 'notify', metadata: { region: 'eu' } },
    }),
    expectFields: (world) => ({ ...agentFields, id: is(world.need('agentId')), name: is('checkout-bot-eu'), description: is('Handles online purchases in the EU'), status: is('active'), onLimitExceeded: is('notify'), 'metadata.region': is('eu') }),
  }),
  arrange({
    arrange: 'an agent that is retired',
    endpoint: 'POST /v1/agents/register',
    request: (world) => ({ path: '/v1/agents/register', body: { userId: world.need('userId'), name: 'old-bot', externalId: 'old-bot-1' } }),
    save: (body, world) => world.save('retiredAgentId', body.id),
  }),
  caseRow({
    endpoint: 'POST /v1/agents/{id}/suspend',
    checks: 'answer adds previousStatus',
    request: (world) => ({ path: `/v1/agents/${world.need('retiredAgentId')}/suspend` }),
    expectFields: { ...agentFields, status: is('suspended'), previousStatus: is('active') },
  }),
  caseRow({
    endpoint: 'POST /v1/agents/{id}/deregister',
    checks: 'answer adds previousStatus and deregisteredAt',
    request: (world) => ({ path: `/v1/agents/${world.need('retiredAgentId')}/deregister` }),
    expectFields: { ...agentFields, status: is('deregistered'), previousStatus: is('suspended'), deregisteredAt: iso },
  }),

  // --- Withdrawals and documents.
  caseRow({
    endpoint: 'POST /v1/withdrawals',
    request: (world) => ({ path: '/v1/withdrawals', body: { userId: world.need('userId'), chainId: 8453, tokenAddress: baseUsdc, amount: 1_000, recipientAddress } }),
    expectFields: (world) => ({ id: /^wd_/, userId: is(world.need('userId')), amount: is(1_000), status: is('pending') }),
  }),
  caseRow({
    endpoint: 'POST /v1/users/{id}/withdrawals',
    request: (world) => ({ path: `/v1/users/${world.need('userId')}/withdrawals`, body: { network: 'base', token: 'USDC', amount: 500, address: recipientAddress } }),
    expectFields: (world) => ({ id: /^wd_/, userId: is(world.need('userId')), amount: is(500), status: is('pending') }),
  }),
  arrange({
    arrange: 'a second applicant whose KYC asks for a document',
    endpoint: 'POST /v1/users',
    request: () => ({ path: '/v1/users', body: { firstName: 'Jane', lastName: 'Roe', email: 'jane.roe@example.com' } }),
    save: (body, world) => world.save('documentUserId', body.id),
  }),
  arrange({
    arrange: 'the KYC provider asks for a document',
    endpoint: 'POST /v1/sandbox/users/{id}/verification',
    request: (world) => ({ path: `/v1/sandbox/users/${world.need('documentUserId')}/verification`, body: { outcome: 'documentRequired' } }),
    expectFields: { applicationStatus: is('documentRequired') },
  }),
  caseRow({
    endpoint: 'PUT /v1/verification/user/{id}/document',
    checks: 'multipart: documentType, file',
    request: (world) => {
      const form = new FormData();
      form.set('documentType', 'passport');
      // A 1×1 PNG: the smallest real image file.
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
      form.set('file', new Blob([png], { type: 'image/png' }), 'passport.png');
      return { path: `/v1/verification/user/${world.need('documentUserId')}/document`, form };
    },
    expectFields: (world) => ({ userId: is(world.need('documentUserId')), applicationStatus: 'string' }),
  }),

  // --- Risk settings with LedgerOS's rule names at the top level.
  caseRow({
    endpoint: 'POST /v1/settings/risk/preset',
    checks: "LedgerOS's rule names at the top level",
    request: () => ({ path: '/v1/settings/risk/preset', body: { preset: 'moderate' } }),
    // moderate: duplicate on, velocity on, cooldown off (docs/risk.md).
    expectFields: { preset: is('moderate'), rules: 'object', ...ledgerOsRuleMirror, 'duplicateDetection.enabled': is(true), 'velocityLimit.enabled': is(true), 'cooldownViolation.enabled': is(false) },
  }),
  caseRow({
    endpoint: 'PATCH /v1/settings/risk',
    checks: 'duplicateDetection, velocityLimit, cooldownViolation at the top level',
    request: () => ({
      path: '/v1/settings/risk',
      body: { duplicateDetection: { enabled: false }, velocityLimit: { enabled: false }, cooldownViolation: { enabled: true, action: 'alert' } },
    }),
    expectFields: {
      rules: 'object',
      [`rules.${ledgerOsRuleNames.duplicateDetection}.enabled`]: is(false),
      [`rules.${ledgerOsRuleNames.velocityLimit}.enabled`]: is(false),
      [`rules.${ledgerOsRuleNames.cooldownViolation}.enabled`]: is(true),
      [`rules.${ledgerOsRuleNames.cooldownViolation}.action`]: is('alert'),
      ...ledgerOsRuleMirror,
    },
  }),
  caseRow({
    endpoint: 'GET /v1/settings/risk',
    checks: "LedgerOS's rule names at the top level",
    request: () => ({ path: '/v1/settings/risk' }),
    expectFields: { rules: 'object', 'duplicateDetection.enabled': is(false), 'velocityLimit.enabled': is(false), 'cooldownViolation.enabled': is(true), 'cooldownViolation.action': is('alert') },
  }),

  // --- Webhooks: events of §11, what deliveries carry, then the endpoint's own routes.
  caseRow({
    endpoint: 'GET /v1/events',
    checks: 'event user.balance.updated',
    request: () => ({ path: '/v1/events?type=user.balance.updated' }),
    expectFields: { ...listPage, 'data.0.type': is('user.balance.updated'), 'data.0.organizationId': 'string', 'data.0.data.object': 'object' },
  }),
  caseRow({
    endpoint: 'GET /v1/events',
    checks: 'event agent.limit_warning (spend past 80 % of the limit)',
    request: () => ({ path: '/v1/events?type=agent.limit_warning' }),
    // What the event's object is (the agent, or its policy as agent.limit_exceeded carries) §11 does not say.
    expectFields: { ...listPage, 'data.0.type': is('agent.limit_warning'), 'data.0.organizationId': 'string', 'data.0.data.object': 'object' },
  }),
  check({
    checks: 'deliveries carry svix-id, svix-timestamp, svix-signature; the envelope carries organizationId',
    run: async (world, receiver) => {
      world.need('webhookId');
      const deadline = Date.now() + 20_000;
      const hasTransaction = () => receiver.received.some((webhook) => (JSON.parse(webhook.rawBody) as { type?: string }).type === 'transaction.created');
      while (!hasTransaction() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(hasTransaction(), `no transaction.created delivery within 20 s; received: ${receiver.received.map((webhook) => webhook.rawBody.slice(0, 80)).join(' | ')}`);
      const problems: string[] = [];
      for (const webhook of receiver.received) {
        const envelope = JSON.parse(webhook.rawBody) as Record<string, unknown>;
        for (const header of ['svix-id', 'svix-timestamp', 'svix-signature']) {
          if (webhook.headers[header] === undefined) problems.push(`${String(envelope.type)}: no ${header} header`);
        }
        if (webhook.headers['svix-id'] !== webhook.headers['webhook-id']) problems.push(`${String(envelope.type)}: svix-id is not the webhook-id`);
        problems.push(...fieldProblems(envelope, { id: /^evt_/, type: 'string', createdAt: iso, organizationId: 'string', 'data.object': 'object' }).map((problem) => `${String(envelope.type)}: ${problem}`));
      }
      assert.deepEqual(problems, []);
    },
  }),
  caseRow({
    endpoint: 'GET /v1/webhooks',
    request: () => ({ path: '/v1/webhooks' }),
    expectFields: { ...listPage, 'data.0.id': /^webhook_/, 'data.0.url': 'string', 'data.0.events': 'array', 'data.0.status': 'string' },
  }),
  caseRow({
    endpoint: 'GET /v1/webhooks/{id}',
    request: (world) => ({ path: `/v1/webhooks/${world.need('webhookId')}` }),
    expectFields: (world) => ({ id: is(world.need('webhookId')), url: is(world.receiverUrl), events: 'array', status: is('enabled') }),
  }),
  caseRow({
    endpoint: 'PATCH /v1/webhooks/{id}',
    checks: 'status enabled|disabled',
    request: (world) => ({ path: `/v1/webhooks/${world.need('webhookId')}`, body: { status: 'disabled' } }),
    expectFields: (world) => ({ id: is(world.need('webhookId')), status: is('disabled') }),
  }),
  caseRow({
    endpoint: 'DELETE /v1/webhooks/{id}',
    request: (world) => ({ path: `/v1/webhooks/${world.need('webhookId')}` }),
    expectFields: (world) => ({ id: is(world.need('webhookId')) }),
  }),

  // --- Errors and keys: an API key with expiresAt, then past it.
  arrange({
    arrange: "the sandbox environment's time",
    endpoint: 'GET /v1/sandbox/clock',
    request: () => ({ path: '/v1/sandbox/clock' }),
    save: (body, world) => world.save('sandboxNow', body.now),
  }),
  caseRow({
    endpoint: 'POST /v1/api-keys',
    checks: 'expiresAt',
    request: (world) => ({ path: '/v1/api-keys', body: { name: 'expiring', expiresAt: new Date(Date.parse(world.need('sandboxNow')) + 60_000).toISOString() } }),
    expectFields: (world) => ({ id: /^key_/, key: /^lk_dev_/, expiresAt: is(new Date(Date.parse(world.need('sandboxNow')) + 60_000).toISOString()) }),
    save: (body, world) => world.save('expiringKey', body.key),
  }),
  arrange({
    arrange: 'two minutes pass in the sandbox',
    endpoint: 'POST /v1/sandbox/clock/advance',
    request: () => ({ path: '/v1/sandbox/clock/advance', body: { seconds: 120 } }),
  }),
  caseRow({
    endpoint: 'GET /v1/users',
    checks: '401 expired_api_key',
    request: () => ({ path: '/v1/users', as: 'expiringKey' }),
    expectStatus: 401,
    expectFields: errorFields('expired_api_key'),
  }),
];

// ---------------------------------------------------------------------------------------------------------------
// §11 itself: the endpoints it names, read from the specification, so the table cannot drift from it.

/** `GET/PATCH /v1/agents/{id}`, `POST /v1/cards/{id}/freeze|unfreeze|close`, `GET …/link` → one `METHOD /path` each, parameters as `{}`. */
function endpointsOfSection11(spec: string): string[] {
  const start = spec.indexOf('## 11.');
  assert.ok(start >= 0, `no "## 11." section in ${specPath}`);
  const end = spec.indexOf('\n## ', start + 1);
  const section = spec.slice(start, end < 0 ? undefined : end);
  const endpoints: string[] = [];
  let previousPath = '';
  for (const [, span] of section.matchAll(/`([^`]+)`/g)) {
    const match = /^((?:GET|POST|PUT|PATCH|DELETE)(?:\/(?:GET|POST|PUT|PATCH|DELETE))*) (\S+)$/.exec(span!);
    if (match === null) continue;
    let path = match[2]!;
    if (path.startsWith('…')) path = previousPath + path.slice(1);
    previousPath = path;
    const alternatives = /^(.*\/)([a-z-]+(?:\|[a-z-]+)+)$/.exec(path);
    const paths = alternatives === null ? [path] : alternatives[2]!.split('|').map((last) => alternatives[1]! + last);
    for (const method of match[1]!.split('/')) for (const one of paths) endpoints.push(`${method} ${normalize(one)}`);
  }
  return [...new Set(endpoints)];
}

function normalize(path: string): string {
  return path.split('?')[0]!.replace(/\{[^}]+\}/g, '{}');
}

function routePattern(endpoint: string): RegExp {
  const path = endpoint.split(' ')[1]!;
  return new RegExp(`^${path.split('{}').map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
}

function rowLabel(row: Row): string {
  if (row.kind === 'check') return `check: ${row.checks}`;
  if (row.kind === 'arrange') return `arrange: ${row.arrange} (${row.endpoint})`;
  return row.checks === undefined ? row.endpoint : `${row.endpoint} — ${row.checks}`;
}

describe('LedgerOS API surface (SPEC §11) replayed against a real cardrail serve', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-ledgeros-'));
  let server: ServerProcess | undefined;
  let receiver: WebhookReceiver | undefined;
  let world: World | undefined;

  before(async () => {
    receiver = await startWebhookReceiver();
    server = await startServerProcess({ dataDir: join(workDir, 'data'), logLevel: 'warn' });
    const { sandboxKey } = await server.waitForKeys(120_000);
    world = new World(sandboxKey, receiver.url);
  });

  after(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  async function send(method: string, request: ReplayRequest): Promise<Answer> {
    assert.ok(server !== undefined && world !== undefined, 'the server started');
    const credential = request.as === undefined ? world.apiKey : world.need(request.as);
    const headers: Record<string, string> = { 'Api-Key': credential };
    let body: string | FormData | undefined;
    if (request.form !== undefined) body = request.form;
    else if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.body);
    }
    const response = await fetch(`${server.baseUrl}${request.path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  }

  function describeAnswer(answer: Answer): string {
    const error = (answer.json as { error?: { code?: string; message?: string } } | undefined)?.error;
    return error === undefined ? `${answer.status}: ${answer.text.slice(0, 600)}` : `${answer.status} ${error.code}: ${error.message}`;
  }

  it('the table covers every endpoint SPEC §11 names (credential exposure aside), each row its own endpoint', () => {
    assert.ok(existsSync(specPath), `the specification is not at ${specPath} (set CARDRAIL_SPEC_PATH)`);
    const named = [...endpointsOfSection11(readFileSync(specPath, 'utf8')), ...namedInProse];
    assert.ok(named.length >= 40, `read ${named.length} endpoints from §11: the parser missed some`);
    const replayed = new Set(rows.flatMap((row) => (row.kind === 'case' ? [normalize(row.endpoint)] : [])));
    const missing = named.filter((endpoint) => !replayed.has(endpoint) && notReplayed[endpoint] === undefined);
    assert.deepEqual(missing, [], 'every §11 endpoint has a case in the table');
    for (const endpoint of Object.keys(notReplayed)) assert.ok(named.includes(endpoint), `${endpoint} (not replayed) is still in §11`);
  });

  for (const row of rows) {
    it(rowLabel(row), async () => {
      assert.ok(world !== undefined && receiver !== undefined, 'the server started');
      if (row.kind === 'check') {
        await row.run(world, receiver);
        return;
      }
      const request = row.request(world);
      const [method] = row.endpoint.split(' ');
      assert.match(normalize(request.path), routePattern(normalize(row.endpoint)), `the row's path is its endpoint's`);
      const answer = await send(method!, request);
      if (row.kind === 'arrange') {
        assert.ok(answer.status >= 200 && answer.status < 300, `arranging with ${row.endpoint} answered ${describeAnswer(answer)}`);
        row.save?.(answer.json, world);
        assert.deepEqual(fieldProblems(answer.json, row.expectFields ?? {}), [], `arranging with ${row.endpoint}: ${answer.text.slice(0, 600)}`);
        return;
      }
      const expectedStatus = row.expectStatus ?? 200;
      if (answer.status >= 200 && answer.status < 300) row.save?.(answer.json, world);
      assert.equal(answer.status, expectedStatus, `${row.endpoint} answered ${describeAnswer(answer)}`);
      const fields = typeof row.expectFields === 'function' ? row.expectFields(world) : row.expectFields;
      assert.deepEqual(fieldProblems(answer.json, fields), [], `fields of ${row.endpoint}'s answer: ${answer.text.slice(0, 1_500)}`);
    });
  }
});
