// Card details over HTTP (SPEC §4 "credential access"): only with a pending or revealed intent on the card
// (409 intent_required otherwise, intent_pending_approval or intent_expired when the one declared waits for approval
// or expired), the reveal and its 24 h lifetime, the credential.accessed event that accessEventId names, the named
// intent, 10 reads per card per hour, and secrets kept out of storage and replays. Attestation warnings and the
// attestationMismatch risk rule: test/modules/intents/attestation.test.ts.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { decryptPan, deriveCvv } from '../../../src/modules/cards/vault.js';
import { testSecrets } from '../../../src/secrets.js';
import { assertError, useTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';
import { assertLedgerSound } from '../../helpers/money.js';
import { advanceSandbox, sandboxNowMs } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import {
  agentWithCard,
  countRows,
  createCard,
  dayMs,
  declareIntent,
  eventsAbout,
  getIntent,
  headphonesDetails,
  intentRow,
  readDetails,
} from './arrange.js';

const secrets = testSecrets();
const detailsFields = ['accessEventId', 'cvv', 'expirationMonth', 'expirationYear', 'exposureMode', 'intentId', 'last4', 'object', 'pan', 'warnings'];
const intentRequired = { status: 409, type: 'conflict_error', code: 'intent_required' };
const intentExpired = { status: 409, type: 'conflict_error', code: 'intent_expired' };
const intentPendingApproval = { status: 409, type: 'conflict_error', code: 'intent_pending_approval' };

/** Luhn, written out here rather than taken from the code under test. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

async function storedCredentials(testApp: TestApp, cardId: string): Promise<{ pan: string; cvv: string }> {
  const row = await testApp.store.db.get<{ pan_ciphertext: string; expiration_month: number; expiration_year: number }>('SELECT pan_ciphertext, expiration_month, expiration_year FROM cards WHERE id = ?', [
    cardId,
  ]);
  assert.ok(row);
  const pan = decryptPan(secrets, row.pan_ciphertext);
  return { pan, cvv: deriveCvv(secrets, pan, Number(row.expiration_month), Number(row.expiration_year)) };
}

function assertIntentRequired(response: TestResponse, param?: string): void {
  assertError(response, param === undefined ? intentRequired : { ...intentRequired, param });
  assert.equal(response.json.error.message, 'Intent declaration required');
}

for (const kind of storeKinds) {
  describe(`card details (${kind})`, () => {
    const testApp = useTestApp({ store: kind });
    afterEach(async () => assertLedgerSound(testApp));

    it('without any intent: 409 intent_required "Intent declaration required", and nothing recorded', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      assertIntentRequired(await readDetails(testApp, cardId, token));
      assertIntentRequired(await readDetails(testApp, cardId, testApp.sandboxKey));
      assertIntentRequired(await readDetails(testApp, cardId, token, { intentId: 'int_00000000000000000000000000' }), 'intentId');
      assert.deepEqual(await eventsAbout(testApp, cardId, 'credential.accessed'), []);
      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM card_detail_accesses WHERE card_id = ?', [cardId]), 0);
    });

    it('with an intent: the number, CVV and expiry, an accessEventId naming the credential.accessed event, and the intent revealed for 24 h', async () => {
      const { token, cardId, card, agentId, userId } = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, cardId, token);
      testApp.clock.advanceMs(10 * 60_000);
      const nowMs = await sandboxNowMs(testApp);

      const response = await readDetails(testApp, cardId, token);
      assert.equal(response.statusCode, 200, response.body);
      const details = response.json;
      assert.deepEqual(Object.keys(details).sort(), detailsFields);
      assert.equal(details.object, 'card_details');
      assert.equal(details.exposureMode, 'rawPan');
      assert.match(details.pan, /^\d{16}$/);
      assert.ok(luhnValid(details.pan), 'the PAN passes Luhn');
      assert.match(details.cvv, /^\d{3}$/);
      assert.match(details.expirationMonth, /^(0[1-9]|1[0-2])$/);
      assert.match(details.expirationYear, /^\d{4}$/);
      assert.equal(details.last4, details.pan.slice(-4));
      assert.equal(details.intentId, intent.id);
      assert.deepEqual(details.warnings, [], 'the attestation agrees with the intent');
      // The card's own number, expiry and CVV as the vault holds them.
      assert.deepEqual({ pan: details.pan, cvv: details.cvv }, await storedCredentials(testApp, cardId));
      assert.deepEqual({ last4: details.last4, expirationMonth: details.expirationMonth, expirationYear: details.expirationYear }, {
        last4: card.last4,
        expirationMonth: card.expirationMonth,
        expirationYear: card.expirationYear,
      });

      // accessEventId is the id of the credential.accessed event, which carries no number and no CVV.
      assert.match(details.accessEventId, /^evt_[0-9a-z]{26}$/);
      const event = await testApp.store.db.get<{ id: string; type: string; data: string; created_at: number }>('SELECT id, type, data, created_at FROM events WHERE id = ?', [details.accessEventId]);
      assert.ok(event, 'the access event exists');
      assert.equal(event.type, 'credential.accessed');
      assert.equal(Number(event.created_at), nowMs);
      assert.equal(event.data.includes(details.pan), false);
      assert.equal(event.data.includes(`"${details.cvv}"`), false);
      assert.doesNotMatch(event.data, /"(pan|cvv)"/);
      const accessed = JSON.parse(event.data).object;
      assert.equal(accessed.object, 'credential_access');
      assert.equal(accessed.cardId, cardId);
      assert.equal(accessed.agentId, agentId);
      assert.equal(accessed.userId, userId);
      assert.equal(accessed.intentId, intent.id);
      assert.equal(accessed.last4, details.last4);
      assert.equal(accessed.summary, headphonesDetails.summary);
      assert.equal(accessed.expectedAmount, headphonesDetails.expectedAmount);
      assert.equal(accessed.merchantText, 'Amazon');
      assert.equal(accessed.expectedCurrency, 'USD');
      assert.equal(accessed.reason, 'one-time', 'a read that names no reason is for one purchase');
      assert.equal(accessed.clientContext, null);
      assert.equal(accessed.exposureMode, 'rawPan');
      assert.equal(accessed.accessedBy.kind, 'agentToken');
      assert.deepEqual(accessed.warnings, []);
      assert.equal(accessed.intent.status, 'revealed');
      assert.deepEqual(
        (await eventsAbout(testApp, cardId, 'credential.accessed')).map((row) => row.id),
        [details.accessEventId],
      );

      // The intent is revealed, valid 24 h from the access, and links to it.
      const revealed = await getIntent(testApp, intent.id, token);
      assert.equal(revealed.status, 'revealed');
      assert.equal(revealed.revealedAt, new Date(nowMs).toISOString());
      assert.equal(revealed.expiresAt, new Date(nowMs + dayMs).toISOString());
      assert.equal(revealed.accessEventId, details.accessEventId);
      assert.deepEqual(await intentRow(testApp, intent.id), { status: 'revealed', expires_at: nowMs + dayMs, revealed_at: nowMs, access_event_id: details.accessEventId, decision_reason: null });
      assert.deepEqual(
        (await testApp.request('GET', `/v1/cards/${cardId}/intents?status=revealed`, { key: token })).json.data.map((item: { id: string }) => item.id),
        [intent.id],
      );

      // Again within the window: the revealed intent still serves, with the same number and CVV, a new access
      // event, and the same 24 h (a later read does not extend it).
      testApp.clock.advanceMs(60 * 60_000);
      const again = await readDetails(testApp, cardId, token);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(again.json.pan, details.pan);
      assert.equal(again.json.cvv, details.cvv);
      assert.equal(again.json.intentId, intent.id);
      assert.notEqual(again.json.accessEventId, details.accessEventId);
      const afterAgain = await getIntent(testApp, intent.id);
      assert.equal(afterAgain.status, 'revealed');
      assert.equal(afterAgain.expiresAt, revealed.expiresAt);
      assert.equal(afterAgain.revealedAt, revealed.revealedAt);
      assert.equal(afterAgain.accessEventId, again.json.accessEventId, 'the intent links to its latest access');
      assert.deepEqual(
        (await eventsAbout(testApp, cardId, 'credential.accessed')).map((row) => row.id),
        [details.accessEventId, again.json.accessEventId],
      );

      // The API key may read them too.
      const byKey = await readDetails(testApp, cardId, testApp.sandboxKey);
      assert.equal(byKey.statusCode, 200, byKey.body);
      assert.equal(byKey.json.pan, details.pan);
      const byKeyEvent = await testApp.store.db.get<{ type: string; data: string }>('SELECT type, data FROM events WHERE id = ?', [byKey.json.accessEventId]);
      assert.equal(byKeyEvent?.type, 'credential.accessed');
      assert.equal(JSON.parse(byKeyEvent.data).object.accessedBy.kind, 'apiKey');

      // The number is in no row of the events, intents or accesses, and in no log line.
      for (const table of ['events', 'intents', 'card_detail_accesses', 'idempotency_keys']) {
        for (const row of await testApp.store.db.all<Record<string, unknown>>(`SELECT * FROM ${table}`)) {
          assert.equal(JSON.stringify(row).includes(details.pan), false, `PAN in ${table}`);
        }
      }
      for (const line of testApp.logs) assert.equal(line.includes(details.pan), false, 'PAN in a log line');
    });

    it('a named intent (its int_ id or the client intentId) is the one used; an expired, canceled or foreign one is refused', async () => {
      const { token, cardId, agentId } = await agentWithCard(testApp);
      const first = await declareIntent(testApp, cardId, token, { intentId: 'order-a', amount: 1_000 });
      const second = await declareIntent(testApp, cardId, token, { amount: 2_000 });

      const byId = await readDetails(testApp, cardId, token, { intentId: first.id, expectedAmount: 1_000 });
      assert.equal(byId.statusCode, 200, byId.body);
      assert.equal(byId.json.intentId, first.id);
      assert.equal((await getIntent(testApp, first.id)).status, 'revealed');
      assert.equal((await getIntent(testApp, second.id)).status, 'pending', 'only the named intent is revealed');

      const byClientId = await readDetails(testApp, cardId, token, { intentId: 'order-a', expectedAmount: 1_000 });
      assert.equal(byClientId.statusCode, 200, byClientId.body);
      assert.equal(byClientId.json.intentId, first.id);

      // Unnamed: the most recent usable intent.
      const unnamed = await readDetails(testApp, cardId, token);
      assert.equal(unnamed.statusCode, 200, unnamed.body);
      assert.equal(unnamed.json.intentId, second.id);

      // Canceled.
      const canceled = await declareIntent(testApp, cardId, token, { intentId: 'order-c' });
      assert.equal((await testApp.request('POST', `/v1/intents/${canceled.id}/cancel`, { key: token })).statusCode, 200);
      assertIntentRequired(await readDetails(testApp, cardId, token, { intentId: canceled.id }), 'intentId');
      assertIntentRequired(await readDetails(testApp, cardId, token, { intentId: 'order-c' }), 'intentId');

      // Of another card (of the same agent).
      const otherCard = await createCard(testApp, agentId);
      const foreign = await declareIntent(testApp, otherCard.id, token, { intentId: 'order-f' });
      assertIntentRequired(await readDetails(testApp, cardId, token, { intentId: foreign.id }), 'intentId');
      assertIntentRequired(await readDetails(testApp, cardId, token, { intentId: 'order-f' }), 'intentId');
      assert.equal((await getIntent(testApp, foreign.id)).status, 'pending', 'the other card’s intent is untouched');

      // Unknown.
      assertIntentRequired(await readDetails(testApp, cardId, token, { intentId: 'order-zzz' }), 'intentId');

      // Expired: a pending intent an hour old answers intent_expired (the revealed ones still serve).
      const stale = await declareIntent(testApp, cardId, token, { intentId: 'order-s' });
      testApp.clock.advanceMs(60 * 60_000);
      assertError(await readDetails(testApp, cardId, token, { intentId: stale.id }), { ...intentExpired, param: 'intentId' });
      assertError(await readDetails(testApp, cardId, token, { intentId: 'order-s' }), { ...intentExpired, param: 'intentId' });
      const stillRevealed = await readDetails(testApp, cardId, token, { intentId: 'order-a' });
      assert.equal(stillRevealed.statusCode, 200, stillRevealed.body);

      assert.equal((await eventsAbout(testApp, cardId, 'credential.accessed')).length, 4, 'only the successful reads recorded an access');
    });

    it('a revealed intent lasts 24 h from the access; then details answer 409 and the sweep writes intent.expired', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, cardId, token);
      const revealedAtMs = await sandboxNowMs(testApp);
      assert.equal((await readDetails(testApp, cardId, token)).statusCode, 200);

      // Past the pending hour it still serves: it was revealed.
      await advanceSandbox(testApp, 2 * 3_600);
      assert.equal((await intentRow(testApp, intent.id)).status, 'revealed');
      assert.equal((await readDetails(testApp, cardId, token)).statusCode, 200);

      // A millisecond before the 24 h it serves; at 24 h it is expired, lazily first.
      testApp.clock.advanceMs(dayMs - 2 * 3_600_000 - 1);
      assert.equal(await sandboxNowMs(testApp), revealedAtMs + dayMs - 1);
      assert.equal((await readDetails(testApp, cardId, token)).statusCode, 200);
      testApp.clock.advanceMs(1);
      assertError(await readDetails(testApp, cardId, token), intentExpired);
      assert.equal((await getIntent(testApp, intent.id, token)).status, 'expired');
      assert.equal((await intentRow(testApp, intent.id)).status, 'revealed');

      await advanceSandbox(testApp, 1);
      assert.equal((await intentRow(testApp, intent.id)).status, 'expired');
      const expired = await eventsAbout(testApp, intent.id, 'intent.expired');
      assert.equal(expired.length, 1);
      assert.equal(JSON.parse(expired[0]!.data).object.status, 'expired');
      assertError(await readDetails(testApp, cardId, token), intentExpired);
    });

    it('an intent that expired answers 409 intent_expired, not intent_required; a newer one serves again', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, cardId, token, { intentId: 'order-x' });
      await advanceSandbox(testApp, 3_600);
      for (const response of [await readDetails(testApp, cardId, token), await readDetails(testApp, cardId, testApp.sandboxKey)]) {
        assertError(response, intentExpired);
        assert.ok(response.json.error.message.includes(intent.id), 'the message names the intent');
      }
      assertError(await readDetails(testApp, cardId, token, { intentId: intent.id }), { ...intentExpired, param: 'intentId' });
      assertError(await readDetails(testApp, cardId, token, { intentId: 'order-x' }), { ...intentExpired, param: 'intentId' });
      assert.equal((await eventsAbout(testApp, cardId, 'credential.accessed')).length, 0);

      // A canceled most recent intent is no longer "expired": there is simply none to use.
      const canceled = await declareIntent(testApp, cardId, token);
      assert.equal((await testApp.request('POST', `/v1/intents/${canceled.id}/cancel`, { key: token })).statusCode, 200);
      assertIntentRequired(await readDetails(testApp, cardId, token));

      const fresh = await declareIntent(testApp, cardId, token);
      const served = await readDetails(testApp, cardId, token);
      assert.equal(served.statusCode, 200, served.body);
      assert.equal(served.json.intentId, fresh.id);
    });

    it('an intent waiting for approval answers 409 intent_pending_approval until an API key approves it', async () => {
      const { token, cardId } = await agentWithCard(testApp, { card: { requireApproval: true } });
      const intent = await declareIntent(testApp, cardId, token, { intentId: 'order-p' });
      assert.equal(intent.status, 'pending_approval');
      for (const response of [await readDetails(testApp, cardId, token), await readDetails(testApp, cardId, testApp.sandboxKey)]) {
        assertError(response, intentPendingApproval);
        assert.ok(response.json.error.message.includes(intent.id), 'the message names the intent');
      }
      assertError(await readDetails(testApp, cardId, token, { intentId: intent.id }), { ...intentPendingApproval, param: 'intentId' });
      assertError(await readDetails(testApp, cardId, token, { intentId: 'order-p' }), { ...intentPendingApproval, param: 'intentId' });
      assert.equal((await getIntent(testApp, intent.id)).status, 'pending_approval', 'untouched');
      assert.equal((await eventsAbout(testApp, cardId, 'credential.accessed')).length, 0);

      // Waiting for approval longer than approvalTimeoutMinutes (60 by default): rejected, approval_expired.
      const late = await declareIntent(testApp, cardId, token, { intentId: 'order-late' });
      await advanceSandbox(testApp, 3_600);
      const refused = await readDetails(testApp, cardId, token, { intentId: late.id });
      assertError(refused, { status: 409, type: 'conflict_error', code: 'intent_rejected', param: 'intentId' });
      assert.match(refused.json.error.message, /approval_expired/);

      const waiting = await declareIntent(testApp, cardId, token);
      assertError(await readDetails(testApp, cardId, token), intentPendingApproval);
      assert.equal((await testApp.request('POST', `/v1/intents/${waiting.id}/approve`)).statusCode, 200);
      const served = await readDetails(testApp, cardId, token);
      assert.equal(served.statusCode, 200, served.body);
      assert.equal(served.json.intentId, waiting.id);
    });

    it('at most 10 reads per card per hour: the 11th is 429 details_rate_limited with Retry-After, and an hour later reads work again', async () => {
      const { token, cardId, agentId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      for (let index = 0; index < 10; index += 1) {
        const response = await readDetails(testApp, cardId, token);
        assert.equal(response.statusCode, 200, `read ${index + 1}: ${response.body}`);
      }
      const limited = await readDetails(testApp, cardId, token);
      assertError(limited, { status: 429, type: 'rate_limit_error', code: 'details_rate_limited' });
      assert.equal(limited.headers['retry-after'], '3600');
      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM card_detail_accesses WHERE card_id = ?', [cardId]), 10);
      assert.equal((await eventsAbout(testApp, cardId, 'credential.accessed')).length, 10, 'a refused read records no access');
      // The API key is held to the same count: it is per card.
      assertError(await readDetails(testApp, cardId, testApp.sandboxKey), { status: 429, type: 'rate_limit_error', code: 'details_rate_limited' });

      // Another card of the same agent is not affected.
      const otherCard = await createCard(testApp, agentId);
      await declareIntent(testApp, otherCard.id, token);
      assert.equal((await readDetails(testApp, otherCard.id, token)).statusCode, 200);

      // Half an hour on the sandbox clock: still limited, half as long to wait.
      await advanceSandbox(testApp, 1_800);
      const stillLimited = await readDetails(testApp, cardId, token);
      assertError(stillLimited, { status: 429, type: 'rate_limit_error', code: 'details_rate_limited' });
      assert.equal(stillLimited.headers['retry-after'], '1800');

      // An hour after the reads they no longer count.
      await advanceSandbox(testApp, 1_800);
      const again = await readDetails(testApp, cardId, token);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM card_detail_accesses WHERE card_id = ?', [cardId]), 11);
    });

    it('an Idempotency-Key replay answers the same access with pan and cvv null, and stores neither', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      const headers = { 'Idempotency-Key': `details-${kind}-1` };
      const first = await readDetails(testApp, cardId, token, {}, headers);
      assert.equal(first.statusCode, 200, first.body);
      assert.match(first.json.pan, /^\d{16}$/);
      assert.match(first.json.cvv, /^\d{3}$/);

      const replay = await readDetails(testApp, cardId, token, {}, headers);
      assert.equal(replay.statusCode, 200, replay.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.json, { ...first.json, pan: null, cvv: null });

      const stored = await testApp.store.db.get<Record<string, unknown>>('SELECT * FROM idempotency_keys WHERE idempotency_key = ?', [headers['Idempotency-Key']]);
      assert.ok(stored);
      const storedText = JSON.stringify(stored);
      assert.equal(storedText.includes(first.json.pan), false, 'no PAN in the idempotency row');
      assert.equal(String(stored.response_body).includes(`"${first.json.cvv}"`), false, 'no CVV in the idempotency row');
      const storedBody = JSON.parse(String(stored.response_body));
      assert.equal(storedBody.pan, null);
      assert.equal(storedBody.cvv, null);
      assert.equal(storedBody.accessEventId, first.json.accessEventId);

      // The effect happened once.
      assert.deepEqual(
        (await eventsAbout(testApp, cardId, 'credential.accessed')).map((row) => row.id),
        [first.json.accessEventId],
      );
      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM card_detail_accesses WHERE card_id = ?', [cardId]), 1);
      // Another body under the same key is refused.
      assertError(await readDetails(testApp, cardId, token, { expectedAmount: 1 }, headers), { status: 422, type: 'idempotency_error', code: 'idempotency_key_reused' });
    });

    it('refuses malformed bodies, frozen cards and other agents', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const other = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      await declareIntent(testApp, other.cardId, other.token);

      assertError(await testApp.request('POST', `/v1/cards/${cardId}/details`, { key: token, body: { summary: 'x', merchantText: 'Amazon' } }), {
        status: 400,
        type: 'invalid_request_error',
        code: 'missing_parameter',
        param: 'expectedAmount',
      });
      assertError(await readDetails(testApp, cardId, token, { expectedAmount: 0 }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'expectedAmount' });

      // Another agent's card answers exactly as an unknown one does.
      const unknownCardId = 'card_00000000000000000000000000';
      const othersCard = await readDetails(testApp, other.cardId, token);
      const unknownCard = await readDetails(testApp, unknownCardId, token);
      assertError(othersCard, { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'cardId' });
      assertError(unknownCard, { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'cardId' });
      assert.deepEqual({ ...othersCard.json.error, message: othersCard.json.error.message.replace(other.cardId, unknownCardId) }, unknownCard.json.error);

      assert.equal((await testApp.request('POST', `/v1/cards/${cardId}/freeze`)).statusCode, 200);
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'card_not_active' });
      assert.equal((await testApp.request('POST', `/v1/cards/${cardId}/unfreeze`)).statusCode, 200);
      assert.equal((await readDetails(testApp, cardId, token)).statusCode, 200);
      assert.equal((await testApp.request('POST', `/v1/cards/${cardId}/close`)).statusCode, 200);
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'card_not_active' });
      assert.equal((await eventsAbout(testApp, other.cardId, 'credential.accessed')).length, 0);
    });

    it('seed 001: "Intent Declaration" then "Card Detail Access", as printed, with the agent token and no content type', async () => {
      const { token, cardId } = await agentWithCard(testApp, {
        agent: { description: 'Handles online purchases', spendingLimit: 50_000, spendingLimitFrequency: 'perMonth' },
        card: { purpose: 'Purchase wireless headphones from Amazon', type: 'single', maxAmount: 15_000 },
      });
      const intent = await testApp.request('POST', `/v1/cards/${cardId}/intents`, {
        key: token,
        rawBody: `{
    "summary": "Buy Sony WH-1000XM5 headphones",
    "amount": 34999,
    "merchantText": "Amazon"
  }`,
      });
      assert.equal(intent.statusCode, 200, intent.body);
      assert.equal(intent.json.status, 'pending');
      assert.deepEqual(
        intent.json.warnings.map((warning: { code: string }) => warning.code),
        ['exceeds_max_amount'],
      );

      const details = await testApp.request('POST', `/v1/cards/${cardId}/details`, {
        key: token,
        rawBody: `{
    "summary": "Buy Sony WH-1000XM5 headphones",
    "expectedAmount": 34999,
    "merchantText": "Amazon"
  }`,
      });
      assert.equal(details.statusCode, 200, details.body);
      assert.deepEqual(Object.keys(details.json).sort(), detailsFields);
      assert.equal(details.json.intentId, intent.json.id);
      assert.match(details.json.accessEventId, /^evt_/);
      assert.match(details.json.pan, /^\d{16}$/);
      assert.ok(luhnValid(details.json.pan));
      assert.match(details.json.cvv, /^\d{3}$/);
      assert.match(details.json.expirationMonth, /^\d{2}$/);
      assert.match(details.json.expirationYear, /^\d{4}$/);
      assert.equal(details.json.last4, details.json.pan.slice(-4));
      assert.equal((await getIntent(testApp, intent.json.id, token)).status, 'revealed');
    });
  });
}
