// Approval with the cardholder's passkey (SPEC §4 "Approval", cardholderPasskey), on both stores, with a software
// authenticator: the challenge commits to the intent's id, amount, currency, merchant, expiry and the decision, so an
// assertion made for another intent, another amount or the other decision is refused, as are a tampered signature,
// another user's passkey and a replay; the accepted assertion is in the signed approval record.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalChallenge } from '../../../src/modules/approvals/service.js';
import { verifyApprovalRecord } from '../../../src/sdk/index.js';
import { assertError, useTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';
import { createApprovedUser } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { enrollPasskey, withTamperedSignature, type EnrolledPasskey } from '../../helpers/webauthn.js';
import { fundedCardholder, issueCard, type Cardholder } from '../../network/arrange.js';

interface Waiting {
  id: string;
  path: string;
  amount: number;
  expiresAt: string;
}

async function declare(testApp: TestApp, holder: Cardholder, cardId: string, amount: number): Promise<Waiting> {
  const declared = await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: holder.agentToken, body: { summary: 'Concert tickets', amount, merchantText: 'Ticketmaster' } });
  assert.equal(declared.statusCode, 200, declared.body);
  assert.equal(declared.json.status, 'pending_approval');
  const read = await testApp.request('GET', `/v1/intents/${declared.json.id}`);
  return { id: declared.json.id, path: new URL(read.json.approvalUrl).pathname, amount, expiresAt: declared.json.expiresAt };
}

async function options(testApp: TestApp, intent: Waiting, action: 'approve' | 'reject') {
  const answer = await testApp.request('POST', `${intent.path}/options?action=${action}`, { key: null, body: {} });
  assert.equal(answer.statusCode, 200, answer.body);
  return answer.json as { challenge: string; rpId: string; allowCredentials: Array<{ id: string }> };
}

function decide(testApp: TestApp, intent: Waiting, action: 'approve' | 'reject', credential: unknown, note?: string): Promise<TestResponse> {
  return testApp.request('POST', `${intent.path}/decide`, { key: null, body: { action, ...(note === undefined ? {} : { note }), credential } });
}

async function statusOf(testApp: TestApp, intentId: string): Promise<string> {
  return (await testApp.request('GET', `/v1/intents/${intentId}`)).json.status;
}

const refusedAssertion = { status: 403, type: 'authorization_error', code: 'passkey_assertion_invalid' };

for (const kind of storeKinds) {
  describe(`approval with the cardholder's passkey (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function arrange(): Promise<{ holder: Cardholder; cardId: string; enrolled: EnrolledPasskey }> {
      const holder = await fundedCardholder(testApp, 100_000, { requireApproval: true, approvalMethod: 'cardholderPasskey' });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 50_000 });
      const enrolled = await enrollPasskey(testApp, holder.userId);
      return { holder, cardId: card.id, enrolled };
    }

    it('the challenge commits to the intent and the decision; a valid assertion approves and is kept in the signed record', async () => {
      const { holder, cardId, enrolled } = await arrange();
      const intent = await declare(testApp, holder, cardId, 12_000);
      const request = await options(testApp, intent, 'approve');
      assert.deepEqual(request.allowCredentials.map((credential) => credential.id), [enrolled.authenticator.credentialId]);
      const terms = { id: intent.id, cardId, agentId: holder.agentId, userId: holder.userId, amountCents: 12_000, currency: 'USD' as const, merchantText: 'Ticketmaster', summary: 'Concert tickets', expiresAtMs: Date.parse(intent.expiresAt) };
      assert.equal(request.challenge, approvalChallenge(terms, 'approved'), 'the challenge is the digest of the terms and the decision');
      assert.notEqual((await options(testApp, intent, 'reject')).challenge, request.challenge);

      const credential = enrolled.authenticator.assert(request, enrolled.origin);
      const approved = await decide(testApp, intent, 'approve', credential, 'yes, row 12');
      assert.equal(approved.statusCode, 200, approved.body);
      assert.equal(approved.json.status, 'pending');

      const record = await testApp.request('GET', `/v1/intents/${intent.id}/approval`);
      const jwks = (await testApp.request('GET', '/.well-known/jwks.json', { key: null })).json;
      const payload = await verifyApprovalRecord(record.json, jwks);
      assert.deepEqual([payload.decision, payload.method, payload.decidedBy, payload.reason], ['approved', 'cardholderPasskey', { type: 'cardholder', userId: holder.userId }, 'yes, row 12']);
      assert.equal(payload.webauthn?.credentialId, enrolled.authenticator.credentialId);
      assert.equal(payload.webauthn?.signature, credential.response.signature);
      assert.equal(payload.webauthn?.clientDataJSON, credential.response.clientDataJSON);

      // Replayed: the intent is decided; nothing changes.
      assertError(await decide(testApp, intent, 'approve', credential), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assertError(await decide(testApp, intent, 'reject', credential), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assert.equal(await statusOf(testApp, intent.id), 'pending');
    });

    it('an assertion for another intent, another amount or the other decision, a tampered one, or another user’s passkey is refused and changes nothing', async () => {
      const { holder, cardId, enrolled } = await arrange();
      const first = await declare(testApp, holder, cardId, 12_000);
      const second = await declare(testApp, holder, cardId, 30_000);

      // Made for the first intent, presented for the second (another intent, another amount).
      const forFirst = enrolled.authenticator.assert(await options(testApp, first, 'approve'), enrolled.origin);
      assertError(await decide(testApp, second, 'approve', forFirst), refusedAssertion);
      // Signed over the first intent's terms with the amount altered.
      const firstTerms = { id: first.id, cardId, agentId: holder.agentId, userId: holder.userId, amountCents: 12_000, currency: 'USD' as const, merchantText: 'Ticketmaster', summary: 'Concert tickets', expiresAtMs: Date.parse(first.expiresAt) };
      const altered = enrolled.authenticator.assert({ challenge: approvalChallenge({ ...firstTerms, amountCents: 1_200 }, 'approved'), rpId: enrolled.rpID }, enrolled.origin);
      assertError(await decide(testApp, first, 'approve', altered), refusedAssertion);
      // Made to reject, presented to approve.
      const toReject = enrolled.authenticator.assert(await options(testApp, first, 'reject'), enrolled.origin);
      assertError(await decide(testApp, first, 'approve', toReject), refusedAssertion);
      // A flipped signature bit, another origin, no user verification.
      const request = await options(testApp, first, 'approve');
      assertError(await decide(testApp, first, 'approve', withTamperedSignature(enrolled.authenticator.assert(request, enrolled.origin))), refusedAssertion);
      assertError(await decide(testApp, first, 'approve', enrolled.authenticator.assert(request, enrolled.origin, { origin: 'https://evil.example' })), refusedAssertion);
      assertError(await decide(testApp, first, 'approve', enrolled.authenticator.assert(request, enrolled.origin, { userVerified: false })), refusedAssertion);
      // Another cardholder's passkey over the right challenge.
      const scope = { organizationId: testApp.organizationId, environment: 'sandbox' as const };
      const stranger = await enrollPasskey(testApp, await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs()));
      assertError(await decide(testApp, first, 'approve', stranger.authenticator.assert(request, stranger.origin)), refusedAssertion);

      assert.deepEqual([await statusOf(testApp, first.id), await statusOf(testApp, second.id)], ['pending_approval', 'pending_approval']);
      assertError(await testApp.request('GET', `/v1/intents/${first.id}/approval`), { status: 404, type: 'not_found_error', code: 'approval_record_not_found' });

      // The cardholder rejects the second with its own assertion.
      const rejected = await decide(testApp, second, 'reject', enrolled.authenticator.assert(await options(testApp, second, 'reject'), enrolled.origin));
      assert.equal(rejected.statusCode, 200, rejected.body);
      assert.equal(await statusOf(testApp, second.id), 'rejected');
    });

    it('a cardholder without a passkey is told to enroll one; bad requests to the ceremony change nothing', async () => {
      const holder = await fundedCardholder(testApp, 100_000, { requireApproval: true, approvalMethod: 'cardholderPasskey' });
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 50_000 });
      const intent = await declare(testApp, holder, card.id, 5_000);
      const refused = await testApp.request('POST', `${intent.path}/options?action=approve`, { key: null, body: {} });
      assertError(refused, { status: 409, type: 'conflict_error', code: 'passkey_not_enrolled' });
      assert.match(refused.json.error.message, /passkeys\/enrollment/);
      assertError(await testApp.request('POST', `${intent.path}/options?action=approve-all`, { key: null, body: {} }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value' });
      assertError(await testApp.request('POST', `${intent.path}/decide`, { key: null, body: { action: 'approve' } }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value' });
      assertError(await testApp.request('POST', `${intent.path}/decide`, { key: null, body: { action: 'approve', credential: {}, extra: 1 } }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value' });
      assertError(await testApp.request('POST', `${intent.path}/decide`, { key: null, body: { action: 'approve', credential: { id: 'x' } } }), refusedAssertion);
      assertError(await testApp.request('POST', '/approve/apl_unknown/options?action=approve', { key: null, body: {} }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.equal(await statusOf(testApp, intent.id), 'pending_approval');
    });
  });
}
