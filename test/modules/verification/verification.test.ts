// The verification API (SPEC §4, seed 001 steps 1-2, seed 000 "User & KYC Issues"): links, status, fresh links,
// the sandbox outcome endpoint, the events each status change records and the compliance lock.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { startTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';

const dayMs = 24 * 3600 * 1000;
const linkPattern = /^http:\/\/localhost(?::\d+)?\/verify\/([A-Za-z0-9_-]{43})$/;

function assertCode(response: TestResponse, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.json.error.code, code, response.body);
}

function tokenOf(verificationUrl: string): string {
  const match = linkPattern.exec(verificationUrl);
  assert.ok(match, `unexpected verificationUrl ${verificationUrl}`);
  return match[1]!;
}

describe('verification API', () => {
  const opened: TestApp[] = [];
  async function open(): Promise<TestApp> {
    const testApp = await startTestApp();
    opened.push(testApp);
    return testApp;
  }
  afterEach(async () => {
    for (const testApp of opened.splice(0)) await testApp.close();
  });

  async function createUser(testApp: TestApp, lastName = 'Doe', key?: string): Promise<string> {
    const response = await testApp.request('POST', '/v1/users', { key, body: { firstName: 'John', lastName, email: 'john@example.com' } });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json.applicationStatus, 'notStarted');
    return response.json.id;
  }

  async function setOutcome(testApp: TestApp, userId: string, outcome: string, reason?: string): Promise<TestResponse> {
    return testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: reason === undefined ? { outcome } : { outcome, reason } });
  }

  async function userEvents(testApp: TestApp): Promise<Array<{ type: string; status: string }>> {
    const rows = await testApp.store.db.all<{ type: string; data: string }>("SELECT type, data FROM events WHERE type LIKE 'user.%' ORDER BY id");
    return rows.map((row) => ({ type: row.type, status: JSON.parse(row.data).object.applicationStatus }));
  }

  test('POST /v1/verification/user answers a 7-day link to the hosted page; only the token hash is stored', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const response = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
    assert.equal(response.statusCode, 200, response.body);
    const { json } = response;
    assert.deepEqual(Object.keys(json).sort(), ['applicationStatus', 'expiresAt', 'id', 'object', 'userId', 'verificationUrl']);
    assert.equal(json.object, 'verification');
    assert.match(json.id, /^ver_[0-9a-z]{26}$/);
    assert.equal(json.userId, userId);
    assert.equal(json.applicationStatus, 'notStarted');
    assert.equal(json.expiresAt, new Date(testApp.clock.nowMs() + 7 * dayMs).toISOString());
    const token = tokenOf(json.verificationUrl);

    const rows = await testApp.store.db.all<Record<string, unknown>>('SELECT * FROM verifications');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.token_hash, createHash('sha256').update(token).digest('hex'));
    assert.ok(!JSON.stringify(rows).includes(token), 'the token itself is never stored');
  });

  test('the link expiry follows the sandbox clock (environment time)', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const advanced = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 3 * 24 * 3600 } });
    assert.equal(advanced.statusCode, 200, advanced.body);
    const response = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
    assert.equal(response.json.expiresAt, new Date(testApp.clock.nowMs() + 10 * dayMs).toISOString());
  });

  test('a form-encoded body (curl -d userId=…) is read too', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const response = await testApp.request('POST', '/v1/verification/user', {
      rawBody: `userId=${userId}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json.userId, userId);
  });

  test('a missing userId is 400 missing_parameter; an unknown user is 404', async () => {
    const testApp = await open();
    const missing = await testApp.request('POST', '/v1/verification/user', { body: {} });
    assertCode(missing, 400, 'missing_parameter');
    assert.equal(missing.json.error.param, 'userId');
    const unknown = 'user_0000000000aaaaaaaaaaaaaaaa';
    assertCode(await testApp.request('POST', '/v1/verification/user', { body: { userId: unknown } }), 404, 'resource_not_found');
    assertCode(await testApp.request('GET', `/v1/verification/user/${unknown}`), 404, 'resource_not_found');
    assertCode(await testApp.request('GET', `/v1/verification/user/${unknown}/link`), 404, 'resource_not_found');
    assertCode(await setOutcome(testApp, unknown, 'approved'), 404, 'resource_not_found');
  });

  test("another organization's or environment's user is 404 and untouched", async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const other = await initializeOrganization(testApp.store.db, 'Other organization', testApp.clock.nowMs());
    for (const key of [other.sandboxKey, testApp.liveKey]) {
      assertCode(await testApp.request('POST', '/v1/verification/user', { key, body: { userId } }), 404, 'resource_not_found');
      assertCode(await testApp.request('GET', `/v1/verification/user/${userId}`, { key }), 404, 'resource_not_found');
      assertCode(await testApp.request('GET', `/v1/verification/user/${userId}/link`, { key }), 404, 'resource_not_found');
    }
    assertCode(await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { key: other.sandboxKey, body: { outcome: 'approved' } }), 404, 'resource_not_found');
    assert.equal((await testApp.store.db.all('SELECT id FROM verifications')).length, 0);
    assert.equal((await testApp.request('GET', `/v1/users/${userId}`)).json.applicationStatus, 'notStarted');
  });

  test('starting is allowed from notStarted, rejected and documentRequired; 409 when approved, pending or in review', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const expected: Array<[string, number, string | undefined]> = [
      ['rejected', 200, undefined],
      ['documentRequired', 200, undefined],
      ['pending', 409, 'verification_in_progress'],
      ['manualReview', 409, 'verification_in_progress'],
      ['approved', 409, 'user_already_approved'],
    ];
    for (const [outcome, status, code] of expected) {
      assert.equal((await setOutcome(testApp, userId, outcome)).statusCode, 200);
      for (const response of [
        await testApp.request('POST', '/v1/verification/user', { body: { userId } }),
        await testApp.request('GET', `/v1/verification/user/${userId}/link`),
      ]) {
        if (code === undefined) {
          assert.equal(response.statusCode, status, `${outcome}: ${response.body}`);
          assert.equal(response.json.applicationStatus, outcome);
        } else {
          assertCode(response, status, code);
        }
      }
    }
  });

  test('GET /v1/verification/user/{userId} reports the status, the latest expiry and no submission yet', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const before = await testApp.request('GET', `/v1/verification/user/${userId}`);
    assert.equal(before.statusCode, 200, before.body);
    assert.deepEqual(before.json, { object: 'verification', userId, applicationStatus: 'notStarted', verificationUrl: null, rejectionReason: null, decision: null, submittedAt: null, expiresAt: null });

    const first = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
    testApp.clock.advanceMs(60_000);
    const second = await testApp.request('GET', `/v1/verification/user/${userId}/link`);
    assert.notEqual(second.json.expiresAt, first.json.expiresAt);
    const after = await testApp.request('GET', `/v1/verification/user/${userId}`);
    assert.deepEqual(after.json, {
      object: 'verification',
      userId,
      applicationStatus: 'notStarted',
      verificationUrl: second.json.verificationUrl,
      rejectionReason: null,
      decision: null,
      submittedAt: null,
      expiresAt: second.json.expiresAt,
    });
  });

  test('GET …/link gives a fresh link with a new token and expiry; the earlier unused link stops working', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const first = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
    testApp.clock.advanceMs(3 * dayMs);
    const fresh = await testApp.request('GET', `/v1/verification/user/${userId}/link`);
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.equal(fresh.json.object, 'verification');
    assert.equal(fresh.json.userId, userId);
    assert.notEqual(fresh.json.id, first.json.id);
    assert.notEqual(tokenOf(fresh.json.verificationUrl), tokenOf(first.json.verificationUrl));
    assert.equal(fresh.json.expiresAt, new Date(testApp.clock.nowMs() + 7 * dayMs).toISOString());

    assert.equal((await testApp.request('GET', new URL(first.json.verificationUrl).pathname, { key: null })).statusCode, 410);
    assert.equal((await testApp.request('GET', new URL(fresh.json.verificationUrl).pathname, { key: null })).statusCode, 200);
  });

  test('the sandbox outcome endpoint sets the status with its events and answers the verification status', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);

    const review = await setOutcome(testApp, userId, 'manualReview');
    assert.equal(review.statusCode, 200, review.body);
    assert.deepEqual(review.json, { object: 'verification', userId, applicationStatus: 'manualReview', verificationUrl: null, rejectionReason: null, decision: null, submittedAt: null, expiresAt: null });

    const rejected = await setOutcome(testApp, userId, 'rejected', 'document expired');
    assert.equal(rejected.json.applicationStatus, 'rejected');
    assert.equal(rejected.json.rejectionReason, 'document expired');
    const user = await testApp.request('GET', `/v1/users/${userId}`);
    assert.equal(user.json.applicationStatus, 'rejected');
    assert.equal(user.json.rejectionReason, 'document expired');

    const defaultReason = await setOutcome(testApp, userId, 'rejected');
    assert.equal(defaultReason.json.rejectionReason, 'identity could not be verified');

    const approved = await setOutcome(testApp, userId, 'approved', 'ignored unless rejected');
    assert.equal(approved.json.applicationStatus, 'approved');
    assert.equal(approved.json.rejectionReason, null);

    assert.deepEqual(await userEvents(testApp), [
      { type: 'user.created', status: 'notStarted' },
      { type: 'user.verification_updated', status: 'manualReview' },
      { type: 'user.verification_updated', status: 'rejected' },
      { type: 'user.rejected', status: 'rejected' },
      { type: 'user.verification_updated', status: 'rejected' },
      { type: 'user.rejected', status: 'rejected' },
      { type: 'user.verification_updated', status: 'approved' },
      { type: 'user.approved', status: 'approved' },
    ]);
  });

  test('the sandbox outcome endpoint: same status again records nothing, bad outcome is 422, live key is 403 sandbox_only', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    await setOutcome(testApp, userId, 'pending');
    await setOutcome(testApp, userId, 'pending');
    assert.deepEqual(
      (await userEvents(testApp)).map((event) => event.type),
      ['user.created', 'user.verification_updated'],
    );
    const invalid = await setOutcome(testApp, userId, 'maybe');
    assertCode(invalid, 422, 'invalid_parameter_value');
    assert.equal(invalid.json.error.param, 'outcome');

    const liveUser = await createUser(testApp, 'Doe', testApp.liveKey);
    const live = await testApp.request('POST', `/v1/sandbox/users/${liveUser}/verification`, { key: testApp.liveKey, body: { outcome: 'approved' } });
    assertCode(live, 403, 'sandbox_only');
    assert.equal((await testApp.request('GET', `/v1/users/${liveUser}`, { key: testApp.liveKey })).json.applicationStatus, 'notStarted');
  });

  test('identity fields are compliance-locked once approved; metadata still changes', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const unlocked = await testApp.request('PATCH', `/v1/users/${userId}`, { body: { firstName: 'Johnny' } });
    assert.equal(unlocked.statusCode, 200, unlocked.body);

    await setOutcome(testApp, userId, 'approved');
    const locked = await testApp.request('PATCH', `/v1/users/${userId}`, { body: { firstName: 'Jack' } });
    assertCode(locked, 409, 'compliance_locked');
    assert.equal(locked.json.error.param, 'firstName');
    const metadata = await testApp.request('PATCH', `/v1/users/${userId}`, { body: { metadata: { plan: 'pro' } } });
    assert.equal(metadata.statusCode, 200, metadata.body);
    assert.deepEqual(metadata.json.metadata, { plan: 'pro' });
    assert.equal(metadata.json.firstName, 'Johnny');
  });

  test('the routes are documented in the OpenAPI document', async () => {
    const testApp = await open();
    const document = (await testApp.request('GET', '/openapi.json', { key: null })).json;
    assert.ok(document.paths['/v1/verification/user'].post);
    assert.ok(document.paths['/v1/verification/user/{userId}'].get);
    assert.ok(document.paths['/v1/verification/user/{userId}/link'].get);
    assert.ok(document.paths['/v1/sandbox/users/{id}/verification'].post);
    assert.ok(document.paths['/v1/users/{id}/verification/decision'].post);
  });
});
