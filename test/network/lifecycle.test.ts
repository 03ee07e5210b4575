// A transaction's life after the authorization (SPEC §4 "Transactions and the card network simulator", §5): clearing
// less or more than authorized, void, refunds, incremental authorizations, force posts, scheduled settlement and the
// 7-day expiry — with the exact balances (total, pending, reserved, available; debt where it matters) after every
// step and the ledger invariants checked each time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useTestApp, type TestApp } from '../helpers/app.js';
import { assertLedgerSound, balanceOf } from '../helpers/money.js';
import { advanceSandbox } from '../helpers/sandbox-clock.js';
import { storeKinds } from '../helpers/stores.js';
import {
  authorizeAt,
  balanceWithDebtOf,
  cardOf,
  daySeconds,
  eventsAbout,
  fundedCardholder,
  issueCard,
  placeSandboxTime,
  post,
  transactionOf,
} from './arrange.js';

type Balance = { total: number; pending: number; reserved: number; available: number };

async function assertBalance(testApp: TestApp, userId: string, expected: Balance, step: string): Promise<void> {
  assert.deepEqual(await balanceOf(testApp, userId), expected, step);
  await assertLedgerSound(testApp);
}

async function approve(testApp: TestApp, cardId: string, amountCents: number, merchant = 'Amazon') {
  const transaction = await authorizeAt(testApp, { cardId }, amountCents, merchant);
  assert.equal(transaction.status, 'pending', JSON.stringify(transaction));
  return transaction;
}

function eventTypes(events: Array<{ type: string }>, prefix = 'transaction.'): string[] {
  return events.map((event) => event.type).filter((type) => type.startsWith(prefix));
}

for (const kind of storeKinds) {
  describe(`transaction lifecycle (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('clearing less than authorized releases the rest; the single-use card closes when its transaction settles', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      await assertBalance(testApp, holder.userId, { total: 50_000, pending: 0, reserved: 15_000, available: 35_000 }, 'card issued');

      const transaction = await approve(testApp, card.id, 12_000);
      // Held from the reservation; the single-use card gives back the 3,000 it did not use.
      await assertBalance(testApp, holder.userId, { total: 50_000, pending: 12_000, reserved: 0, available: 38_000 }, 'authorized');
      const pendingCard = await cardOf(testApp, card.id);
      assert.deepEqual([pendingCard.status, pendingCard.reservation], ['active', 0], 'consumed but open until its transaction settles');

      const settled = await post(testApp, `/v1/sandbox/transactions/${transaction.id}/clear`, { amount: 10_000 });
      assert.deepEqual([settled.status, settled.amount, settled.settledAmount, settled.settlesAt, settled.expiresAt], ['settled', 12_000, 10_000, null, null]);
      assert.equal(typeof settled.settledAt, 'string');
      await assertBalance(testApp, holder.userId, { total: 40_000, pending: 0, reserved: 0, available: 40_000 }, 'cleared 10,000 of 12,000');
      const closed = await cardOf(testApp, card.id);
      assert.deepEqual([closed.status, closed.statusReason], ['closed', 'single_use_consumed']);
      assert.deepEqual(eventTypes(await eventsAbout(testApp, transaction.id)), ['transaction.created', 'transaction.settled']);
      assert.equal((await eventsAbout(testApp, card.id, 'card.closed')).length, 1);

      // A settled transaction clears, voids and increments no more.
      for (const action of ['clear', 'void', 'increment']) {
        const again = await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/${action}`, action === 'increment' ? { body: { amount: 100 } } : action === 'clear' ? { body: {} } : {});
        assertError(again, { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      }
      await assertBalance(testApp, holder.userId, { total: 40_000, pending: 0, reserved: 0, available: 40_000 }, 'refused actions change nothing');
    });

    it('clearing more than authorized draws the card’s reservation, then available, then debt; a deposit repays the debt first', async () => {
      const holder = await fundedCardholder(testApp, 30_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      await assertBalance(testApp, holder.userId, { total: 30_000, pending: 0, reserved: 10_000, available: 20_000 }, 'card issued');

      const first = await approve(testApp, card.id, 10_000);
      // The whole hold from the reservation, which is topped back up to 10,000 from available.
      await assertBalance(testApp, holder.userId, { total: 30_000, pending: 10_000, reserved: 10_000, available: 10_000 }, 'first authorized');
      await post(testApp, `/v1/sandbox/transactions/${first.id}/clear`, { amount: 14_000 });
      // 4,000 beyond the hold comes out of the card's reservation.
      await assertBalance(testApp, holder.userId, { total: 16_000, pending: 0, reserved: 6_000, available: 10_000 }, 'over-cleared by 4,000');
      assert.equal((await cardOf(testApp, card.id)).reservation, 6_000);

      const second = await approve(testApp, card.id, 5_000);
      // 5,000 of the 6,000 reservation held; topped up from 1,000 to 10,000 (9,000 from available).
      await assertBalance(testApp, holder.userId, { total: 16_000, pending: 5_000, reserved: 10_000, available: 1_000 }, 'second authorized');
      const settled = await post(testApp, `/v1/sandbox/transactions/${second.id}/clear`, { amount: 20_000 });
      assert.deepEqual([settled.amount, settled.settledAmount], [5_000, 20_000]);
      // 15,000 beyond the hold: 10,000 reservation, 1,000 available, 4,000 debt.
      assert.deepEqual(await balanceWithDebtOf(testApp, holder.userId), { total: 0, pending: 0, reserved: 0, available: 0, debt: 4_000 });
      assert.equal((await cardOf(testApp, card.id)).reservation, 0);
      await assertLedgerSound(testApp);

      // With nothing reserved or available the card declines…
      assert.equal((await authorizeAt(testApp, { cardId: card.id }, 1, 'Amazon')).declineReason, 'insufficient_funds');
      // …and a deposit of 50 USDC repays the 4,000 owed before anything becomes available.
      const deposit = await post(testApp, '/v1/sandbox/deposits', { userId: holder.userId, network: 'base', token: 'USDC', amount: '50000000', confirmations: 12 });
      assert.equal(deposit.status, 'completed');
      assert.deepEqual(await balanceWithDebtOf(testApp, holder.userId), { total: 1_000, pending: 0, reserved: 0, available: 1_000, debt: 0 });
      await assertLedgerSound(testApp);
    });

    it('void returns the hold to the card’s reservation (multi-use), and a voided single-use card is usable again with its reservation back', async () => {
      // Multi-use, no room to top up: the authorization leaves the reservation at 6,000; the void refills it.
      const holder = await fundedCardholder(testApp, 10_000);
      const multi = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const held = await approve(testApp, multi.id, 4_000);
      await assertBalance(testApp, holder.userId, { total: 10_000, pending: 4_000, reserved: 6_000, available: 0 }, 'multi authorized');
      const voided = await post(testApp, `/v1/sandbox/transactions/${held.id}/void`);
      assert.deepEqual([voided.status, voided.settledAmount, voided.settlesAt, voided.expiresAt], ['voided', 0, null, null]);
      assert.equal(typeof voided.voidedAt, 'string');
      await assertBalance(testApp, holder.userId, { total: 10_000, pending: 0, reserved: 10_000, available: 0 }, 'multi voided');
      assert.equal((await cardOf(testApp, multi.id)).reservation, 10_000);
      const voidEvents = await eventsAbout(testApp, held.id, 'transaction.voided');
      assert.deepEqual(voidEvents.map((event) => event.object.voidReason), ['reversal']);
      assertError(await testApp.request('POST', `/v1/sandbox/transactions/${held.id}/void`), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assertError(await testApp.request('POST', `/v1/sandbox/transactions/${held.id}/clear`, { body: {} }), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });

      // Single-use: consumed by its authorization, usable again once that is voided.
      const buyer = await fundedCardholder(testApp, 20_000);
      const single = await issueCard(testApp, buyer, { type: 'single', maxAmount: 10_000 });
      const first = await approve(testApp, single.id, 6_000);
      await assertBalance(testApp, buyer.userId, { total: 20_000, pending: 6_000, reserved: 0, available: 14_000 }, 'single authorized');
      assert.equal((await authorizeAt(testApp, { cardId: single.id }, 1_000, 'Amazon')).declineReason, 'single_use_consumed');
      await post(testApp, `/v1/sandbox/transactions/${first.id}/void`);
      // The card is as it was before the authorization: it reserves its maxAmount again and is not consumed.
      await assertBalance(testApp, buyer.userId, { total: 20_000, pending: 0, reserved: 10_000, available: 10_000 }, 'single voided');
      const reopened = await cardOf(testApp, single.id);
      assert.deepEqual([reopened.status, reopened.reservation], ['active', 10_000]);
      const second = await approve(testApp, single.id, 10_000);
      await assertBalance(testApp, buyer.userId, { total: 20_000, pending: 10_000, reserved: 0, available: 10_000 }, 'single authorized again');
      await post(testApp, `/v1/sandbox/transactions/${second.id}/clear`);
      await assertBalance(testApp, buyer.userId, { total: 10_000, pending: 0, reserved: 0, available: 10_000 }, 'single settled');
      assert.equal((await cardOf(testApp, single.id)).status, 'closed');
    });

    it('a void on a card closed meanwhile returns the hold to available', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const transaction = await approve(testApp, card.id, 3_000);
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 3_000, reserved: 10_000, available: 7_000 }, 'authorized');
      await post(testApp, `/v1/cards/${card.id}/close`);
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 3_000, reserved: 0, available: 17_000 }, 'card closed, hold stays');
      await post(testApp, `/v1/sandbox/transactions/${transaction.id}/void`);
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 0, reserved: 0, available: 20_000 }, 'voided after close');
      assert.deepEqual([(await cardOf(testApp, card.id)).status, (await cardOf(testApp, card.id)).reservation], ['closed', 0]);
    });

    it('refunds: partial twice, then more than is left → 409 refund_exceeds_settled; the rest by default', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      const transaction = await approve(testApp, card.id, 10_000);
      await assertBalance(testApp, holder.userId, { total: 50_000, pending: 10_000, reserved: 0, available: 40_000 }, 'authorized');
      assertError(await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/refund`, { body: { amount: 1_000 } }), {
        status: 409,
        type: 'conflict_error',
        code: 'invalid_status_transition',
      });
      await post(testApp, `/v1/sandbox/transactions/${transaction.id}/clear`);
      await assertBalance(testApp, holder.userId, { total: 40_000, pending: 0, reserved: 0, available: 40_000 }, 'settled');

      const firstRefund = await post(testApp, `/v1/sandbox/transactions/${transaction.id}/refund`, { amount: 3_000 });
      assert.deepEqual([firstRefund.status, firstRefund.settledAmount, firstRefund.refundedAmount], ['refunded', 10_000, 3_000]);
      await assertBalance(testApp, holder.userId, { total: 43_000, pending: 0, reserved: 0, available: 43_000 }, 'refunded 3,000');
      const secondRefund = await post(testApp, `/v1/sandbox/transactions/${transaction.id}/refund`, { amount: 2_000 });
      assert.deepEqual([secondRefund.status, secondRefund.refundedAmount], ['refunded', 5_000]);
      await assertBalance(testApp, holder.userId, { total: 45_000, pending: 0, reserved: 0, available: 45_000 }, 'refunded 5,000 in all');

      const tooMuch = await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/refund`, { body: { amount: 5_001 } });
      assertError(tooMuch, { status: 409, type: 'conflict_error', code: 'refund_exceeds_settled', param: 'amount' });
      assert.match(tooMuch.json.error.message, /5001/);
      assert.match(tooMuch.json.error.message, /5000/);
      await assertBalance(testApp, holder.userId, { total: 45_000, pending: 0, reserved: 0, available: 45_000 }, 'refused refund changes nothing');
      assert.equal((await transactionOf(testApp, transaction.id)).refundedAmount, 5_000);

      const rest = await post(testApp, `/v1/sandbox/transactions/${transaction.id}/refund`, {});
      assert.deepEqual([rest.status, rest.refundedAmount], ['refunded', 10_000]);
      await assertBalance(testApp, holder.userId, { total: 50_000, pending: 0, reserved: 0, available: 50_000 }, 'fully refunded');
      assertError(await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/refund`, { body: { amount: 1 } }), {
        status: 409,
        type: 'conflict_error',
        code: 'refund_exceeds_settled',
      });
      const refundEvents = await eventsAbout(testApp, transaction.id, 'transaction.refunded');
      assert.deepEqual(refundEvents.map((event) => event.object.refundAmount), [3_000, 2_000, 5_000]);
      assert.deepEqual(refundEvents.map((event) => event.object.refundedAmount), [3_000, 5_000, 10_000]);
      // Refunds do not give back the card's limits, and the transaction keeps counting what was settled.
      assert.equal((await transactionOf(testApp, transaction.id)).status, 'refunded');
    });

    it('increment approved: the amount and the hold grow; clearing then captures the new amount', async () => {
      const holder = await fundedCardholder(testApp, 30_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const transaction = await approve(testApp, card.id, 5_000);
      await assertBalance(testApp, holder.userId, { total: 30_000, pending: 5_000, reserved: 10_000, available: 15_000 }, 'authorized');

      const grown = await post(testApp, `/v1/sandbox/transactions/${transaction.id}/increment`, { amount: 2_000 });
      assert.deepEqual([grown.status, grown.amount, grown.id], ['pending', 7_000, transaction.id]);
      // 2,000 more held from the reservation, which is topped back up from available.
      await assertBalance(testApp, holder.userId, { total: 30_000, pending: 7_000, reserved: 10_000, available: 13_000 }, 'incremented');
      const updated = await eventsAbout(testApp, transaction.id, 'transaction.updated');
      assert.deepEqual(updated.map((event) => [event.object.amount, event.object.incrementAmount]), [[7_000, 2_000]]);

      await post(testApp, `/v1/sandbox/transactions/${transaction.id}/clear`);
      assert.deepEqual([(await transactionOf(testApp, transaction.id)).settledAmount], [7_000]);
      await assertBalance(testApp, holder.userId, { total: 23_000, pending: 0, reserved: 10_000, available: 13_000 }, 'cleared the incremented amount');
    });

    it('increment on a single-use card is held from available (its reservation was released)', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const transaction = await approve(testApp, card.id, 6_000);
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 6_000, reserved: 0, available: 14_000 }, 'authorized');
      const grown = await post(testApp, `/v1/sandbox/transactions/${transaction.id}/increment`, { amount: 4_000 });
      assert.equal(grown.amount, 10_000);
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 10_000, reserved: 0, available: 10_000 }, 'incremented to maxAmount');
      const refused = await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/increment`, { body: { amount: 1 } });
      assertError(refused, { status: 409, type: 'conflict_error', code: 'increment_declined' });
      assert.match(refused.json.error.message, /exceeds_max_amount/);
    });

    it('increment declined → 409 increment_declined and nothing changes: beyond maxAmount, the agent’s per-transaction limit, the funds, or a frozen card', async () => {
      const holder = await fundedCardholder(testApp, 12_000, { spendingLimit: 8_000, spendingLimitFrequency: 'perTransaction' });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const transaction = await approve(testApp, card.id, 6_000);
      const expected = { total: 12_000, pending: 6_000, reserved: 6_000, available: 0 };
      await assertBalance(testApp, holder.userId, expected, 'authorized');

      const cases: Array<[number, string]> = [
        [4_001, 'exceeds_max_amount'], // 10,001 in all against maxAmount 10,000
        [2_001, 'agent_limit_exceeded'], // 8,001 in all against the agent's 8,000 per transaction
      ];
      for (const [amount, reason] of cases) {
        const refused = await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/increment`, { body: { amount } });
        assertError(refused, { status: 409, type: 'conflict_error', code: 'increment_declined' });
        assert.match(refused.json.error.message, new RegExp(reason));
        const unchanged = await transactionOf(testApp, transaction.id);
        assert.deepEqual([unchanged.status, unchanged.amount], ['pending', 6_000], `${reason}: the authorization stands`);
        await assertBalance(testApp, holder.userId, expected, `${reason}: no money moved`);
      }
      assert.deepEqual(await eventsAbout(testApp, transaction.id, 'transaction.updated'), []);

      // Within every limit but beyond the funds: a second authorization takes the last 6,000 of the reservation.
      await approve(testApp, card.id, 6_000);
      await assertBalance(testApp, holder.userId, { total: 12_000, pending: 12_000, reserved: 0, available: 0 }, 'second authorized');
      const broke = await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/increment`, { body: { amount: 1 } });
      assertError(broke, { status: 409, type: 'conflict_error', code: 'increment_declined' });
      assert.match(broke.json.error.message, /insufficient_funds/);

      await post(testApp, `/v1/cards/${card.id}/freeze`);
      const frozen = await testApp.request('POST', `/v1/sandbox/transactions/${transaction.id}/increment`, { body: { amount: 1 } });
      assertError(frozen, { status: 409, type: 'conflict_error', code: 'increment_declined' });
      assert.match(frozen.json.error.message, /card_frozen/);
      await assertBalance(testApp, holder.userId, { total: 12_000, pending: 12_000, reserved: 0, available: 0 }, 'nothing moved');
      assert.equal((await transactionOf(testApp, transaction.id)).amount, 6_000);
    });

    it('a force post on a closed card is never refused: available first, then debt', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await post(testApp, `/v1/cards/${card.id}/close`);
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 0, reserved: 0, available: 20_000 }, 'card closed');

      const forced = await post(testApp, '/v1/sandbox/force-posts', { cardId: card.id, amount: 5_000, merchant: { name: 'Hotel Deposit', mcc: '7011' } });
      assert.deepEqual(
        [forced.status, forced.forcePost, forced.amount, forced.settledAmount, forced.cardId, forced.agentId, forced.userId, forced.merchant.category],
        ['settled', true, 5_000, 5_000, card.id, holder.agentId, holder.userId, 'lodging'],
      );
      assert.deepEqual(eventTypes(await eventsAbout(testApp, forced.id)), ['transaction.created', 'transaction.settled']);
      await assertBalance(testApp, holder.userId, { total: 15_000, pending: 0, reserved: 0, available: 15_000 }, 'forced 5,000');

      const beyond = await post(testApp, '/v1/sandbox/force-posts', { cardId: card.id, amount: 20_000, merchant: { name: 'Hotel Deposit' } });
      assert.equal(beyond.status, 'settled');
      assert.deepEqual(await balanceWithDebtOf(testApp, holder.userId), { total: 0, pending: 0, reserved: 0, available: 0, debt: 5_000 });
      const closed = await cardOf(testApp, card.id);
      assert.deepEqual([closed.status, closed.statusReason, closed.reservation], ['closed', 'manual', 0]);
      await assertLedgerSound(testApp);

      // A force-posted transaction can be refunded like any settled one.
      const refunded = await post(testApp, `/v1/sandbox/transactions/${beyond.id}/refund`, { amount: 5_000 });
      assert.equal(refunded.refundedAmount, 5_000);
      assert.deepEqual(await balanceWithDebtOf(testApp, holder.userId), { total: 5_000, pending: 0, reserved: 0, available: 5_000, debt: 5_000 });
      await assertLedgerSound(testApp);
    });

    it('unknown transactions answer 404', async () => {
      for (const action of ['clear', 'void', 'refund', 'increment']) {
        const response = await testApp.request('POST', `/v1/sandbox/transactions/txn_doesnotexist/${action}`, action === 'increment' ? { body: { amount: 1 } } : action === 'void' ? {} : { body: {} });
        assertError(response, { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      }
      const forced = await testApp.request('POST', '/v1/sandbox/force-posts', { body: { cardId: 'card_doesnotexist', amount: 1, merchant: { name: 'X' } } });
      assertError(forced, { status: 404, type: 'not_found_error', code: 'resource_not_found' });
    });
  });

  describe(`scheduled settlement after one business day of sandbox time (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('authorized on a Friday: still pending on Saturday, settled once Monday’s due time passes', async () => {
      const fridayMs = Date.UTC(2032, 0, 30, 15); // Friday 30 January 2032, 15:00 UTC
      assert.equal(new Date(fridayMs).getUTCDay(), 5);
      await placeSandboxTime(testApp, fridayMs);
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const transaction = await approve(testApp, card.id, 8_000);
      const mondayMs = Date.UTC(2032, 1, 2, 15);
      assert.equal(transaction.settlesAt, new Date(mondayMs).toISOString());
      assert.equal(transaction.expiresAt, new Date(fridayMs + 7 * daySeconds * 1000).toISOString());
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 8_000, reserved: 0, available: 12_000 }, 'Friday');

      await advanceSandbox(testApp, daySeconds); // Saturday 15:00: one day later, but not a business day
      assert.equal((await transactionOf(testApp, transaction.id)).status, 'pending');
      await advanceSandbox(testApp, 2 * daySeconds - 1); // Monday 14:59:59
      assert.equal((await transactionOf(testApp, transaction.id)).status, 'pending');
      assert.equal((await cardOf(testApp, card.id)).status, 'active');
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 8_000, reserved: 0, available: 12_000 }, 'Monday before the due time');

      await advanceSandbox(testApp, 1); // Monday 15:00
      const settled = await transactionOf(testApp, transaction.id);
      assert.deepEqual([settled.status, settled.settledAmount, settled.settledAt, settled.settlesAt], ['settled', 8_000, new Date(mondayMs).toISOString(), null]);
      await assertBalance(testApp, holder.userId, { total: 12_000, pending: 0, reserved: 0, available: 12_000 }, 'settled');
      const closed = await cardOf(testApp, card.id);
      assert.deepEqual([closed.status, closed.statusReason], ['closed', 'single_use_consumed']);
      assert.deepEqual(eventTypes(await eventsAbout(testApp, transaction.id)), ['transaction.created', 'transaction.settled']);
    });

    it('authorized on a Tuesday: settled a day later', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const now = Date.parse((await testApp.request('GET', '/v1/sandbox/clock')).json.now);
      // Move to the next Tuesday 09:00 UTC.
      const day = new Date(now);
      const daysAhead = ((2 - day.getUTCDay() + 7) % 7) + 7;
      const tuesdayMs = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() + daysAhead, 9);
      await placeSandboxTime(testApp, tuesdayMs);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const transaction = await approve(testApp, card.id, 3_000);
      assert.equal(transaction.settlesAt, new Date(tuesdayMs + daySeconds * 1000).toISOString());
      await advanceSandbox(testApp, daySeconds - 1);
      assert.equal((await transactionOf(testApp, transaction.id)).status, 'pending');
      await advanceSandbox(testApp, 1);
      assert.equal((await transactionOf(testApp, transaction.id)).status, 'settled');
      await assertBalance(testApp, holder.userId, { total: 17_000, pending: 0, reserved: 10_000, available: 7_000 }, 'settled');
    });
  });

  describe(`authorization expiry with settlement off (${kind})`, () => {
    const testApp = useTestApp({ store: kind, config: { settlementDelayMs: 0 } });

    it('an uncleared authorization is voided after 7 days (transaction.voided, voidReason "expired"); the single-use card is usable again and closes only when a transaction settles', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const transaction = await approve(testApp, card.id, 6_000);
      assert.equal(transaction.settlesAt, null);
      const authorizedMs = Date.parse(transaction.createdAt);
      assert.equal(transaction.expiresAt, new Date(authorizedMs + 7 * daySeconds * 1000).toISOString());
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 6_000, reserved: 0, available: 14_000 }, 'authorized');

      await advanceSandbox(testApp, 7 * daySeconds - 1);
      assert.equal((await transactionOf(testApp, transaction.id)).status, 'pending', 'no settlement schedule: still pending');
      assert.equal((await cardOf(testApp, card.id)).status, 'active');
      await advanceSandbox(testApp, 1);

      const expired = await transactionOf(testApp, transaction.id);
      assert.deepEqual([expired.status, expired.settledAmount, expired.voidedAt], ['voided', 0, new Date(authorizedMs + 7 * daySeconds * 1000).toISOString()]);
      const voided = await eventsAbout(testApp, transaction.id, 'transaction.voided');
      assert.equal(voided.length, 1);
      assert.deepEqual([voided[0]!.object.id, voided[0]!.object.status, voided[0]!.object.voidReason], [transaction.id, 'voided', 'expired']);
      await assertBalance(testApp, holder.userId, { total: 20_000, pending: 0, reserved: 10_000, available: 10_000 }, 'expired');
      const reopened = await cardOf(testApp, card.id);
      assert.deepEqual([reopened.status, reopened.reservation], ['active', 10_000], 'a voided single-use card is not closed');

      const again = await approve(testApp, card.id, 9_000);
      assert.equal((await cardOf(testApp, card.id)).status, 'active', 'pending: not closed yet');
      await post(testApp, `/v1/sandbox/transactions/${again.id}/clear`);
      await assertBalance(testApp, holder.userId, { total: 11_000, pending: 0, reserved: 0, available: 11_000 }, 'settled');
      assert.deepEqual([(await cardOf(testApp, card.id)).status, (await cardOf(testApp, card.id)).statusReason], ['closed', 'single_use_consumed']);
      // Without a settlement schedule nothing settles on its own, however long.
      const multi = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000 });
      const waiting = await approve(testApp, multi.id, 500);
      await advanceSandbox(testApp, 3 * daySeconds);
      assert.equal((await transactionOf(testApp, waiting.id)).status, 'pending');
    });
  });
}

for (const kind of storeKinds) {
  describe(`settlement due work alongside authorizations (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('a clock advance settling many of a user’s cards while authorizations arrive on them: nothing fails, nothing deadlocks', async () => {
      for (let round = 0; round < 2; round += 1) {
        const holder = await fundedCardholder(testApp, 10_000_000);
        const cards: string[] = [];
        for (let index = 0; index < 6; index += 1) cards.push((await issueCard(testApp, holder, { type: 'multi', maxAmount: 100_000, merchantDriftEnabled: false })).id);
        const pending: string[] = [];
        for (let index = 0; index < 48; index += 1) pending.push((await approve(testApp, cards[index % 6]!, 100)).id);
        const answers = await Promise.all([
          testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 3 * daySeconds } }),
          ...Array.from({ length: 48 }, (_, index) =>
            testApp.request('POST', '/v1/sandbox/authorizations', { body: { cardId: cards[5 - (index % 6)], amount: 100, merchant: { name: 'Amazon' } } }),
          ),
        ]);
        assert.deepEqual(
          answers.map((answer) => answer.statusCode).filter((status) => status !== 200),
          [],
          answers.find((answer) => answer.statusCode !== 200)?.body,
        );
        for (const id of pending) assert.equal((await transactionOf(testApp, id)).status, 'settled');
        await assertLedgerSound(testApp);
      }
    });
  });
}
