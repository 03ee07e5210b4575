// LedgerOS's intent fields (SPEC §11 "Intents"): expectedAmount, expectedMerchant and expectedCurrency beside amount,
// merchantText (and USD); a per-intent tolerance in percent that matching and attestation use; ttlMinutes as the
// pending lifetime; metadata; matchedAt. Two names of one field with different values are refused with 422
// conflicting_parameters naming both.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { assertError, useTestApp, type TestApp } from '../../helpers/app.js';
import { assertLedgerSound } from '../../helpers/money.js';
import { advanceSandbox, sandboxNowMs } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import { agentWithCard, createCard, getIntent, readDetails } from './arrange.js';

const ledgerOsIntent = { summary: 'Buy a keyboard', expectedAmount: 10_000, expectedMerchant: 'Amazon', expectedCurrency: 'USD' };

async function declare(testApp: TestApp, cardId: string, key: string, body: Record<string, unknown>) {
  return testApp.request('POST', `/v1/cards/${cardId}/intents`, { key, body });
}

async function authorize(testApp: TestApp, cardId: string, amount: number, merchant = 'Amazon') {
  const response = await testApp.request('POST', '/v1/sandbox/authorizations', { body: { cardId, amount, merchant: { name: merchant } } });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json.status, 'pending', response.body);
  return response.json;
}

for (const kind of storeKinds) {
  describe(`LedgerOS intent fields (${kind})`, () => {
    const testApp = useTestApp({ store: kind });
    afterEach(async () => assertLedgerSound(testApp));

    it('declares with expectedAmount, expectedMerchant, expectedCurrency, tolerance, ttlMinutes and metadata, and answers both names', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const nowMs = await sandboxNowMs(testApp);
      const response = await declare(testApp, cardId, token, { ...ledgerOsIntent, tolerance: 2.5, ttlMinutes: 15, metadata: { orderRef: 'A-17' } });
      assert.equal(response.statusCode, 200, response.body);
      const intent = response.json;
      assert.deepEqual(
        {
          amount: intent.amount,
          expectedAmount: intent.expectedAmount,
          merchantText: intent.merchantText,
          expectedMerchant: intent.expectedMerchant,
          expectedCurrency: intent.expectedCurrency,
          tolerance: intent.tolerance,
          ttlMinutes: intent.ttlMinutes,
          metadata: intent.metadata,
          status: intent.status,
          expiresAt: intent.expiresAt,
          matchedAt: intent.matchedAt,
        },
        {
          amount: 10_000,
          expectedAmount: 10_000,
          merchantText: 'Amazon',
          expectedMerchant: 'Amazon',
          expectedCurrency: 'USD',
          tolerance: 2.5,
          ttlMinutes: 15,
          metadata: { orderRef: 'A-17' },
          status: 'pending',
          expiresAt: new Date(nowMs + 15 * 60_000).toISOString(),
          matchedAt: null,
        },
      );
      // Stored, not only answered.
      const read = await getIntent(testApp, intent.id, token);
      assert.deepEqual(read, intent);
      const listed = await testApp.request('GET', `/v1/cards/${cardId}/intents`, { key: token });
      assert.deepEqual(listed.json.data[0], intent);

      // Both names with the same value are one value.
      const both = await declare(testApp, cardId, token, { ...ledgerOsIntent, amount: 10_000, merchantText: 'Amazon' });
      assert.equal(both.statusCode, 200, both.body);
      assert.equal(both.json.amount, 10_000);
      assert.equal(both.json.tolerance, null, 'no tolerance of its own: the card’s applies');
      assert.equal(both.json.ttlMinutes, 60);
      assert.deepEqual(both.json.metadata, {});
    });

    it('refuses two names of one field with different values, neither name, another currency and values out of range', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const conflictingAmount = await declare(testApp, cardId, token, { ...ledgerOsIntent, amount: 9_999 });
      assertError(conflictingAmount, { status: 422, type: 'validation_error', code: 'conflicting_parameters', param: 'expectedAmount' });
      assert.match(conflictingAmount.json.error.message, /expectedAmount and amount/);
      const conflictingMerchant = await declare(testApp, cardId, token, { ...ledgerOsIntent, merchantText: 'Walmart' });
      assertError(conflictingMerchant, { status: 422, type: 'validation_error', code: 'conflicting_parameters', param: 'expectedMerchant' });
      assert.match(conflictingMerchant.json.error.message, /expectedMerchant and merchantText/);

      assertError(await declare(testApp, cardId, token, { summary: 'x', merchantText: 'Amazon' }), { status: 400, type: 'invalid_request_error', code: 'missing_parameter', param: 'amount' });
      assertError(await declare(testApp, cardId, token, { summary: 'x', expectedAmount: 100 }), { status: 400, type: 'invalid_request_error', code: 'missing_parameter', param: 'merchantText' });

      const euro = await declare(testApp, cardId, token, { ...ledgerOsIntent, expectedCurrency: 'EUR' });
      assertError(euro, { status: 422, type: 'validation_error', code: 'unsupported_currency', param: 'expectedCurrency' });
      assert.match(euro.json.error.message, /EUR.*only USD/);
      assertError(await declare(testApp, cardId, token, { ...ledgerOsIntent, expectedCurrency: 840 }), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'expectedCurrency' });

      for (const tolerance of [-1, 100.5, 1.23456]) {
        assertError(await declare(testApp, cardId, token, { ...ledgerOsIntent, tolerance }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'tolerance' });
      }
      for (const ttlMinutes of [0, 1_441]) {
        assertError(await declare(testApp, cardId, token, { ...ledgerOsIntent, ttlMinutes }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'ttlMinutes' });
      }
      assertError(await declare(testApp, cardId, token, { ...ledgerOsIntent, ttlMinutes: 1.5 }), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'ttlMinutes' });
      assertError(await declare(testApp, cardId, token, { ...ledgerOsIntent, metadata: { note: 5 } }), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'metadata.note' });
      const intents = await testApp.request('GET', `/v1/cards/${cardId}/intents`, { key: token });
      assert.deepEqual(intents.json.data, [], 'nothing was declared');
    });

    it('keeps a pending intent for ttlMinutes, also after an approval', async () => {
      const { token, cardId, agentId } = await agentWithCard(testApp);
      const short = (await declare(testApp, cardId, token, { ...ledgerOsIntent, ttlMinutes: 5 })).json;
      await advanceSandbox(testApp, 5 * 60 - 1);
      assert.equal((await getIntent(testApp, short.id)).status, 'pending');
      await advanceSandbox(testApp, 1);
      assert.equal((await getIntent(testApp, short.id)).status, 'expired');

      const approvalCard = await createCard(testApp, agentId, { requireApproval: true });
      const waiting = (await declare(testApp, approvalCard.id, token, { ...ledgerOsIntent, ttlMinutes: 3 })).json;
      assert.equal(waiting.status, 'pending_approval');
      // Within the approval timeout (60 minutes by default), well past the intent's own 3.
      await advanceSandbox(testApp, 50 * 60);
      const approved = await testApp.request('POST', `/v1/intents/${waiting.id}/approve`, { body: {} });
      assert.equal(approved.statusCode, 200, approved.body);
      const approvedAtMs = await sandboxNowMs(testApp);
      assert.equal(approved.json.expiresAt, new Date(approvedAtMs + 3 * 60_000).toISOString(), 'the ttl runs again from the approval');
    });

    it("matches an authorization within the intent's own tolerance, and attests with it", async () => {
      const { token, cardId } = await agentWithCard(testApp, { card: { maxAmount: 20_000 } });
      // 2 %: 10 300 is outside, though within the card's 10 %.
      const strict = (await declare(testApp, cardId, token, { ...ledgerOsIntent, tolerance: 2 })).json;
      const attested = await readDetails(testApp, cardId, token, { intentId: strict.id, summary: 'Buy a keyboard', expectedAmount: 10_300, merchantText: 'Amazon' });
      assert.equal(attested.statusCode, 200, attested.body);
      assert.deepEqual(
        attested.json.warnings.map((warning: { field: string }) => warning.field),
        ['expectedAmount'],
      );
      assert.match(attested.json.warnings[0].message, /more than 2 %/);
      const transaction = await authorize(testApp, cardId, 10_300);
      assert.equal(transaction.intentId, strict.id);
      assert.equal(transaction.intentMatch, 'mismatched');
      const mismatched = await getIntent(testApp, strict.id);
      assert.equal(mismatched.status, 'mismatched');
      assert.equal(mismatched.matchResult.amountMatch, false);
      assert.equal(mismatched.matchedAt, new Date(await sandboxNowMs(testApp)).toISOString());

      // 50 %: 14 900 matches, far beyond the card's 10 %.
      const loose = (await declare(testApp, cardId, token, { ...ledgerOsIntent, tolerance: 50 })).json;
      const read = await readDetails(testApp, cardId, token, { intentId: loose.id, summary: 'Buy a keyboard', expectedAmount: 14_900, merchantText: 'Amazon' });
      assert.deepEqual(read.json.warnings, []);
      testApp.clock.advanceMs(60_000);
      const looseTransaction = await authorize(testApp, cardId, 14_900);
      assert.equal(looseTransaction.intentId, loose.id);
      assert.equal(looseTransaction.intentMatch, 'matched');
      const matched = await getIntent(testApp, loose.id);
      assert.equal(matched.status, 'matched');
      assert.equal(matched.matchedAt, new Date(await sandboxNowMs(testApp)).toISOString());
    });

    it('details accept expectedCurrency (USD), reason and clientContext, and record them on the access event', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      await declare(testApp, cardId, token, ledgerOsIntent);
      const clientContext = { userAgent: 'checkout-bot/1.0', checkoutUrl: 'https://www.amazon.com/checkout' };
      const response = await readDetails(testApp, cardId, token, { summary: 'Buy a keyboard', expectedAmount: 10_000, expectedCurrency: 'USD', reason: 'subscription', clientContext });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json.exposureMode, 'rawPan');
      const event = await testApp.store.db.get<{ data: string }>('SELECT data FROM events WHERE id = ?', [response.json.accessEventId]);
      const access = JSON.parse(event!.data).object;
      assert.deepEqual(
        { expectedCurrency: access.expectedCurrency, reason: access.reason, clientContext: access.clientContext, exposureMode: access.exposureMode },
        { expectedCurrency: 'USD', reason: 'subscription', clientContext, exposureMode: 'rawPan' },
      );

      const details = (body: Record<string, unknown>) => readDetails(testApp, cardId, token, { summary: 'Buy a keyboard', expectedAmount: 10_000, ...body });
      assertError(await details({ expectedCurrency: 'GBP' }), { status: 422, type: 'validation_error', code: 'unsupported_currency', param: 'expectedCurrency' });
      assertError(await details({ reason: 'recurring' }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'reason' });
      assertError(await details({ clientContext: 'a string' }), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'clientContext' });
      assertError(await details({ clientContext: { nested: { deep: 'x' } } }), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'clientContext.nested' });
      assertError(await details({ clientContext: { note: 'x'.repeat(501) } }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'clientContext.note' });
      const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`key${index}`, 'v']));
      assertError(await details({ clientContext: tooMany }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'clientContext' });
    });
  });
}
