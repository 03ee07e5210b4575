// The operator's KYC decision (SPEC §4 "Users and verification"): `POST /v1/users/{id}/verification/decision` decides
// an application the provider left in manualReview or documentRequired, in live as in the sandbox, with the deciding
// key and reason kept on the user and shown by the verification status, the provider's events, 409 from any other
// status, API keys only, and Idempotency-Key replays. Arranged through the public API and the hosted page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { assertError, useTestApp, type TestResponse } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';

const identity = { firstName: 'John', dateOfBirth: '1990-04-23', addressLine1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' };
const notAwaiting = { status: 409, type: 'conflict_error', code: 'verification_not_awaiting_decision' };

interface EventRow {
  id: string;
  type: string;
  data: string;
}

for (const kind of storeKinds) {
  describe(`operator verification decision (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function createUser(key: string, lastName = 'Doe'): Promise<string> {
      const response = await testApp.request('POST', '/v1/users', { key, body: { firstName: 'John', lastName, email: 'john@example.com' } });
      assert.equal(response.statusCode, 200, response.body);
      return response.json.id;
    }

    /** A user whose application the provider left open: the person submits the hosted form with a test last name. */
    async function userSubmitted(key: string, lastName: 'Review' | 'Document'): Promise<string> {
      const userId = await createUser(key, lastName);
      const link = await testApp.request('POST', '/v1/verification/user', { key, body: { userId } });
      assert.equal(link.statusCode, 200, link.body);
      const submitted = await testApp.request('POST', new URL(link.json.verificationUrl).pathname, {
        key: null,
        rawBody: new URLSearchParams({ ...identity, lastName }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(submitted.statusCode, 200, submitted.body);
      const status = await testApp.request('GET', `/v1/verification/user/${userId}`, { key });
      assert.equal(status.json.applicationStatus, lastName === 'Review' ? 'manualReview' : 'documentRequired');
      return userId;
    }

    /** An API key of the environment `key` is in, made for deciding, so the decision can be traced to it. */
    async function operatorKey(key: string): Promise<{ id: string; secret: string }> {
      const created = await testApp.request('POST', '/v1/api-keys', { key, body: { name: 'kyc operator' } });
      assert.equal(created.statusCode, 200, created.body);
      return { id: created.json.id, secret: created.json.key };
    }

    function decide(userId: string, key: string, body: unknown, headers?: Record<string, string>): Promise<TestResponse> {
      return testApp.request('POST', `/v1/users/${userId}/verification/decision`, { key, body, ...(headers === undefined ? {} : { headers }) });
    }

    async function userEvents(userId: string): Promise<EventRow[]> {
      const rows = await testApp.store.db.all<EventRow>("SELECT id, type, data FROM events WHERE type LIKE 'user.%' AND data LIKE ? ORDER BY id", [`%"${userId}"%`]);
      return rows;
    }

    it('approves a live user in manualReview: the deciding key and reason are kept, shown and sent with user.approved', async () => {
      const userId = await userSubmitted(testApp.liveKey, 'Review');
      const operator = await operatorKey(testApp.liveKey);
      const eventsBefore = (await userEvents(userId)).length;
      testApp.clock.advanceMs(5 * 60_000);
      const decidedAt = new Date(testApp.clock.nowMs()).toISOString();

      const response = await decide(userId, operator.secret, { outcome: 'approved', reason: 'passport checked by hand' });
      assert.equal(response.statusCode, 200, response.body);
      const decision = { outcome: 'approved', reason: 'passport checked by hand', decidedBy: { kind: 'apiKey', id: operator.id }, decidedAt };
      assert.equal(response.json.object, 'verification');
      assert.equal(response.json.userId, userId);
      assert.equal(response.json.applicationStatus, 'approved');
      assert.equal(response.json.rejectionReason, null);
      assert.deepEqual(response.json.decision, decision);

      const status = await testApp.request('GET', `/v1/verification/user/${userId}`, { key: testApp.liveKey });
      assert.deepEqual(status.json, response.json, 'the verification status shows the decision');
      assert.notEqual(status.json.submittedAt, null);
      const user = await testApp.request('GET', `/v1/users/${userId}`, { key: testApp.liveKey });
      assert.equal(user.json.applicationStatus, 'approved');
      assert.deepEqual(user.json.verificationDecision, decision);

      const events = (await userEvents(userId)).slice(eventsBefore);
      assert.deepEqual(
        events.map((event) => event.type),
        ['user.verification_updated', 'user.approved'],
      );
      for (const event of events) {
        const object = JSON.parse(event.data).object;
        assert.equal(object.applicationStatus, 'approved');
        assert.deepEqual(object.verificationDecision, decision);
      }

      // Approved by the operator, the live user may now have an agent.
      const agent = await testApp.request('POST', '/v1/agents/register', { key: testApp.liveKey, body: { userId, name: 'live-bot' } });
      assert.equal(agent.statusCode, 200, agent.body);
    });

    it('rejects a user in documentRequired: the reason becomes the rejectionReason, with user.rejected; sandbox keys decide too', async () => {
      const userId = await userSubmitted(testApp.sandboxKey, 'Document');
      const operator = await operatorKey(testApp.sandboxKey);
      const eventsBefore = (await userEvents(userId)).length;

      const response = await decide(userId, operator.secret, { outcome: 'rejected', reason: 'proof of address is a screenshot' });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json.applicationStatus, 'rejected');
      assert.equal(response.json.rejectionReason, 'proof of address is a screenshot');
      assert.deepEqual(response.json.decision, {
        outcome: 'rejected',
        reason: 'proof of address is a screenshot',
        decidedBy: { kind: 'apiKey', id: operator.id },
        decidedAt: new Date(testApp.clock.nowMs()).toISOString(),
      });
      const user = (await testApp.request('GET', `/v1/users/${userId}`)).json;
      assert.equal(user.rejectionReason, 'proof of address is a screenshot');
      assert.deepEqual(
        (await userEvents(userId)).slice(eventsBefore).map((event) => [event.type, JSON.parse(event.data).object.rejectionReason]),
        [
          ['user.verification_updated', 'proof of address is a screenshot'],
          ['user.rejected', 'proof of address is a screenshot'],
        ],
      );

      // Rejected, the person may try again; a later decision by the provider clears the operator's.
      const retry = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
      assert.equal(retry.statusCode, 200, retry.body);
      const review = await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: 'manualReview' } });
      assert.equal(review.statusCode, 200, review.body);
      assert.equal(review.json.decision, null);
      assert.equal((await testApp.request('GET', `/v1/users/${userId}`)).json.verificationDecision, null);
    });

    it('without a reason: approved keeps none, rejected takes the default rejectionReason', async () => {
      const approvedUser = await createUser(testApp.sandboxKey);
      assert.equal((await testApp.request('POST', `/v1/sandbox/users/${approvedUser}/verification`, { body: { outcome: 'manualReview' } })).statusCode, 200);
      const approved = await decide(approvedUser, testApp.sandboxKey, { outcome: 'approved' });
      assert.equal(approved.statusCode, 200, approved.body);
      assert.equal(approved.json.decision.reason, null);
      assert.equal(approved.json.decision.decidedBy.kind, 'apiKey');
      assert.match(approved.json.decision.decidedBy.id, /^key_/);

      const rejectedUser = await createUser(testApp.sandboxKey);
      assert.equal((await testApp.request('POST', `/v1/sandbox/users/${rejectedUser}/verification`, { body: { outcome: 'documentRequired' } })).statusCode, 200);
      const rejected = await decide(rejectedUser, testApp.sandboxKey, { outcome: 'rejected' });
      assert.equal(rejected.statusCode, 200, rejected.body);
      assert.equal(rejected.json.rejectionReason, 'identity could not be verified');
      assert.equal(rejected.json.decision.reason, null);
    });

    it('409 verification_not_awaiting_decision from notStarted, pending, approved and rejected; nothing changes', async () => {
      for (const status of ['notStarted', 'pending', 'approved', 'rejected'] as const) {
        const userId = await createUser(testApp.sandboxKey);
        if (status !== 'notStarted') assert.equal((await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: status } })).statusCode, 200);
        const before = await testApp.request('GET', `/v1/users/${userId}`);
        const eventCount = (await userEvents(userId)).length;
        for (const outcome of ['approved', 'rejected']) {
          assertError(await decide(userId, testApp.sandboxKey, { outcome, reason: 'looks fine' }), notAwaiting);
        }
        assert.deepEqual((await testApp.request('GET', `/v1/users/${userId}`)).json, before.json, status);
        assert.equal((await userEvents(userId)).length, eventCount, `${status}: no event`);
      }
      // A decided user cannot be decided again.
      const userId = await createUser(testApp.sandboxKey);
      await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: 'manualReview' } });
      assert.equal((await decide(userId, testApp.sandboxKey, { outcome: 'rejected' })).statusCode, 200);
      assertError(await decide(userId, testApp.sandboxKey, { outcome: 'approved' }), notAwaiting);
      assert.equal((await testApp.request('GET', `/v1/users/${userId}`)).json.applicationStatus, 'rejected');
    });

    it('API keys only: an agent token is 403 insufficient_permissions; other tenants and environments get 404', async () => {
      // An approved user with an agent, through the decision itself.
      const ownerId = await createUser(testApp.sandboxKey);
      await testApp.request('POST', `/v1/sandbox/users/${ownerId}/verification`, { body: { outcome: 'manualReview' } });
      assert.equal((await decide(ownerId, testApp.sandboxKey, { outcome: 'approved' })).statusCode, 200);
      const agent = await testApp.request('POST', '/v1/agents/register', { body: { userId: ownerId, name: 'bot' } });
      assert.equal(agent.statusCode, 200, agent.body);

      const userId = await createUser(testApp.sandboxKey);
      await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: 'manualReview' } });
      assertError(await decide(userId, agent.json.token, { outcome: 'approved' }), { status: 403, type: 'authorization_error', code: 'insufficient_permissions' });
      assertError(await decide(ownerId, agent.json.token, { outcome: 'rejected' }), { status: 403, type: 'authorization_error', code: 'insufficient_permissions' });

      const other = await initializeOrganization(testApp.store.db, 'Other organization', testApp.clock.nowMs());
      for (const key of [other.sandboxKey, testApp.liveKey]) {
        assertError(await decide(userId, key, { outcome: 'approved' }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      }
      assertError(await decide('user_00000000000000000000000000', testApp.sandboxKey, { outcome: 'approved' }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.equal((await testApp.request('GET', `/v1/users/${userId}`)).json.applicationStatus, 'manualReview', 'untouched');
    });

    it('refuses an outcome other than approved or rejected, and a malformed reason', async () => {
      const userId = await createUser(testApp.sandboxKey);
      await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: 'manualReview' } });
      for (const outcome of ['manualReview', 'documentRequired', 'pending', 'maybe']) {
        assertError(await decide(userId, testApp.sandboxKey, { outcome }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'outcome' });
      }
      assertError(await decide(userId, testApp.sandboxKey, {}), { status: 400, type: 'invalid_request_error', code: 'missing_parameter', param: 'outcome' });
      assertError(await decide(userId, testApp.sandboxKey, { outcome: 'approved', reason: '' }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'reason' });
      assertError(await decide(userId, testApp.sandboxKey, { outcome: 'approved', reason: 'x'.repeat(501) }), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'reason' });
      assert.equal((await testApp.request('GET', `/v1/users/${userId}`)).json.applicationStatus, 'manualReview');
    });

    it('an Idempotency-Key replays the decision without deciding twice; another body under it is refused', async () => {
      const userId = await userSubmitted(testApp.liveKey, 'Review');
      const headers = { 'Idempotency-Key': `decision-${kind}-1` };
      const first = await decide(userId, testApp.liveKey, { outcome: 'approved', reason: 'checked' }, headers);
      assert.equal(first.statusCode, 200, first.body);
      const eventCount = (await userEvents(userId)).length;

      testApp.clock.advanceMs(60_000);
      const replay = await decide(userId, testApp.liveKey, { outcome: 'approved', reason: 'checked' }, headers);
      assert.equal(replay.statusCode, 200, replay.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.json, first.json);
      assert.equal((await userEvents(userId)).length, eventCount, 'no second set of events');

      assertError(await decide(userId, testApp.liveKey, { outcome: 'rejected' }, headers), { status: 422, type: 'idempotency_error', code: 'idempotency_key_reused' });
      // Without the key, a second decision is refused by the status.
      assertError(await decide(userId, testApp.liveKey, { outcome: 'approved' }), notAwaiting);
    });
  });
}
