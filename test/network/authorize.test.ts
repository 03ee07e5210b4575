import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestApp } from '../helpers/app.js';
import { assertLedgerSound, balanceOf } from '../helpers/money.js';
import { storeKinds } from '../helpers/stores.js';
import { authorizeAt, fundedCardholder, issueCard, revealCard } from './arrange.js';

for (const kind of storeKinds) {
  describe(`authorization through the sandbox network (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function ledgerIsSound() {
      await assertLedgerSound(testApp);
    }

    it('seed 001: authorize at the declared merchant → matched and attested; clear → settled; balances move as documented', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 50_000, pending: 0, reserved: 15_000, available: 35_000 });
      const { details } = await revealCard(testApp, holder, card.id, 12_999, 'Amazon');

      const transaction = await authorizeAt(testApp, { pan: details.pan, cvv: details.cvv, expirationMonth: details.expirationMonth, expirationYear: details.expirationYear }, 12_999, 'AMZN Mktp US*2K4TY7');
      assert.equal(transaction.status, 'pending', JSON.stringify(transaction));
      assert.equal(transaction.intentMatch, 'matched');
      assert.equal(transaction.attestationStatus, 'attested');
      assert.equal(transaction.accessEventId, details.accessEventId);
      assert.equal(transaction.merchant.normalizedName, 'amazon');
      // Available moves at once; total only on settlement (seed 001 "Balance vs Available").
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 50_000, pending: 12_999, reserved: 0, available: 37_001 });
      await ledgerIsSound();

      const intent = await testApp.request('GET', `/v1/intents/${transaction.intentId}`);
      assert.equal(intent.json.status, 'matched');

      const settled = await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/clear`);
      assert.equal(settled.json.status, 'settled');
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 37_001, pending: 0, reserved: 0, available: 37_001 });
      const closed = await testApp.request('GET', `/v1/cards/${card.id}`);
      assert.deepEqual([closed.json.status, closed.json.statusReason], ['closed', 'single_use_consumed']);
      await ledgerIsSound();

      const listed = await testApp.request('GET', '/v1/transactions', { key: holder.agentToken });
      assert.deepEqual(listed.json.data.map((item: { id: string }) => item.id), [transaction.id]);
    });

    it('seed 001: at a different merchant the intent is mismatched but the transaction is approved', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      await revealCard(testApp, holder, card.id, 10_000, 'Amazon');
      const transaction = await authorizeAt(testApp, { cardId: card.id }, 10_000, 'Best Buy 00012345');
      assert.equal(transaction.status, 'pending');
      assert.equal(transaction.intentMatch, 'mismatched');
      const intent = await testApp.request('GET', `/v1/intents/${transaction.intentId}`);
      assert.equal(intent.json.status, 'mismatched');
      assert.deepEqual([intent.json.matchResult.amountMatch, intent.json.matchResult.merchantMatch, intent.json.matchResult.actualMerchant], [true, false, 'bestbuy']);
      await ledgerIsSound();
    });

    it('declines are transactions with a reason: wrong CVV, over maxAmount, single use consumed, unknown card', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      const wrongCvv = String((Number(details.cvv) + 1) % 1000).padStart(3, '0');
      const credentials = { pan: details.pan, expirationMonth: details.expirationMonth, expirationYear: details.expirationYear };
      assert.equal((await authorizeAt(testApp, { ...credentials, cvv: wrongCvv }, 5_000, 'Amazon')).declineReason, 'incorrect_cvv');
      assert.equal((await authorizeAt(testApp, { ...credentials, cvv: details.cvv }, 15_001, 'Amazon')).declineReason, 'exceeds_max_amount');
      assert.equal((await authorizeAt(testApp, { ...credentials, cvv: details.cvv }, 5_000, 'Amazon')).status, 'pending');
      assert.equal((await authorizeAt(testApp, { ...credentials, cvv: details.cvv }, 5_000, 'Amazon')).declineReason, 'single_use_consumed');
      assert.equal((await authorizeAt(testApp, { pan: '4000001234567899', cvv: '123', expirationMonth: '01', expirationYear: '2030' }, 5_000, 'Amazon')).declineReason, 'invalid_card');
      await ledgerIsSound();
    });

    it('void releases the hold back into the reservation; refund returns money; force post beyond funds leaves debt', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const first = await authorizeAt(testApp, { cardId: card.id }, 4_000, 'Amazon');
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 20_000, pending: 4_000, reserved: 10_000, available: 6_000 });
      await testApp.request('POST', `/v1/sandbox/transactions/${first.id}/void`);
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 20_000, pending: 0, reserved: 10_000, available: 10_000 });

      const second = await authorizeAt(testApp, { cardId: card.id }, 5_000, 'Amazon');
      await testApp.request('POST', `/v1/sandbox/transactions/${second.id}/clear`, { body: { amount: 5_500 } });
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 14_500, pending: 0, reserved: 9_500, available: 5_000 });
      const refund = await testApp.request('POST', `/v1/sandbox/transactions/${second.id}/refund`, { body: { amount: 1_500 } });
      assert.deepEqual([refund.json.status, refund.json.refundedAmount], ['refunded', 1_500]);
      const tooMuch = await testApp.request('POST', `/v1/sandbox/transactions/${second.id}/refund`, { body: { amount: 4_001 } });
      assert.equal(tooMuch.json.error.code, 'refund_exceeds_settled');

      const forced = await testApp.request('POST', '/v1/sandbox/force-posts', { body: { cardId: card.id, amount: 20_000, merchant: { name: 'Hotel Deposit' } } });
      assert.deepEqual([forced.json.status, forced.json.forcePost], ['settled', true]);
      const after = await testApp.request('GET', `/v1/balances/${holder.userId}`);
      assert.deepEqual([after.json.available, after.json.reserved, after.json.debt], [0, 0, 4_000]);
      await ledgerIsSound();
    });

    it("a use that leaves a card as it was does not change it; one that moves its reservation does", async () => {
      const holder = await fundedCardholder(testApp, 8_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000, merchantDriftEnabled: false });
      const before = (await testApp.request('GET', `/v1/cards/${card.id}`)).json;
      await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 60 } });
      // $20 held out of the reservation and topped back up from available: the card is unchanged.
      assert.equal((await authorizeAt(testApp, { cardId: card.id }, 2_000, 'Amazon')).status, 'pending');
      assert.deepEqual((await testApp.request('GET', `/v1/cards/${card.id}`)).json, before);
      // $40 with $10 left in available: the reservation cannot be topped up in full, so the card changes.
      await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 60 } });
      assert.equal((await authorizeAt(testApp, { cardId: card.id }, 4_000, 'Amazon')).status, 'pending');
      const after = (await testApp.request('GET', `/v1/cards/${card.id}`)).json;
      assert.ok(Date.parse(after.updatedAt) > Date.parse(before.updatedAt), JSON.stringify([before.updatedAt, after.updatedAt]));
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 8_000, pending: 6_000, reserved: 2_000, available: 0 });
      await ledgerIsSound();
    });
  });
}
