// Merchant drift on multi-use cards (SPEC §4 "Cards", "Risk engine"; seed 000 "Transaction Issues"), intent matching
// and attestation on authorization (SPEC §4 "Intents", docs/merchants.md), and reading transactions back: the list's
// filters and the agent-token scope (own only; another agent's transaction answers 404).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useTestApp, type TestApp } from '../helpers/app.js';
import { assertLedgerSound } from '../helpers/money.js';
import { advanceSandbox } from '../helpers/sandbox-clock.js';
import { storeKinds } from '../helpers/stores.js';
import {
  authorizeAt,
  cardOf,
  daySeconds,
  eventsAbout,
  fundedCardholder,
  hourSeconds,
  issueCard,
  post,
  presented,
  revealCard,
  transactionOf,
} from './arrange.js';

async function approve(testApp: TestApp, credentials: Record<string, unknown>, amountCents: number, merchant: string) {
  const transaction = await authorizeAt(testApp, credentials, amountCents, merchant);
  assert.equal(transaction.status, 'pending', JSON.stringify(transaction));
  return transaction;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function intentOf(testApp: TestApp, intentId: string): Promise<any> {
  const response = await testApp.request('GET', `/v1/intents/${intentId}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

function ids(list: { data: Array<{ id: string }> }): string[] {
  return list.data.map((item) => item.id);
}

for (const kind of storeKinds) {
  describe(`merchant drift on multi-use cards (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('the first approved authorization pins the card; the same merchant written differently is not drift; onDrift "alert" completes and records risk.merchant_drift', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      assert.deepEqual([card.merchantDriftEnabled, card.onDrift, card.pinnedMerchant], [true, 'alert', null], 'drift detection is on by default for multi-use cards');

      // A declined authorization pins nothing.
      assert.equal((await authorizeAt(testApp, { cardId: card.id }, 10_001, 'Best Buy')).declineReason, 'exceeds_max_amount');
      assert.equal((await cardOf(testApp, card.id)).pinnedMerchant, null);

      await approve(testApp, { cardId: card.id }, 1_000, 'AMZN Mktp US*1');
      assert.equal((await cardOf(testApp, card.id)).pinnedMerchant, 'amazon');
      for (const sameMerchant of ['Amazon.com', 'AMZN Mktp US*2K4TY7', 'Amazon Marketplace', 'amazon.co.uk']) {
        const again = await approve(testApp, { cardId: card.id }, 1_000, sameMerchant);
        assert.equal(again.merchant.normalizedName, 'amazon');
      }
      assert.deepEqual(await eventsAbout(testApp, card.id, 'risk.merchant_drift'), [], 'one merchant, many descriptors: no drift');

      const drifted = await approve(testApp, { cardId: card.id }, 1_000, 'Best Buy 00012345');
      const firings = await eventsAbout(testApp, card.id, 'risk.merchant_drift');
      assert.equal(firings.length, 1);
      assert.deepEqual(
        [firings[0]!.object.rule, firings[0]!.object.action, firings[0]!.object.cardId, firings[0]!.object.transactionId],
        ['merchantDrift', 'alert', card.id, drifted.id],
      );
      assert.match(firings[0]!.object.detail, /amazon/);
      assert.match(firings[0]!.object.detail, /bestbuy/);
      // Alert only: the card stays active and pinned to its first merchant.
      const after = await cardOf(testApp, card.id);
      assert.deepEqual([after.status, after.statusReason, after.pinnedMerchant], ['active', null, 'amazon']);
      await assertLedgerSound(testApp);
    });

    it('onDrift "freeze_card": the drifting authorization completes, risk.merchant_drift is recorded, the card freezes (risk_merchant_drift); unfreeze works', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, onDrift: 'freeze_card' });
      await approve(testApp, { cardId: card.id }, 1_000, 'Amazon');
      const drifted = await approve(testApp, { cardId: card.id }, 2_000, 'Best Buy');
      assert.equal((await eventsAbout(testApp, card.id, 'risk.merchant_drift')).length, 1);
      const frozen = await cardOf(testApp, card.id);
      assert.deepEqual([frozen.status, frozen.statusReason], ['frozen', 'risk_merchant_drift']);
      const frozenEvents = await eventsAbout(testApp, card.id, 'card.frozen');
      assert.equal(frozenEvents.length, 1);
      assert.deepEqual(frozenEvents[0]!.object.statusChange, { previousStatus: 'active', previousStatusReason: null, by: { kind: 'system', id: 'merchantDrift' } });

      // The frozen card declines; the drifting transaction itself is an ordinary pending one and clears.
      assert.equal((await authorizeAt(testApp, { cardId: card.id }, 1_000, 'Amazon')).declineReason, 'card_frozen');
      assert.equal((await post(testApp, `/v1/sandbox/transactions/${drifted.id}/clear`)).status, 'settled');

      const unfrozen = await post(testApp, `/v1/cards/${card.id}/unfreeze`);
      assert.deepEqual([unfrozen.status, unfrozen.statusReason], ['active', null]);
      const unfrozenEvents = await eventsAbout(testApp, card.id, 'card.unfrozen');
      assert.equal(unfrozenEvents[0]!.object.statusChange.previousStatusReason, 'risk_merchant_drift');
      await approve(testApp, { cardId: card.id }, 1_000, 'Amazon');
      // Still pinned to Amazon: drifting again freezes again.
      await approve(testApp, { cardId: card.id }, 1_000, 'Walmart');
      assert.equal((await cardOf(testApp, card.id)).status, 'frozen');
      assert.equal((await eventsAbout(testApp, card.id, 'risk.merchant_drift')).length, 2);
      await assertLedgerSound(testApp);
    });

    it('merchantDriftEnabled: false (at creation, or by PATCH later): no pin, no event', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const free = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false, onDrift: 'freeze_card' });
      for (const merchant of ['Amazon', 'Best Buy', 'Walmart', 'Starbucks']) await approve(testApp, { cardId: free.id }, 1_000, merchant);
      const after = await cardOf(testApp, free.id);
      assert.deepEqual([after.status, after.pinnedMerchant], ['active', null]);
      assert.deepEqual(await eventsAbout(testApp, free.id, 'risk.merchant_drift'), []);

      const patched = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, onDrift: 'decline' });
      await approve(testApp, { cardId: patched.id }, 1_000, 'Amazon');
      assert.equal((await authorizeAt(testApp, { cardId: patched.id }, 1_000, 'Best Buy')).declineReason, 'risk_declined');
      assert.equal((await testApp.request('PATCH', `/v1/cards/${patched.id}`, { body: { merchantDriftEnabled: false } })).statusCode, 200);
      await approve(testApp, { cardId: patched.id }, 1_000, 'Best Buy');
      assert.equal((await eventsAbout(testApp, patched.id, 'risk.merchant_drift')).length, 1, 'only the firing before the PATCH');
    });

    it('single-use cards are never checked for drift', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000, merchantDriftEnabled: true, onDrift: 'decline' });
      const first = await approve(testApp, { cardId: card.id }, 1_000, 'Amazon');
      await post(testApp, `/v1/sandbox/transactions/${first.id}/void`);
      await approve(testApp, { cardId: card.id }, 1_000, 'Best Buy');
      assert.deepEqual(await eventsAbout(testApp, card.id, 'risk.merchant_drift'), []);
    });
  });

  describe(`intent matching and attestation (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('the amount matches within 10 % of the declared amount, the boundary included; beyond it the intent is mismatched with its matchResult', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const cases: Array<[number, boolean]> = [
        [11_000, true],
        [9_000, true],
        [10_000, true],
        [11_001, false],
        [8_999, false],
      ];
      for (const [actual, matched] of cases) {
        const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
        const { intent, details } = await revealCard(testApp, holder, card.id, 10_000, 'Amazon');
        const transaction = await approve(testApp, presented(details), actual, 'AMZN Mktp US*2K4TY7');
        const expected = matched ? 'matched' : 'mismatched';
        assert.deepEqual(
          [transaction.intentMatch, transaction.attestationStatus, transaction.intentId, transaction.accessEventId],
          [expected, 'attested', intent.id, details.accessEventId],
          `${actual} against 10,000`,
        );
        const read = await intentOf(testApp, intent.id);
        assert.equal(read.status, expected);
        assert.deepEqual(read.matchResult, { amountMatch: matched, merchantMatch: true, actualAmount: actual, actualMerchant: 'amazon', declaredAmount: 10_000, declaredMerchant: 'amazon' });
        const events = await eventsAbout(testApp, intent.id);
        assert.deepEqual(
          events.map((event) => event.type).filter((type) => type === 'intent.matched' || type === 'intent.mismatched'),
          [`intent.${expected}`],
        );
        assert.equal(events.find((event) => event.type === `intent.${expected}`)!.object.status, expected);
      }
      await assertLedgerSound(testApp);
    });

    it('another merchant is mismatched (merchantMatch false) and the transaction still completes', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 15_000 });
      const { intent } = await revealCard(testApp, holder, card.id, 10_000, 'Amazon');
      const transaction = await approve(testApp, { cardId: card.id }, 10_000, 'Best Buy');
      assert.deepEqual([transaction.intentMatch, transaction.attestationStatus, transaction.intentId], ['mismatched', 'attested', intent.id]);
      const read = await intentOf(testApp, intent.id);
      assert.deepEqual(read.matchResult, { amountMatch: true, merchantMatch: false, actualAmount: 10_000, actualMerchant: 'bestbuy', declaredAmount: 10_000, declaredMerchant: 'amazon' });
      assert.equal((await eventsAbout(testApp, intent.id, 'intent.mismatched')).length, 1);
      assert.equal((await post(testApp, `/v1/sandbox/transactions/${transaction.id}/clear`)).status, 'settled');
    });

    it('of several revealed intents the authorization answers the one whose amount and merchant match', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 15_000, merchantDriftEnabled: false });
      const amazon = (await revealCard(testApp, holder, card.id, 5_000, 'Amazon')).intent;
      const bestBuy = (await revealCard(testApp, holder, card.id, 3_000, 'Best Buy')).intent;
      const first = await approve(testApp, { cardId: card.id }, 5_200, 'Amazon.com');
      assert.deepEqual([first.intentId, first.intentMatch], [amazon.id, 'matched']);
      assert.equal((await intentOf(testApp, bestBuy.id)).status, 'revealed', 'the other intent still waits');
      const second = await approve(testApp, { cardId: card.id }, 2_900, 'BEST BUY 00012345');
      assert.deepEqual([second.intentId, second.intentMatch], [bestBuy.id, 'matched']);
      // No revealed intent is left: the next authorization is unattested.
      const third = await approve(testApp, { cardId: card.id }, 100, 'Amazon');
      assert.deepEqual([third.intentId, third.intentMatch, third.attestationStatus], [null, null, 'unattested']);
    });

    it('attestationStatus "unattested": no intent, or an intent whose details were never read', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const bare = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const none = await approve(testApp, { cardId: bare.id }, 1_000, 'Amazon');
      assert.deepEqual([none.attestationStatus, none.intentId, none.intentMatch, none.accessEventId], ['unattested', null, null, null]);

      const declared = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const intent = await testApp.request('POST', `/v1/cards/${declared.id}/intents`, { key: holder.agentToken, body: { summary: 'a purchase', amount: 1_000, merchantText: 'Amazon' } });
      assert.equal(intent.json.status, 'pending');
      const pendingOnly = await approve(testApp, { cardId: declared.id }, 1_000, 'Amazon');
      assert.deepEqual([pendingOnly.attestationStatus, pendingOnly.intentId], ['unattested', null]);
      assert.equal((await intentOf(testApp, intent.json.id)).status, 'pending');
    });

    it('attestationStatus "stale": details were read, then the 24 hours passed before the authorization', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      // Just inside the 24 hours: the intent is still answered (matched), but the access is older than the card's
      // attestation window, so the authorization is stale (test "attestationWindowMinutes" below).
      const inTime = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const early = await revealCard(testApp, holder, inTime.id, 1_000, 'Amazon');
      // After due work has expired the intent.
      const swept = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const sweptIntent = (await revealCard(testApp, holder, swept.id, 1_000, 'Amazon')).intent;
      await advanceSandbox(testApp, daySeconds - 1);
      const attested = await approve(testApp, presented(early.details), 1_000, 'Amazon');
      assert.deepEqual([attested.attestationStatus, attested.intentMatch, attested.intentId], ['stale', 'matched', early.intent.id]);

      await advanceSandbox(testApp, 1);
      assert.equal((await intentOf(testApp, sweptIntent.id)).status, 'expired');
      assert.equal((await eventsAbout(testApp, sweptIntent.id, 'intent.expired')).length, 1);
      const stale = await approve(testApp, { cardId: swept.id }, 1_000, 'Amazon');
      assert.deepEqual([stale.attestationStatus, stale.intentId, stale.intentMatch, stale.accessEventId], ['stale', null, null, null]);
      assert.equal((await intentOf(testApp, sweptIntent.id)).status, 'expired', 'an expired intent is not matched');

      // Before due work has run: only the wall clock moves past the 24 hours, so the intent still reads revealed in the
      // database when the authorization comes.
      const unswept = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const unsweptIntent = (await revealCard(testApp, holder, unswept.id, 1_000, 'Amazon')).intent;
      testApp.clock.advanceMs(daySeconds * 1000);
      const row = await testApp.store.db.get<{ status: string }>('SELECT status FROM intents WHERE id = ?', [unsweptIntent.id]);
      assert.equal(row?.status, 'revealed');
      const staleUnswept = await approve(testApp, { cardId: unswept.id }, 1_000, 'Amazon');
      assert.deepEqual([staleUnswept.attestationStatus, staleUnswept.intentId], ['stale', null]);
      assert.equal((await intentOf(testApp, unsweptIntent.id)).status, 'expired');
      await assertLedgerSound(testApp);
    });

    it('attestationWindowMinutes: attested within the window after the credential access (default 10, boundary included), stale after it; a fresh access attests again', async () => {
      const holder = await fundedCardholder(testApp, 60_000);
      const byDefault = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      assert.equal(byDefault.attestationWindowMinutes, 10);
      await revealCard(testApp, holder, byDefault.id, 1_000, 'Amazon');
      await advanceSandbox(testApp, 10 * 60);
      const atBoundary = await approve(testApp, { cardId: byDefault.id }, 1_000, 'Amazon');
      assert.deepEqual([atBoundary.attestationStatus, atBoundary.intentMatch], ['attested', 'matched']);

      const wide = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, attestationWindowMinutes: 60 });
      await revealCard(testApp, holder, wide.id, 1_000, 'Amazon');
      await advanceSandbox(testApp, 60 * 60);
      assert.equal((await approve(testApp, { cardId: wide.id }, 1_000, 'Amazon')).attestationStatus, 'attested');

      const narrow = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, attestationWindowMinutes: 1 });
      const first = await revealCard(testApp, holder, narrow.id, 1_000, 'Amazon');
      await advanceSandbox(testApp, 61);
      const late = await approve(testApp, { cardId: narrow.id }, 1_000, 'Amazon');
      assert.deepEqual([late.attestationStatus, late.intentMatch, late.intentId], ['stale', 'matched', first.intent.id]);
      // Reading the details again for a new intent attests the next authorization.
      await revealCard(testApp, holder, narrow.id, 2_000, 'Amazon');
      assert.equal((await approve(testApp, { cardId: narrow.id }, 2_000, 'Amazon')).attestationStatus, 'attested');

      for (const [bad, status] of [[0, 422], [61, 422], [1.5, 400]] as const) {
        const refused = await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'p', maxAmount: 1_000, attestationWindowMinutes: bad } });
        assert.equal(refused.statusCode, status, refused.body);
        assert.equal(refused.json.error.param, 'attestationWindowMinutes');
      }
      await assertLedgerSound(testApp);
    });
  });

  describe(`reading transactions (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('GET /v1/transactions filters by cardId, agentId, userId, status and from/to, newest first, page by page', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const other = await post(testApp, '/v1/agents/register', { userId: holder.userId, name: 'second agent' });
      const cardOne = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000, merchantDriftEnabled: false });
      const cardTwo = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000, merchantDriftEnabled: false });
      const otherCard = (await post(testApp, `/v1/agents/${other.id}/cards`, { purpose: 'other', type: 'multi', maxAmount: 5_000 })).id as string;

      const t0 = await approve(testApp, { cardId: cardOne.id }, 1_000, 'Amazon');
      const t1 = await authorizeAt(testApp, { cardId: cardOne.id }, 5_001, 'Amazon');
      assert.equal(t1.status, 'declined');
      const t2 = await approve(testApp, { cardId: cardTwo.id }, 2_000, 'Amazon');
      await advanceSandbox(testApp, hourSeconds);
      const t3 = await approve(testApp, { cardId: cardTwo.id }, 3_000, 'Amazon');
      await post(testApp, `/v1/sandbox/transactions/${t3.id}/void`);
      const t4 = await approve(testApp, { cardId: otherCard }, 4_000, 'Amazon');

      const list = async (query: string, key?: string) => {
        const response = await testApp.request('GET', `/v1/transactions?${query}`, key === undefined ? {} : { key });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.json.object, 'list');
        return response.json;
      };
      assert.deepEqual(ids(await list(`userId=${holder.userId}`)), [t4.id, t3.id, t2.id, t1.id, t0.id]);
      assert.deepEqual(ids(await list(`cardId=${cardOne.id}`)), [t1.id, t0.id]);
      assert.deepEqual(ids(await list(`agentId=${holder.agentId}`)), [t3.id, t2.id, t1.id, t0.id]);
      assert.deepEqual(ids(await list(`agentId=${other.id}`)), [t4.id]);
      assert.deepEqual(ids(await list(`agentId=${holder.agentId}&status=declined`)), [t1.id]);
      assert.deepEqual(ids(await list(`userId=${holder.userId}&status=voided`)), [t3.id]);
      assert.deepEqual(ids(await list(`userId=${holder.userId}&status=pending`)), [t4.id, t2.id, t0.id]);
      assert.deepEqual(ids(await list(`userId=${holder.userId}&status=settled`)), []);
      const boundary = encodeURIComponent(t3.createdAt);
      assert.deepEqual(ids(await list(`userId=${holder.userId}&from=${boundary}`)), [t4.id, t3.id], 'from is inclusive');
      assert.deepEqual(ids(await list(`userId=${holder.userId}&to=${boundary}`)), [t2.id, t1.id, t0.id], 'to is exclusive');
      assert.deepEqual(ids(await list(`cardId=${cardTwo.id}&from=${encodeURIComponent(t0.createdAt)}&to=${boundary}`)), [t2.id]);
      const listed = (await list(`cardId=${cardOne.id}&status=declined`)).data[0];
      assert.deepEqual([listed.declineReason, listed.cardId, listed.agentId, listed.userId], ['exceeds_max_amount', cardOne.id, holder.agentId, holder.userId]);

      // Pages of two, newest first.
      const first = await list(`userId=${holder.userId}&limit=2`);
      assert.deepEqual([ids(first), first.hasMore], [[t4.id, t3.id], true]);
      const second = await list(`userId=${holder.userId}&limit=2&cursor=${encodeURIComponent(first.nextCursor)}`);
      assert.deepEqual([ids(second), second.hasMore], [[t2.id, t1.id], true]);
      const third = await list(`userId=${holder.userId}&limit=2&cursor=${encodeURIComponent(second.nextCursor)}`);
      assert.deepEqual([ids(third), third.hasMore, third.nextCursor], [[t0.id], false, null]);

      // Bad filters are 422.
      const badStatus = await testApp.request('GET', '/v1/transactions?status=lost');
      assertError(badStatus, { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'status' });
      const badTime = await testApp.request('GET', '/v1/transactions?from=yesterday');
      assert.equal(badTime.statusCode, 422, badTime.body);

      // An agent token sees only its own agent's transactions, silently filtered; another's answers 404.
      assert.deepEqual(ids(await list('limit=100', holder.agentToken)), [t3.id, t2.id, t1.id, t0.id]);
      assert.deepEqual(ids(await list(`agentId=${other.id}`, holder.agentToken)), []);
      assert.deepEqual(ids(await list(`userId=${holder.userId}`, holder.agentToken)), [t3.id, t2.id, t1.id, t0.id]);
      assert.deepEqual(ids(await list(`cardId=${otherCard}`, holder.agentToken)), []);
      assert.deepEqual(ids(await list('limit=100', other.token)), [t4.id]);
      assert.equal((await testApp.request('GET', `/v1/transactions/${t0.id}`, { key: holder.agentToken })).json.id, t0.id);
      assertError(await testApp.request('GET', `/v1/transactions/${t4.id}`, { key: holder.agentToken }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('GET', `/v1/transactions/${t0.id}`, { key: other.token }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('GET', '/v1/transactions/txn_doesnotexist'), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      // The transaction read back is what the network answered.
      const read = await transactionOf(testApp, t0.id);
      assert.deepEqual({ ...read, updatedAt: t0.updatedAt }, t0);
    });
  });
}
