// Seed 000's troubleshooting guide, "Card Issues" and "Transaction Issues": every symptom reproduced through the
// sandbox, with the cause the guide names and the fix it gives. Each test is named after the symptom and its cause.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useTestApp, type TestApp } from '../helpers/app.js';
import { assertLedgerSound, balanceOf } from '../helpers/money.js';
import { advanceSandbox } from '../helpers/sandbox-clock.js';
import { storeKinds } from '../helpers/stores.js';
import {
  authorizeAt,
  cardOf,
  eventsAbout,
  fundedCardholder,
  hourSeconds,
  issueCard,
  post,
  presented,
  revealCard,
  type Cardholder,
} from './arrange.js';

/** A completed sandbox deposit of `cents` in USDC on Base (6 decimals: 10,000 base units a cent). */
async function deposit(testApp: TestApp, userId: string, cents: number): Promise<void> {
  const completed = await post(testApp, '/v1/sandbox/deposits', { userId, network: 'base', token: 'USDC', amount: String(cents * 10_000), confirmations: 12 });
  assert.equal(completed.status, 'completed', JSON.stringify(completed));
}

async function declinedWith(testApp: TestApp, credentials: Record<string, unknown>, amountCents: number, merchant: string, code: string) {
  const transaction = await authorizeAt(testApp, credentials, amountCents, merchant);
  assert.deepEqual([transaction.status, transaction.declineReason], ['declined', code], JSON.stringify(transaction));
  return transaction;
}

async function approved(testApp: TestApp, credentials: Record<string, unknown>, amountCents: number, merchant: string) {
  const transaction = await authorizeAt(testApp, credentials, amountCents, merchant);
  assert.equal(transaction.status, 'pending', JSON.stringify(transaction));
  return transaction;
}

function createCard(testApp: TestApp, holder: Cardholder, body: Record<string, unknown>) {
  return testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'seed 000', ...body } });
}

function readDetails(testApp: TestApp, holder: Cardholder, cardId: string) {
  return testApp.request('POST', `/v1/cards/${cardId}/details`, { key: holder.agentToken, body: { summary: 'Buy headphones', expectedAmount: 15_000, merchantText: 'Amazon' } });
}

function declareIntent(testApp: TestApp, holder: Cardholder, cardId: string) {
  return testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: holder.agentToken, body: { summary: 'Buy headphones', amount: 15_000, merchantText: 'Amazon' } });
}

/** "Check card status and reason: GET /v1/cards/{id}". */
async function statusOf(testApp: TestApp, cardId: string): Promise<[string, string | null]> {
  const card = await cardOf(testApp, cardId);
  return [card.status, card.statusReason];
}

for (const kind of storeKinds) {
  describe(`seed 000 "Card Issues" (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('Card creation fails, Error "Insufficient balance": the available balance is below maxAmount; reduce maxAmount or deposit more', async () => {
      const holder = await fundedCardholder(testApp, 10_000);
      const refused = await createCard(testApp, holder, { maxAmount: 15_000 });
      assertError(refused, { status: 409, type: 'conflict_error', code: 'insufficient_balance', param: 'maxAmount' });
      assert.match(refused.json.error.message, /^Insufficient balance/);
      assert.match(refused.json.error.message, /available 10000 cents/);
      assert.match(refused.json.error.message, /requested 15000 cents/);
      // 1. Check the balance; 2. look at available.
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 10_000, pending: 0, reserved: 0, available: 10_000 });
      // 3a. Reduce the card's maxAmount.
      assert.equal((await createCard(testApp, holder, { maxAmount: 10_000 })).statusCode, 200);
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 10_000, pending: 0, reserved: 10_000, available: 0 });
      // 3b. Have the user deposit more funds.
      assertError(await createCard(testApp, holder, { maxAmount: 15_000 }), { status: 409, type: 'conflict_error', code: 'insufficient_balance' });
      await deposit(testApp, holder.userId, 15_000);
      assert.equal((await createCard(testApp, holder, { maxAmount: 15_000 })).statusCode, 200);
      await assertLedgerSound(testApp);
    });

    it('Card creation fails, Error "Insufficient balance": funds are tied up in pending transactions (look at available, not total); they come back as the transaction settles for less or is reversed', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const pending = await approved(testApp, { cardId: card.id }, 10_000, 'Amazon');
      const refused = await createCard(testApp, holder, { maxAmount: 15_000 });
      assertError(refused, { status: 409, type: 'conflict_error', code: 'insufficient_balance' });
      assert.match(refused.json.error.message, /available 10000 cents, requested 15000 cents/);
      // total still shows the 20,000; available does not.
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 20_000, pending: 10_000, reserved: 0, available: 10_000 });
      // The merchant captures 4,000 of the 10,000 held: 6,000 comes back to available.
      await post(testApp, `/v1/sandbox/transactions/${pending.id}/clear`, { amount: 4_000 });
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 16_000, pending: 0, reserved: 0, available: 16_000 });
      assert.equal((await createCard(testApp, holder, { maxAmount: 15_000 })).statusCode, 200);
      await assertLedgerSound(testApp);
    });

    it('POST /v1/cards/{id}/details returns "Intent declaration required": no intent declared for this card; declare one first', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      const refused = await readDetails(testApp, holder, card.id);
      assertError(refused, { status: 409, type: 'conflict_error', code: 'intent_required' });
      assert.equal(refused.json.error.message, 'Intent declaration required');
      // With an API key it is the same: every card requires an intent.
      assertError(await testApp.request('POST', `/v1/cards/${card.id}/details`, { body: { summary: 'x', expectedAmount: 1, merchantText: 'Amazon' } }), {
        status: 409,
        type: 'conflict_error',
        code: 'intent_required',
      });
      // 1. Declare intent first; 2. then request card details.
      const intent = await declareIntent(testApp, holder, card.id);
      assert.deepEqual([intent.statusCode, intent.json.status], [200, 'pending']);
      const details = await readDetails(testApp, holder, card.id);
      assert.equal(details.statusCode, 200, details.body);
      assert.equal(details.json.intentId, intent.json.id);
      assert.equal(typeof details.json.pan, 'string');
    });

    it('POST /v1/cards/{id}/details after the intent expired (1 hour without details being read): seed 000 says "Intent declaration required"; cardrail names the cause, intent_expired', async () => {
      const holder = await fundedCardholder(testApp, 40_000);
      const inTime = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      const late = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      assert.equal((await declareIntent(testApp, holder, inTime.id)).statusCode, 200);
      const lateIntent = await declareIntent(testApp, holder, late.id);
      assert.equal(lateIntent.statusCode, 200);

      await advanceSandbox(testApp, hourSeconds - 1);
      assert.equal((await readDetails(testApp, holder, inTime.id)).statusCode, 200, 'within the hour');
      await advanceSandbox(testApp, 1);
      assert.equal((await testApp.request('GET', `/v1/intents/${lateIntent.json.id}`)).json.status, 'expired');
      const refused = await readDetails(testApp, holder, late.id);
      assertError(refused, { status: 409, type: 'conflict_error', code: 'intent_expired' });
      assert.ok(refused.json.error.message.includes(lateIntent.json.id), 'the message names the expired intent');
      // Declare again, then read the details at once.
      assert.equal((await declareIntent(testApp, holder, late.id)).statusCode, 200);
      assert.equal((await readDetails(testApp, holder, late.id)).statusCode, 200);
      // Once read, the intent lasts 24 hours, not 1: two hours later the authorization still answers it (matched),
      // though the credential access is older than the card's attestation window (10 minutes), so it is stale.
      await advanceSandbox(testApp, 2 * hourSeconds);
      const transaction = await approved(testApp, { cardId: late.id }, 15_000, 'Amazon');
      assert.deepEqual([transaction.attestationStatus, transaction.intentMatch], ['stale', 'matched']);
    });

    it('Card transactions are declining, card status "frozen": spending limit exceeded; increase the limit, then unfreeze', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perDay: 10_000 }, onLimitExceeded: 'freeze' });
      await approved(testApp, { cardId: card.id }, 8_000, 'Amazon');
      await declinedWith(testApp, { cardId: card.id }, 5_000, 'Amazon', 'card_limit_exceeded');
      await declinedWith(testApp, { cardId: card.id }, 1_000, 'Amazon', 'card_frozen');
      // 1. Check card status and reason.
      assert.deepEqual(await statusOf(testApp, card.id), ['frozen', 'limit_exceeded']);
      // 2. If limit exceeded: increase the limit (allowed while frozen)…
      const patched = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { limits: { perDay: 20_000 } } });
      assert.deepEqual([patched.statusCode, patched.json.limits.perDay, patched.json.status], [200, 20_000, 'frozen']);
      // …and unfreeze.
      await post(testApp, `/v1/cards/${card.id}/unfreeze`);
      assert.deepEqual(await statusOf(testApp, card.id), ['active', null]);
      await approved(testApp, { cardId: card.id }, 5_000, 'Amazon');
      // Or create a new card.
      const fresh = await issueCard(testApp, holder, { type: 'single', maxAmount: 5_000 });
      await approved(testApp, { cardId: fresh.id }, 5_000, 'Amazon');
    });

    it('Card transactions are declining, card status "frozen": the risk engine triggered a freeze (merchant drift); review and unfreeze', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, onDrift: 'freeze_card' });
      await approved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      await approved(testApp, { cardId: card.id }, 1_000, 'Best Buy');
      await declinedWith(testApp, { cardId: card.id }, 1_000, 'Amazon', 'card_frozen');
      assert.deepEqual(await statusOf(testApp, card.id), ['frozen', 'risk_merchant_drift']);
      // 3. Review (the firing says what happened), then unfreeze.
      const [firing] = await eventsAbout(testApp, card.id, 'risk.merchant_drift');
      assert.equal(firing?.object.action, 'freeze_card');
      await post(testApp, `/v1/cards/${card.id}/unfreeze`);
      await approved(testApp, { cardId: card.id }, 1_000, 'Amazon');
    });

    it('Card transactions are declining, card status "frozen": manual freeze via the API; unfreeze', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await post(testApp, `/v1/cards/${card.id}/freeze`);
      await declinedWith(testApp, { cardId: card.id }, 1_000, 'Amazon', 'card_frozen');
      assert.deepEqual(await statusOf(testApp, card.id), ['frozen', 'manual']);
      await post(testApp, `/v1/cards/${card.id}/unfreeze`);
      await approved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      await assertLedgerSound(testApp);
    });
  });

  describe(`seed 000 "Transaction Issues" (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('Transaction fails at merchant, decline reason insufficient funds: the user balance is too low; the user deposits more', async () => {
      const holder = await fundedCardholder(testApp, 5_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000, merchantDriftEnabled: false });
      await approved(testApp, { cardId: card.id }, 5_000, 'Amazon');
      // 1. Check balance and card limits: nothing is left to hold.
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 5_000, pending: 5_000, reserved: 0, available: 0 });
      await declinedWith(testApp, { cardId: card.id }, 2_000, 'Amazon', 'insufficient_funds');
      await deposit(testApp, holder.userId, 2_000);
      await approved(testApp, { cardId: card.id }, 2_000, 'Amazon');
      await assertLedgerSound(testApp);
    });

    it('Transaction fails at merchant: the card’s maxAmount exceeded (maxAmount is a per-transaction limit); create a card with a larger maxAmount', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const declined = await declinedWith(testApp, { cardId: card.id }, 12_000, 'Amazon', 'exceeds_max_amount');
      assert.match(declined.declineDetail, /maxAmount of 10000/);
      assert.equal((await cardOf(testApp, card.id)).maxAmount, 10_000);
      // Per transaction: two purchases of 10,000 each are fine on a multi-use card.
      await approved(testApp, { cardId: card.id }, 10_000, 'Amazon');
      await approved(testApp, { cardId: card.id }, 10_000, 'Amazon');
      const larger = await issueCard(testApp, holder, { type: 'single', maxAmount: 12_000 });
      await approved(testApp, { cardId: larger.id }, 12_000, 'Amazon');
    });

    it('Transaction fails at merchant: pending transactions are holding the funds; they come back when the merchant reverses or settles for less', async () => {
      const holder = await fundedCardholder(testApp, 10_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const held = await approved(testApp, { cardId: card.id }, 7_000, 'Hotel');
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 10_000, pending: 7_000, reserved: 3_000, available: 0 });
      await declinedWith(testApp, { cardId: card.id }, 5_000, 'Amazon', 'insufficient_funds');
      await post(testApp, `/v1/sandbox/transactions/${held.id}/void`);
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 10_000, pending: 0, reserved: 10_000, available: 0 });
      await approved(testApp, { cardId: card.id }, 5_000, 'Amazon');
      await assertLedgerSound(testApp);
    });

    it('Transaction fails at merchant: a multi-use card’s daily or monthly limit is exceeded; raise the limit', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const daily = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perDay: 12_000 } });
      await approved(testApp, { cardId: daily.id }, 10_000, 'Amazon');
      const overDay = await declinedWith(testApp, { cardId: daily.id }, 5_000, 'Amazon', 'card_limit_exceeded');
      assert.match(overDay.declineDetail, /daily limit of 12000/);
      const card = await cardOf(testApp, daily.id);
      assert.deepEqual(card.limits, { perAuth: null, perDay: 12_000, perMonth: null });
      assert.equal((await testApp.request('PATCH', `/v1/cards/${daily.id}`, { body: { limits: { perDay: 20_000 } } })).statusCode, 200);
      await approved(testApp, { cardId: daily.id }, 5_000, 'Amazon');

      const monthly = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perMonth: 15_000 } });
      await approved(testApp, { cardId: monthly.id }, 10_000, 'Amazon');
      const overMonth = await declinedWith(testApp, { cardId: monthly.id }, 6_000, 'Amazon', 'card_limit_exceeded');
      assert.match(overMonth.declineDetail, /monthly limit of 15000/);
      assert.equal((await testApp.request('PATCH', `/v1/cards/${monthly.id}`, { body: { limits: { perMonth: null } } })).statusCode, 200);
      await approved(testApp, { cardId: monthly.id }, 6_000, 'Amazon');
    });

    it('Transaction completes but triggers the risk.merchant_drift webhook, and the card may be frozen (freeze_card): a multi-use card used at another merchant', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      // Drift detection is on by default for multi-use cards.
      const alerting = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await approved(testApp, { cardId: alerting.id }, 1_000, 'Amazon');
      const completed = await approved(testApp, { cardId: alerting.id }, 1_000, 'Best Buy');
      assert.equal((await eventsAbout(testApp, completed.id, 'risk.merchant_drift')).length, 1);
      assert.deepEqual(await statusOf(testApp, alerting.id), ['active', null]);

      const freezing = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, onDrift: 'freeze_card' });
      await approved(testApp, { cardId: freezing.id }, 1_000, 'Amazon');
      const frozenBy = await approved(testApp, { cardId: freezing.id }, 1_000, 'Best Buy');
      assert.equal((await eventsAbout(testApp, frozenBy.id, 'risk.merchant_drift')).length, 1);
      assert.deepEqual(await statusOf(testApp, freezing.id), ['frozen', 'risk_merchant_drift']);
      // 3. If the card was frozen, unfreeze it.
      await post(testApp, `/v1/cards/${freezing.id}/unfreeze`);
      assert.deepEqual(await statusOf(testApp, freezing.id), ['active', null]);

      // 1. Legitimate multi-merchant use: disable drift detection when creating the card.
      const multiMerchant = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      for (const merchant of ['Amazon', 'Best Buy', 'Walmart']) {
        const transaction = await approved(testApp, { cardId: multiMerchant.id }, 1_000, merchant);
        assert.deepEqual(await eventsAbout(testApp, transaction.id, 'risk.merchant_drift'), []);
      }
      // 2. Or single-use cards for one-off purchases at different merchants.
      for (const merchant of ['Amazon', 'Best Buy']) {
        const single = await issueCard(testApp, holder, { type: 'single', maxAmount: 1_000 });
        const transaction = await approved(testApp, { cardId: single.id }, 1_000, merchant);
        assert.deepEqual(await eventsAbout(testApp, transaction.id, 'risk.merchant_drift'), []);
      }
    });

    it('Transaction fails, card shows "closed": a single-use card already used (it closes when its transaction settles); create a new card', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 8_000, 'Amazon');
      const used = await approved(testApp, presented(details), 8_000, 'Amazon');
      await post(testApp, `/v1/sandbox/transactions/${used.id}/clear`);
      assert.deepEqual(await statusOf(testApp, card.id), ['closed', 'single_use_consumed']);
      await declinedWith(testApp, presented(details), 1_000, 'Amazon', 'card_closed');
      const fresh = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      await approved(testApp, { cardId: fresh.id }, 1_000, 'Amazon');
    });

    it('Transaction fails, card shows "closed": the card was manually closed; create a new card', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await post(testApp, `/v1/cards/${card.id}/close`);
      await declinedWith(testApp, { cardId: card.id }, 1_000, 'Amazon', 'card_closed');
      assert.deepEqual(await statusOf(testApp, card.id), ['closed', 'manual']);
      const [closedEvent] = await eventsAbout(testApp, card.id, 'card.closed');
      assert.equal(closedEvent?.object.statusChange.by.kind, 'apiKey', 'the audit trail says who closed it');
      assertError(await testApp.request('POST', `/v1/cards/${card.id}/unfreeze`), { status: 409, type: 'conflict_error', code: 'card_not_active' });
      const fresh = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await approved(testApp, { cardId: fresh.id }, 1_000, 'Amazon');
    });

    it('Transaction fails, card shows "closed": the card TTL expired (expiresInMinutes); its reservation is released; create a new card', async () => {
      const holder = await fundedCardholder(testApp, 10_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, expiresInMinutes: 30 });
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 10_000, pending: 0, reserved: 10_000, available: 0 });
      await advanceSandbox(testApp, 30 * 60);
      assert.deepEqual(await statusOf(testApp, card.id), ['closed', 'expired']);
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 10_000, pending: 0, reserved: 0, available: 10_000 });
      await declinedWith(testApp, { cardId: card.id }, 1_000, 'Amazon', 'card_closed');
      const fresh = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      await approved(testApp, { cardId: fresh.id }, 1_000, 'Amazon');
      await assertLedgerSound(testApp);
    });

    it('Transaction succeeded but intent is "mismatched": the amount differs by more than 10 % from the declared one (informational: it still completes)', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 20_000 });
      const { intent } = await revealCard(testApp, holder, card.id, 10_000, 'Amazon');
      // Taxes and shipping were not in the estimate.
      const transaction = await approved(testApp, { cardId: card.id }, 11_500, 'AMZN Mktp US*2K4TY7');
      assert.deepEqual([transaction.intentMatch, transaction.intentId], ['mismatched', intent.id]);
      assert.equal((await post(testApp, `/v1/sandbox/transactions/${transaction.id}/clear`)).status, 'settled');
      // Review the mismatch details.
      const read = (await testApp.request('GET', `/v1/intents/${intent.id}`)).json;
      assert.equal(read.status, 'mismatched');
      assert.deepEqual([read.matchResult.amountMatch, read.matchResult.merchantMatch, read.matchResult.actualAmount, read.matchResult.declaredAmount], [false, true, 11_500, 10_000]);
      assert.equal((await eventsAbout(testApp, intent.id, 'intent.mismatched')).length, 1);
      // "Risk alerts generated": the default rules alert on the mismatch, and the alert shows what was compared.
      const alerts = (await testApp.request('GET', `/v1/risk/alerts?transactionId=${transaction.id}&rule=intentMismatch`)).json.data;
      assert.deepEqual(
        alerts.map((alert: { outcome: string; facts: { intentMatch: string; amount: number } }) => [alert.outcome, alert.facts.intentMatch, alert.facts.amount]),
        [['alerted', 'mismatched', 11_500]],
      );
      assert.equal((await eventsAbout(testApp, alerts[0].id, 'risk.intent_mismatch')).length, 1);
      // Including taxes and shipping in the estimate matches.
      const next = await issueCard(testApp, holder, { type: 'single', maxAmount: 20_000 });
      await revealCard(testApp, holder, next.id, 11_000, 'Amazon');
      assert.equal((await approved(testApp, { cardId: next.id }, 11_500, 'AMZN Mktp US*2K4TY7')).intentMatch, 'matched');
    });

    it('Transaction succeeded but intent is "mismatched": the merchant name does not match the declared merchantText; use the exact merchant string from past transactions', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 20_000, merchantDriftEnabled: false });
      const { intent } = await revealCard(testApp, holder, card.id, 5_000, 'Sony Store');
      const transaction = await approved(testApp, { cardId: card.id }, 5_000, 'PAYPAL *BLUEBOTTLE');
      assert.equal(transaction.intentMatch, 'mismatched');
      const read = (await testApp.request('GET', `/v1/intents/${intent.id}`)).json;
      assert.deepEqual([read.matchResult.amountMatch, read.matchResult.merchantMatch, read.matchResult.actualMerchant], [true, false, 'bluebottle']);
      assert.equal((await post(testApp, `/v1/sandbox/transactions/${transaction.id}/clear`)).status, 'settled');

      // Check past transactions for the merchant string, and declare it.
      const past = (await testApp.request('GET', `/v1/transactions?cardId=${card.id}`)).json.data[0];
      assert.equal(past.merchant.name, 'PAYPAL *BLUEBOTTLE');
      await revealCard(testApp, holder, card.id, 5_000, past.merchant.name);
      assert.equal((await approved(testApp, { cardId: card.id }, 5_000, 'PAYPAL *BLUEBOTTLE')).intentMatch, 'matched');
      await assertLedgerSound(testApp);
    });
  });
}
