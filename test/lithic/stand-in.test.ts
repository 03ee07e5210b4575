// The Lithic stand-in against the official lithic SDK: cards through the API, ASA requests and transaction webhooks whose
// signatures the SDK verifies, the sandbox simulate endpoints, Lithic's declines and refusals.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Lithic from 'lithic';
import type { CardCreateParams } from 'lithic/resources/cards/cards';
import type { Transaction } from 'lithic/resources/transactions/transactions';
import type { CardAuthorizationApprovalRequestWebhookEvent, CardTransactionUpdatedWebhookEvent } from 'lithic/resources/webhooks';
import { isLuhnValid, type AsaResponse } from './payloads.js';
import { startLithicStandIn, StandInError, type EventDelivery, type LithicStandIn } from './stand-in.js';

interface Received {
  path: string;
  body: string;
  headers: Record<string, string>;
  /** Whether the SDK's verifySignature accepted it with the secret for its path. */
  verified: boolean;
}

/** cardrail's side reduced to what the test needs: every delivery verified by the SDK (ASA with the ASA secret, events with
 *  the webhook secret); the ASA answered by the merchant descriptor: DECLINE → SUSPECTED_FRAUD, ERROR → 500, HANG → nothing. */
async function startReceiver(secrets: () => { webhookSecret: string; asaSecret: string }) {
  const received: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
      const path = request.url ?? '/';
      const lithic = new Lithic({ apiKey: 'unused', webhookSecret: secrets().webhookSecret });
      let verified = true;
      try {
        if (path === '/asa') lithic.webhooks.verifySignature(body, headers, secrets().asaSecret);
        else lithic.webhooks.unwrap(body, headers);
      } catch {
        verified = false;
      }
      received.push({ path, body, headers, verified });
      if (!verified) return void response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad signature"}');
      if (path !== '/asa') return void response.writeHead(200).end('ok');
      const asa = JSON.parse(body) as CardAuthorizationApprovalRequestWebhookEvent;
      const descriptor = asa.merchant.descriptor;
      if (descriptor === 'HANG') return void hanging.add(response);
      if (descriptor === 'ERROR') return void response.writeHead(500).end('oops');
      const answer: AsaResponse = { token: asa.token, result: descriptor === 'DECLINE' ? 'SUSPECTED_FRAUD' : 'APPROVED' };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const parse = (delivery: EventDelivery): CardTransactionUpdatedWebhookEvent => JSON.parse(delivery.requestBody) as CardTransactionUpdatedWebhookEvent;
const types = (transaction: Transaction) => (transaction.events ?? []).map((event) => event.type);

describe('Lithic stand-in', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let standIn: LithicStandIn;
  let lithic: Lithic;

  before(async () => {
    receiver = await startReceiver(() => standIn);
    standIn = await startLithicStandIn({ asaUrl: `${receiver.url}/asa`, eventsUrl: `${receiver.url}/events` });
    lithic = new Lithic({ apiKey: standIn.apiKey, baseURL: standIn.url, webhookSecret: standIn.webhookSecret, maxRetries: 0 });
  });
  after(async () => {
    await standIn.close();
    await receiver.close();
  });

  async function newCard(params: Partial<CardCreateParams> = {}) {
    return lithic.cards.create({ type: 'VIRTUAL', ...params });
  }

  test('cards: created, read, frozen, listed and closed through the SDK, as Lithic holds them', async () => {
    const card = await newCard({ memo: 'agent card' });
    assert.match(card.pan ?? '', /^\d{16}$/);
    assert.ok(isLuhnValid(card.pan!), 'Luhn-valid PAN');
    assert.match(card.cvv ?? '', /^\d{3}$/);
    assert.equal(card.last_four, card.pan!.slice(-4));
    assert.equal(card.state, 'OPEN');
    assert.equal(card.memo, 'agent card');
    assert.equal(card.exp_year, String(new Date().getUTCFullYear() + 3));
    assert.match(card.exp_month ?? '', /^(0[1-9]|1[0-2])$/);
    assert.equal((await lithic.cards.retrieve(card.token)).pan, card.pan);

    const frozen = await lithic.cards.update(card.token, { state: 'PAUSED' });
    assert.equal(frozen.state, 'PAUSED');
    assert.equal(standIn.cards.get(card.token)?.state, 'PAUSED');
    assert.ok(standIn.requests.some((request) => request.method === 'PATCH' && request.path === `/v1/cards/${card.token}` && JSON.stringify(request.body) === '{"state":"PAUSED"}'));

    const others = [await newCard(), await newCard()];
    const listed = [];
    for await (const item of lithic.cards.list({ page_size: 1 })) listed.push(item);
    assert.deepEqual(
      listed.map((item) => item.token).filter((token) => [card.token, ...others.map((other) => other.token)].includes(token)),
      [others[1]!.token, others[0]!.token, card.token],
      'newest first, each card once across pages',
    );
    assert.ok(listed.every((item) => !('pan' in item) && !('cvv' in item)), 'the list carries no PCI fields');

    await lithic.cards.update(card.token, { state: 'CLOSED' });
    const refused = await lithic.cards.update(card.token, { state: 'OPEN' }).then(
      () => assert.fail('a closed card reopened'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof Lithic.BadRequestError);
    assert.equal(refused.status, 400);
    assert.equal(typeof (refused.error as { debugging_request_id?: unknown }).debugging_request_id, 'string');
    assert.match(String((refused.error as { message?: unknown }).message), /CLOSED/);
    assert.equal(standIn.cards.get(card.token)?.state, 'CLOSED');
    await assert.rejects(lithic.cards.retrieve('00000000-0000-0000-0000-000000000000'), Lithic.NotFoundError);
  });

  test('authorize, clear partially, return: a signed ASA request, then signed webhooks carrying the whole transaction', async () => {
    const card = await newCard();
    const asaBefore = receiver.received.filter((request) => request.path === '/asa').length;
    const exchange = await standIn.authorize({ cardToken: card.token, amount: 2500, descriptor: 'OPENAI *API', city: 'SAN FRANCISCO', acceptorId: 'ACC123' });
    assert.equal(exchange.status, 200);
    assert.deepEqual(exchange.answer, { token: exchange.transactionToken, result: 'APPROVED' });
    assert.equal(exchange.result, 'APPROVED');

    const asaRequests = receiver.received.filter((request) => request.path === '/asa');
    assert.equal(asaRequests.length, asaBefore + 1);
    const asaReceived = asaRequests.at(-1)!;
    assert.ok(asaReceived.verified, 'the SDK verifies the ASA request with the ASA secret');
    assert.equal(asaReceived.body, exchange.requestBody);
    assert.throws(() => new Lithic({ apiKey: 'x', webhookSecret: standIn.webhookSecret }).webhooks.unwrap(asaReceived.body, asaReceived.headers), 'not with the webhook secret');
    const asa = JSON.parse(asaReceived.body) as CardAuthorizationApprovalRequestWebhookEvent;
    assert.equal(asa.event_type, 'card_authorization.approval_request');
    assert.equal(asa.token, exchange.transactionToken);
    assert.equal(asa.status, 'AUTHORIZATION');
    assert.deepEqual([asa.card.token, asa.card.state, asa.amount, asa.amounts.cardholder.amount, asa.amounts.cardholder.currency], [card.token, 'OPEN', 2500, 2500, 'USD']);
    assert.deepEqual([asa.merchant.descriptor, asa.merchant.mcc, asa.merchant.city, asa.merchant.country, asa.merchant.acceptor_id], ['OPENAI *API', '5734', 'SAN FRANCISCO', 'USA', 'ACC123']);

    const authorized = parse(exchange.event!);
    assert.equal(exchange.event!.status, 200);
    assert.deepEqual([authorized.event_type, authorized.status, authorized.result, authorized.amounts.hold.amount, authorized.amounts.settlement.amount], ['card_transaction.updated', 'PENDING', 'APPROVED', -2500, 0]);
    assert.deepEqual(types(authorized), ['AUTHORIZATION']);
    assert.match(authorized.authorization_code ?? '', /^\d{6}$/);

    const clearing = await standIn.clear(exchange.transactionToken, 2000);
    const cleared = parse(clearing);
    assert.deepEqual([cleared.status, cleared.amounts.settlement.amount, cleared.amounts.hold.amount, cleared.settled_amount], ['SETTLED', -2000, -500, 2000]);
    assert.deepEqual(types(cleared), ['AUTHORIZATION', 'CLEARING']);
    const clearingEvent = cleared.events!.at(-1)!;
    assert.deepEqual([clearingEvent.amount, clearingEvent.amounts.settlement?.amount, clearingEvent.effective_polarity, clearingEvent.result], [2000, 2000, 'DEBIT', 'APPROVED']);

    const returning = await standIn.returnFunds(exchange.transactionToken, 800);
    const returned = parse(returning);
    assert.deepEqual([returned.status, returned.amounts.settlement.amount, returned.settled_amount], ['SETTLED', -1200, 1200]);
    assert.deepEqual(types(returned), ['AUTHORIZATION', 'CLEARING', 'RETURN']);
    const returnEvent = returned.events!.at(-1)!;
    assert.deepEqual([returnEvent.amount, returnEvent.amounts.settlement?.amount, returnEvent.effective_polarity], [800, 800, 'CREDIT']);

    const deliveries = [exchange.event!, clearing, returning];
    const events = receiver.received.filter((request) => deliveries.some((delivery) => delivery.eventToken === request.headers['webhook-id']));
    assert.equal(events.length, 3);
    assert.ok(events.every((request) => request.verified && request.path === '/events'), 'the SDK verifies every webhook with the webhook secret');
    assert.deepEqual(
      events.map((request) => request.body),
      deliveries.map((delivery) => delivery.requestBody),
    );
    const { event_type: _eventType, ...transaction } = returned;
    assert.deepEqual(standIn.transaction(exchange.transactionToken), transaction);
  });

  test('replays are the same bytes and headers; a signature made with another secret fails the SDK verification', async () => {
    const card = await newCard();
    const exchange = await standIn.authorize({ cardToken: card.token, amount: 100, descriptor: 'REPLAY' });
    const clearing = await standIn.clear(exchange.transactionToken);
    assert.equal(parse(clearing).amounts.settlement.amount, -100, 'clears the authorized amount by default');

    for (const delivery of [exchange, clearing]) {
      const replay = await standIn.replay(delivery);
      assert.equal(replay.status, 200);
      const again = receiver.received.at(-1)!;
      assert.equal(again.body, delivery.requestBody);
      for (const [name, value] of Object.entries(delivery.headers)) assert.equal(again.headers[name], value, name);

      const forged = await standIn.sendWithBadSignature(delivery);
      assert.equal(forged.status, 400);
      assert.deepEqual(forged.body, { error: 'bad signature' });
      const refused = receiver.received.at(-1)!;
      assert.equal(refused.verified, false);
      assert.equal(refused.body, delivery.requestBody);
      assert.equal(refused.headers['webhook-id'], delivery.headers['webhook-id']);
    }
  });

  test("declines: cardrail's answer, its errors and silence, and Lithic's own checks before ASA", async () => {
    const card = await newCard();
    const fraud = await standIn.authorize({ cardToken: card.token, amount: 500, descriptor: 'DECLINE' });
    assert.equal(fraud.result, 'SUSPECTED_FRAUD');
    const declined = parse(fraud.event!);
    assert.deepEqual([declined.status, declined.result, declined.amounts.hold.amount], ['DECLINED', 'SUSPECTED_FRAUD', 0]);
    assert.deepEqual(declined.events!.map((event) => [event.type, event.result, event.detailed_results]), [['AUTHORIZATION', 'SUSPECTED_FRAUD', ['SUSPECTED_FRAUD']]]);
    await assert.rejects(standIn.clear(fraud.transactionToken), StandInError);

    const failing = await standIn.authorize({ cardToken: card.token, amount: 500, descriptor: 'ERROR' });
    assert.equal(failing.status, 500);
    assert.deepEqual(parse(failing.event!).events!.map((event) => [event.result, event.detailed_results]), [['DECLINED', ['MALFORMED_ASA_RESPONSE']]]);

    const asaCount = () => receiver.received.filter((request) => request.path === '/asa').length;
    const asaBefore = asaCount();
    await lithic.cards.update(card.token, { state: 'PAUSED' });
    const paused = await standIn.authorize({ cardToken: card.token, amount: 500, descriptor: 'SHOP' });
    assert.deepEqual([paused.result, paused.status, paused.requestBody], ['CARD_PAUSED', 0, '']);
    assert.equal(parse(paused.event!).status, 'DECLINED');
    await assert.rejects(standIn.replay(paused), StandInError);

    const limited = await newCard({ spend_limit: 1000, spend_limit_duration: 'TRANSACTION' });
    const over = await standIn.authorize({ cardToken: limited.token, amount: 1500, descriptor: 'SHOP' });
    assert.deepEqual(parse(over.event!).events!.map((event) => [event.result, event.detailed_results]), [['USER_TRANSACTION_LIMIT', ['CARD_SPEND_LIMIT_EXCEEDED']]]);
    assert.equal(asaCount(), asaBefore, 'Lithic sends no ASA request for a paused card or over the spend limit');
    assert.equal((await standIn.authorize({ cardToken: limited.token, amount: 1000, descriptor: 'SHOP' })).result, 'APPROVED');

    // Silence: a second stand-in with the same credentials and a short ASA timeout.
    const impatient = await startLithicStandIn({ asaUrl: `${receiver.url}/asa`, eventsUrl: `${receiver.url}/events`, apiKey: standIn.apiKey, webhookSecret: standIn.webhookSecret, asaSecret: standIn.asaSecret, asaTimeoutMs: 300 });
    try {
      const other = await new Lithic({ apiKey: impatient.apiKey, baseURL: impatient.url, maxRetries: 0 }).cards.create({ type: 'VIRTUAL' });
      const silent = await impatient.authorize({ cardToken: other.token, amount: 500, descriptor: 'HANG' });
      assert.equal(silent.status, 0);
      assert.deepEqual(parse(silent.event!).events!.map((event) => [event.result, event.detailed_results]), [['UNKNOWN_HOST_TIMEOUT', ['CUSTOMER_ASA_TIMEOUT']]]);
    } finally {
      await impatient.close();
    }
  });

  test('the sandbox simulate endpoints, through the SDK', async () => {
    const card = await newCard();
    const pan = card.pan!;
    const { token } = await lithic.transactions.simulateAuthorization({ amount: 1200, descriptor: 'COFFEE SHOP', pan, merchant_acceptor_city: 'SEATTLE', merchant_acceptor_state: 'WA', mcc: '5814' });
    assert.ok(token);
    const pending = await lithic.transactions.retrieve(token);
    assert.deepEqual([pending.status, pending.card_token, pending.merchant.city, pending.merchant.state, pending.merchant.mcc, pending.amounts.hold.amount], ['PENDING', card.token, 'SEATTLE', 'WA', '5814', -1200]);

    await lithic.transactions.simulateAuthorizationAdvice({ token, amount: 1500 });
    assert.equal(standIn.transaction(token)?.amounts.hold.amount, -1500);
    await lithic.transactions.simulateClearing({ token });
    const settled = await lithic.transactions.retrieve(token);
    assert.deepEqual([settled.status, settled.amounts.settlement.amount, settled.amounts.hold.amount], ['SETTLED', -1500, 0]);
    assert.deepEqual(types(settled), ['AUTHORIZATION', 'AUTHORIZATION_ADVICE', 'CLEARING']);

    const voided = (await lithic.transactions.simulateAuthorization({ amount: 700, descriptor: 'COFFEE SHOP', pan })).token!;
    await lithic.transactions.simulateVoid({ token: voided, amount: 200 });
    assert.deepEqual([standIn.transaction(voided)?.status, standIn.transaction(voided)?.amounts.hold.amount], ['PENDING', -500]);
    await lithic.transactions.simulateVoid({ token: voided });
    assert.equal(standIn.transaction(voided)?.status, 'VOIDED');

    const expired = (await lithic.transactions.simulateAuthorization({ amount: 300, descriptor: 'COFFEE SHOP', pan })).token!;
    await lithic.transactions.simulateVoid({ token: expired, type: 'AUTHORIZATION_EXPIRY' });
    assert.deepEqual(standIn.transaction(expired)?.events?.map((event) => [event.type, event.amount, event.effective_polarity]), [
      ['AUTHORIZATION', 300, 'DEBIT'],
      ['AUTHORIZATION_EXPIRY', 300, 'CREDIT'],
    ]);
    assert.equal(standIn.transaction(expired)?.status, 'EXPIRED');

    const refund = (await lithic.transactions.simulateReturn({ amount: 300, descriptor: 'COFFEE SHOP', pan })).token!;
    assert.deepEqual([standIn.transaction(refund)?.status, standIn.transaction(refund)?.amounts.settlement.amount, standIn.transaction(refund)?.card_token], ['SETTLED', 300, card.token]);
    await lithic.transactions.simulateReturnReversal({ token: refund });
    assert.deepEqual(standIn.transaction(refund)?.events?.map((event) => event.type), ['RETURN', 'RETURN_REVERSAL']);
    assert.equal(standIn.transaction(refund)?.amounts.settlement.amount, 0);

    const webhooks = receiver.received.filter((request) => request.path === '/events').map((request) => JSON.parse(request.body) as CardTransactionUpdatedWebhookEvent);
    assert.deepEqual(types(webhooks.filter((webhook) => webhook.token === refund).at(-1)!), ['RETURN', 'RETURN_REVERSAL']);
    await assert.rejects(lithic.transactions.simulateAuthorization({ amount: 100, descriptor: 'X', pan: '4111111111111111' }), Lithic.BadRequestError);
  });

  test("a wrong or missing API key gets 401, an unknown path 404, in Lithic's error shape", async () => {
    const wrong = new Lithic({ apiKey: 'not-the-key', baseURL: standIn.url, maxRetries: 0 });
    await assert.rejects(wrong.cards.list(), (error: unknown) => error instanceof Lithic.AuthenticationError && error.status === 401);
    const missing = await fetch(`${standIn.url}/v1/cards`);
    assert.equal(missing.status, 401);
    const unknown = await fetch(`${standIn.url}/v1/nothing-here`, { headers: { authorization: standIn.apiKey } });
    assert.equal(unknown.status, 404);
    const body = (await unknown.json()) as { debugging_request_id: unknown; message: unknown };
    assert.deepEqual([typeof body.debugging_request_id, typeof body.message], ['string', 'string']);
    assert.ok(standIn.requests.some((request) => request.path === '/v1/nothing-here'), 'every request is recorded, refused or not');
  });
});
