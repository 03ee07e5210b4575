// Passkey enrollment over HTTP (docs/passkeys.md): the enrollment link and its refusals, the hosted page and its
// two ceremony endpoints answered by a software authenticator, links that expired, were used or were replaced, a
// credential that does not verify, and the passkey list and removal — with their events — on both stores.
import assert from 'node:assert/strict';
import { Script } from 'node:vm';
import { describe, it } from 'node:test';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { passkeysPerUserMax } from '../../../src/modules/passkeys/schemas.js';
import { assertError, useTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';
import { advanceSandbox } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import { enrollPasskey, SoftwareAuthenticator } from '../../helpers/webauthn.js';

const dayMs = 24 * 3_600_000;
const tokenPathPattern = /^\/enroll\/pke_[A-Za-z0-9_-]{43}$/;

function assertHtml(response: TestResponse, status: number): void {
  assert.equal(response.statusCode, status, response.body);
  assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
  assert.equal(response.headers['x-frame-options'], 'DENY');
  assert.equal(
    response.headers['content-security-policy'],
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  );
  assert.match(response.body, /^<!doctype html>/);
}

for (const kind of storeKinds) {
  describe(`passkey enrollment (${kind})`, () => {
    const testApp: TestApp = useTestApp({ store: kind });

    async function createUser(firstName = 'Ada', lastName = 'Lovelace'): Promise<string> {
      const created = await testApp.request('POST', '/v1/users', { body: { firstName, lastName, email: 'ada@example.com' } });
      assert.equal(created.statusCode, 200, created.body);
      return created.json.id;
    }

    async function createApprovedUser(firstName?: string): Promise<string> {
      const userId = await createUser(firstName);
      const approved = await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: 'approved' } });
      assert.equal(approved.statusCode, 200, approved.body);
      return userId;
    }

    /** The enrollment page's path (with its token). */
    async function enrollmentPath(userId: string, body: object = {}): Promise<string> {
      const link = await testApp.request('POST', `/v1/users/${userId}/passkeys/enrollment`, { body });
      assert.equal(link.statusCode, 200, link.body);
      return new URL(link.json.enrollmentUrl).pathname;
    }

    async function passkeysOf(userId: string): Promise<Array<{ id: string; [field: string]: unknown }>> {
      const listed = await testApp.request('GET', `/v1/users/${userId}/passkeys?limit=100`);
      assert.equal(listed.statusCode, 200, listed.body);
      return listed.json.data;
    }

    async function passkeyEvents(type: string): Promise<Array<{ data: { object: { id: string; userId: string } } }>> {
      const events = await testApp.request('GET', `/v1/events?type=${type}&limit=100`);
      assert.equal(events.statusCode, 200, events.body);
      return events.json.data;
    }

    const hosted = (method: string, path: string, body?: unknown) => testApp.request(method, path, { key: null, ...(body === undefined ? {} : { body }) });

    it('gives an approved user a 24-hour link to a page that names them and explains what the passkey is for', async () => {
      const userId = await createApprovedUser();
      const clock = await testApp.request('GET', '/v1/sandbox/clock');
      const link = await testApp.request('POST', `/v1/users/${userId}/passkeys/enrollment`, { body: { name: "Ada's phone" } });
      assert.equal(link.statusCode, 200, link.body);
      const { enrollmentUrl, id, ...rest } = link.json;
      assert.match(id, /^pkenr_[0-9a-z]{26}$/);
      assert.deepEqual(rest, { object: 'passkey_enrollment', userId, name: "Ada's phone", expiresAt: new Date(Date.parse(clock.json.now) + dayMs).toISOString() });
      const url = new URL(enrollmentUrl);
      assert.match(url.pathname, tokenPathPattern);

      const page = await hosted('GET', url.pathname);
      assertHtml(page, 200);
      assert.match(page.body, /<h1>Create a passkey<\/h1>/);
      assert.match(page.body, /Hello Ada Lovelace\./);
      assert.match(page.body, /approve your agents' purchases/);
      assert.match(page.body, /<button type="button" data-passkey-enroll [^>]*>Create passkey<\/button>/);
      assert.ok(page.body.includes(`data-options-url="${url.pathname}/options"`));
      assert.ok(page.body.includes(`data-complete-url="${url.pathname}/complete"`));
      assert.match(page.body, /<script src="\/hosted\/passkeys\.js" defer><\/script>/);
      assert.equal(page.body.match(/<script/g)?.length, 1, 'one script, from this server');
      assert.ok(!testApp.logs.join('\n').includes(url.pathname.slice('/enroll/'.length)), 'the token never reaches the logs');
    });

    it("escapes the user's name on the page", async () => {
      const userId = await createApprovedUser('<script>alert(1)</script>');
      const page = await hosted('GET', await enrollmentPath(userId));
      assertHtml(page, 200);
      assert.ok(!page.body.includes('<script>alert'), page.body);
      assert.match(page.body, /Hello &lt;script&gt;alert\(1\)&lt;\/script&gt; Lovelace\./);
    });

    it('refuses an unknown user (404), one not approved (403), an agent token (403), another tenant (404) and unknown fields (422)', async () => {
      assertError(await testApp.request('POST', '/v1/users/user_01aaaaaaaaaaaaaaaaaaaaaaaa/passkeys/enrollment', { body: {} }), {
        status: 404,
        type: 'not_found_error',
        code: 'resource_not_found',
      });
      const pendingUser = await createUser();
      const notApproved = await testApp.request('POST', `/v1/users/${pendingUser}/passkeys/enrollment`, { body: {} });
      assertError(notApproved, { status: 403, type: 'authorization_error', code: 'user_not_approved' });
      assert.match(notApproved.json.error.message, /notStarted/);

      const userId = await createApprovedUser();
      const agent = await testApp.request('POST', '/v1/agents/register', { body: { userId, name: 'shopper' } });
      assert.equal(agent.statusCode, 200, agent.body);
      for (const [method, path] of [
        ['POST', `/v1/users/${userId}/passkeys/enrollment`],
        ['GET', `/v1/users/${userId}/passkeys`],
        ['DELETE', `/v1/users/${userId}/passkeys/pk_01aaaaaaaaaaaaaaaaaaaaaaaa`],
      ] as const) {
        const refused = await testApp.request(method, path, { key: agent.json.token, ...(method === 'POST' ? { body: {} } : {}) });
        assertError(refused, { status: 403, type: 'authorization_error', code: 'insufficient_permissions' });
      }

      const other = await initializeOrganization(testApp.store.db, 'Other organization', testApp.clock.nowMs());
      for (const key of [other.sandboxKey, testApp.liveKey]) {
        assertError(await testApp.request('POST', `/v1/users/${userId}/passkeys/enrollment`, { key, body: {} }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
        assertError(await testApp.request('GET', `/v1/users/${userId}/passkeys`, { key }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      }
      assertError(await testApp.request('POST', `/v1/users/${userId}/passkeys/enrollment`, { body: { nmae: 'typo' } }), {
        status: 422,
        type: 'validation_error',
        code: 'unknown_parameter',
        param: 'nmae',
      });
      assert.deepEqual(await passkeysOf(userId), []);
    });

    it('keeps the link out of the idempotency store: a replay answers enrollmentUrl null', async () => {
      const userId = await createApprovedUser();
      const headers = { 'idempotency-key': `enroll-${userId}` };
      const first = await testApp.request('POST', `/v1/users/${userId}/passkeys/enrollment`, { body: {}, headers });
      assert.equal(first.statusCode, 200, first.body);
      const replay = await testApp.request('POST', `/v1/users/${userId}/passkeys/enrollment`, { body: {}, headers });
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.json, { ...first.json, enrollmentUrl: null });
      const token = new URL(first.json.enrollmentUrl).pathname.slice('/enroll/'.length);
      const stored = await testApp.store.db.all<{ response_body: string }>('SELECT response_body FROM idempotency_keys');
      assert.ok(stored.every((row) => !String(row.response_body).includes(token)));
      assertHtml(await hosted('GET', `/enroll/${token}`), 200);
    });

    it('enrolls a passkey through the page: listed, link used, passkey.enrolled; the used link then changes nothing', async () => {
      const userId = await createApprovedUser();
      const path = await enrollmentPath(userId, { name: 'laptop' });
      const started = await hosted('POST', `${path}/options`, {});
      assert.equal(started.statusCode, 200, started.body);
      assert.equal(started.headers['cache-control'], 'no-store');
      const options = started.json;
      assert.deepEqual(options.rp, { name: 'cardrail', id: 'localhost' });
      assert.equal(options.user.name, 'ada@example.com');
      assert.equal(options.user.displayName, 'Ada Lovelace');
      assert.equal(Buffer.from(options.user.id, 'base64url').toString('utf8'), userId, 'the user handle is the bytes of the user id');
      assert.equal(options.attestation, 'none');
      assert.deepEqual(options.authenticatorSelection, { residentKey: 'preferred', requireResidentKey: false, userVerification: 'required' });
      assert.deepEqual(options.excludeCredentials, []);

      const authenticator = new SoftwareAuthenticator();
      const registration = authenticator.register(options, 'http://localhost');
      const completed = await hosted('POST', `${path}/complete`, registration);
      assert.equal(completed.statusCode, 200, completed.body);
      const passkey = completed.json;
      assert.match(passkey.id, /^pk_[0-9a-z]{26}$/);
      const createdAt = new Date(testApp.clock.nowMs()).toISOString();
      assert.deepEqual(passkey, { object: 'passkey', id: passkey.id, userId, name: 'laptop', createdAt, lastUsedAt: null, deviceType: 'singleDevice', backedUp: false });
      assert.deepEqual(await passkeysOf(userId), [passkey]);
      const enrolled = await passkeyEvents('passkey.enrolled');
      assert.deepEqual(
        enrolled.filter((event) => event.data.object.userId === userId).map((event) => event.data.object),
        [passkey],
      );
      const stored = await testApp.store.db.get<Record<string, unknown>>('SELECT * FROM passkeys WHERE id = ?', [passkey.id]);
      assert.equal(stored?.credential_id, authenticator.credentialId);
      assert.equal(JSON.stringify(stored).includes('private'), false);

      // Used: the page says so (410), the endpoints refuse (409), and nothing changes.
      const reopened = await hosted('GET', path);
      assertHtml(reopened, 410);
      assert.match(reopened.body, /This link has already been used/);
      assertError(await hosted('POST', `${path}/options`, {}), { status: 409, type: 'conflict_error', code: 'passkey_enrollment_used' });
      assertError(await hosted('POST', `${path}/complete`, new SoftwareAuthenticator().register(options, 'http://localhost')), {
        status: 409,
        type: 'conflict_error',
        code: 'passkey_enrollment_used',
      });
      assert.deepEqual(await passkeysOf(userId), [passkey]);
      assert.equal((await passkeyEvents('passkey.enrolled')).filter((event) => event.data.object.userId === userId).length, 1);

      // A second device needs a new link; the ceremony then excludes the passkey already held.
      const second = await hosted('POST', `${await enrollmentPath(userId)}/options`, {});
      assert.deepEqual(second.json.excludeCredentials, [{ id: authenticator.credentialId, type: 'public-key', transports: ['internal'] }]);
    });

    it('a link expires after 24 hours of sandbox time: 410 page, the endpoints refuse, nothing is stored', async () => {
      const userId = await createApprovedUser();
      const path = await enrollmentPath(userId);
      const started = await hosted('POST', `${path}/options`, {});
      assert.equal(started.statusCode, 200, started.body);
      const registration = new SoftwareAuthenticator().register(started.json, 'http://localhost');

      await advanceSandbox(testApp, 24 * 3600 - 1);
      assertHtml(await hosted('GET', path), 200);
      await advanceSandbox(testApp, 2);
      const expired = await hosted('GET', path);
      assertHtml(expired, 410);
      assert.match(expired.body, /This link has expired/);
      assert.match(expired.body, /Ask whoever sent it to you for a new link/);
      assertError(await hosted('POST', `${path}/options`, {}), { status: 409, type: 'conflict_error', code: 'passkey_enrollment_expired' });
      assertError(await hosted('POST', `${path}/complete`, registration), { status: 409, type: 'conflict_error', code: 'passkey_enrollment_expired' });
      assert.deepEqual(await passkeysOf(userId), []);
      assert.deepEqual((await passkeyEvents('passkey.enrolled')).filter((event) => event.data.object.userId === userId), []);
    });

    it('a newer link makes the older unused one expire', async () => {
      const userId = await createApprovedUser();
      const older = await enrollmentPath(userId);
      const newer = await enrollmentPath(userId);
      assertHtml(await hosted('GET', older), 410);
      assertError(await hosted('POST', `${older}/options`, {}), { status: 409, type: 'conflict_error', code: 'passkey_enrollment_expired' });
      assertHtml(await hosted('GET', newer), 200);
    });

    it('refuses a credential that does not verify (422) and keeps the link usable', async () => {
      const userId = await createApprovedUser();
      const path = await enrollmentPath(userId);
      const authenticator = new SoftwareAuthenticator();
      const notStarted = await hosted('POST', `${path}/complete`, authenticator.register({ challenge: 'AAAA', rp: { id: 'localhost', name: 'cardrail' }, user: { id: 'AA', name: 'x', displayName: 'x' }, pubKeyCredParams: [] }, 'http://localhost'));
      assertError(notStarted, { status: 422, type: 'validation_error', code: 'passkey_registration_invalid' });
      assert.match(notStarted.json.error.message, /ask for its options first/);

      const options = (await hosted('POST', `${path}/options`, {})).json;
      const refusals: Array<[string, unknown]> = [
        ['another origin', authenticator.register(options, 'https://evil.example')],
        ['another challenge', authenticator.register(options, 'http://localhost', { challenge: Buffer.from('another').toString('base64url') })],
        ['another relying party', authenticator.register(options, 'http://localhost', { rpID: 'evil.example' })],
        ['no user verification', authenticator.register(options, 'http://localhost', { userVerified: false })],
        ['an assertion instead', authenticator.register(options, 'http://localhost', { type: 'webauthn.get' })],
        ['not a credential', { id: 'x' }],
      ];
      for (const [label, body] of refusals) {
        assertError(await hosted('POST', `${path}/complete`, body), { status: 422, type: 'validation_error', code: 'passkey_registration_invalid' });
        assert.deepEqual(await passkeysOf(userId), [], label);
      }
      assertHtml(await hosted('GET', path), 200);
      const completed = await hosted('POST', `${path}/complete`, authenticator.register(options, 'http://localhost'));
      assert.equal(completed.statusCode, 200, completed.body);

      // The same authenticator's credential cannot be enrolled twice, for this user or another.
      const otherUser = await createApprovedUser();
      const otherPath = await enrollmentPath(otherUser);
      const otherOptions = (await hosted('POST', `${otherPath}/options`, {})).json;
      const twice = await hosted('POST', `${otherPath}/complete`, authenticator.register(otherOptions, 'http://localhost'));
      assertError(twice, { status: 422, type: 'validation_error', code: 'passkey_registration_invalid' });
      assert.match(twice.json.error.message, /already enrolled/);
      assert.deepEqual(await passkeysOf(otherUser), []);
    });

    it('answers unknown and malformed links with a 404 page, and their endpoints with passkey_enrollment_not_found', async () => {
      for (const path of [`/enroll/pke_${'A'.repeat(43)}`, '/enroll/not-a-token', `/enroll/pke_${'A'.repeat(43)}%00`]) {
        const page = await hosted('GET', path);
        assertHtml(page, 404);
        assert.match(page.body, /Link not found/);
        assertError(await hosted('POST', `${path}/options`, {}), { status: 404, type: 'not_found_error', code: 'passkey_enrollment_not_found' });
        assertError(await hosted('POST', `${path}/complete`, {}), { status: 404, type: 'not_found_error', code: 'passkey_enrollment_not_found' });
      }
    });

    it('a link of a user who is no longer approved cannot be used (409 page, 403 user_not_approved)', async () => {
      const userId = await createApprovedUser();
      const path = await enrollmentPath(userId);
      const rejected = await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: 'rejected' } });
      assert.equal(rejected.statusCode, 200, rejected.body);
      const page = await hosted('GET', path);
      assertHtml(page, 409);
      assert.match(page.body, /This link cannot be used now/);
      assertError(await hosted('POST', `${path}/options`, {}), { status: 403, type: 'authorization_error', code: 'user_not_approved' });
    });

    it('lists passkeys newest first with paging, and removes one: passkey.removed, 404 for unknown or foreign ids', async () => {
      const userId = await createApprovedUser();
      const first = (await enrollPasskey(testApp, userId, { name: 'phone' })).passkey;
      const second = (await enrollPasskey(testApp, userId, { name: 'laptop' })).passkey;
      assert.deepEqual((await passkeysOf(userId)).map((passkey) => passkey.id), [second.id, first.id]);
      const page = await testApp.request('GET', `/v1/users/${userId}/passkeys?limit=1`);
      assert.equal(page.json.hasMore, true);
      assert.deepEqual(page.json.data.map((passkey: { id: string }) => passkey.id), [second.id]);
      const next = await testApp.request('GET', `/v1/users/${userId}/passkeys?limit=1&cursor=${page.json.nextCursor}`);
      assert.deepEqual(next.json, { object: 'list', data: [first], hasMore: false, nextCursor: null });

      const otherUser = await createApprovedUser();
      assertError(await testApp.request('DELETE', `/v1/users/${otherUser}/passkeys/${first.id}`), { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'passkeyId' });
      const removed = await testApp.request('DELETE', `/v1/users/${userId}/passkeys/${first.id}`);
      assert.equal(removed.statusCode, 200, removed.body);
      assert.deepEqual(removed.json, first);
      assert.deepEqual((await passkeysOf(userId)).map((passkey) => passkey.id), [second.id]);
      assert.deepEqual(
        (await passkeyEvents('passkey.removed')).filter((event) => event.data.object.userId === userId).map((event) => event.data.object),
        [first],
      );
      assertError(await testApp.request('DELETE', `/v1/users/${userId}/passkeys/${first.id}`), { status: 404, type: 'not_found_error', code: 'resource_not_found', param: 'passkeyId' });
    });

    it(`holds at most ${passkeysPerUserMax} passkeys per user (409 passkey_limit_reached)`, async () => {
      const userId = await createApprovedUser();
      for (let index = 0; index < passkeysPerUserMax - 1; index += 1) await enrollPasskey(testApp, userId);
      const lastPath = await enrollmentPath(userId);
      const options = (await hosted('POST', `${lastPath}/options`, {})).json;
      assert.equal(options.excludeCredentials.length, passkeysPerUserMax - 1);
      assert.equal((await hosted('POST', `${lastPath}/complete`, new SoftwareAuthenticator().register(options, 'http://localhost'))).statusCode, 200);
      const refused = await testApp.request('POST', `/v1/users/${userId}/passkeys/enrollment`, { body: {} });
      assertError(refused, { status: 409, type: 'conflict_error', code: 'passkey_limit_reached' });
      assert.equal((await passkeysOf(userId)).length, passkeysPerUserMax);
    });

    it('serves /hosted/passkeys.js: JavaScript that defines window.cardrailPasskeys', async () => {
      const script = await testApp.request('GET', '/hosted/passkeys.js', { key: null });
      assert.equal(script.statusCode, 200);
      assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(script.headers['x-content-type-options'], 'nosniff');
      assert.doesNotThrow(() => new Script(script.body), 'the script parses');
      assert.match(script.body, /window\.cardrailPasskeys = Object\.freeze\(\{ supported: supported, enroll: enroll, assert: assert \}\)/);
    });
  });
}
