// The local Lithic stand-in for tests and the benchmark: Lithic's card API and sandbox simulate endpoints over HTTP, and Lithic's
// side of Auth Stream Access and transaction webhooks, sent to cardrail over real HTTP and signed the way Lithic signs them.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Card, CardCreateParams, CardUpdateParams } from 'lithic/resources/cards/cards';
import type {
  Transaction,
  TransactionSimulateAuthorizationAdviceResponse,
  TransactionSimulateAuthorizationResponse,
  TransactionSimulateClearingResponse,
  TransactionSimulateReturnResponse,
  TransactionSimulateReturnReversalResponse,
  TransactionSimulateVoidResponse,
} from 'lithic/resources/transactions/transactions';
import { Webhook } from 'standardwebhooks';
import {
  asaRequest,
  decideFromAsaAnswer,
  merchantOf,
  newCard,
  newEvent,
  newPan,
  nonPciCard,
  renderTransaction,
  transactionWebhook,
  type Decision,
  type MerchantInput,
  type TransactionRecord,
  type TransactionResult,
} from './payloads.js';

export interface LithicStandInOptions {
  /** Where ASA requests go, e.g. `${cardrailUrl}/v1/issuers/lithic/asa`. */
  asaUrl: string;
  /** Where transaction events go, e.g. `${cardrailUrl}/v1/issuers/lithic/events`. */
  eventsUrl: string;
  /** Defaults: random. Secrets are Standard Webhooks secrets: `whsec_` + base64 of 32 random bytes. */
  apiKey?: string;
  webhookSecret?: string;
  asaSecret?: string;
  /** How long Lithic waits for the ASA answer before declining with CUSTOMER_ASA_TIMEOUT. Default 6000 (Lithic's). */
  asaTimeoutMs?: number;
  /** Send the `card_transaction.updated` webhook that follows every authorization, approved or declined, as Lithic does.
   *  Default true. */
  authorizationEvents?: boolean;
}

/** A merchant presenting the card: `descriptor`, `mcc` (default 5734), `city`, `country` (alpha-3, default USA), `state`, `acceptorId`. */
export interface AuthorizeInput extends MerchantInput {
  cardToken: string;
  /** Cents, USD. */
  amount: number;
}

export interface AsaExchange {
  kind: 'asa';
  transactionToken: string;
  /** What was sent to asaUrl; '' (and no headers, status 0) when Lithic declined before asking: card PAUSED or CLOSED, or over
   *  its spend limit — Lithic sends no ASA request for a message that fails its pre-authorization checks. */
  requestBody: string;
  headers: Record<string, string>;
  /** cardrail's HTTP status; 0 when nothing was sent or no answer came in time. */
  status: number;
  answer: unknown;
  /** The AUTHORIZATION's result: APPROVED or the decline. */
  result: TransactionResult;
  /** The `card_transaction.updated` webhook that followed (null with `authorizationEvents: false`). */
  event: EventDelivery | null;
}

export interface EventDelivery {
  kind: 'event';
  /** The webhook-id of the delivery. */
  eventToken: string;
  transactionToken: string;
  requestBody: string;
  headers: Record<string, string>;
  /** cardrail's HTTP status; 0 when it could not be reached or did not answer in 10 s. */
  status: number;
  answer: unknown;
}

export interface LithicStandIn {
  /** Base URL to give the SDK: `new Lithic({ apiKey, baseURL: standIn.url })`. */
  readonly url: string;
  readonly apiKey: string;
  readonly webhookSecret: string;
  readonly asaSecret: string;
  /** The cards created through the API, by token (state as Lithic holds it: OPEN / PAUSED / CLOSED). */
  readonly cards: ReadonlyMap<string, Card>;
  /** Every API request received (method, path without the query, parsed JSON body or undefined). */
  readonly requests: ReadonlyArray<{ method: string; path: string; body: unknown }>;
  /** A transaction as Lithic shows it now (all its events), or undefined. */
  transaction(token: string): Transaction | undefined;
  /** A merchant presents a card: sends a signed ASA request for a new transaction and answers what cardrail said. Records the
   *  transaction with an AUTHORIZATION event whose result follows the answer (APPROVED or the decline), then sends the
   *  `card_transaction.updated` webhook for it. */
  authorize(input: AuthorizeInput): Promise<AsaExchange>;
  // Network messages on an existing transaction: each appends one Transaction.Event of the matching type, updates the
  // transaction as Lithic does, and sends a signed `card_transaction.updated` webhook carrying the whole transaction.
  // They reject (StandInError) on an unknown or declined transaction.
  /** CLEARING: settles `amount` (default: what is held, else the authorized amount; less = partial, more = e.g. a tip) and
   *  releases as much of the hold; the transaction is SETTLED. */
  clear(transactionToken: string, amount?: number): Promise<EventDelivery>;
  /** AUTHORIZATION_REVERSAL: releases `amount` of the hold (default all; an over-reversal is capped); all of it on a
   *  PENDING transaction makes it VOIDED. */
  reverse(transactionToken: string, amount?: number): Promise<EventDelivery>;
  /** AUTHORIZATION_EXPIRY: releases the whole hold; a PENDING transaction becomes EXPIRED. */
  expire(transactionToken: string): Promise<EventDelivery>;
  /** AUTHORIZATION_ADVICE on a PENDING transaction: `amount` is the new authorized (and held) amount. */
  advice(transactionToken: string, amount: number): Promise<EventDelivery>;
  /** RETURN on this transaction (a refund can also come as its own transaction: `POST /v1/simulate/return`). */
  returnFunds(transactionToken: string, amount: number): Promise<EventDelivery>;
  /** RETURN_REVERSAL, on a transaction that has a RETURN. */
  reverseReturn(transactionToken: string, amount: number): Promise<EventDelivery>;
  /** Sends again exactly the same bytes and headers (a retry by Lithic). */
  replay(delivery: AsaExchange | EventDelivery): Promise<{ status: number; body: unknown }>;
  /** The same body with a signature made with another secret (must be refused). */
  sendWithBadSignature(delivery: AsaExchange | EventDelivery): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** A request Lithic refuses; through the API it is answered with `status` and Lithic's error body. */
export class StandInError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const eventTimeoutMs = 10_000;
const day = 24 * 60 * 60 * 1000;
/** How far back a card's spend limit counts, by duration (a TRANSACTION limit applies to each authorization alone). */
const spendWindows: Record<Exclude<Card['spend_limit_duration'], 'TRANSACTION'>, number> = { DAILY: day, MONTHLY: 30 * day, ANNUALLY: 365 * day, FOREVER: Infinity };
const cardTypes = ['MERCHANT_LOCKED', 'PHYSICAL', 'SINGLE_USE', 'VIRTUAL', 'UNLOCKED', 'DIGITAL_WALLET'] as const;
const spendLimitDurations = ['ANNUALLY', 'FOREVER', 'MONTHLY', 'TRANSACTION'] as const;
const cardStates = ['OPEN', 'PAUSED', 'CLOSED', 'PENDING_ACTIVATION', 'PENDING_FULFILLMENT'] as const;
const substatuses = ['LOST', 'COMPROMISED', 'DAMAGED', 'END_USER_REQUEST', 'ISSUER_REQUEST', 'NOT_ACTIVE', 'SUSPICIOUS_ACTIVITY', 'INTERNAL_REVIEW', 'EXPIRED', 'UNDELIVERABLE', 'OTHER'] as const;

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

// ---- reading request bodies, refusing as Lithic does (400 with its error body) ----

type Fields = Record<string, unknown>;

function fieldsOf(body: unknown): Fields {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new StandInError(400, 'The request body must be a JSON object');
  return body as Fields;
}

function text(fields: Fields, key: string): string | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new StandInError(400, `${key}: expected a string`);
  return value;
}

function cents(fields: Fields, key: string): number | undefined {
  const value = fields[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new StandInError(400, `${key}: expected a non-negative integer amount in cents`);
  return value;
}

function oneOf<T extends string>(fields: Fields, key: string, allowed: readonly T[]): T | undefined {
  const value = text(fields, key);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new StandInError(400, `${key}: must be one of ${allowed.join(', ')}`);
  return value as T;
}

function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new StandInError(400, `${key}: required`);
  return value;
}

function positive(amount: number): number {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new StandInError(400, 'amount: expected a positive integer amount in cents');
  return amount;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** POSTs a signed body to cardrail. Status 0: unreachable, or no answer within `timeoutMs`. */
async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; answer: unknown }> {
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, answer: parseJson(await response.text()) };
  } catch (error) {
    return { status: 0, answer: error instanceof Error ? error.message : String(error) };
  }
}

/** Standard Webhooks headers: `v1,` + base64 HMAC-SHA256 of "id.timestamp.body", made by the official package. */
function signedHeaders(signer: Webhook, id: string, body: string, at = new Date()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer.sign(id, at, body),
  };
}

export async function startLithicStandIn(options: LithicStandInOptions): Promise<LithicStandIn> {
  const apiKey = options.apiKey ?? randomUUID();
  const webhookSecret = options.webhookSecret ?? newWebhookSecret();
  const asaSecret = options.asaSecret ?? newWebhookSecret();
  const asaTimeoutMs = options.asaTimeoutMs ?? 6000;
  const authorizationEvents = options.authorizationEvents ?? true;
  const eventSigner = new Webhook(webhookSecret);
  const asaSigner = new Webhook(asaSecret);
  const accountToken = randomUUID();

  const cards = new Map<string, Card>();
  const cardsByPan = new Map<string, Card>();
  const cardsByIdempotencyKey = new Map<string, Card>();
  const transactions = new Map<string, TransactionRecord>();
  const requests: Array<{ method: string; path: string; body: unknown }> = [];

  // ---- Lithic's books ----

  function cardByPan(pan: string): Card {
    const card = cardsByPan.get(pan);
    if (card === undefined) throw new StandInError(400, 'pan: no card with this number');
    return card;
  }

  function createCard(fields: Fields, idempotencyKey: string | undefined): Card {
    const earlier = idempotencyKey === undefined ? undefined : cardsByIdempotencyKey.get(idempotencyKey);
    if (earlier !== undefined) return earlier;
    const params: CardCreateParams = {
      type: required(oneOf(fields, 'type', cardTypes), 'type'),
      account_token: text(fields, 'account_token'),
      card_program_token: text(fields, 'card_program_token'),
      digital_card_art_token: text(fields, 'digital_card_art_token'),
      exp_month: text(fields, 'exp_month'),
      exp_year: text(fields, 'exp_year'),
      memo: text(fields, 'memo'),
      product_id: text(fields, 'product_id'),
      replacement_for: text(fields, 'replacement_for'),
      spend_limit: cents(fields, 'spend_limit'),
      spend_limit_duration: oneOf(fields, 'spend_limit_duration', spendLimitDurations),
      state: oneOf(fields, 'state', ['OPEN', 'PAUSED'] as const),
    };
    let pan = newPan();
    while (cardsByPan.has(pan)) pan = newPan();
    const card = newCard(params, accountToken, pan);
    cards.set(card.token, card);
    cardsByPan.set(pan, card);
    if (idempotencyKey !== undefined) cardsByIdempotencyKey.set(idempotencyKey, card);
    return card;
  }

  function updateCard(card: Card, fields: Fields): Card {
    if (card.state === 'CLOSED') throw new StandInError(400, `Card ${card.token} is CLOSED: closing a card is final and it can no longer be updated`);
    const update: CardUpdateParams = {
      state: oneOf(fields, 'state', ['OPEN', 'PAUSED', 'CLOSED'] as const),
      memo: text(fields, 'memo'),
      comment: text(fields, 'comment'),
      spend_limit: cents(fields, 'spend_limit'),
      spend_limit_duration: oneOf(fields, 'spend_limit_duration', spendLimitDurations),
      pin_status: oneOf(fields, 'pin_status', ['OK'] as const),
      substatus: oneOf(fields, 'substatus', substatuses),
      digital_card_art_token: text(fields, 'digital_card_art_token'),
      network_program_token: text(fields, 'network_program_token'),
    };
    if (update.state !== undefined) card.state = update.state;
    if (update.memo !== undefined) card.memo = update.memo;
    if (update.comment !== undefined) card.comment = update.comment;
    if (update.spend_limit !== undefined) card.spend_limit = update.spend_limit;
    if (update.spend_limit_duration !== undefined) card.spend_limit_duration = update.spend_limit_duration;
    if (update.pin_status !== undefined) card.pin_status = update.pin_status;
    if (update.substatus !== undefined) card.substatus = update.substatus;
    if (update.digital_card_art_token !== undefined) card.digital_card_art_token = update.digital_card_art_token;
    if (update.network_program_token !== undefined) card.network_program_token = update.network_program_token;
    return card;
  }

  /** `GET /v1/cards`: newest first, cursor pages (`starting_after` / `ending_before`, `page_size` 1–100, default 50), no PCI fields. */
  function listCards(query: URLSearchParams): { data: Array<ReturnType<typeof nonPciCard>>; has_more: boolean } {
    const pageSize = Number(query.get('page_size') ?? 50);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new StandInError(400, 'page_size: must be an integer from 1 to 100');
    const state = query.get('state');
    if (state !== null && !(cardStates as readonly string[]).includes(state)) throw new StandInError(400, `state: must be one of ${cardStates.join(', ')}`);
    const memo = query.get('memo');
    const account = query.get('account_token');
    const begin = query.get('begin');
    const end = query.get('end');
    let list = [...cards.values()]
      .reverse()
      .filter(
        (card) =>
          (state === null || card.state === state) &&
          (memo === null || (card.memo ?? '').includes(memo)) &&
          (account === null || card.account_token === account) &&
          (begin === null || Date.parse(card.created) >= Date.parse(begin)) &&
          (end === null || Date.parse(card.created) <= Date.parse(end)),
      );
    const after = query.get('starting_after');
    const before = query.get('ending_before');
    const position = (token: string): number => list.findIndex((card) => card.token === token);
    if (after !== null) list = position(after) === -1 ? [] : list.slice(position(after) + 1);
    if (before !== null) {
      list = position(before) === -1 ? [] : list.slice(0, position(before));
      return { data: list.slice(-pageSize).map(nonPciCard), has_more: list.length > pageSize };
    }
    return { data: list.slice(0, pageSize).map(nonPciCard), has_more: list.length > pageSize };
  }

  /** Lithic's checks before ASA: a message that fails them is declined without asking cardrail. */
  function preAuthorizationDecline(card: Card, amount: number): Decision | null {
    if (card.state === 'CLOSED') return { result: 'CARD_CLOSED', detailed: 'CARD_CLOSED' };
    if (card.state === 'PAUSED') return { result: 'CARD_PAUSED', detailed: 'CARD_PAUSED' };
    if (card.spend_limit > 0) {
      // A spend limit of 0 is no limit. Spent: what the card's approved transactions hold or settled within the window.
      let spent = 0;
      if (card.spend_limit_duration !== 'TRANSACTION') {
        const since = Date.now() - spendWindows[card.spend_limit_duration];
        for (const record of transactions.values()) {
          if (record.cardToken === card.token && record.result === 'APPROVED' && Date.parse(record.created) >= since) spent += record.pending + record.settled;
        }
      }
      if (spent + amount > card.spend_limit) return { result: 'USER_TRANSACTION_LIMIT', detailed: 'CARD_SPEND_LIMIT_EXCEEDED' };
    }
    return null;
  }

  function openRecord(token: string): TransactionRecord {
    const record = transactions.get(token);
    if (record === undefined) throw new StandInError(400, `token: no transaction ${token}`);
    if (record.status === 'DECLINED') throw new StandInError(400, `Transaction ${token} was declined: no network message follows a declined authorization`);
    return record;
  }

  async function deliver(record: TransactionRecord): Promise<EventDelivery> {
    const eventToken = randomUUID();
    const requestBody = JSON.stringify(transactionWebhook(record));
    const headers = signedHeaders(eventSigner, eventToken, requestBody);
    const { status, answer } = await post(options.eventsUrl, requestBody, headers, eventTimeoutMs);
    return { kind: 'event', eventToken, transactionToken: record.token, requestBody, headers, status, answer };
  }

  function append(record: TransactionRecord, event: Transaction.Event): Promise<EventDelivery> {
    record.events.push(event);
    record.updated = event.created;
    return deliver(record);
  }

  async function authorize(input: AuthorizeInput): Promise<AsaExchange> {
    const card = cards.get(input.cardToken);
    if (card === undefined) throw new StandInError(400, `No card ${input.cardToken}`);
    const amount = positive(input.amount);
    const token = randomUUID();
    const created = new Date().toISOString();
    const merchant = merchantOf(input);
    let requestBody = '';
    let headers: Record<string, string> = {};
    let reply: { status: number; answer: unknown } = { status: 0, answer: null };
    let decision = preAuthorizationDecline(card, amount);
    if (decision === null) {
      const eventToken = randomUUID();
      requestBody = JSON.stringify(asaRequest(card, token, eventToken, amount, merchant, created));
      headers = signedHeaders(asaSigner, eventToken, requestBody);
      reply = await post(options.asaUrl, requestBody, headers, asaTimeoutMs);
      decision = decideFromAsaAnswer(reply.status, reply.answer);
    }
    const approved = decision.result === 'APPROVED';
    const record: TransactionRecord = {
      token,
      cardToken: card.token,
      accountToken: card.account_token,
      created,
      updated: new Date().toISOString(),
      merchant,
      status: approved ? 'PENDING' : 'DECLINED',
      result: decision.result,
      authorized: amount,
      pending: approved ? amount : 0,
      settled: 0,
      authorizationCode: approved ? String(randomInt(1_000_000)).padStart(6, '0') : null,
      events: [newEvent('AUTHORIZATION', amount, decision)],
    };
    transactions.set(token, record);
    if (approved && card.type === 'SINGLE_USE') card.state = 'CLOSED';
    const event = authorizationEvents ? await deliver(record) : null;
    return { kind: 'asa', transactionToken: token, requestBody, headers, status: reply.status, answer: reply.answer, result: decision.result, event };
  }

  async function clear(token: string, amount?: number): Promise<EventDelivery> {
    const record = openRecord(token);
    const cleared = positive(amount ?? (record.pending > 0 ? record.pending : (record.authorized ?? 0)));
    record.settled += cleared;
    record.pending = Math.max(0, record.pending - cleared);
    record.status = 'SETTLED';
    return append(record, newEvent('CLEARING', cleared));
  }

  async function reverse(token: string, amount?: number): Promise<EventDelivery> {
    const record = openRecord(token);
    if (record.pending === 0) throw new StandInError(400, `Transaction ${token} holds nothing to reverse`);
    const reversed = positive(amount ?? record.pending);
    record.pending = Math.max(0, record.pending - reversed); // Lithic caps an over-reversal at a zero hold
    if (record.pending === 0 && record.status === 'PENDING') record.status = 'VOIDED';
    return append(record, newEvent('AUTHORIZATION_REVERSAL', reversed));
  }

  async function expire(token: string): Promise<EventDelivery> {
    const record = openRecord(token);
    if (record.pending === 0) throw new StandInError(400, `Transaction ${token} holds nothing to expire`);
    const expired = record.pending;
    record.pending = 0;
    if (record.status === 'PENDING') record.status = 'EXPIRED';
    return append(record, newEvent('AUTHORIZATION_EXPIRY', expired));
  }

  async function advice(token: string, amount: number): Promise<EventDelivery> {
    const record = openRecord(token);
    if (record.status !== 'PENDING') throw new StandInError(400, `An authorization advice changes a pending authorization; ${token} is ${record.status}`);
    record.authorized = record.pending = positive(amount);
    return append(record, newEvent('AUTHORIZATION_ADVICE', amount));
  }

  async function returnFunds(token: string, amount: number): Promise<EventDelivery> {
    const record = openRecord(token);
    record.settled -= positive(amount);
    record.status = 'SETTLED';
    return append(record, newEvent('RETURN', amount));
  }

  async function reverseReturn(token: string, amount: number): Promise<EventDelivery> {
    const record = openRecord(token);
    if (!record.events.some((event) => event.type === 'RETURN')) throw new StandInError(400, `Transaction ${token} has no RETURN to reverse`);
    record.settled += positive(amount);
    record.status = 'SETTLED';
    return append(record, newEvent('RETURN_REVERSAL', amount));
  }

  /** A refund that arrives as its own transaction (what `POST /v1/simulate/return` makes): one RETURN, SETTLED at once. */
  async function standaloneReturn(card: Card, amount: number, descriptor: string): Promise<EventDelivery> {
    const now = new Date().toISOString();
    const record: TransactionRecord = {
      token: randomUUID(),
      cardToken: card.token,
      accountToken: card.account_token,
      created: now,
      updated: now,
      merchant: merchantOf({ descriptor }),
      status: 'SETTLED',
      result: 'APPROVED',
      authorized: null,
      pending: 0,
      settled: -positive(amount),
      authorizationCode: null,
      events: [newEvent('RETURN', amount)],
    };
    transactions.set(record.token, record);
    return deliver(record);
  }

  // ---- the HTTP API ----

  const simulations: Record<string, (fields: Fields) => Promise<unknown>> = {
    authorize: async (fields) => {
      const status = text(fields, 'status');
      if (status !== undefined && status !== 'AUTHORIZATION') throw new StandInError(400, `status: this stand-in simulates AUTHORIZATION only, not ${status}`);
      const card = cardByPan(required(text(fields, 'pan'), 'pan'));
      const exchange = await authorize({
        cardToken: card.token,
        amount: required(cents(fields, 'amount'), 'amount'),
        descriptor: required(text(fields, 'descriptor'), 'descriptor'),
        mcc: text(fields, 'mcc'),
        city: text(fields, 'merchant_acceptor_city'),
        country: text(fields, 'merchant_acceptor_country'),
        state: text(fields, 'merchant_acceptor_state'),
        acceptorId: text(fields, 'merchant_acceptor_id'),
      });
      const answer: TransactionSimulateAuthorizationResponse = { token: exchange.transactionToken, debugging_request_id: randomUUID() };
      return answer;
    },
    authorization_advice: async (fields) => {
      const delivery = await advice(required(text(fields, 'token'), 'token'), required(cents(fields, 'amount'), 'amount'));
      const answer: TransactionSimulateAuthorizationAdviceResponse = { token: delivery.transactionToken, debugging_request_id: randomUUID() };
      return answer;
    },
    clearing: async (fields) => {
      await clear(required(text(fields, 'token'), 'token'), cents(fields, 'amount'));
      const answer: TransactionSimulateClearingResponse = { debugging_request_id: randomUUID() };
      return answer;
    },
    void: async (fields) => {
      const token = required(text(fields, 'token'), 'token');
      const type = oneOf(fields, 'type', ['AUTHORIZATION_EXPIRY', 'AUTHORIZATION_REVERSAL'] as const) ?? 'AUTHORIZATION_REVERSAL';
      await (type === 'AUTHORIZATION_EXPIRY' ? expire(token) : reverse(token, cents(fields, 'amount')));
      const answer: TransactionSimulateVoidResponse = { debugging_request_id: randomUUID() };
      return answer;
    },
    return: async (fields) => {
      const card = cardByPan(required(text(fields, 'pan'), 'pan'));
      const delivery = await standaloneReturn(card, required(cents(fields, 'amount'), 'amount'), required(text(fields, 'descriptor'), 'descriptor'));
      const answer: TransactionSimulateReturnResponse = { token: delivery.transactionToken, debugging_request_id: randomUUID() };
      return answer;
    },
    return_reversal: async (fields) => {
      const token = required(text(fields, 'token'), 'token');
      const lastReturn = [...(transactions.get(token)?.events ?? [])].reverse().find((event) => event.type === 'RETURN');
      if (lastReturn === undefined) throw new StandInError(400, `token: no returned transaction ${token}`);
      await reverseReturn(token, lastReturn.amount);
      const answer: TransactionSimulateReturnReversalResponse = { debugging_request_id: randomUUID() };
      return answer;
    },
  };

  async function route(method: string, url: URL, body: unknown, idempotencyKey: string | undefined): Promise<[number, unknown]> {
    const path = url.pathname;
    if (path === '/v1/cards' && method === 'POST') return [200, createCard(fieldsOf(body), idempotencyKey)];
    if (path === '/v1/cards' && method === 'GET') return [200, listCards(url.searchParams)];
    const cardToken = /^\/v1\/cards\/([^/]+)$/.exec(path)?.[1];
    if (cardToken !== undefined && (method === 'GET' || method === 'PATCH')) {
      const card = cards.get(cardToken);
      if (card === undefined) throw new StandInError(404, `Card ${cardToken} not found`);
      return [200, method === 'GET' ? card : updateCard(card, fieldsOf(body))];
    }
    const transactionToken = /^\/v1\/transactions\/([^/]+)$/.exec(path)?.[1];
    if (transactionToken !== undefined && method === 'GET') {
      const record = transactions.get(transactionToken);
      if (record === undefined) throw new StandInError(404, `Transaction ${transactionToken} not found`);
      return [200, renderTransaction(record)];
    }
    const simulate = method === 'POST' ? /^\/v1\/simulate\/([a-z_]+)$/.exec(path)?.[1] : undefined;
    if (simulate !== undefined && Object.hasOwn(simulations, simulate)) return [200, await simulations[simulate]!(fieldsOf(body))];
    throw new StandInError(404, `Not found: ${method} ${path}`);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const body = parseJson(await readBody(request));
    requests.push({ method, path: url.pathname, body });
    let status: number;
    let answer: unknown;
    try {
      // The SDK sends the key as is: `Authorization: <apiKey>`.
      const authorization = request.headers.authorization;
      if (authorization !== apiKey) throw new StandInError(401, authorization === undefined ? 'Missing API key in the Authorization header' : 'Invalid API key');
      const idempotencyKey = request.headers['idempotency-key'];
      [status, answer] = await route(method, url, body, typeof idempotencyKey === 'string' ? idempotencyKey : undefined);
    } catch (error) {
      status = error instanceof StandInError ? error.status : 500;
      answer = { debugging_request_id: randomUUID(), message: error instanceof Error ? error.message : String(error) };
    }
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function sent(delivery: AsaExchange | EventDelivery): { url: string; timeoutMs: number } {
    if (delivery.requestBody === '') throw new StandInError(400, 'Nothing was sent: Lithic declined this authorization before asking');
    return delivery.kind === 'asa' ? { url: options.asaUrl, timeoutMs: asaTimeoutMs } : { url: options.eventsUrl, timeoutMs: eventTimeoutMs };
  }

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    webhookSecret,
    asaSecret,
    cards,
    requests,
    transaction: (token) => {
      const record = transactions.get(token);
      return record === undefined ? undefined : renderTransaction(record);
    },
    authorize,
    clear,
    reverse,
    expire,
    advice,
    returnFunds,
    reverseReturn,
    async replay(delivery) {
      const { url, timeoutMs } = sent(delivery);
      const { status, answer } = await post(url, delivery.requestBody, delivery.headers, timeoutMs);
      return { status, body: answer };
    },
    async sendWithBadSignature(delivery) {
      const { url, timeoutMs } = sent(delivery);
      const id = delivery.headers['webhook-id']!;
      const at = new Date(Number(delivery.headers['webhook-timestamp']) * 1000);
      const headers = { ...delivery.headers, 'webhook-signature': new Webhook(newWebhookSecret()).sign(id, at, delivery.requestBody) };
      const { status, answer } = await post(url, delivery.requestBody, headers, timeoutMs);
      return { status, body: answer };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
