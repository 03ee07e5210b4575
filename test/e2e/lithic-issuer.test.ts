// Live cards on Lithic, end to end over HTTP (docs/issuers.md): cardrail listens on a port, the Lithic stand-in
// (test/lithic/stand-in.ts) plays Lithic — its card API for the official SDK, signed ASA requests and transaction
// events sent to cardrail. An organization's live environment issues on Lithic; its sandbox environment, on the
// simulator, is the twin each flow is compared with: the same card, the same merchant's messages through the
// sandbox network routes must leave the same balances and transactions. The ledger is verified after every test.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Scope } from '../../src/domain/scope.js';
import { sendIssuerCardUpdates } from '../../src/workers/issuer-card-updates.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { assertLedgerSound, createApprovedUser, fundUser } from '../helpers/money.js';
import { freePort } from '../helpers/server-process.js';
import { storeKinds } from '../helpers/stores.js';
import { startLithicStandIn, type LithicStandIn } from '../lithic/stand-in.js';

const generous = { perMinute: 100_000, burst: 100_000 };
const merchant = { descriptor: 'ACME BOOKS', mcc: '5942', city: 'New York', country: 'USA' };
const sandboxMerchant = { name: 'ACME BOOKS', mcc: '5942', city: 'New York', country: 'US' };

interface Holder {
  key: string;
  userId: string;
  agentId: string;
  cardId: string;
}

for (const storeKind of storeKinds) {
  describe(`Lithic issuer over HTTP (${storeKind})`, () => {
    let standIn: LithicStandIn;
    let testApp: TestApp;
    /** On Lithic (live environment). */
    let live: Holder;
    /** On the simulator (sandbox environment): the twin. */
    let twin: Holder;
    let lithicCardToken: string;
    let port: number;

    async function call(key: string, method: string, path: string, body?: unknown) {
      const response = await testApp.request(method, path, { key, ...(body === undefined ? {} : { body }) });
      assert.ok(response.statusCode >= 200 && response.statusCode < 300, `${method} ${path}: ${response.statusCode} ${response.body}`);
      return response.json as Record<string, unknown>;
    }

    async function holder(key: string, scope: Scope): Promise<Omit<Holder, 'cardId'>> {
      const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
      await fundUser(testApp.store.db, scope, userId, 100_000, testApp.clock.nowMs());
      const agent = await call(key, 'POST', '/v1/agents', { userId, name: 'Buyer' });
      return { key, userId, agentId: agent.id as string };
    }

    async function newCard(who: Omit<Holder, 'cardId'>, body: Record<string, unknown>): Promise<Record<string, unknown>> {
      return call(who.key, 'POST', `/v1/agents/${who.agentId}/cards`, body);
    }

    async function balances(who: Holder) {
      return call(who.key, 'GET', `/v1/balances/${who.userId}`);
    }

    /** What a transaction says of money: the fields each flow must leave the same on both issuers. */
    async function moneyOf(who: Holder, transactionId: string) {
      const transaction = await call(who.key, 'GET', `/v1/transactions/${transactionId}`);
      return { status: transaction.status, amount: transaction.amount, settledAmount: transaction.settledAmount, refundedAmount: transaction.refundedAmount, declineReason: transaction.declineReason };
    }

    async function lithicTransactionId(token: string): Promise<string> {
      const row = await testApp.store.db.get<{ transaction_id: string }>(`SELECT transaction_id FROM issuer_transactions WHERE issuer = 'lithic' AND token = ?`, [token]);
      assert.ok(row?.transaction_id, `no cardrail transaction for Lithic's ${token}`);
      return row.transaction_id;
    }

    async function twinAuthorize(amount: number): Promise<string> {
      const transaction = await call(twin.key, 'POST', '/v1/sandbox/authorizations', { cardId: twin.cardId, amount, merchant: sandboxMerchant });
      return transaction.id as string;
    }

    async function assertTwins(liveTransactionId: string, twinTransactionId: string): Promise<void> {
      assert.deepEqual(await moneyOf(live, liveTransactionId), await moneyOf(twin, twinTransactionId));
      const [liveBalances, twinBalances] = [await balances(live), await balances(twin)];
      for (const field of ['available', 'reserved', 'pending', 'total']) assert.equal(liveBalances[field], twinBalances[field], `${field}: Lithic ${JSON.stringify(liveBalances)} vs simulator ${JSON.stringify(twinBalances)}`);
    }

    async function transactionCount(): Promise<number> {
      const row = await testApp.store.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM transactions');
      return Number(row?.count);
    }

    before(async () => {
      port = await freePort();
      const cardrailUrl = `http://127.0.0.1:${port}`;
      standIn = await startLithicStandIn({ asaUrl: `${cardrailUrl}/v1/issuers/lithic/asa`, eventsUrl: `${cardrailUrl}/v1/issuers/lithic/events` });
      testApp = await startTestApp({
        store: storeKind,
        config: {
          lithic: { apiKey: standIn.apiKey, environment: 'sandbox', baseUrl: standIn.url, webhookSecret: standIn.webhookSecret, asaSecret: standIn.asaSecret },
          rateLimits: { read: generous, write: generous, cardCreate: generous, sandboxMultiplier: 1 },
        },
      });
      await testApp.server.listen({ port, host: '127.0.0.1' });
      const organizationId = testApp.organizationId;
      const liveHolder = await holder(testApp.liveKey, { organizationId, environment: 'live' });
      const twinHolder = await holder(testApp.sandboxKey, { organizationId, environment: 'sandbox' });
      const settings = await call(testApp.liveKey, 'PATCH', '/v1/settings/issuer', { issuer: 'lithic' });
      assert.equal(settings.issuer, 'lithic');
      const cardBody = { purpose: 'Books for the reading group', type: 'multi', maxAmount: 50_000, merchantDriftEnabled: false };
      const liveCard = await newCard(liveHolder, cardBody);
      const twinCard = await newCard(twinHolder, cardBody);
      live = { ...liveHolder, cardId: liveCard.id as string };
      twin = { ...twinHolder, cardId: twinCard.id as string };
    });

    after(async () => {
      await testApp?.close();
      await standIn?.close();
    });

    afterEach(async () => assertLedgerSound(testApp));

    it('issues a live card at Lithic through its SDK and keeps only its token, last four digits and expiry', async () => {
      const card = await call(live.key, 'GET', `/v1/cards/${live.cardId}`);
      assert.equal(card.issuer, 'lithic');
      const created = standIn.requests.filter((request) => request.method === 'POST' && request.path === '/v1/cards');
      assert.ok(created.length >= 1, 'the card was created through the Lithic API');
      const row = await testApp.store.db.get<{ issuer_card_token: string; pan_ciphertext: string }>('SELECT issuer_card_token, pan_ciphertext FROM cards WHERE id = ?', [live.cardId]);
      lithicCardToken = row!.issuer_card_token;
      const atLithic = standIn.cards.get(lithicCardToken);
      assert.ok(atLithic !== undefined, 'the stored token is a card at Lithic');
      assert.equal(atLithic.state, 'OPEN');
      assert.equal(card.last4, atLithic.last_four);
      assert.equal(card.expirationMonth, atLithic.exp_month);
      assert.equal(card.expirationYear, atLithic.exp_year);
      assert.equal(row!.pan_ciphertext, 'issuer:lithic', 'the number stays at Lithic');
      assert.equal((await call(twin.key, 'GET', `/v1/cards/${twin.cardId}`)).issuer, 'sandbox');
    });

    it("reads the card's number from Lithic only once a details access for a declared intent is recorded", async () => {
      const refused = await testApp.request('POST', `/v1/cards/${live.cardId}/details`, { key: live.key, body: { summary: 'Books', expectedAmount: 2_500, merchantText: 'Acme Books' } });
      assert.equal(refused.statusCode, 409, refused.body);
      const reads = () => standIn.requests.filter((request) => request.method === 'GET' && request.path === `/v1/cards/${lithicCardToken}`).length;
      const readsBefore = reads();
      await call(live.key, 'POST', `/v1/cards/${live.cardId}/intents`, { summary: 'Three novels', amount: 2_500, merchantText: 'Acme Books' });
      const details = await call(live.key, 'POST', `/v1/cards/${live.cardId}/details`, { summary: 'Three novels', expectedAmount: 2_500, merchantText: 'Acme Books' });
      const atLithic = standIn.cards.get(lithicCardToken)!;
      assert.equal(details.pan, atLithic.pan);
      assert.equal(details.cvv, atLithic.cvv);
      assert.equal(reads(), readsBefore + 1, 'one read at Lithic, after the refusal made none');
    });

    it('answers an attested purchase APPROVED, holds it, and holds what the simulator holds', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 2_500, ...merchant });
      assert.equal(exchange.status, 200);
      assert.deepEqual(exchange.answer, { token: exchange.transactionToken, result: 'APPROVED' });
      const transactionId = await lithicTransactionId(exchange.transactionToken);
      const transaction = await call(live.key, 'GET', `/v1/transactions/${transactionId}`);
      assert.equal(transaction.status, 'pending');
      assert.equal(transaction.attestationStatus, 'attested');
      assert.ok(transaction.intentId !== null, 'matched to the declared intent');
      assert.equal((await balances(live)).pending, 2_500);
      const twinId = await twinAuthorize(2_500);
      await assertTwins(transactionId, twinId);

      // Cleared in full by the merchant: settled exactly as the simulator's clearing settles.
      const clearing = await standIn.clear(exchange.transactionToken);
      assert.equal(clearing.status, 200, JSON.stringify(clearing.answer));
      await call(twin.key, 'POST', `/v1/sandbox/transactions/${twinId}/clear`, {});
      assert.equal((await moneyOf(live, transactionId)).status, 'settled');
      await assertTwins(transactionId, twinId);

      // Returned in part: refunded as the simulator refunds.
      const returned = await standIn.returnFunds(exchange.transactionToken, 1_000);
      assert.equal(returned.status, 200, JSON.stringify(returned.answer));
      await call(twin.key, 'POST', `/v1/sandbox/transactions/${twinId}/refund`, { amount: 1_000 });
      assert.equal((await moneyOf(live, transactionId)).refundedAmount, 1_000);
      await assertTwins(transactionId, twinId);
    });

    it('answers an authorization over the card limit with the mapped decline, and records it declined', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 60_000, ...merchant });
      assert.deepEqual(exchange.answer, { token: exchange.transactionToken, result: 'VELOCITY_EXCEEDED' });
      const transactionId = await lithicTransactionId(exchange.transactionToken);
      const twinId = await twinAuthorize(60_000);
      assert.equal((await moneyOf(live, transactionId)).declineReason, 'exceeds_max_amount');
      await assertTwins(transactionId, twinId);
    });

    it('settles a partial clearing and releases the rest, as the simulator does', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 4_000, ...merchant });
      assert.equal((exchange.answer as { result: string }).result, 'APPROVED');
      const transactionId = await lithicTransactionId(exchange.transactionToken);
      const twinId = await twinAuthorize(4_000);
      await standIn.clear(exchange.transactionToken, 3_200);
      await call(twin.key, 'POST', `/v1/sandbox/transactions/${twinId}/clear`, { amount: 3_200 });
      assert.deepEqual(await moneyOf(live, transactionId), { status: 'settled', amount: 4_000, settledAmount: 3_200, refundedAmount: 0, declineReason: null });
      await assertTwins(transactionId, twinId);
      // Lithic then expires what its partial clearing left held: already released here, so nothing moves.
      const expiry = await standIn.expire(exchange.transactionToken);
      assert.equal(expiry.status, 200, JSON.stringify(expiry.answer));
      assert.deepEqual(expiry.answer, { received: 3, applied: 0, ignored: 1, duplicates: 2 });
      await assertTwins(transactionId, twinId);
    });

    it('voids a reversed authorization, releasing the hold as the simulator does', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 1_500, ...merchant });
      const transactionId = await lithicTransactionId(exchange.transactionToken);
      const twinId = await twinAuthorize(1_500);
      await standIn.reverse(exchange.transactionToken);
      await call(twin.key, 'POST', `/v1/sandbox/transactions/${twinId}/void`, {});
      assert.equal((await moneyOf(live, transactionId)).status, 'voided');
      await assertTwins(transactionId, twinId);
    });

    it('answers a replayed ASA request and a replayed event as before, changing nothing', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 700, ...merchant });
      const transactionId = await lithicTransactionId(exchange.transactionToken);
      const clearing = await standIn.clear(exchange.transactionToken);
      const [countBefore, balancesBefore, transactionBefore] = [await transactionCount(), await balances(live), await moneyOf(live, transactionId)];

      // The card is frozen since: a replay of the first request still gets the answer it was given.
      await call(live.key, 'POST', `/v1/cards/${live.cardId}/freeze`, {});
      const replayedAsa = await standIn.replay(exchange);
      assert.equal(replayedAsa.status, 200);
      assert.deepEqual(replayedAsa.body, exchange.answer);
      const replayedEvent = await standIn.replay(clearing);
      assert.equal(replayedEvent.status, 200);
      assert.equal((replayedEvent.body as { duplicates: number }).duplicates, (replayedEvent.body as { received: number }).received);

      assert.equal(await transactionCount(), countBefore);
      assert.deepEqual(await balances(live), balancesBefore);
      assert.deepEqual(await moneyOf(live, transactionId), transactionBefore);
      await call(live.key, 'POST', `/v1/cards/${live.cardId}/unfreeze`, {});
    });

    it('decides copies of one ASA request that arrive together once, and answers each the same', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 300, ...merchant });
      const body = exchange.requestBody.replace(exchange.transactionToken, randomUUID());
      const token = (JSON.parse(body) as { token: string }).token;
      const signer = new Webhook(standIn.asaSecret);
      const send = () => {
        const messageId = `msg_${randomUUID()}`;
        const sentAt = new Date();
        return fetch(`http://127.0.0.1:${port}/v1/issuers/lithic/asa`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': messageId, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signer.sign(messageId, sentAt, body) },
          body,
        }).then(async (response) => ({ status: response.status, answer: (await response.json()) as unknown }));
      };
      const [countBefore, pendingBefore] = [await transactionCount(), (await balances(live)).pending as number];
      const answers = await Promise.all([send(), send(), send(), send()]);
      for (const answer of answers) assert.deepEqual(answer, { status: 200, answer: { token, result: 'APPROVED' } });
      assert.equal(await transactionCount(), countBefore + 1, 'one transaction for four copies');
      assert.equal((await balances(live)).pending, pendingBefore + 300, 'one hold for four copies');
    });

    /** A callback as Lithic would sign it (for messages the stand-in has no method for). */
    async function sendSigned(path: 'asa' | 'events', body: string) {
      const signer = new Webhook(path === 'asa' ? standIn.asaSecret : standIn.webhookSecret);
      const messageId = `msg_${randomUUID()}`;
      const sentAt = new Date();
      const response = await fetch(`http://127.0.0.1:${port}/v1/issuers/lithic/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': messageId, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signer.sign(messageId, sentAt, body) },
        body,
      });
      return { status: response.status, answer: (await response.json()) as Record<string, unknown> };
    }

    /** The last webhook the stand-in sent for a transaction, with its events replaced. */
    function eventBody(delivery: { requestBody: string }, transactionToken: string, events: Array<{ type: string; amount: number; result?: string }>): string {
      const body = JSON.parse(delivery.requestBody) as Record<string, unknown> & { events: Array<Record<string, unknown>> };
      const template = body.events[0]!;
      body.token = transactionToken;
      body.events = events.map((event, index) => ({
        ...template,
        token: randomUUID(),
        type: event.type,
        result: event.result ?? 'APPROVED',
        amount: event.amount,
        amounts: { ...(template.amounts as object), cardholder: { amount: event.amount, conversion_rate: '1.000000', currency: 'USD' } },
        created: new Date(Date.now() + index).toISOString(),
      }));
      return JSON.stringify(body);
    }

    it('raises the hold on an advice of a larger amount, and releases it when Lithic declined what cardrail approved', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 1_000, ...merchant });
      const transactionId = await lithicTransactionId(exchange.transactionToken);
      const pendingBefore = (await balances(live)).pending as number;
      const advice = await standIn.advice(exchange.transactionToken, 1_600);
      assert.equal(advice.status, 200, JSON.stringify(advice.answer));
      assert.equal((await moneyOf(live, transactionId)).amount, 1_600);
      assert.equal((await balances(live)).pending, pendingBefore + 600);
      // Lithic's own record of the authorization says DECLINED (cardrail's answer came too late): the hold goes.
      const declined = await sendSigned('events', eventBody(exchange.event!, exchange.transactionToken, [{ type: 'AUTHORIZATION', amount: 1_000, result: 'DECLINED' }]));
      assert.deepEqual(declined, { status: 200, answer: { received: 1, applied: 1, ignored: 0, duplicates: 0 } });
      assert.equal((await moneyOf(live, transactionId)).status, 'voided');
      assert.equal((await balances(live)).pending, pendingBefore - 1_000);
    });

    it('force posts a clearing that no authorization here preceded, and a return taken back', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 400, ...merchant });
      const orphanToken = randomUUID();
      const availableBefore = (await balances(live)).available as number;
      const reservedBefore = (await balances(live)).reserved as number;
      const clearing = await sendSigned('events', eventBody(exchange.event!, orphanToken, [{ type: 'CLEARING', amount: 800 }]));
      assert.deepEqual(clearing.answer, { received: 1, applied: 1, ignored: 0, duplicates: 0 });
      const posted = await moneyOf(live, await lithicTransactionId(orphanToken));
      assert.deepEqual(posted, { status: 'settled', amount: 800, settledAmount: 800, refundedAmount: 0, declineReason: null });
      const after = await balances(live);
      assert.equal((availableBefore + reservedBefore) - ((after.available as number) + (after.reserved as number)), 800, 'the 800 came out of the user’s money');
      // A return, then its reversal: refunded, then owed again (a force post of its own).
      await sendSigned('events', eventBody(exchange.event!, orphanToken, [{ type: 'RETURN', amount: 300 }]));
      assert.equal((await moneyOf(live, await lithicTransactionId(orphanToken))).refundedAmount, 300);
      const countBefore = await transactionCount();
      const reversal = await sendSigned('events', eventBody(exchange.event!, orphanToken, [{ type: 'RETURN_REVERSAL', amount: 300 }]));
      assert.equal(reversal.answer.applied, 1);
      assert.equal(await transactionCount(), countBefore + 1);
      await standIn.reverse(exchange.transactionToken);
    });

    it('answers a malformed request that is signed 400 in the error envelope, changing nothing', async () => {
      const countBefore = await transactionCount();
      for (const body of ['{"token": 7}', '{"token":"t","status":"AUTHORIZATION","card":{"token":"x"}}', 'not json']) {
        const response = await sendSigned('asa', body);
        assert.equal(response.status, 400, JSON.stringify(response.answer));
        assert.equal(response.answer.status, 'error');
      }
      const events = await sendSigned('events', '{"event_type":"card_transaction.updated","token":"t","card_token":"c","events":[{"token":5}]}');
      assert.equal(events.status, 400);
      assert.equal(await transactionCount(), countBefore);
    });

    it('closes the card at Lithic again when cardrail refuses to create it', async () => {
      const cardsBefore = standIn.cards.size;
      const refused = await testApp.request('POST', `/v1/agents/${live.agentId}/cards`, { key: live.key, body: { purpose: 'Too much', maxAmount: 10_000_000 } });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal((refused.json as { error: { code: string } }).error.code, 'insufficient_balance');
      assert.equal(standIn.cards.size, cardsBefore + 1, 'Lithic issued it before cardrail checked the balance');
      const orphan = [...standIn.cards.values()].at(-1)!;
      assert.equal(orphan.state, 'CLOSED');
    });

    it('refuses and logs a request with a bad signature, changing nothing', async () => {
      const exchange = await standIn.authorize({ cardToken: lithicCardToken, amount: 900, ...merchant });
      const [countBefore, balancesBefore] = [await transactionCount(), await balances(live)];
      const logsBefore = testApp.logs.length;
      const forgedAsa = await standIn.sendWithBadSignature(exchange);
      assert.equal(forgedAsa.status, 401);
      assert.equal((forgedAsa.body as { error: { code: string } }).error.code, 'invalid_signature');
      const reversal = await standIn.reverse(exchange.transactionToken);
      const forgedEvent = await standIn.sendWithBadSignature(reversal);
      assert.equal(forgedEvent.status, 401);
      const refusals = testApp.logs.slice(logsBefore).filter((line) => line.includes('refused an unverified Lithic callback'));
      assert.equal(refusals.length, 2, 'each refusal is logged');
      assert.ok(refusals.every((line) => !line.includes(standIn.asaSecret) && !line.includes(standIn.webhookSecret)));
      // The genuine reversal voided the hold; the forged copies added nothing to it.
      assert.equal(await transactionCount(), countBefore);
      assert.equal((await balances(live)).pending, (balancesBefore.pending as number) - 900);
    });

    it('mirrors a freeze, an unfreeze and a close at Lithic through the update worker', async () => {
      await call(live.key, 'POST', `/v1/cards/${live.cardId}/freeze`, {});
      const whileFrozen = await sendIssuerCardUpdates(testApp.app.context);
      assert.equal(whileFrozen.failed, 0);
      assert.equal(standIn.cards.get(lithicCardToken)!.state, 'PAUSED');
      await call(live.key, 'POST', `/v1/cards/${live.cardId}/unfreeze`, {});
      await sendIssuerCardUpdates(testApp.app.context);
      assert.equal(standIn.cards.get(lithicCardToken)!.state, 'OPEN');
      await call(live.key, 'POST', `/v1/cards/${live.cardId}/close`, {});
      await sendIssuerCardUpdates(testApp.app.context);
      assert.equal(standIn.cards.get(lithicCardToken)!.state, 'CLOSED');
      assert.equal((await sendIssuerCardUpdates(testApp.app.context)).sent, 0, 'nothing left to send');
    });
  });
}
