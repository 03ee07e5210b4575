// SPEC §4 "3-D Secure" and seed 002 (OTP endpoints): an authorization with `threeDS: true` becomes a challenge; the
// agent reads the passcode while it has a revealed intent on the card; the merchant completes it with the passcode
// (the normal authorization then runs), or fails it three times (`challenge_failed`), or lets it expire (5 minutes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listEventsOfScope } from '../../src/modules/events/service.js';
import type { Scope } from '../../src/domain/scope.js';
import { assertError, useTestApp, type TestApp } from '../helpers/app.js';
import { assertLedgerSound, balanceOf } from '../helpers/money.js';
import { storeKinds } from '../helpers/stores.js';
import { fundedCardholder, issueCard, revealCard, type Cardholder } from './arrange.js';

const fiveMinutesMs = 5 * 60_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function challengeAt(testApp: TestApp, credentials: Record<string, unknown>, amountCents: number, merchant: string): Promise<any> {
  const response = await testApp.request('POST', '/v1/sandbox/authorizations', { body: { ...credentials, amount: amountCents, merchant: { name: merchant }, threeDS: true } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function pendingChallenges(testApp: TestApp, cardId: string, key: string): Promise<any[]> {
  const response = await testApp.request('GET', `/v1/cards/${cardId}/challenges`, { key });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json.object, 'list');
  return response.json.data;
}

async function complete(testApp: TestApp, challengeId: string, otp: string) {
  return testApp.request('POST', `/v1/sandbox/challenges/${challengeId}/complete`, { body: { otp } });
}

/** A passcode that is not the right one. */
function wrongOtp(otp: string): string {
  return String((Number(otp) + 1) % 1_000_000).padStart(6, '0');
}

for (const kind of storeKinds) {
  describe(`3-D Secure challenges (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    const scope = (): Scope => ({ organizationId: testApp.organizationId, environment: 'sandbox' });

    async function ledgerIsSound() {
      await assertLedgerSound(testApp);
    }

    /** A funded holder, a multi-use card, a revealed intent for 5,000 at Amazon and a challenge for it. */
    async function challengedCard(holderFunds = 50_000) {
      const holder = await fundedCardholder(testApp, holderFunds);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const { details, intent } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      const challenge = await challengeAt(testApp, { pan: details.pan, cvv: details.cvv, expirationMonth: details.expirationMonth, expirationYear: details.expirationYear }, 5_000, 'AMZN Mktp US*2K4TY7');
      const [listed] = await pendingChallenges(testApp, card.id, holder.agentToken);
      assert.ok(listed !== undefined, 'the agent sees its challenge');
      return { holder, card, intent, challenge, otp: listed.otp as string, otpToken: listed.otpToken as string };
    }

    it('threeDS: true answers a challenge (challenge_required), records challenge.requested without the passcode, and holds nothing', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      const before = await balanceOf(testApp, holder.userId);

      const challenge = await challengeAt(testApp, { pan: details.pan, cvv: details.cvv, expirationMonth: details.expirationMonth, expirationYear: details.expirationYear }, 5_000, 'Amazon');
      assert.equal(challenge.object, 'challenge');
      assert.match(challenge.id, /^chl_[0-9a-z]{26}$/);
      assert.equal(challenge.status, 'challenge_required');
      assert.deepEqual([challenge.cardId, challenge.agentId, challenge.userId], [card.id, holder.agentId, holder.userId]);
      assert.deepEqual([challenge.amount, challenge.currency, challenge.merchantName], [5_000, 'USD', 'Amazon']);
      assert.deepEqual([challenge.attempts, challenge.attemptsRemaining, challenge.transactionId], [0, 3, null]);
      assert.equal(Date.parse(challenge.expiresAt) - Date.parse(challenge.createdAt), fiveMinutesMs);
      assert.equal('otp' in challenge, false, 'the merchant side never sees the passcode');
      assert.equal('otpToken' in challenge, false);
      assert.doesNotMatch(JSON.stringify(challenge), new RegExp(details.pan));

      // Nothing decided yet: no transaction, no hold.
      const transactions = await testApp.request('GET', `/v1/transactions?cardId=${card.id}`);
      assert.deepEqual(transactions.json.data, []);
      assert.deepEqual(await balanceOf(testApp, holder.userId), before);

      const events = (await listEventsOfScope(testApp.store.db, scope())).filter((event) => event.type === 'challenge.requested' && event.data.object.id === challenge.id);
      assert.equal(events.length, 1);
      const data = events[0]!.data.object;
      assert.deepEqual([data.cardId, data.merchantName, data.amount, data.expiresAt], [card.id, 'Amazon', 5_000, challenge.expiresAt]);
      const [listed] = await pendingChallenges(testApp, card.id, holder.agentToken);
      const eventText = JSON.stringify(events[0]);
      assert.equal(eventText.includes(`"otp"`), false, 'no passcode field in the event');
      assert.equal(eventText.includes(listed.otpToken), false, 'no OTP token in the event');
      assert.equal(eventText.includes(details.pan), false);

      // The row keeps the request without card credentials, and only the token's hash (the passcode is derived, never stored).
      const row = await testApp.store.db.get<Record<string, unknown>>('SELECT * FROM challenges WHERE id = ?', [challenge.id]);
      assert.deepEqual(JSON.parse(String(row!.request)), { presentedBy: 'pan', amount: 5_000, currency: 'USD', merchant: { name: 'Amazon', mcc: null, city: null, country: null, id: null } });
      assert.equal('otp' in row!, false);
      const rowText = JSON.stringify(row);
      for (const secret of [details.pan, listed.otpToken as string]) assert.equal(rowText.includes(secret), false);
      await ledgerIsSound();
    });

    it('a card that cannot pay is declined at once: wrong CVV, frozen card, unknown card (no challenge)', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const { details } = await revealCard(testApp, holder, card.id, 5_000, 'Amazon');
      const wrongCvv = String((Number(details.cvv) + 1) % 1000).padStart(3, '0');
      const credentials = { pan: details.pan, expirationMonth: details.expirationMonth, expirationYear: details.expirationYear };
      const declined = await challengeAt(testApp, { ...credentials, cvv: wrongCvv }, 5_000, 'Amazon');
      assert.deepEqual([declined.object, declined.status, declined.declineReason], ['transaction', 'declined', 'incorrect_cvv']);
      assert.equal((await challengeAt(testApp, { cardId: 'card_00000000000000000000000000' }, 5_000, 'Amazon')).declineReason, 'invalid_card');
      assert.equal((await testApp.request('POST', `/v1/cards/${card.id}/freeze`)).statusCode, 200);
      assert.equal((await challengeAt(testApp, { cardId: card.id }, 5_000, 'Amazon')).declineReason, 'card_frozen');
      const count = await testApp.store.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM challenges WHERE card_id = ?', [card.id]);
      assert.equal(Number(count!.count), 0);
    });

    it('the agent reads the passcode only while it has a revealed intent on the card (409 intent_required before); another agent gets 404', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
      const challenge = await challengeAt(testApp, { cardId: card.id }, 2_500, 'Best Buy');
      assert.equal(challenge.status, 'challenge_required');

      const noIntent = await testApp.request('GET', `/v1/cards/${card.id}/challenges`, { key: holder.agentToken });
      assertError(noIntent, { status: 409, type: 'conflict_error', code: 'intent_required' });
      assertError(await testApp.request('GET', `/v1/cards/${card.id}/challenges`), { status: 409, type: 'conflict_error', code: 'intent_required' });
      const declared = await testApp.request('POST', `/v1/cards/${card.id}/intents`, { key: holder.agentToken, body: { summary: 'a cable', amount: 2_500, merchantText: 'Best Buy' } });
      assert.equal(declared.statusCode, 200, declared.body);
      assertError(await testApp.request('GET', `/v1/cards/${card.id}/challenges`, { key: holder.agentToken }), { status: 409, type: 'conflict_error', code: 'intent_required' });

      const details = await testApp.request('POST', `/v1/cards/${card.id}/details`, { key: holder.agentToken, body: { summary: 'a cable', expectedAmount: 2_500, merchantText: 'Best Buy' } });
      assert.equal(details.statusCode, 200, details.body);
      const listed = await pendingChallenges(testApp, card.id, holder.agentToken);
      assert.equal(listed.length, 1);
      const [item] = listed;
      assert.equal(item.id, challenge.id);
      assert.match(item.otp, /^\d{6}$/);
      assert.match(item.otpToken, /^otp_[A-Za-z0-9_-]{43}$/);
      assert.deepEqual([item.merchantName, item.amount, item.expiresAt, item.status], ['Best Buy', 2_500, challenge.expiresAt, 'challenge_required']);
      // An API key reads the same.
      const byKey = await pendingChallenges(testApp, card.id, testApp.sandboxKey);
      assert.deepEqual(byKey, listed);

      // Another agent of the same user, and another user's agent: the card is not theirs → 404.
      const sibling = await testApp.request('POST', '/v1/agents/register', { body: { userId: holder.userId, name: 'sibling' } });
      const stranger: Cardholder = await fundedCardholder(testApp, 0);
      for (const token of [sibling.json.token as string, stranger.agentToken]) {
        assertError(await testApp.request('GET', `/v1/cards/${card.id}/challenges`, { key: token }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
        assertError(await testApp.request('GET', `/v1/otp/${item.otpToken}`, { key: token }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
        assertError(await testApp.request('DELETE', `/v1/otp/${item.otpToken}`, { key: token }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      }
      // The live key sees nothing of the sandbox; an agent token may not complete (merchant side, sandbox keys only).
      assertError(await testApp.request('GET', `/v1/otp/${item.otpToken}`, { key: testApp.liveKey }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('POST', `/v1/sandbox/challenges/${challenge.id}/complete`, { key: holder.agentToken, body: { otp: item.otp } }), {
        status: 403,
        type: 'authorization_error',
        code: 'insufficient_permissions',
      });
      assertError(await testApp.request('POST', `/v1/sandbox/challenges/${challenge.id}/complete`, { key: testApp.liveKey, body: { otp: item.otp } }), {
        status: 403,
        type: 'authorization_error',
        code: 'sandbox_only',
      });
    });

    it('the right passcode completes into the normal authorization: approved, attested, held, ledger sound', async () => {
      const { holder, card, intent, challenge, otp, otpToken } = await challengedCard();
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 50_000, pending: 0, reserved: 10_000, available: 40_000 });

      const completed = await complete(testApp, challenge.id, otp);
      assert.equal(completed.statusCode, 200, completed.body);
      const transaction = completed.json;
      assert.deepEqual([transaction.object, transaction.status, transaction.declineReason], ['transaction', 'pending', null]);
      assert.deepEqual([transaction.amount, transaction.cardId, transaction.merchant.normalizedName], [5_000, card.id, 'amazon']);
      assert.deepEqual([transaction.intentId, transaction.intentMatch, transaction.attestationStatus], [intent.id, 'matched', 'attested']);
      // The hold comes from the card's reservation, which is topped back up from available (multi-use).
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 50_000, pending: 5_000, reserved: 10_000, available: 35_000 });
      await ledgerIsSound();

      const types = (await listEventsOfScope(testApp.store.db, scope())).filter((event) => event.data.object.id === transaction.id).map((event) => event.type);
      assert.deepEqual(types, ['transaction.created']);
      const stored = await testApp.store.db.get<{ status: string; transaction_id: string }>('SELECT status, transaction_id FROM challenges WHERE id = ?', [challenge.id]);
      assert.deepEqual({ ...stored }, { status: 'completed', transaction_id: transaction.id });

      // Done: no longer listed (the intent is matched now, so the list is refused), the token is over, no second completion.
      assertError(await testApp.request('GET', `/v1/cards/${card.id}/challenges`, { key: holder.agentToken }), { status: 409, type: 'conflict_error', code: 'intent_required' });
      assertError(await testApp.request('GET', `/v1/otp/${otpToken}`, { key: holder.agentToken }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await complete(testApp, challenge.id, otp), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      await ledgerIsSound();
    });

    it('three wrong passcodes: 200 with attemptsRemaining 2, then 1, then a declined challenge_failed transaction', async () => {
      const { holder, card, challenge, otp, otpToken } = await challengedCard();
      const before = await balanceOf(testApp, holder.userId);
      const wrong = wrongOtp(otp);

      for (const remaining of [2, 1]) {
        const attempt = await complete(testApp, challenge.id, wrong);
        assert.equal(attempt.statusCode, 200, attempt.body);
        assert.deepEqual([attempt.json.object, attempt.json.id, attempt.json.status, attempt.json.attemptsRemaining], ['challenge', challenge.id, 'challenge_required', remaining]);
        assert.equal((await pendingChallenges(testApp, card.id, holder.agentToken))[0].attemptsRemaining, remaining);
      }
      const third = await complete(testApp, challenge.id, wrong);
      assert.equal(third.statusCode, 200, third.body);
      assert.deepEqual([third.json.object, third.json.status, third.json.declineReason, third.json.amount, third.json.cardId], ['transaction', 'declined', 'challenge_failed', 5_000, card.id]);
      const declinedEvents = (await listEventsOfScope(testApp.store.db, scope())).filter((event) => event.type === 'transaction.declined' && event.data.object.id === third.json.id);
      assert.equal(declinedEvents.length, 1);
      const fetched = await testApp.request('GET', `/v1/transactions/${third.json.id}`, { key: holder.agentToken });
      assert.equal(fetched.json.declineReason, 'challenge_failed');

      assert.deepEqual(await balanceOf(testApp, holder.userId), before, 'a failed challenge moves no money');
      assert.deepEqual(await pendingChallenges(testApp, card.id, holder.agentToken), []);
      assertError(await testApp.request('GET', `/v1/otp/${otpToken}`), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      // Even the right passcode is too late now.
      assertError(await complete(testApp, challenge.id, otp), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      await ledgerIsSound();
    });

    it('a malformed passcode is 422 and costs no attempt; an unknown challenge is 404', async () => {
      const { challenge } = await challengedCard();
      assertError(await complete(testApp, challenge.id, '12345'), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'otp' });
      assertError(await testApp.request('POST', `/v1/sandbox/challenges/${challenge.id}/complete`, { body: {} }), { status: 400, type: 'invalid_request_error', code: 'missing_parameter', param: 'otp' });
      const stored = await testApp.store.db.get<{ attempts: number }>('SELECT attempts FROM challenges WHERE id = ?', [challenge.id]);
      assert.equal(Number(stored!.attempts), 0);
      assertError(await complete(testApp, 'chl_00000000000000000000000000', '123456'), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
    });

    it('OTP token: GET gives the passcode (agent token or API key), DELETE stops listening, both 404 afterwards; the challenge stays open', async () => {
      const { holder, card, challenge, otp, otpToken } = await challengedCard();
      const read = await testApp.request('GET', `/v1/otp/${otpToken}`, { key: holder.agentToken });
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual(read.json, { object: 'otp', challengeId: challenge.id, cardId: card.id, otp, merchantName: 'AMZN Mktp US*2K4TY7', amount: 5_000, currency: 'USD', expiresAt: challenge.expiresAt });
      const byKey = await testApp.request('GET', `/v1/otp/${otpToken}`);
      assert.deepEqual(byKey.json, read.json);
      assertError(await testApp.request('GET', '/v1/otp/otp_unknown-token-that-was-never-issued-to-anyone'), { status: 404, type: 'not_found_error', code: 'resource_not_found' });

      const deleted = await testApp.request('DELETE', `/v1/otp/${otpToken}`, { key: holder.agentToken });
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.deepEqual(deleted.json, { object: 'otp', challengeId: challenge.id, deleted: true });
      assertError(await testApp.request('GET', `/v1/otp/${otpToken}`, { key: holder.agentToken }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('DELETE', `/v1/otp/${otpToken}`, { key: holder.agentToken }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });

      // The challenge is still pending (listed without a token) and the passcode still completes it.
      const [listed] = await pendingChallenges(testApp, card.id, holder.agentToken);
      assert.deepEqual([listed.id, listed.otp, listed.otpToken], [challenge.id, otp, null]);
      const completed = await complete(testApp, challenge.id, otp);
      assert.equal(completed.json.status, 'pending', completed.body);
      await ledgerIsSound();
      // Logged URLs carry no token (the logger redacts /v1/otp/…).
      assert.ok(testApp.logs.some((line) => line.includes('/v1/otp/[REDACTED]')));
      for (const line of testApp.logs) assert.equal(line.includes(otpToken), false, 'a log line carries the OTP token');
    });

    it('expiry after 5 minutes of sandbox time: OTP endpoints 404, completion refused with challenge_expired, challenge.expired recorded', async () => {
      const { holder, card, challenge, otp, otpToken } = await challengedCard();
      const before = await balanceOf(testApp, holder.userId);
      // 299 s: still valid.
      assert.equal((await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 299 } })).statusCode, 200);
      assert.equal((await testApp.request('GET', `/v1/otp/${otpToken}`, { key: holder.agentToken })).statusCode, 200);

      assert.equal((await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 2 } })).statusCode, 200);
      const stored = await testApp.store.db.get<{ status: string }>('SELECT status FROM challenges WHERE id = ?', [challenge.id]);
      assert.equal(stored!.status, 'expired', 'the due-work step wrote the expiry');
      const expiredEvents = (await listEventsOfScope(testApp.store.db, scope())).filter((event) => event.type === 'challenge.expired' && event.data.object.id === challenge.id);
      assert.equal(expiredEvents.length, 1);
      assert.equal(expiredEvents[0]!.data.object.status, 'expired');

      assertError(await testApp.request('GET', `/v1/otp/${otpToken}`, { key: holder.agentToken }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assertError(await testApp.request('DELETE', `/v1/otp/${otpToken}`, { key: holder.agentToken }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.deepEqual(await pendingChallenges(testApp, card.id, holder.agentToken), [], 'the intent is still revealed, but nothing is pending');
      assertError(await complete(testApp, challenge.id, otp), { status: 409, type: 'conflict_error', code: 'challenge_expired' });
      assert.deepEqual(await balanceOf(testApp, holder.userId), before);
      const transactions = await testApp.request('GET', `/v1/transactions?cardId=${card.id}`);
      assert.deepEqual(transactions.json.data, [], 'an abandoned challenge leaves no transaction');
      await ledgerIsSound();
    });

    it('an expiry that due work has not written yet is applied on read (wall clock past expiresAt)', async () => {
      const { holder, card, challenge, otp, otpToken } = await challengedCard();
      testApp.clock.advanceMs(fiveMinutesMs);
      const stored = await testApp.store.db.get<{ status: string }>('SELECT status FROM challenges WHERE id = ?', [challenge.id]);
      assert.equal(stored!.status, 'pending', 'no due work ran');
      assertError(await testApp.request('GET', `/v1/otp/${otpToken}`, { key: holder.agentToken }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.deepEqual(await pendingChallenges(testApp, card.id, holder.agentToken), []);
      assertError(await complete(testApp, challenge.id, otp), { status: 409, type: 'conflict_error', code: 'challenge_expired' });
    });
  });
}
