// The bodies the Lithic stand-in sends and answers, typed with the lithic SDK's own types: cards, ASA requests, transactions, events.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { CardAuthorization } from 'lithic/resources/card-authorizations';
import type { Card, CardCreateParams, NonPCICard } from 'lithic/resources/cards/cards';
import type { Transaction } from 'lithic/resources/transactions/transactions';
import type { CardAuthorizationApprovalRequestWebhookEvent, CardTransactionUpdatedWebhookEvent } from 'lithic/resources/webhooks';

export type TransactionResult = Transaction['result'];
export type EventType = Transaction.Event['type'];
export type DetailedResult = Transaction.Event['detailed_results'][number];

/** The results an ASA responder may answer (Lithic's ASA response schema). Any other value declines with CUSTOM_ASA_RESULT. */
export const asaResults = [
  'APPROVED',
  'AVS_INVALID',
  'CARD_PAUSED',
  'INSUFFICIENT_FUNDS',
  'UNAUTHORIZED_MERCHANT',
  'VELOCITY_EXCEEDED',
  'DRIVER_NUMBER_INVALID',
  'VEHICLE_NUMBER_INVALID',
  'SUSPECTED_FRAUD',
  'CHALLENGE',
] as const;
export type AsaResult = (typeof asaResults)[number];

/** What an ASA responder answers (the SDK has no type for it; this is Lithic's published ASA response schema, minus `balance`). */
export interface AsaResponse {
  token?: string;
  result: AsaResult | (string & {});
  approved_amount?: number;
  avs_result?: 'FAIL' | 'MATCH' | 'MATCH_ADDRESS_ONLY' | 'MATCH_ZIP_ONLY';
}

export interface Decision {
  result: TransactionResult;
  detailed: DetailedResult;
}

/** How Lithic records the AUTHORIZATION for each ASA answer. The stand-in runs no Authorization Challenge: CHALLENGE declines. */
const asaDecisions: Record<AsaResult, Decision> = {
  APPROVED: { result: 'APPROVED', detailed: 'APPROVED' },
  AVS_INVALID: { result: 'DECLINED', detailed: 'ADDRESS_INCORRECT' },
  CARD_PAUSED: { result: 'CARD_PAUSED', detailed: 'CARD_PAUSED' },
  INSUFFICIENT_FUNDS: { result: 'INSUFFICIENT_FUNDS', detailed: 'INSUFFICIENT_FUNDS' },
  UNAUTHORIZED_MERCHANT: { result: 'UNAUTHORIZED_MERCHANT', detailed: 'UNAUTHORIZED_MERCHANT' },
  VELOCITY_EXCEEDED: { result: 'USER_TRANSACTION_LIMIT', detailed: 'CARD_SPEND_LIMIT_EXCEEDED' },
  DRIVER_NUMBER_INVALID: { result: 'DECLINED', detailed: 'DRIVER_NUMBER_INVALID' },
  VEHICLE_NUMBER_INVALID: { result: 'DECLINED', detailed: 'VEHICLE_NUMBER_INVALID' },
  SUSPECTED_FRAUD: { result: 'SUSPECTED_FRAUD', detailed: 'SUSPECTED_FRAUD' },
  CHALLENGE: { result: 'DECLINED', detailed: 'CARDHOLDER_CHALLENGED' },
};
export const timeoutDecision: Decision = { result: 'UNKNOWN_HOST_TIMEOUT', detailed: 'CUSTOMER_ASA_TIMEOUT' };
export const malformedDecision: Decision = { result: 'DECLINED', detailed: 'MALFORMED_ASA_RESPONSE' };

/** The decision for what the ASA endpoint answered: status 0 means no answer (unreachable, or not within the timeout). */
export function decideFromAsaAnswer(status: number, answer: unknown): Decision {
  if (status === 0) return timeoutDecision;
  if (status < 200 || status > 299 || typeof answer !== 'object' || answer === null) return malformedDecision;
  const result = (answer as { result?: unknown }).result;
  if (typeof result !== 'string') return malformedDecision;
  return (asaResults as readonly string[]).includes(result) ? asaDecisions[result as AsaResult] : { result: 'DECLINED', detailed: 'CUSTOM_ASA_RESULT' };
}

const usd = 'USD';
const rate = '1.000000';

function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(pan: string): boolean {
  return /^\d{12,19}$/.test(pan) && luhnCheckDigit(pan.slice(0, -1)) === Number(pan.at(-1));
}

/** A 16-digit Visa test PAN (Lithic's sandbox BIN 411111), Luhn-valid. */
export function newPan(): string {
  let body = '411111';
  while (body.length < 15) body += String(randomInt(10));
  return body + String(luhnCheckDigit(body));
}

/** The Card as Lithic answers it to a PCI program (with `pan` and `cvv`): expiring ~3 years ahead unless the request says when. */
export function newCard(params: CardCreateParams, accountToken: string, pan: string): Card {
  const now = new Date();
  const card: Card = {
    token: randomUUID(),
    account_token: params.account_token ?? accountToken,
    card_program_token: params.card_program_token ?? '00000000-0000-0000-1000-000000000000',
    created: now.toISOString(),
    funding: null,
    last_four: pan.slice(-4),
    pin_status: 'NOT_SET',
    spend_limit: params.spend_limit ?? 0,
    spend_limit_duration: params.spend_limit_duration ?? 'TRANSACTION',
    state: params.type === 'PHYSICAL' ? 'PENDING_FULFILLMENT' : (params.state ?? 'OPEN'),
    type: params.type,
    cardholder_currency: usd,
    exp_month: params.exp_month ?? String(now.getUTCMonth() + 1).padStart(2, '0'),
    exp_year: params.exp_year ?? String(now.getUTCFullYear() + 3),
    hostname: '',
    memo: params.memo ?? '',
    pending_commands: [],
    pan,
    cvv: String(randomInt(1000)).padStart(3, '0'),
  };
  if (params.product_id !== undefined) card.product_id = params.product_id;
  if (params.digital_card_art_token !== undefined) card.digital_card_art_token = params.digital_card_art_token;
  if (params.replacement_for !== undefined) card.replacement_for = params.replacement_for;
  return card;
}

/** The card without its PCI fields, as `GET /v1/cards` lists it. */
export function nonPciCard(card: Card): NonPCICard {
  const { pan: _pan, cvv: _cvv, ...rest } = card;
  return rest;
}

export interface MerchantInput {
  descriptor: string;
  /** Default 5734 (computer software stores). */
  mcc?: string;
  /** Default NEW YORK. */
  city?: string;
  /** ISO 3166-1 alpha-3; default USA. */
  country?: string;
  /** ISO 3166-2 subdivision; default NY in the USA. */
  state?: string;
  /** Default: a stable id derived from the descriptor. */
  acceptorId?: string;
}

export function merchantOf(input: MerchantInput): Transaction.Merchant {
  const country = input.country ?? 'USA';
  return {
    // A stable acceptor id per descriptor, as a real merchant's is.
    acceptor_id: input.acceptorId ?? createHash('sha256').update(input.descriptor).digest('hex').slice(0, 15).toUpperCase(),
    acquiring_institution_id: '000000000411',
    city: input.city ?? 'NEW YORK',
    country,
    descriptor: input.descriptor,
    mcc: input.mcc ?? '5734',
    state: input.state ?? (country === 'USA' ? 'NY' : ''),
    phone_number: null,
    postal_code: null,
    street_address: null,
  };
}

/** Lithic's state of one transaction. Amounts in cents, debit-positive (a return makes `settled` smaller). */
export interface TransactionRecord {
  token: string;
  cardToken: string;
  accountToken: string;
  created: string;
  updated: string;
  merchant: Transaction.Merchant;
  status: Transaction['status'];
  result: TransactionResult;
  /** The authorized amount (the advices' latest); null for a transaction a RETURN opened. */
  authorized: number | null;
  /** Still held (not cleared, reversed or expired). */
  pending: number;
  settled: number;
  authorizationCode: string | null;
  events: Transaction.Event[];
}

/** A card-not-present e-commerce purchase, as both the ASA request and the transaction describe it. */
const ecommercePos: Transaction.Pos & CardAuthorization.Pos = {
  entry_mode: { card: 'NOT_PRESENT', cardholder: 'ELECTRONIC_ORDER', pan: 'ECOMMERCE', pin_entered: false },
  terminal: {
    attended: false,
    card_retention_capable: false,
    on_premise: false,
    operator: 'UNKNOWN',
    partial_approval_capable: false,
    pin_capability: 'NOT_CAPABLE',
    type: 'ECOMMERCE',
    acceptor_terminal_id: null,
  },
};

const financialEvents: ReadonlySet<EventType> = new Set(['CLEARING', 'RETURN', 'RETURN_REVERSAL']);
const creditEvents: ReadonlySet<EventType> = new Set(['AUTHORIZATION_REVERSAL', 'AUTHORIZATION_EXPIRY', 'RETURN']);

/** One transaction event as Lithic writes it: amounts positive, the direction in `effective_polarity`; `settlement` only when money moves. */
export function newEvent(type: EventType, amount: number, decision: Decision = { result: 'APPROVED', detailed: 'APPROVED' }): Transaction.Event {
  // A declined authorization holds nothing: Lithic shows 0 in the cardholder's currency and the merchant's asked amount.
  const cardholderAmount = decision.result === 'APPROVED' ? amount : 0;
  return {
    token: randomUUID(),
    amount: cardholderAmount,
    amounts: {
      cardholder: { amount: cardholderAmount, conversion_rate: rate, currency: usd },
      merchant: { amount, currency: usd },
      settlement: financialEvents.has(type) ? { amount, conversion_rate: rate, currency: usd } : null,
    },
    created: new Date().toISOString(),
    detailed_results: [decision.detailed],
    effective_polarity: creditEvents.has(type) ? 'CREDIT' : 'DEBIT',
    network_info: null,
    result: decision.result,
    rule_results: [],
    type,
  };
}

const negated = (amount: number): number => (amount === 0 ? 0 : -amount);

/** The Transaction as Lithic shows it: `amounts` from the account's side (a hold or a settled debit is negative), the deprecated
 *  top-level amounts debit-positive. */
export function renderTransaction(record: TransactionRecord): Transaction {
  const amount = record.status === 'DECLINED' ? (record.authorized ?? 0) : record.status === 'PENDING' ? record.pending : record.settled;
  return {
    token: record.token,
    account_token: record.accountToken,
    acquirer_fee: 0,
    acquirer_reference_number: null,
    amount,
    amounts: {
      cardholder: { amount: negated(record.settled), conversion_rate: rate, currency: usd },
      hold: { amount: negated(record.pending), currency: usd },
      merchant: { amount: negated(record.settled), currency: usd },
      settlement: { amount: negated(record.settled), currency: usd },
    },
    authorization_amount: record.authorized,
    authorization_code: record.authorizationCode,
    avs: null,
    card_token: record.cardToken,
    cardholder_authentication: null,
    created: record.created,
    financial_account_token: null,
    merchant: record.merchant,
    merchant_amount: amount,
    merchant_authorization_amount: record.authorized,
    merchant_currency: usd,
    network: 'VISA',
    network_risk_score: null,
    pos: ecommercePos,
    result: record.result,
    service_location: null,
    settled_amount: record.settled,
    status: record.status,
    tags: {},
    token_info: null,
    updated: record.updated,
    events: record.events.map((event) => structuredClone(event)),
  };
}

export function transactionWebhook(record: TransactionRecord): CardTransactionUpdatedWebhookEvent {
  return { event_type: 'card_transaction.updated', ...renderTransaction(record) };
}

/** The ASA request for a new authorization of `amount` on `card` (the `events` array is always empty in an ASA request). */
export function asaRequest(
  card: Card,
  token: string,
  eventToken: string,
  amount: number,
  merchant: Transaction.Merchant,
  created: string,
): CardAuthorizationApprovalRequestWebhookEvent {
  const duration = card.spend_limit_duration;
  if (duration === 'DAILY') throw new Error('cards here carry the spend limit durations Lithic lets a card be created or updated with');
  return {
    event_type: 'card_authorization.approval_request',
    token,
    event_token: eventToken,
    acquirer_fee: 0,
    amount,
    amounts: {
      cardholder: { amount, conversion_rate: rate, currency: usd },
      hold: { amount, currency: usd },
      merchant: { amount, currency: usd },
      settlement: null,
    },
    authorization_amount: amount,
    avs: { address: '', address_on_file_match: 'NOT_PRESENT', zipcode: '' },
    card: {
      token: card.token,
      last_four: card.last_four,
      memo: card.memo ?? '',
      spend_limit: card.spend_limit,
      spend_limit_duration: duration,
      state: card.state,
      type: card.type,
    },
    cardholder_currency: usd,
    cash_amount: 0,
    created,
    merchant,
    merchant_amount: amount,
    merchant_currency: usd,
    name_validation: null,
    service_location: null,
    settled_amount: 0,
    status: 'AUTHORIZATION',
    transaction_initiator: 'CARDHOLDER',
    network: 'VISA',
    network_risk_score: null,
    pos: ecommercePos,
  };
}
