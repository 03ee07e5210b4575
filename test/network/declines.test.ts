// Every decline code of the authorization decision (SPEC §4 "Authorization decision"), produced through
// POST /v1/sandbox/authorizations: the answer is a 200 transaction with status declined and the reason, a
// transaction.declined event is recorded, no balance moves and the ledger stays sound. Then the order of the checks
// (the first that fails names the decline) and the side effects of limit declines (card and agent onLimitExceeded).
// `challenge_failed` (3-D Secure) is tested with the challenge flow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { declineCodes } from '../../src/domain/authorization.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { useTestApp, type TestApp } from '../helpers/app.js';
import { assertLedgerSound, createApprovedUser, fundUser } from '../helpers/money.js';
import { advanceSandbox } from '../helpers/sandbox-clock.js';
import { storeKinds } from '../helpers/stores.js';
import {
  authorizeAt,
  balanceWithDebtOf,
  cardOf,
  daySeconds,
  eventsAbout,
  fundedCardholder,
  hourSeconds,
  issueCard,
  otherCvv,
  placeSandboxTime,
  post,
  presented,
  revealCard,
  transactionOf,
  type MerchantPresented,
} from './arrange.js';

/** The codes this file produces (every one but 3-D Secure's). */
const coveredHere = new Set<string>();

/**
 * Authorizes and asserts a decline with `code`: the transaction, its one transaction.declined event, every listed
 * user's balance unchanged, and a sound ledger.
 */
async function assertDeclined(testApp: TestApp, credentials: Record<string, unknown>, amountCents: number, merchant: MerchantPresented, code: string, userIds: string[]) {
  const before = await Promise.all(userIds.map((userId) => balanceWithDebtOf(testApp, userId)));
  const transaction = await authorizeAt(testApp, credentials, amountCents, merchant);
  assert.equal(transaction.status, 'declined', JSON.stringify(transaction));
  assert.equal(transaction.declineReason, code, JSON.stringify(transaction));
  assert.equal(typeof transaction.declineDetail, 'string');
  assert.equal(transaction.amount, amountCents);
  assert.deepEqual([transaction.settledAmount, transaction.refundedAmount, transaction.settlesAt, transaction.expiresAt], [0, 0, null, null]);
  const events = await eventsAbout(testApp, transaction.id);
  assert.deepEqual(
    events.filter((event) => event.type.startsWith('transaction.')).map((event) => [event.type, event.object.declineReason]),
    [['transaction.declined', code]],
  );
  const transfers = await testApp.store.db.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM ledger_transfers WHERE reference LIKE ?', [`${transaction.id}%`]);
  assert.equal(Number(transfers?.count), 0, 'a decline posts no transfer');
  assert.deepEqual(await Promise.all(userIds.map((userId) => balanceWithDebtOf(testApp, userId))), before, 'a decline moves no money');
  assert.deepEqual((await transactionOf(testApp, transaction.id)).declineReason, code);
  await assertLedgerSound(testApp);
  coveredHere.add(code);
  return transaction;
}

async function assertApproved(testApp: TestApp, credentials: Record<string, unknown>, amountCents: number, merchant: MerchantPresented) {
  const transaction = await authorizeAt(testApp, credentials, amountCents, merchant);
  assert.equal(transaction.status, 'pending', JSON.stringify(transaction));
  return transaction;
}

for (const kind of storeKinds) {
  describe(`declines through the sandbox network (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('invalid_card: an unknown PAN, and another tenant’s card by cardId or by PAN', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const unknown = await assertDeclined(testApp, { pan: '4000001234567899', cvv: '123', expirationMonth: '01', expirationYear: '2030' }, 5_000, 'Amazon', 'invalid_card', [holder.userId]);
      assert.deepEqual([unknown.cardId, unknown.agentId, unknown.userId], [null, null, null]);

      // Another organization's card: an unknown card to this tenant, whether named by id or presented by number.
      const other = await initializeOrganization(testApp.store.db, 'Other organization', testApp.clock.nowMs());
      const otherScope = { organizationId: other.organization.id, environment: 'sandbox' as const };
      const otherUserId = await createApprovedUser(testApp.store.db, otherScope, testApp.clock.nowMs());
      await fundUser(testApp.store.db, otherScope, otherUserId, 20_000, testApp.clock.nowMs());
      const otherAgent = await testApp.request('POST', '/v1/agents/register', { key: other.sandboxKey, body: { userId: otherUserId, name: 'other agent' } });
      const otherCard = await testApp.request('POST', `/v1/agents/${otherAgent.json.id}/cards`, { key: other.sandboxKey, body: { purpose: 'theirs', type: 'multi', maxAmount: 10_000 } });
      assert.equal(otherCard.statusCode, 200, otherCard.body);
      const intent = { summary: 'theirs', amount: 5_000, merchantText: 'Amazon' };
      assert.equal((await testApp.request('POST', `/v1/cards/${otherCard.json.id}/intents`, { key: otherAgent.json.token, body: intent })).statusCode, 200);
      const details = await testApp.request('POST', `/v1/cards/${otherCard.json.id}/details`, { key: otherAgent.json.token, body: { summary: 'theirs', expectedAmount: 5_000, merchantText: 'Amazon' } });
      assert.equal(details.statusCode, 200, details.body);
      const otherBalance = async () => (await testApp.request('GET', `/v1/balances/${otherUserId}`, { key: other.sandboxKey })).json;
      const otherBefore = await otherBalance();

      const byId = await assertDeclined(testApp, { cardId: otherCard.json.id }, 5_000, 'Amazon', 'invalid_card', [holder.userId]);
      assert.deepEqual([byId.cardId, byId.agentId, byId.userId], [null, null, null], 'nothing of the other tenant is shown');
      const byPan = await assertDeclined(testApp, presented(details.json), 5_000, 'Amazon', 'invalid_card', [holder.userId]);
      assert.equal(byPan.cardId, null);
      assert.deepEqual(await otherBalance(), otherBefore);
      // The card itself works for its own tenant.
      const theirs = await testApp.request('POST', '/v1/sandbox/authorizations', { key: other.sandboxKey, body: { cardId: otherCard.json.id, amount: 5_000, merchant: { name: 'Amazon' } } });
      assert.equal(theirs.json.status, 'pending', theirs.body);
      // …and this tenant's lists never show the other's declined attempts' card.
      const listed = await testApp.request('GET', `/v1/transactions?cardId=${otherCard.json.id}`);
      assert.deepEqual(listed.json.data, []);
    });

    it('incorrect_cvv: the right number and expiry with another CVV', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      const declined = await assertDeclined(testApp, { ...presented(details), cvv: otherCvv(details.cvv) }, 5_000, 'Amazon', 'incorrect_cvv', [holder.userId]);
      assert.deepEqual([declined.cardId, declined.agentId, declined.userId], [card.id, holder.agentId, holder.userId]);
      // The failed attempt does not consume the single-use card.
      await assertApproved(testApp, presented(details), 5_000, 'Amazon');
    });

    it('card_expired: a wrong expiry presented (month or year)', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      const nextYear = String(Number(details.expirationYear) + 1);
      await assertDeclined(testApp, { ...presented(details), expirationYear: nextYear }, 5_000, 'Amazon', 'card_expired', [holder.userId]);
      const otherMonth = String((Number(details.expirationMonth) % 12) + 1).padStart(2, '0');
      await assertDeclined(testApp, { ...presented(details), expirationMonth: otherMonth }, 5_000, 'Amazon', 'card_expired', [holder.userId]);
      await assertApproved(testApp, presented(details), 5_000, 'Amazon');
    });

    it('card_closed: a manually closed card', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      await post(testApp, `/v1/cards/${card.id}/close`);
      await assertDeclined(testApp, presented(details), 5_000, 'Amazon', 'card_closed', [holder.userId]);
      await assertDeclined(testApp, { cardId: card.id }, 5_000, 'Amazon', 'card_closed', [holder.userId]);
    });

    it('card_frozen: a frozen card; unfreezing lets it authorize again', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await post(testApp, `/v1/cards/${card.id}/freeze`);
      await assertDeclined(testApp, { cardId: card.id }, 5_000, 'Amazon', 'card_frozen', [holder.userId]);
      await post(testApp, `/v1/cards/${card.id}/unfreeze`);
      await assertApproved(testApp, { cardId: card.id }, 5_000, 'Amazon');
    });

    it('single_use_consumed: a single-use card after its first approval', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      await assertApproved(testApp, presented(details), 5_000, 'Amazon');
      await assertDeclined(testApp, presented(details), 5_000, 'Amazon', 'single_use_consumed', [holder.userId]);
      await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'single_use_consumed', [holder.userId]);
      // Pending, not settled: the card is consumed but still open.
      assert.equal((await cardOf(testApp, card.id)).status, 'active');
    });

    it('user_not_approved: the cardholder moved to manualReview', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const review = await post(testApp, `/v1/sandbox/users/${holder.userId}/verification`, { outcome: 'manualReview' });
      assert.equal(review.applicationStatus, 'manualReview');
      await assertDeclined(testApp, { cardId: card.id }, 5_000, 'Amazon', 'user_not_approved', [holder.userId]);
      await post(testApp, `/v1/sandbox/users/${holder.userId}/verification`, { outcome: 'approved' });
      await assertApproved(testApp, { cardId: card.id }, 5_000, 'Amazon');
    });

    it('agent_suspended: suspension freezes the cards; a card unfrozen by hand still declines for its suspended agent', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const suspended = await post(testApp, `/v1/agents/${holder.agentId}/suspend`);
      assert.equal(suspended.status, 'suspended');
      const frozen = await cardOf(testApp, card.id);
      assert.deepEqual([frozen.status, frozen.statusReason], ['frozen', 'agent_suspended']);
      // Frozen comes first in the order of checks.
      await assertDeclined(testApp, { cardId: card.id }, 5_000, 'Amazon', 'card_frozen', [holder.userId]);
      await post(testApp, `/v1/cards/${card.id}/unfreeze`);
      assert.equal((await cardOf(testApp, card.id)).status, 'active');
      await assertDeclined(testApp, { cardId: card.id }, 5_000, 'Amazon', 'agent_suspended', [holder.userId]);
      // Activating the agent lets the card authorize again.
      await post(testApp, `/v1/agents/${holder.agentId}/activate`);
      await assertApproved(testApp, { cardId: card.id }, 5_000, 'Amazon');
    });

    it('exceeds_max_amount: one cent over maxAmount; maxAmount itself is approved', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      await assertDeclined(testApp, { cardId: card.id }, 10_001, 'Amazon', 'exceeds_max_amount', [holder.userId]);
      await assertApproved(testApp, { cardId: card.id }, 10_000, 'Amazon');
    });

    it('card_limit_exceeded: limits.perDay and limits.perMonth, the boundary included', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const daily = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perDay: 15_000 } });
      await assertApproved(testApp, { cardId: daily.id }, 8_000, 'Amazon');
      const overDay = await assertDeclined(testApp, { cardId: daily.id }, 7_001, 'Amazon', 'card_limit_exceeded', [holder.userId]);
      assert.match(overDay.declineDetail, /daily/);
      await assertApproved(testApp, { cardId: daily.id }, 7_000, 'Amazon');
      await assertDeclined(testApp, { cardId: daily.id }, 1, 'Amazon', 'card_limit_exceeded', [holder.userId]);

      const monthly = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perMonth: 12_000 } });
      await assertApproved(testApp, { cardId: monthly.id }, 10_000, 'Amazon');
      const overMonth = await assertDeclined(testApp, { cardId: monthly.id }, 2_001, 'Amazon', 'card_limit_exceeded', [holder.userId]);
      assert.match(overMonth.declineDetail, /monthly/);
      await assertApproved(testApp, { cardId: monthly.id }, 2_000, 'Amazon');
      // The default onLimitExceeded (decline) leaves the card active.
      assert.equal((await cardOf(testApp, monthly.id)).status, 'active');
    });

    it('card_limit_exceeded: a voided authorization gives its amount back to the window', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perDay: 10_000 } });
      const first = await assertApproved(testApp, { cardId: card.id }, 10_000, 'Amazon');
      await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'card_limit_exceeded', [holder.userId]);
      await post(testApp, `/v1/sandbox/transactions/${first.id}/void`);
      await assertApproved(testApp, { cardId: card.id }, 10_000, 'Amazon');
    });

    it('agent_limit_exceeded: perTransaction judges each authorization alone', async () => {
      const holder = await fundedCardholder(testApp, 100_000, { spendingLimit: 5_000, spendingLimitFrequency: 'perTransaction' });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await assertDeclined(testApp, { cardId: card.id }, 5_001, 'Amazon', 'agent_limit_exceeded', [holder.userId]);
      await assertApproved(testApp, { cardId: card.id }, 5_000, 'Amazon');
      await assertApproved(testApp, { cardId: card.id }, 5_000, 'Amazon');
      await assertDeclined(testApp, { cardId: card.id }, 5_001, 'Amazon', 'agent_limit_exceeded', [holder.userId]);
    });

    it('agent_limit_exceeded: perMonth counts every card of the agent, the boundary included', async () => {
      const holder = await fundedCardholder(testApp, 100_000, { spendingLimit: 12_000, spendingLimitFrequency: 'perMonth' });
      const first = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const second = await issueCard(testApp, holder, { type: 'single', maxAmount: 10_000 });
      await assertApproved(testApp, { cardId: first.id }, 10_000, 'Amazon');
      await assertDeclined(testApp, { cardId: second.id }, 2_001, 'Amazon', 'agent_limit_exceeded', [holder.userId]);
      await assertApproved(testApp, { cardId: second.id }, 2_000, 'Amazon');
      const policy = await testApp.request('GET', `/v1/agents/${holder.agentId}/policy`);
      assert.deepEqual([policy.json.currentSpend, policy.json.remaining], [12_000, 0]);
    });

    it('risk_declined: a multi-use card with onDrift "decline" at a second merchant', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, onDrift: 'decline' });
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'AMZN Mktp US*2K4TY7');
      const declined = await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Best Buy', 'risk_declined', [holder.userId]);
      assert.match(declined.declineDetail, /merchantDrift/);
      const firings = await eventsAbout(testApp, declined.id, 'risk.merchant_drift');
      assert.equal(firings.length, 1);
      assert.deepEqual([firings[0]!.object.action, firings[0]!.object.cardId], ['decline', card.id]);
      // The card stays pinned to its first merchant, and stays active.
      const after = await cardOf(testApp, card.id);
      assert.deepEqual([after.status, after.pinnedMerchant], ['active', 'amazon']);
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon.com');
    });

    it('insufficient_funds: the card’s reservation plus available falls short', async () => {
      // 15,000 funds, a multi-use card of 10,000: reserved 10,000, available 5,000.
      const holder = await fundedCardholder(testApp, 15_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      // 8,000 from the reservation; it is topped back up from available as far as it allows (2,000 + 5,000).
      await assertApproved(testApp, { cardId: card.id }, 8_000, 'Amazon');
      assert.deepEqual(await balanceWithDebtOf(testApp, holder.userId), { total: 15_000, pending: 8_000, reserved: 7_000, available: 0, debt: 0 });
      const declined = await assertDeclined(testApp, { cardId: card.id }, 7_001, 'Amazon', 'insufficient_funds', [holder.userId]);
      assert.match(declined.declineDetail, /7000/);
      await assertApproved(testApp, { cardId: card.id }, 7_000, 'Amazon');
      assert.deepEqual(await balanceWithDebtOf(testApp, holder.userId), { total: 15_000, pending: 15_000, reserved: 0, available: 0, debt: 0 });
      await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'insufficient_funds', [holder.userId]);
    });

    it('order of checks: the earlier check names the decline', async () => {
      const holder = await fundedCardholder(testApp, 100_000, { spendingLimit: 3_000, spendingLimitFrequency: 'perTransaction' });
      const users = [holder.userId];

      // Credentials before status: a frozen card with a wrong CVV; a closed card with a wrong expiry.
      const frozen = await issueCard(testApp, holder, { type: 'single', maxAmount: 2_000 });
      const { details } = await revealCard(testApp, holder, frozen.id, 1_000, 'Amazon');
      await post(testApp, `/v1/cards/${frozen.id}/freeze`);
      await assertDeclined(testApp, { ...presented(details), cvv: otherCvv(details.cvv) }, 1_000, 'Amazon', 'incorrect_cvv', users);
      // A frozen card over its maxAmount (and over the agent's limit): card_frozen.
      await assertDeclined(testApp, presented(details), 50_000, 'Amazon', 'card_frozen', users);
      await post(testApp, `/v1/cards/${frozen.id}/close`);
      await assertDeclined(testApp, { ...presented(details), expirationYear: String(Number(details.expirationYear) + 1) }, 1_000, 'Amazon', 'card_expired', users);
      await assertDeclined(testApp, presented(details), 50_000, 'Amazon', 'card_closed', users);

      // A consumed single-use card over its maxAmount: single_use_consumed.
      const single = await issueCard(testApp, holder, { type: 'single', maxAmount: 2_000 });
      await assertApproved(testApp, { cardId: single.id }, 1_000, 'Amazon');
      await assertDeclined(testApp, { cardId: single.id }, 50_000, 'Amazon', 'single_use_consumed', users);

      // Over maxAmount and over the card's daily limit and the agent's limit: exceeds_max_amount.
      const limited = await issueCard(testApp, holder, { type: 'multi', maxAmount: 2_500, limits: { perDay: 2_000 }, onDrift: 'decline' });
      await assertDeclined(testApp, { cardId: limited.id }, 3_001, 'Amazon', 'exceeds_max_amount', users);
      // Over the card's daily limit at a drifting merchant (onDrift decline): card_limit_exceeded.
      await assertApproved(testApp, { cardId: limited.id }, 1_500, 'Amazon');
      await assertDeclined(testApp, { cardId: limited.id }, 2_500, 'Best Buy', 'card_limit_exceeded', users);

      // Over maxAmount, at a drifting merchant, beyond the funds: exceeds_max_amount; within maxAmount: risk_declined
      // before insufficient_funds.
      const poorHolder = await fundedCardholder(testApp, 1_000, { spendingLimit: 1_500, spendingLimitFrequency: 'perTransaction' });
      const poor = await issueCard(testApp, poorHolder, { type: 'multi', maxAmount: 1_000, onDrift: 'decline' });
      await assertApproved(testApp, { cardId: poor.id }, 1_000, 'Amazon');
      await assertDeclined(testApp, { cardId: poor.id }, 1_600, 'Best Buy', 'exceeds_max_amount', [poorHolder.userId]);
      await assertDeclined(testApp, { cardId: poor.id }, 1_000, 'Best Buy', 'risk_declined', [poorHolder.userId]);
      await assertDeclined(testApp, { cardId: poor.id }, 1_000, 'Amazon', 'insufficient_funds', [poorHolder.userId]);
      await post(testApp, `/v1/sandbox/users/${poorHolder.userId}/verification`, { outcome: 'manualReview' });
      await post(testApp, `/v1/agents/${poorHolder.agentId}/suspend`);
      await post(testApp, `/v1/cards/${poor.id}/unfreeze`);
      // User not approved and agent suspended: user_not_approved; approved again: agent_suspended.
      await assertDeclined(testApp, { cardId: poor.id }, 1_600, 'Best Buy', 'user_not_approved', [poorHolder.userId]);
      await post(testApp, `/v1/sandbox/users/${poorHolder.userId}/verification`, { outcome: 'approved' });
      await assertDeclined(testApp, { cardId: poor.id }, 1_600, 'Best Buy', 'agent_suspended', [poorHolder.userId]);
    });

    it('order of checks: agent limit before risk and funds; risk before funds', async () => {
      const holder = await fundedCardholder(testApp, 1_000, { spendingLimit: 800, spendingLimitFrequency: 'perTransaction' });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000, onDrift: 'decline' });
      await assertApproved(testApp, { cardId: card.id }, 800, 'Amazon');
      // Reservation 200 and available 0 left: 900 is beyond the funds, the agent's limit, and at another merchant.
      await assertDeclined(testApp, { cardId: card.id }, 900, 'Best Buy', 'agent_limit_exceeded', [holder.userId]);
      await assertDeclined(testApp, { cardId: card.id }, 700, 'Best Buy', 'risk_declined', [holder.userId]);
      await assertDeclined(testApp, { cardId: card.id }, 700, 'Amazon', 'insufficient_funds', [holder.userId]);
      await assertApproved(testApp, { cardId: card.id }, 200, 'Amazon');
    });

    it('card onLimitExceeded "freeze": the decline freezes the card (limit_exceeded, card.frozen); later attempts decline card_frozen', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perDay: 10_000 }, onLimitExceeded: 'freeze' });
      await assertApproved(testApp, { cardId: card.id }, 9_000, 'Amazon');
      await assertDeclined(testApp, { cardId: card.id }, 1_001, 'Amazon', 'card_limit_exceeded', [holder.userId]);
      const frozen = await cardOf(testApp, card.id);
      assert.deepEqual([frozen.status, frozen.statusReason], ['frozen', 'limit_exceeded']);
      const events = await eventsAbout(testApp, card.id, 'card.frozen');
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]!.object.statusChange, { previousStatus: 'active', previousStatusReason: null, by: { kind: 'system', id: 'card_limit_exceeded' } });
      assert.equal(events[0]!.object.statusReason, 'limit_exceeded');
      await assertDeclined(testApp, { cardId: card.id }, 500, 'Amazon', 'card_frozen', [holder.userId]);
      // Raise the limit, unfreeze: it authorizes again.
      assert.equal((await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { limits: { perDay: 20_000 } } })).statusCode, 200);
      await post(testApp, `/v1/cards/${card.id}/unfreeze`);
      await assertApproved(testApp, { cardId: card.id }, 1_001, 'Amazon');
    });

    it('agent onLimitExceeded: "none" only declines, "notify" records agent.limit_exceeded, "suspend" also suspends the agent and freezes its cards', async () => {
      const quiet = await fundedCardholder(testApp, 20_000, { spendingLimit: 1_000, spendingLimitFrequency: 'perTransaction' });
      const quietCard = await issueCard(testApp, quiet, { type: 'multi', maxAmount: 5_000 });
      await assertDeclined(testApp, { cardId: quietCard.id }, 1_001, 'Amazon', 'agent_limit_exceeded', [quiet.userId]);
      assert.deepEqual(await eventsAbout(testApp, quiet.agentId, 'agent.limit_exceeded'), []);

      const notify = await fundedCardholder(testApp, 20_000, { spendingLimit: 1_000, spendingLimitFrequency: 'perTransaction', onLimitExceeded: 'notify' });
      const notifyCard = await issueCard(testApp, notify, { type: 'multi', maxAmount: 5_000 });
      await assertDeclined(testApp, { cardId: notifyCard.id }, 1_001, 'Amazon', 'agent_limit_exceeded', [notify.userId]);
      const notified = await eventsAbout(testApp, notify.agentId, 'agent.limit_exceeded');
      assert.equal(notified.length, 1);
      assert.deepEqual([notified[0]!.object.agentId, notified[0]!.object.spendingLimit, notified[0]!.object.attemptedAmount], [notify.agentId, 1_000, 1_001]);
      assert.equal((await testApp.request('GET', `/v1/agents/${notify.agentId}`)).json.status, 'active');
      assert.equal((await cardOf(testApp, notifyCard.id)).status, 'active');

      const strict = await fundedCardholder(testApp, 20_000, { spendingLimit: 1_000, spendingLimitFrequency: 'perTransaction', onLimitExceeded: 'suspend' });
      const strictCard = await issueCard(testApp, strict, { type: 'multi', maxAmount: 5_000 });
      const otherCard = await issueCard(testApp, strict, { type: 'single', maxAmount: 5_000 });
      await assertDeclined(testApp, { cardId: strictCard.id }, 1_001, 'Amazon', 'agent_limit_exceeded', [strict.userId]);
      const agent = (await testApp.request('GET', `/v1/agents/${strict.agentId}`)).json;
      assert.deepEqual([agent.status, agent.statusReason], ['suspended', 'limit_exceeded']);
      assert.deepEqual(
        (await eventsAbout(testApp, strict.agentId)).map((event) => event.type).filter((type) => type.startsWith('agent.')),
        ['agent.created', 'agent.limit_exceeded', 'agent.suspended'],
      );
      for (const cardId of [strictCard.id, otherCard.id]) {
        const card = await cardOf(testApp, cardId);
        assert.deepEqual([card.status, card.statusReason], ['frozen', 'agent_suspended']);
        assert.equal((await eventsAbout(testApp, cardId, 'card.frozen')).length, 1);
      }
      await assertDeclined(testApp, { cardId: otherCard.id }, 500, 'Amazon', 'card_frozen', [strict.userId]);
      // Activating the agent unfreezes the cards its suspension froze.
      await post(testApp, `/v1/agents/${strict.agentId}/activate`);
      await assertApproved(testApp, { cardId: otherCard.id }, 500, 'Amazon');
    });
  });

  describe(`concurrent authorizations (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function burst(requests: Array<{ cardId: string; amountCents: number; merchant?: string }>) {
      const answers = await Promise.all(requests.map((request) => authorizeAt(testApp, { cardId: request.cardId }, request.amountCents, request.merchant ?? 'Amazon')));
      const reasons = new Map<string, number>();
      for (const answer of answers) {
        const key = answer.status === 'pending' ? 'approved' : String(answer.declineReason);
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      return Object.fromEntries(reasons);
    }

    it('no limit is exceeded and no balance goes below zero, however many authorizations arrive at once', async () => {
      // A single-use card: exactly one of many.
      const holder = await fundedCardholder(testApp, 100_000);
      const single = await issueCard(testApp, holder, { type: 'single', maxAmount: 1_000 });
      assert.deepEqual(await burst(Array.from({ length: 10 }, () => ({ cardId: single.id, amountCents: 1_000 }))), { approved: 1, single_use_consumed: 9 });

      // A card's daily limit.
      const daily = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000, limits: { perDay: 5_000 } });
      assert.deepEqual(await burst(Array.from({ length: 20 }, () => ({ cardId: daily.id, amountCents: 1_000 }))), { approved: 5, card_limit_exceeded: 15 });

      // An agent's limit across two of its cards.
      const limited = await fundedCardholder(testApp, 100_000, { spendingLimit: 5_000, spendingLimitFrequency: 'perMonth' });
      const cards = [await issueCard(testApp, limited, { type: 'multi', maxAmount: 1_000 }), await issueCard(testApp, limited, { type: 'multi', maxAmount: 1_000 })];
      assert.deepEqual(await burst(Array.from({ length: 20 }, (_, index) => ({ cardId: cards[index % 2]!.id, amountCents: 1_000 }))), { approved: 5, agent_limit_exceeded: 15 });

      // One user's money through three agents' cards (no agent lock in common): 10,000 and not a cent more.
      const scope = { organizationId: testApp.organizationId, environment: 'sandbox' as const };
      const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
      await fundUser(testApp.store.db, scope, userId, 10_000, testApp.clock.nowMs());
      const hotCards: string[] = [];
      for (let index = 0; index < 3; index += 1) {
        const agent = await post(testApp, '/v1/agents/register', { userId, name: `hot agent ${index}` });
        hotCards.push((await post(testApp, `/v1/agents/${agent.id}/cards`, { purpose: 'hot', type: 'multi', maxAmount: 2_000, merchantDriftEnabled: false })).id);
      }
      assert.deepEqual(await burst(Array.from({ length: 30 }, (_, index) => ({ cardId: hotCards[index % 3]!, amountCents: 1_000 }))), { approved: 10, insufficient_funds: 20 });
      assert.deepEqual(await balanceWithDebtOf(testApp, userId), { total: 10_000, pending: 10_000, reserved: 0, available: 0, debt: 0 });
      await assertLedgerSound(testApp);
    });
  });

  // Tests that place sandbox time (calendar days and months, expiries): a fresh app each, so no clock leaks.
  describe(`declines that depend on time (${kind})`, () => {
    const testApp = useTestApp({ store: kind }, { perTest: true });

    it('card_expired: expiresInMinutes has passed though due work has not closed the card yet', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, expiresInMinutes: 5 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      testApp.clock.advanceMs(5 * 60_000 - 1);
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      testApp.clock.advanceMs(1);
      // The wall clock moved (no clock advance request, so no due work): the card still reads active.
      assert.equal((await cardOf(testApp, card.id)).status, 'active');
      await assertDeclined(testApp, presented(details), 1_000, 'Amazon', 'card_expired', [holder.userId]);
      await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'card_expired', [holder.userId]);
      // Due work then closes it as expired, and it declines card_closed.
      await advanceSandbox(testApp, 1);
      const closed = await cardOf(testApp, card.id);
      assert.deepEqual([closed.status, closed.statusReason], ['closed', 'expired']);
      await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'card_closed', [holder.userId]);
    });

    it('card_expired: the printed expiry date is in the past once the clock is set years ahead', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      // Valid through the last day of the expiry month (UTC).
      const lastValidMs = Date.UTC(Number(details.expirationYear), Number(details.expirationMonth), 1) - 1;
      await placeSandboxTime(testApp, lastValidMs);
      await assertApproved(testApp, presented(details), 1_000, 'Amazon');
      await placeSandboxTime(testApp, lastValidMs + 1);
      await assertDeclined(testApp, presented(details), 1_000, 'Amazon', 'card_expired', [holder.userId]);
      await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'card_expired', [holder.userId]);
    });

    it('card_limit_exceeded: the daily window is the UTC calendar day, the monthly one the UTC calendar month', async () => {
      // Thursday 29 January 2032, 23:00 UTC.
      await placeSandboxTime(testApp, Date.UTC(2032, 0, 29, 23));
      const holder = await fundedCardholder(testApp, 200_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perDay: 10_000, perMonth: 25_000 } });
      await assertApproved(testApp, { cardId: card.id }, 10_000, 'Amazon');
      await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'card_limit_exceeded', [holder.userId]);
      // Two hours later it is another UTC day (not 24 hours later): the daily limit is fresh.
      await advanceSandbox(testApp, 2 * hourSeconds);
      await assertApproved(testApp, { cardId: card.id }, 10_000, 'Amazon');
      const overDay = await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'card_limit_exceeded', [holder.userId]);
      assert.match(overDay.declineDetail, /daily/);
      // 31 January: the day is fresh but the month has 20,000 of its 25,000 spent.
      await advanceSandbox(testApp, daySeconds);
      const overMonth = await assertDeclined(testApp, { cardId: card.id }, 5_001, 'Amazon', 'card_limit_exceeded', [holder.userId]);
      assert.match(overMonth.declineDetail, /monthly/);
      await assertApproved(testApp, { cardId: card.id }, 5_000, 'Amazon');
      // 1 February: a new month.
      await advanceSandbox(testApp, daySeconds);
      await assertApproved(testApp, { cardId: card.id }, 10_000, 'Amazon');
      await assertLedgerSound(testApp);
    });

    it('agent_limit_exceeded: per24HourPeriod is a rolling 24 hours, not a calendar day', async () => {
      await placeSandboxTime(testApp, Date.UTC(2032, 2, 10, 20)); // Wednesday 10 March 2032, 20:00 UTC
      const holder = await fundedCardholder(testApp, 200_000, { spendingLimit: 10_000, spendingLimitFrequency: 'per24HourPeriod' });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await assertApproved(testApp, { cardId: card.id }, 6_000, 'Amazon');
      // 08:00 the next day: a new UTC day, but the 6,000 is within the last 24 hours.
      await advanceSandbox(testApp, 12 * hourSeconds);
      await assertDeclined(testApp, { cardId: card.id }, 4_001, 'Amazon', 'agent_limit_exceeded', [holder.userId]);
      await assertApproved(testApp, { cardId: card.id }, 4_000, 'Amazon');
      // Exactly 24 hours after the first: it still counts (the window includes its start).
      await advanceSandbox(testApp, 12 * hourSeconds);
      await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'agent_limit_exceeded', [holder.userId]);
      // A second later the first 6,000 has left the window; the 4,000 has not.
      await advanceSandbox(testApp, 1);
      await assertDeclined(testApp, { cardId: card.id }, 6_001, 'Amazon', 'agent_limit_exceeded', [holder.userId]);
      await assertApproved(testApp, { cardId: card.id }, 6_000, 'Amazon');
      await assertLedgerSound(testApp);
    });

    it('agent_limit_exceeded: perMonth is the UTC calendar month', async () => {
      await placeSandboxTime(testApp, Date.UTC(2032, 2, 31, 20)); // Wednesday 31 March 2032, 20:00 UTC
      const holder = await fundedCardholder(testApp, 200_000, { spendingLimit: 10_000, spendingLimitFrequency: 'perMonth' });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      await assertApproved(testApp, { cardId: card.id }, 8_000, 'Amazon');
      await assertDeclined(testApp, { cardId: card.id }, 2_001, 'Amazon', 'agent_limit_exceeded', [holder.userId]);
      // Six hours later it is April: the month's spend starts again although the 8,000 is only hours old.
      await advanceSandbox(testApp, 6 * hourSeconds);
      await assertApproved(testApp, { cardId: card.id }, 10_000, 'Amazon');
      await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'agent_limit_exceeded', [holder.userId]);
    });

    // ---- spending-policy controls (SPEC §4 "Authorization decision": after the agent's limit, before risk) ----

    async function createPolicy(body: Record<string, unknown>): Promise<string> {
      const created = await testApp.request('POST', '/v1/policies', { body: { name: 'test policy', ...body } });
      assert.equal(created.statusCode, 200, created.body);
      return created.json.id;
    }

    it('exceeds_max_amount: a per-authorization limit (the card’s limits.perAuth, or its policy’s limitPerAuth) below maxAmount', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const own = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, limits: { perAuth: 4_000 } });
      await assertDeclined(testApp, { cardId: own.id }, 4_001, 'Amazon', 'exceeds_max_amount', [holder.userId]);
      await assertApproved(testApp, { cardId: own.id }, 4_000, 'Amazon');
      const policyId = await createPolicy({ limitPerAuth: 3_000 });
      const underPolicy = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, policyId });
      await assertDeclined(testApp, { cardId: underPolicy.id }, 3_001, 'Amazon', 'exceeds_max_amount', [holder.userId]);
      // The card's own field wins over its policy's.
      const overriding = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, policyId, limits: { perAuth: 5_000 } });
      await assertApproved(testApp, { cardId: overriding.id }, 5_000, 'Amazon');
    });

    it('outside_active_hours: a window in a time zone, across its midnight, on some days', async () => {
      // Friday 2 January 2032, 21:30 in New York (02:30 UTC on Saturday).
      await placeSandboxTime(testApp, Date.UTC(2032, 0, 3, 2, 30));
      const holder = await fundedCardholder(testApp, 50_000);
      const policyId = await createPolicy({ activeHoursStart: '22:00', activeHoursEnd: '06:00', activeTimezone: 'America/New_York', activeDays: ['fri'] });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, policyId });
      const declined = await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'outside_active_hours', [holder.userId]);
      assert.match(declined.declineDetail, /22:00–06:00 America\/New_York on fri/);
      await advanceSandbox(testApp, 30 * 60); // Friday 22:00 local: the window opens
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      await advanceSandbox(testApp, 7 * hourSeconds + 59 * 60); // Saturday 05:59 local: still Friday's window
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      await advanceSandbox(testApp, 60); // Saturday 06:00 local: closed
      await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'outside_active_hours', [holder.userId]);
      await advanceSandbox(testApp, 16 * hourSeconds); // Saturday 22:00 local: Saturday is not an active day
      await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'outside_active_hours', [holder.userId]);
      const view = await testApp.request('GET', `/v1/cards/${card.id}/policy`);
      assert.deepEqual(view.json.activeHours, { start: '22:00', end: '06:00', timezone: 'America/New_York', activeDays: ['fri'], isWithinActiveHours: false });
    });

    it('blocked_mcc: a blocked category, a category outside the allowed ones, or none when only some are allowed', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const blocking = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false, policyId: await createPolicy({ blockedMccs: ['7995'] }) });
      await assertDeclined(testApp, { cardId: blocking.id }, 1_000, { name: 'Lucky Casino', mcc: '7995' }, 'blocked_mcc', [holder.userId]);
      await assertApproved(testApp, { cardId: blocking.id }, 1_000, { name: 'Amazon', mcc: '5942' });
      await assertApproved(testApp, { cardId: blocking.id }, 1_000, 'Amazon');
      const allowing = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false, policyId: await createPolicy({ allowedMccs: ['5812', '5814'] }) });
      await assertApproved(testApp, { cardId: allowing.id }, 1_000, { name: 'Blue Bottle Coffee', mcc: '5814' });
      await assertDeclined(testApp, { cardId: allowing.id }, 1_000, { name: 'Amazon', mcc: '5942' }, 'blocked_mcc', [holder.userId]);
      await assertDeclined(testApp, { cardId: allowing.id }, 1_000, 'Amazon', 'blocked_mcc', [holder.userId]);
    });

    it('blocked_merchant: a blocked merchant by its normalized name (descriptor aliases included), or one outside the allowed ones', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const blocking = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false, policyId: await createPolicy({ blockedMerchants: ['Amazon'] }) });
      await assertDeclined(testApp, { cardId: blocking.id }, 1_000, 'AMZN Mktp US*2K4L59', 'blocked_merchant', [holder.userId]);
      await assertApproved(testApp, { cardId: blocking.id }, 1_000, 'Target');
      const allowing = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false, policyId: await createPolicy({ allowedMerchants: ['Blue Bottle Coffee', 'Target'] }) });
      await assertApproved(testApp, { cardId: allowing.id }, 1_000, 'BLUE BOTTLE COFFEE INC');
      await assertDeclined(testApp, { cardId: allowing.id }, 1_000, 'Walmart', 'blocked_merchant', [holder.userId]);
    });

    it('auth_count_exceeded: the card’s maxAuthCount, voided authorizations not counted', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, maxAuthCount: 2 });
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      const second = await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'auth_count_exceeded', [holder.userId]);
      await post(testApp, `/v1/sandbox/transactions/${second.id}/void`);
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      const view = await testApp.request('GET', `/v1/cards/${card.id}/policy`);
      assert.deepEqual(view.json.authCount, { max: 2, current: 2, remaining: 0 });
      assert.equal(view.json.sources.maxAuthCount, 'card');
    });

    it('cooldown_active: the policy’s cooldownMinutes after each approved authorization', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, policyId: await createPolicy({ cooldownMinutes: 30 }) });
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon');
      await advanceSandbox(testApp, 30 * 60 - 1);
      await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'cooldown_active', [holder.userId]);
      const view = await testApp.request('GET', `/v1/cards/${card.id}/policy`);
      assert.equal(view.json.cooldown.isInCooldown, true);
      await advanceSandbox(testApp, 1);
      await assertApproved(testApp, { cardId: card.id }, 1_000, 'Amazon');
    });

    it('cumulative_limit_exceeded: the card’s lifetime cap, counting what was cleared, not what was voided', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, policyId: await createPolicy({ cumulativeMax: 5_000 }) });
      const first = await assertApproved(testApp, { cardId: card.id }, 3_000, 'Amazon');
      await assertDeclined(testApp, { cardId: card.id }, 2_001, 'Amazon', 'cumulative_limit_exceeded', [holder.userId]);
      await post(testApp, `/v1/sandbox/transactions/${first.id}/clear`, { amount: 2_500 });
      await assertApproved(testApp, { cardId: card.id }, 2_500, 'Amazon');
      const view = await testApp.request('GET', `/v1/cards/${card.id}/policy`);
      assert.deepEqual(view.json.cumulative, { max: 5_000, spent: 5_000, remaining: 0 });
      await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'cumulative_limit_exceeded', [holder.userId]);
    });

    it('a force post is spend on the card but no authorization: it counts towards the lifetime cap, not maxAuthCount nor the cooldown', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, maxAuthCount: 1, policyId: await createPolicy({ cooldownMinutes: 30, cumulativeMax: 5_000 }) });
      await post(testApp, '/v1/sandbox/force-posts', { cardId: card.id, amount: 2_000, merchant: { name: 'Hotel Deposit' } });
      const view = await testApp.request('GET', `/v1/cards/${card.id}/policy`);
      assert.deepEqual(view.json.authCount, { max: 1, current: 0, remaining: 1 });
      assert.deepEqual(view.json.cumulative, { max: 5_000, spent: 2_000, remaining: 3_000 });
      assert.deepEqual([view.json.cooldown.lastTransactionAt, view.json.cooldown.isInCooldown], [null, false]);
      await assertDeclined(testApp, { cardId: card.id }, 3_001, 'Amazon', 'cumulative_limit_exceeded', [holder.userId]);
      await assertApproved(testApp, { cardId: card.id }, 3_000, 'Amazon');
      await advanceSandbox(testApp, 30 * 60);
      await assertDeclined(testApp, { cardId: card.id }, 1, 'Amazon', 'auth_count_exceeded', [holder.userId]);
    });

    it('attestation_required: requireAttestation declines unattested and stale authorizations', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, policyId: await createPolicy({ requireAttestation: true }) });
      await assertDeclined(testApp, { cardId: card.id }, 1_000, 'Amazon', 'attestation_required', [holder.userId]);
      const { details } = await revealCard(testApp, holder, card.id, 1_000, 'Amazon');
      const attested = await assertApproved(testApp, presented(details), 1_000, 'Amazon');
      assert.equal(attested.attestationStatus, 'attested');
      await revealCard(testApp, holder, card.id, 2_000, 'Amazon');
      await advanceSandbox(testApp, 10 * 60 + 1);
      const stale = await assertDeclined(testApp, { cardId: card.id }, 2_000, 'Amazon', 'attestation_required', [holder.userId]);
      assert.match(stale.declineDetail, /stale/);
    });

    it('policy controls come after the card and agent limits and before risk and funds', async () => {
      const holder = await fundedCardholder(testApp, 3_000, { spendingLimit: 5_000, spendingLimitFrequency: 'perMonth' });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 2_000, limits: { perDay: 1_500 }, policyId: await createPolicy({ blockedMerchants: ['Amazon'] }) });
      await assertDeclined(testApp, { cardId: card.id }, 2_001, 'Amazon', 'exceeds_max_amount', [holder.userId]);
      await assertDeclined(testApp, { cardId: card.id }, 1_501, 'Amazon', 'card_limit_exceeded', [holder.userId]);
      await assertDeclined(testApp, { cardId: card.id }, 1_500, 'Amazon', 'blocked_merchant', [holder.userId]);
    });
  });
}

describe('decline codes covered', () => {
  it('every decline code but challenge_failed (3-D Secure) has a test above', () => {
    assert.deepEqual(
      declineCodes.filter((code) => code !== 'challenge_failed' && !coveredHere.has(code)),
      [],
    );
  });
});
