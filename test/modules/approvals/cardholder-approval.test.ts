// Cardholder approval (SPEC §4 "Approval"), on both stores: the approval method an intent waits under, who may decide
// it (an API key only with `apiKey`; only the cardholder's hosted page with `cardholder`), the single-use link in the
// webhook and in API-key reads (never an agent's), the approval timeout on the sandbox clock (rejected with
// approval_expired, exactly one intent.rejected) and the signed approval record of every decision.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyApprovalRecord } from '../../../src/sdk/index.js';
import { assertError, useTestApp, type TestApp } from '../../helpers/app.js';
import { advanceSandbox } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import { eventsAbout, fundedCardholder, issueCard, type Cardholder } from '../../network/arrange.js';

const minuteSeconds = 60;

async function waitingIntent(testApp: TestApp, holder: Cardholder, cardId: string, amount = 7_500) {
  const declared = await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: holder.agentToken, body: { summary: 'Noise-cancelling headphones', amount, merchantText: 'Best Buy' } });
  assert.equal(declared.statusCode, 200, declared.body);
  assert.equal(declared.json.status, 'pending_approval');
  return declared.json;
}

async function approvalUrlOf(testApp: TestApp, intentId: string): Promise<string> {
  const read = await testApp.request('GET', `/v1/intents/${intentId}`);
  assert.equal(read.statusCode, 200, read.body);
  assert.match(read.json.approvalUrl, /^http:\/\/[^/]+\/approve\/apl_[A-Za-z0-9_-]{43}$/);
  return new URL(read.json.approvalUrl).pathname;
}

function submitForm(testApp: TestApp, path: string, fields: Record<string, string>) {
  return testApp.request('POST', path, { key: null, rawBody: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

async function verifiedRecord(testApp: TestApp, intentId: string, key?: string) {
  const record = await testApp.request('GET', `/v1/intents/${intentId}/approval`, key === undefined ? {} : { key });
  assert.equal(record.statusCode, 200, record.body);
  const jwks = (await testApp.request('GET', '/.well-known/jwks.json', { key: null })).json;
  return verifyApprovalRecord(record.json, jwks);
}

for (const kind of storeKinds) {
  describe(`cardholder approval (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function cardholderCard(method: 'cardholder' | 'cardholderPasskey' | 'apiKey', extra: Record<string, unknown> = {}) {
      const holder = await fundedCardholder(testApp, 100_000, { requireApproval: true, approvalMethod: method, ...extra });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 20_000 });
      return { holder, card };
    }

    it('with apiKey (the default) an API key approves, and the decision leaves a signed record naming the key', async () => {
      const holder = await fundedCardholder(testApp, 100_000, { requireApproval: true });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 20_000 });
      const intent = await waitingIntent(testApp, holder, card.id);
      assert.deepEqual([intent.approvalMethod, intent.approvalUrl], ['apiKey', null]);
      assertError(await testApp.request('GET', `/v1/intents/${intent.id}/approval`), { status: 404, type: 'not_found_error', code: 'approval_record_not_found' });
      const approved = await testApp.request('POST', `/v1/intents/${intent.id}/approve`, { body: { reason: 'fine' } });
      assert.equal(approved.statusCode, 200, approved.body);
      const record = await verifiedRecord(testApp, intent.id);
      assert.equal(record.decision, 'approved');
      assert.equal(record.method, 'apiKey');
      assert.equal(record.decidedBy.type, 'apiKey');
      assert.equal(record.reason, 'fine');
      assert.deepEqual([record.intent.id, record.intent.amount, record.intent.merchantText, record.intent.currency], [intent.id, 7_500, 'Best Buy', 'USD']);
      // The agent may read its own intent's record too.
      assert.equal((await verifiedRecord(testApp, intent.id, holder.agentToken)).jti, record.jti);
    });

    it('with cardholder, neither an API key nor an agent token may decide; the link reaches webhooks and API keys only', async () => {
      const { holder, card } = await cardholderCard('cardholder');
      const intent = await waitingIntent(testApp, holder, card.id);
      assert.equal(intent.approvalUrl, null, 'the agent that declared it never sees the link');
      assert.equal(intent.approvalMethod, 'cardholder');
      const path = await approvalUrlOf(testApp, intent.id);
      const [waitingEvent] = await eventsAbout(testApp, intent.id, 'intent.pending_approval');
      assert.equal(new URL(waitingEvent!.object.approvalUrl).pathname, path, 'the webhook carries the link');
      assert.equal((await testApp.request('GET', `/v1/intents/${intent.id}`, { key: holder.agentToken })).json.approvalUrl, null);
      const queue = await testApp.request('GET', '/v1/intents?status=pending_approval');
      assert.equal(new URL(queue.json.data.find((item: { id: string }) => item.id === intent.id).approvalUrl).pathname, path);

      for (const action of ['approve', 'reject']) {
        assertError(await testApp.request('POST', `/v1/intents/${intent.id}/${action}`), { status: 403, type: 'authorization_error', code: 'cardholder_approval_required' });
        assertError(await testApp.request('POST', `/v1/intents/${intent.id}/${action}`, { key: holder.agentToken }), { status: 403, type: 'authorization_error', code: 'insufficient_permissions' });
      }
      assert.equal((await testApp.request('GET', `/v1/intents/${intent.id}`)).json.status, 'pending_approval', 'nothing changed');
    });

    it('the cardholder approves on the hosted page: the agent may then read the details; the link is single use', async () => {
      const { holder, card } = await cardholderCard('cardholder', { spendingLimit: 50_000, spendingLimitFrequency: 'perMonth' });
      const intent = await waitingIntent(testApp, holder, card.id);
      const path = await approvalUrlOf(testApp, intent.id);

      const page = await testApp.request('GET', path, { key: null });
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.equal(page.headers['referrer-policy'], 'no-referrer');
      for (const shown of ['$75.00', 'Best Buy', 'Noise-cancelling headphones', 'checkout-bot', `•••• ${card.last4}`, '$0.00 of $500.00 this month']) {
        assert.ok(page.body.includes(shown), `the page shows ${shown}`);
      }
      assert.doesNotMatch(page.body, /<script/, 'the cardholder method needs no script');

      const approved = await submitForm(testApp, path, { action: 'approve', note: 'Go ahead' });
      assert.equal(approved.statusCode, 200, approved.body);
      assert.match(approved.body, /Purchase approved/);
      const after = (await testApp.request('GET', `/v1/intents/${intent.id}`)).json;
      assert.deepEqual([after.status, after.decisionReason, after.approvalUrl], ['pending', 'Go ahead', null]);
      const details = await testApp.request('POST', `/v1/cards/${card.id}/details`, { key: holder.agentToken, body: { summary: 'headphones', expectedAmount: 7_500, merchantText: 'Best Buy' } });
      assert.equal(details.statusCode, 200, details.body);

      const record = await verifiedRecord(testApp, intent.id);
      assert.deepEqual([record.decision, record.method, record.decidedBy, record.reason, record.webauthn], ['approved', 'cardholder', { type: 'cardholder', userId: holder.userId }, 'Go ahead', null]);

      // Used: a second visit says so, and posting again changes nothing.
      const again = await submitForm(testApp, path, { action: 'reject' });
      assert.equal(again.statusCode, 409);
      assert.match(again.body, /This purchase was approved/);
      assert.equal((await testApp.request('GET', `/v1/intents/${intent.id}`)).json.status, 'revealed');
      assert.equal((await eventsAbout(testApp, intent.id, 'intent.rejected')).length, 0);
      // The link was read through the API, opened and posted to: its token never reaches the logs.
      assert.ok(!testApp.logs.join('\n').includes(path.slice('/approve/'.length)), 'the token never reaches the logs');
    });

    it('the cardholder rejects on the page; a bad form or an unknown link changes nothing', async () => {
      const { holder, card } = await cardholderCard('cardholder');
      const intent = await waitingIntent(testApp, holder, card.id);
      const path = await approvalUrlOf(testApp, intent.id);
      const bad = await submitForm(testApp, path, { action: 'approve-all' });
      assert.equal(bad.statusCode, 422);
      assert.equal((await testApp.request('GET', `/v1/intents/${intent.id}`)).json.status, 'pending_approval');
      assert.equal((await testApp.request('GET', `${path}x`, { key: null })).statusCode, 404);
      const altered = `${path.slice(0, -1)}${path.endsWith('A') ? 'B' : 'A'}`;
      assert.equal((await submitForm(testApp, altered, { action: 'approve' })).statusCode, 404);

      const rejected = await submitForm(testApp, path, { action: 'reject', note: 'Not this one' });
      assert.equal(rejected.statusCode, 200);
      assert.match(rejected.body, /Purchase rejected/);
      const after = (await testApp.request('GET', `/v1/intents/${intent.id}`)).json;
      assert.deepEqual([after.status, after.decisionReason], ['rejected', 'Not this one']);
      assert.equal((await eventsAbout(testApp, intent.id, 'intent.rejected')).length, 1);
      const record = await verifiedRecord(testApp, intent.id);
      assert.deepEqual([record.decision, record.decidedBy.type], ['rejected', 'cardholder']);
      assertError(await testApp.request('POST', `/v1/cards/${card.id}/details`, { key: holder.agentToken, body: { summary: 'x', expectedAmount: 7_500, merchantText: 'Best Buy', intentId: intent.id } }), {
        status: 409,
        type: 'conflict_error',
        code: 'intent_rejected',
        param: 'intentId',
      });
    });

    it('an approval not given within approvalTimeoutMinutes rejects the intent on the sandbox clock, once; its link shows the expiry', async () => {
      const { holder, card } = await cardholderCard('cardholder', { approvalTimeoutMinutes: 30 });
      const intent = await waitingIntent(testApp, holder, card.id);
      assert.equal(Date.parse(intent.expiresAt) - Date.parse(intent.createdAt), 30 * 60_000);
      const path = await approvalUrlOf(testApp, intent.id);

      await advanceSandbox(testApp, 29 * minuteSeconds);
      assert.equal((await testApp.request('GET', `/v1/intents/${intent.id}`)).json.status, 'pending_approval');
      await advanceSandbox(testApp, minuteSeconds);
      const after = (await testApp.request('GET', `/v1/intents/${intent.id}`)).json;
      assert.deepEqual([after.status, after.decisionReason, after.approvalUrl], ['rejected', 'approval_expired', null]);
      const rejectedEvents = await eventsAbout(testApp, intent.id, 'intent.rejected');
      assert.equal(rejectedEvents.length, 1);
      assert.equal(rejectedEvents[0]!.object.decisionReason, 'approval_expired');
      await advanceSandbox(testApp, 60 * minuteSeconds);
      assert.equal((await eventsAbout(testApp, intent.id, 'intent.rejected')).length, 1, 'exactly one intent.rejected');
      assert.equal((await eventsAbout(testApp, intent.id, 'intent.expired')).length, 0);
      assert.deepEqual(
        (await testApp.request('GET', `/v1/intents?status=rejected&cardId=${card.id}`)).json.data.map((item: { id: string }) => item.id),
        [intent.id],
      );

      const page = await testApp.request('GET', path, { key: null });
      assert.equal(page.statusCode, 410);
      assert.match(page.body, /This request has expired/);
      const late = await submitForm(testApp, path, { action: 'approve' });
      assert.equal(late.statusCode, 410);
      assert.equal((await testApp.request('GET', `/v1/intents/${intent.id}`)).json.status, 'rejected', 'an expired link changes nothing');

      const record = await verifiedRecord(testApp, intent.id);
      assert.deepEqual([record.decision, record.method, record.decidedBy, record.reason], ['rejected', 'cardholder', { type: 'timeout' }, 'approval_expired']);
    });

    it('before the due work runs, a lapsed approval already reads as rejected (approval_expired) and its link as expired', async () => {
      const { holder, card } = await cardholderCard('cardholder');
      const intent = await waitingIntent(testApp, holder, card.id);
      const path = await approvalUrlOf(testApp, intent.id);
      testApp.clock.advanceMs(60 * 60_000);
      const read = (await testApp.request('GET', `/v1/intents/${intent.id}`)).json;
      assert.deepEqual([read.status, read.decisionReason], ['rejected', 'approval_expired']);
      assert.equal((await testApp.request('GET', path, { key: null })).statusCode, 410);
      assert.equal((await submitForm(testApp, path, { action: 'approve' })).statusCode, 410);
      assertError(await testApp.request('POST', `/v1/intents/${intent.id}/cancel`, { key: holder.agentToken }), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
    });

    it('with cardholderPasskey the page asks for a passkey: a form post alone decides nothing', async () => {
      const { holder, card } = await cardholderCard('cardholderPasskey');
      const intent = await waitingIntent(testApp, holder, card.id);
      const path = await approvalUrlOf(testApp, intent.id);
      const page = await testApp.request('GET', path, { key: null });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Approve with passkey/);
      assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
      const posted = await submitForm(testApp, path, { action: 'approve' });
      assert.equal(posted.statusCode, 422);
      assert.match(posted.body, /passkey/);
      assert.equal((await testApp.request('GET', `/v1/intents/${intent.id}`)).json.status, 'pending_approval');
      assertError(await testApp.request('POST', `/v1/intents/${intent.id}/approve`), { status: 403, type: 'authorization_error', code: 'cardholder_approval_required' });
    });
  });
}
