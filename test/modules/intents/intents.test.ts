// Intents over HTTP (SPEC §4 "Intents and credential access"): declaration with its warnings and natural key,
// the agent-token scope, expiry against the sandbox clock (read lazily and written by the due-work step), approval,
// rejection and cancellation, and the events each change records.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { assertError, useTestApp } from '../../helpers/app.js';
import { assertLedgerSound } from '../../helpers/money.js';
import { advanceSandbox, sandboxNowMs } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import {
  agentWithCard,
  countRows,
  createCard,
  declareIntent,
  eventsAbout,
  getIntent,
  headphones,
  hourMs,
  dayMs,
  intentRow,
  readDetails,
} from './arrange.js';

const intentFields = [
  'accessEventId',
  'agentId',
  'amount',
  'approvalMethod',
  'approvalUrl',
  'cardId',
  'createdAt',
  'decisionReason',
  'expectedAmount',
  'expectedCurrency',
  'expectedMerchant',
  'expiresAt',
  'id',
  'intentId',
  'matchResult',
  'matchedAt',
  'merchantText',
  'metadata',
  'object',
  'revealedAt',
  'status',
  'summary',
  'tolerance',
  'transactionId',
  'ttlMinutes',
  'updatedAt',
  'userId',
  'warnings',
];

for (const kind of storeKinds) {
  describe(`intents (${kind})`, () => {
    const testApp = useTestApp({ store: kind });
    afterEach(async () => assertLedgerSound(testApp));

    it('declares a pending intent that expires an hour after creation and records intent.created', async () => {
      const { userId, agentId, token, cardId } = await agentWithCard(testApp);
      const nowMs = await sandboxNowMs(testApp);
      const intent = await declareIntent(testApp, cardId, token);
      assert.deepEqual(Object.keys(intent).sort(), intentFields);
      assert.match(intent.id, /^int_[0-9a-z]{26}$/);
      assert.deepEqual(
        { ...intent, id: undefined },
        {
          object: 'intent',
          id: undefined,
          cardId,
          agentId,
          userId,
          intentId: null,
          summary: headphones.summary,
          amount: headphones.amount,
          expectedAmount: headphones.amount,
          merchantText: 'Amazon',
          expectedMerchant: 'Amazon',
          expectedCurrency: 'USD',
          tolerance: null,
          ttlMinutes: 60,
          metadata: {},
          status: 'pending',
          warnings: [],
          expiresAt: new Date(nowMs + hourMs).toISOString(),
          revealedAt: null,
          matchedAt: null,
          accessEventId: null,
          transactionId: null,
          matchResult: null,
          decisionReason: null,
          approvalMethod: null,
          approvalUrl: null,
          createdAt: new Date(nowMs).toISOString(),
          updatedAt: new Date(nowMs).toISOString(),
        },
      );
      assert.equal(Date.parse(intent.expiresAt) - Date.parse(intent.createdAt), hourMs);

      const events = await eventsAbout(testApp, intent.id);
      assert.deepEqual(
        events.map((event) => event.type),
        ['intent.created'],
      );
      assert.deepEqual(JSON.parse(events[0]!.data).object, intent);

      // The agent reads it back, and so does the API key; the card lists it.
      assert.deepEqual(await getIntent(testApp, intent.id, token), intent);
      assert.deepEqual(await getIntent(testApp, intent.id), intent);
      const listed = await testApp.request('GET', `/v1/cards/${cardId}/intents`, { key: token });
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual(listed.json, { object: 'list', data: [intent], hasMore: false, nextCursor: null });
      const pendingOnly = await testApp.request('GET', `/v1/cards/${cardId}/intents?status=pending`);
      assert.deepEqual(
        pendingOnly.json.data.map((item: { id: string }) => item.id),
        [intent.id],
      );
      assert.deepEqual((await testApp.request('GET', `/v1/cards/${cardId}/intents?status=expired`)).json.data, []);
    });

    it('declaring the same intentId again answers the same intent, with one row and one event', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const first = await declareIntent(testApp, cardId, token, { intentId: 'order-1001' });
      assert.equal(first.intentId, 'order-1001');
      testApp.clock.advanceMs(5_000);
      const again = await declareIntent(testApp, cardId, token, { intentId: 'order-1001' });
      assert.deepEqual(again, first);
      // Even with another body, or from the API key: the natural key names the intent already declared.
      const changed = await declareIntent(testApp, cardId, testApp.sandboxKey, { intentId: 'order-1001', amount: 999, summary: 'Something else' });
      assert.deepEqual(changed, first);
      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM intents WHERE card_id = ?', [cardId]), 1);
      assert.equal((await eventsAbout(testApp, first.id, 'intent.created')).length, 1);

      // Another intentId is another intent.
      const second = await declareIntent(testApp, cardId, token, { intentId: 'order-1002' });
      assert.notEqual(second.id, first.id);
      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM intents WHERE card_id = ?', [cardId]), 2);
    });

    it('accepts an amount above maxAmount or the agent remaining limit, with warnings saying why it would be declined', async () => {
      const { token, cardId } = await agentWithCard(testApp, { agent: { spendingLimit: 20_000, spendingLimitFrequency: 'perMonth' } });

      const aboveMax = await declareIntent(testApp, cardId, token, { amount: 15_001 });
      assert.equal(aboveMax.status, 'pending');
      assert.deepEqual(
        aboveMax.warnings.map((warning: { code: string }) => warning.code),
        ['exceeds_max_amount'],
      );
      assert.match(aboveMax.warnings[0].message, /15000/);

      const atMax = await declareIntent(testApp, cardId, token, { amount: 15_000 });
      assert.deepEqual(atMax.warnings, []);

      const aboveBoth = await declareIntent(testApp, cardId, token, { amount: 20_001 });
      assert.deepEqual(
        aboveBoth.warnings.map((warning: { code: string }) => warning.code),
        ['exceeds_max_amount', 'agent_limit_exceeded'],
      );
      assert.match(aboveBoth.warnings[1].message, /20000/);

      // A card above the agent's limit: only the agent's remaining limit is exceeded.
      const big = await agentWithCard(testApp, { agent: { spendingLimit: 10_000, spendingLimitFrequency: 'perWeek' }, card: { maxAmount: 50_000 } });
      const aboveLimit = await declareIntent(testApp, big.cardId, big.token, { amount: 10_001 });
      assert.equal(aboveLimit.status, 'pending');
      assert.deepEqual(
        aboveLimit.warnings.map((warning: { code: string }) => warning.code),
        ['agent_limit_exceeded'],
      );
      assert.deepEqual((await declareIntent(testApp, big.cardId, big.token, { amount: 10_000 })).warnings, []);

      // The warnings are stored with the intent.
      assert.deepEqual((await getIntent(testApp, aboveLimit.id)).warnings, aboveLimit.warnings);
      assert.deepEqual(JSON.parse((await eventsAbout(testApp, aboveBoth.id, 'intent.created'))[0]!.data).object.warnings, aboveBoth.warnings);
    });

    it('seed 001 "Intent Declaration": the printed body, sent with the agent token and no content type', async () => {
      const { token, cardId } = await agentWithCard(testApp, {
        agent: { description: 'Handles online purchases', spendingLimit: 50_000, spendingLimitFrequency: 'perMonth' },
        card: { purpose: 'Purchase wireless headphones from Amazon', type: 'single', maxAmount: 15_000 },
      });
      const response = await testApp.request('POST', `/v1/cards/${cardId}/intents`, {
        key: token,
        rawBody: `{
        "summary": "Buy Sony WH-1000XM5 headphones",
        "amount": 34999,
        "merchantText": "Amazon"
      }`,
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json.status, 'pending');
      assert.equal(response.json.amount, 34_999);
      assert.equal(response.json.summary, 'Buy Sony WH-1000XM5 headphones');
      assert.equal(response.json.merchantText, 'Amazon');
      assert.deepEqual(
        response.json.warnings.map((warning: { code: string }) => warning.code),
        ['exceeds_max_amount'],
      );
    });

    it('refuses frozen and closed cards, unknown cards, other agents and malformed bodies', async () => {
      const { token, cardId, agentId } = await agentWithCard(testApp);
      const other = await agentWithCard(testApp);

      // Another agent's card answers exactly as an unknown id does: the token learns nothing about it.
      const unknownCardId = 'card_00000000000000000000000000';
      const othersCard = await testApp.request('POST', `/v1/cards/${other.cardId}/intents`, { key: token, body: headphones });
      const unknownCard = await testApp.request('POST', `/v1/cards/${unknownCardId}/intents`, { key: token, body: headphones });
      assertError(othersCard, { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'cardId' });
      assertError(unknownCard, { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'cardId' });
      assert.deepEqual({ ...othersCard.json.error, message: othersCard.json.error.message.replace(other.cardId, unknownCardId) }, unknownCard.json.error);
      assertError(await testApp.request('POST', `/v1/cards/${unknownCardId}/intents`, { body: headphones }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });

      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: token, body: { ...headphones, amount: 0 } }), {
        status: 422,
        type: 'validation_error',
        code: 'invalid_parameter_value',
        param: 'amount',
      });
      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: token, body: { amount: 100, merchantText: 'Amazon' } }), {
        status: 400,
        type: 'invalid_request_error',
        code: 'missing_parameter',
        param: 'summary',
      });
      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: token, body: { ...headphones, amount: '100' } }), {
        status: 400,
        type: 'invalid_request_error',
        code: 'invalid_parameter_type',
        param: 'amount',
      });
      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: token, body: { ...headphones, merchantText: '   ' } }), {
        status: 422,
        type: 'validation_error',
        code: 'invalid_parameter_value',
        param: 'merchantText',
      });

      assert.equal((await testApp.request('POST', `/v1/cards/${cardId}/freeze`)).statusCode, 200);
      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: token, body: headphones }), { status: 409, type: 'conflict_error', code: 'card_not_active' });
      assert.equal((await testApp.request('POST', `/v1/cards/${cardId}/close`)).statusCode, 200);
      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: token, body: headphones }), { status: 409, type: 'conflict_error', code: 'card_not_active' });
      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { body: headphones }), { status: 409, type: 'conflict_error', code: 'card_not_active' });

      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM intents WHERE agent_id = ?', [agentId]), 0);
      assert.equal(await countRows(testApp, `SELECT COUNT(*) AS count FROM events WHERE type LIKE 'intent.%' AND data LIKE ?`, [`%${agentId}%`]), 0);
    });

    it("an agent token sees only its own agent's intents, and never approves or rejects", async () => {
      const mine = await agentWithCard(testApp, { agent: { requireApproval: true, autoApproveBelow: null } });
      const other = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, mine.cardId, mine.token);
      assert.equal(intent.status, 'pending_approval');

      const notFound = { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'id' };
      assertError(await testApp.request('GET', `/v1/intents/${intent.id}`, { key: other.token }), notFound);
      assertError(await testApp.request('POST', `/v1/intents/${intent.id}/cancel`, { key: other.token }), notFound);
      assertError(await testApp.request('GET', `/v1/cards/${mine.cardId}/intents`, { key: other.token }), { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'cardId' });
      assertError(await testApp.request('GET', '/v1/intents/int_00000000000000000000000000'), notFound);

      const forbidden = { status: 403, type: 'authorization_error', code: 'insufficient_permissions' };
      assertError(await testApp.request('POST', `/v1/intents/${intent.id}/approve`, { key: mine.token }), forbidden);
      assertError(await testApp.request('POST', `/v1/intents/${intent.id}/reject`, { key: mine.token }), forbidden);
      assert.equal((await getIntent(testApp, intent.id)).status, 'pending_approval');
    });

    it('a pending intent expires after an hour: read lazily at once, written with intent.expired by the due-work step', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, cardId, token);

      // A millisecond before the hour it is still usable.
      testApp.clock.advanceMs(hourMs - 1);
      assert.equal((await getIntent(testApp, intent.id, token)).status, 'pending');

      // At the hour the wall clock has moved but no due work ran: the row still says pending, every read says expired.
      testApp.clock.advanceMs(1);
      assert.equal((await intentRow(testApp, intent.id)).status, 'pending');
      const lazily = await getIntent(testApp, intent.id, token);
      assert.equal(lazily.status, 'expired');
      assert.deepEqual(
        (await testApp.request('GET', `/v1/cards/${cardId}/intents?status=expired`, { key: token })).json.data.map((item: { id: string }) => item.id),
        [intent.id],
      );
      assert.deepEqual((await testApp.request('GET', `/v1/cards/${cardId}/intents?status=pending`)).json.data, []);
      const details = await readDetails(testApp, cardId, token);
      assertError(details, { status: 409, type: 'conflict_error', code: 'intent_expired' });
      assert.ok(details.json.error.message.includes(intent.id), 'the message names the expired intent');
      assertError(await testApp.request('POST', `/v1/intents/${intent.id}/cancel`, { key: token }), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assert.deepEqual(await eventsAbout(testApp, intent.id, 'intent.expired'), []);

      // The clock-advance endpoint runs due work: the row itself is expired, with one intent.expired event.
      await advanceSandbox(testApp, 1);
      const row = await intentRow(testApp, intent.id);
      assert.equal(row.status, 'expired');
      const expiredEvents = await eventsAbout(testApp, intent.id, 'intent.expired');
      assert.equal(expiredEvents.length, 1);
      const expiredObject = JSON.parse(expiredEvents[0]!.data).object;
      assert.equal(expiredObject.id, intent.id);
      assert.equal(expiredObject.status, 'expired');
      assert.equal((await getIntent(testApp, intent.id)).status, 'expired');
      await advanceSandbox(testApp, 1);
      assert.equal((await eventsAbout(testApp, intent.id, 'intent.expired')).length, 1, 'expired once');
    });

    it('the sandbox clock alone expires a pending intent after 3600 s', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, cardId, token);
      await advanceSandbox(testApp, 3_599);
      assert.equal((await intentRow(testApp, intent.id)).status, 'pending');
      assert.equal((await getIntent(testApp, intent.id)).status, 'pending');
      await advanceSandbox(testApp, 1);
      assert.equal((await intentRow(testApp, intent.id)).status, 'expired');
      assert.equal((await getIntent(testApp, intent.id, token)).status, 'expired');
      assert.equal((await eventsAbout(testApp, intent.id, 'intent.expired')).length, 1);
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'intent_expired' });
    });

    it('one clock advance expires every due intent, more than one page of them', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const count = 501;
      for (let index = 0; index < count; index += 1) await declareIntent(testApp, cardId, token, { amount: 100 + index });
      await advanceSandbox(testApp, 3_600);
      assert.equal(await countRows(testApp, `SELECT COUNT(*) AS count FROM intents WHERE card_id = ? AND status = 'expired'`, [cardId]), count);
      assert.equal(await countRows(testApp, `SELECT COUNT(*) AS count FROM intents WHERE card_id = ? AND status <> 'expired'`, [cardId]), 0);
      assert.equal(await countRows(testApp, `SELECT COUNT(*) AS count FROM events WHERE type = 'intent.expired' AND data LIKE ?`, [`%"cardId":"${cardId}"%`]), count);
    });

    it('approval: below autoApproveBelow is pending, at or above waits for an API key to approve', async () => {
      const { token, cardId } = await agentWithCard(testApp, { agent: { requireApproval: true, autoApproveBelow: 5_000 } });

      const below = await declareIntent(testApp, cardId, token, { amount: 4_999 });
      assert.equal(below.status, 'pending');
      assert.deepEqual(
        (await eventsAbout(testApp, below.id)).map((event) => event.type),
        ['intent.created'],
      );

      const declaredAtMs = await sandboxNowMs(testApp);
      const waiting = await declareIntent(testApp, cardId, token, { amount: 5_000 });
      assert.equal(waiting.status, 'pending_approval');
      assert.equal(Date.parse(waiting.expiresAt), declaredAtMs + hourMs, 'an approval waits approvalTimeoutMinutes, 60 by default');
      const waitingEvents = await eventsAbout(testApp, waiting.id);
      assert.deepEqual(
        waitingEvents.map((event) => event.type),
        ['intent.created', 'intent.pending_approval'],
      );
      assert.equal(JSON.parse(waitingEvents[1]!.data).object.status, 'pending_approval');

      // Details while it waits: the most recent usable intent is the other one; named, this one is refused.
      assertError(await readDetails(testApp, cardId, token, { intentId: waiting.id }), { status: 409, type: 'conflict_error', code: 'intent_pending_approval', param: 'intentId' });
      assertError(await testApp.request('POST', `/v1/intents/${waiting.id}/approve`, { key: token }), { status: 403, type: 'authorization_error', code: 'insufficient_permissions' });

      // The API key approves 30 minutes later: pending for a full hour from the approval.
      testApp.clock.advanceMs(30 * 60_000);
      const approvedAtMs = await sandboxNowMs(testApp);
      const approve = await testApp.request('POST', `/v1/intents/${waiting.id}/approve`, { body: { reason: 'Looks right' } });
      assert.equal(approve.statusCode, 200, approve.body);
      assert.equal(approve.json.status, 'pending');
      assert.equal(approve.json.expiresAt, new Date(approvedAtMs + hourMs).toISOString());
      assert.equal(approve.json.decisionReason, 'Looks right');
      assert.equal(approve.json.updatedAt, new Date(approvedAtMs).toISOString());
      const approvedEvents = await eventsAbout(testApp, waiting.id, 'intent.approved');
      assert.equal(approvedEvents.length, 1);
      assert.deepEqual(JSON.parse(approvedEvents[0]!.data).object, approve.json);
      assert.deepEqual(await getIntent(testApp, waiting.id, token), approve.json);

      // Approving or rejecting it again changes nothing.
      assertError(await testApp.request('POST', `/v1/intents/${waiting.id}/approve`), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assertError(await testApp.request('POST', `/v1/intents/${waiting.id}/reject`), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });

      // Now the details work for it.
      const details = await readDetails(testApp, cardId, token, { intentId: waiting.id, expectedAmount: 5_000 });
      assert.equal(details.statusCode, 200, details.body);
      assert.equal(details.json.intentId, waiting.id);
      assert.equal((await getIntent(testApp, waiting.id)).status, 'revealed');
    });

    it('details wait while the only intent is pending_approval, and work once it is approved', async () => {
      const { token, cardId } = await agentWithCard(testApp, { agent: { requireApproval: true, autoApproveBelow: 5_000 } });
      const waiting = await declareIntent(testApp, cardId, token, { amount: 9_000 });
      assert.equal(waiting.status, 'pending_approval');
      const refused = await readDetails(testApp, cardId, token, { expectedAmount: 9_000 });
      assertError(refused, { status: 409, type: 'conflict_error', code: 'intent_pending_approval' });
      assert.ok(refused.json.error.message.includes(waiting.id), 'the message names the waiting intent');
      assert.equal((await testApp.request('POST', `/v1/intents/${waiting.id}/approve`)).statusCode, 200);
      const details = await readDetails(testApp, cardId, token, { expectedAmount: 9_000 });
      assert.equal(details.statusCode, 200, details.body);
      assert.equal(details.json.intentId, waiting.id);
    });

    it('an approved intent that is not used expires an hour after the approval', async () => {
      const { token, cardId } = await agentWithCard(testApp, { agent: { requireApproval: true, autoApproveBelow: null, approvalTimeoutMinutes: 180 } });
      const waiting = await declareIntent(testApp, cardId, token, { amount: 100 });
      assert.equal(waiting.status, 'pending_approval');
      testApp.clock.advanceMs(2 * hourMs);
      assert.equal((await getIntent(testApp, waiting.id)).status, 'pending_approval', 'an approval waits its approvalTimeoutMinutes (here 3 h)');
      assert.equal((await testApp.request('POST', `/v1/intents/${waiting.id}/approve`)).statusCode, 200);
      await advanceSandbox(testApp, 3_600);
      assert.equal((await intentRow(testApp, waiting.id)).status, 'expired');
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'intent_expired' });
    });

    it('a pending_approval intent nobody decides is rejected after its approvalTimeoutMinutes (approval_expired) and can no longer be approved', async () => {
      const { token, cardId } = await agentWithCard(testApp, { agent: { requireApproval: true, autoApproveBelow: 1_000 } });
      const waiting = await declareIntent(testApp, cardId, token, { amount: 1_000 });
      assert.equal(waiting.status, 'pending_approval');
      await advanceSandbox(testApp, 3_600);
      assert.equal((await intentRow(testApp, waiting.id)).status, 'rejected');
      assert.equal((await eventsAbout(testApp, waiting.id, 'intent.rejected')).length, 1);
      assert.deepEqual(await eventsAbout(testApp, waiting.id, 'intent.expired'), []);
      assertError(await testApp.request('POST', `/v1/intents/${waiting.id}/approve`), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
    });

    it('reject: rejected with intent.rejected, then neither approvable nor usable', async () => {
      const { token, cardId } = await agentWithCard(testApp, { agent: { requireApproval: true, autoApproveBelow: 5_000 } });
      const waiting = await declareIntent(testApp, cardId, token, { amount: 7_500 });
      const reject = await testApp.request('POST', `/v1/intents/${waiting.id}/reject`, { body: { reason: 'Not in the budget' } });
      assert.equal(reject.statusCode, 200, reject.body);
      assert.equal(reject.json.status, 'rejected');
      assert.equal(reject.json.decisionReason, 'Not in the budget');
      assert.equal(reject.json.expiresAt, null);
      const rejectedEvents = await eventsAbout(testApp, waiting.id, 'intent.rejected');
      assert.equal(rejectedEvents.length, 1);
      assert.deepEqual(JSON.parse(rejectedEvents[0]!.data).object, reject.json);
      assert.equal((await intentRow(testApp, waiting.id)).status, 'rejected');

      assertError(await testApp.request('POST', `/v1/intents/${waiting.id}/approve`), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assertError(await testApp.request('POST', `/v1/intents/${waiting.id}/reject`), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assertError(await testApp.request('POST', `/v1/intents/${waiting.id}/cancel`, { key: token }), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'intent_rejected' });
      // A rejected intent never expires: the sweep leaves it alone.
      await advanceSandbox(testApp, 25 * 3_600);
      assert.equal((await intentRow(testApp, waiting.id)).status, 'rejected');
      assert.deepEqual(await eventsAbout(testApp, waiting.id, 'intent.expired'), []);
    });

    it("a card's requireApproval overrides the agent's", async () => {
      const { token, agentId } = await agentWithCard(testApp, { agent: { requireApproval: true, autoApproveBelow: 5_000 } });
      const free = await createCard(testApp, agentId, { requireApproval: false });
      assert.equal(free.requireApproval, false);
      assert.equal((await declareIntent(testApp, free.id, token, { amount: 5_000 })).status, 'pending');
      assert.equal((await declareIntent(testApp, free.id, token, { amount: 14_000 })).status, 'pending');

      const strict = await createCard(testApp, agentId, { requireApproval: true, autoApproveBelow: 100 });
      assert.equal((await declareIntent(testApp, strict.id, token, { amount: 99 })).status, 'pending');
      assert.equal((await declareIntent(testApp, strict.id, token, { amount: 100 })).status, 'pending_approval');

      const following = await createCard(testApp, agentId);
      assert.equal(following.requireApproval, null);
      assert.equal((await declareIntent(testApp, following.id, token, { amount: 5_000 })).status, 'pending_approval');

      // And the other way round: a card may require approval for an agent that does not.
      const relaxed = await agentWithCard(testApp, { card: { requireApproval: true } });
      assert.equal((await declareIntent(testApp, relaxed.cardId, relaxed.token, { amount: 1 })).status, 'pending_approval');
    });

    it('cancel by the agent token: canceled with intent.canceled, and details need another intent', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, cardId, token);
      const cancel = await testApp.request('POST', `/v1/intents/${intent.id}/cancel`, { key: token });
      assert.equal(cancel.statusCode, 200, cancel.body);
      assert.equal(cancel.json.status, 'canceled');
      assert.equal(cancel.json.expiresAt, null);
      const canceledEvents = await eventsAbout(testApp, intent.id, 'intent.canceled');
      assert.equal(canceledEvents.length, 1);
      assert.deepEqual(JSON.parse(canceledEvents[0]!.data).object, cancel.json);
      assert.equal((await intentRow(testApp, intent.id)).status, 'canceled');

      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'intent_required' });
      assertError(await testApp.request('POST', `/v1/intents/${intent.id}/cancel`, { key: token }), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });

      // A revealed intent can be canceled too (by the API key here), and then stops the details.
      const second = await declareIntent(testApp, cardId, token);
      assert.equal((await readDetails(testApp, cardId, token)).statusCode, 200);
      const cancelRevealed = await testApp.request('POST', `/v1/intents/${second.id}/cancel`);
      assert.equal(cancelRevealed.statusCode, 200, cancelRevealed.body);
      assert.equal(cancelRevealed.json.status, 'canceled');
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'intent_required' });
    });

    it('a suspended agent declares no intents and reads no details, even on a card unfrozen by hand', async () => {
      const { token, cardId, agentId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      assert.equal((await testApp.request('POST', `/v1/agents/${agentId}/suspend`)).statusCode, 200);

      // Suspension froze the card.
      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: token, body: headphones }), { status: 409, type: 'conflict_error', code: 'card_not_active' });
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'card_not_active' });

      // Unfreezing the card does not make the agent active.
      assert.equal((await testApp.request('POST', `/v1/cards/${cardId}/unfreeze`)).statusCode, 200);
      assertError(await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: token, body: headphones }), { status: 409, type: 'conflict_error', code: 'agent_not_active' });
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'agent_not_active' });
      assertError(await readDetails(testApp, cardId, testApp.sandboxKey), { status: 409, type: 'conflict_error', code: 'agent_not_active' });
      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM card_detail_accesses WHERE card_id = ?', [cardId]), 0);

      assert.equal((await testApp.request('POST', `/v1/agents/${agentId}/activate`)).statusCode, 200);
      assert.equal((await readDetails(testApp, cardId, token)).statusCode, 200);
    });
  });
}
