// The helpers a page that asks the cardholder for their passkey calls (src/modules/passkeys/service.ts):
// passkeyAuthenticationOptions and verifyPasskeyAssertion, against passkeys enrolled through the hosted page by a
// software authenticator. A valid answer passes and moves the counter; another challenge, origin or relying party,
// another user's passkey, a tampered signature, a replayed counter or a missing user verification are refused and
// change nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AppError } from '../../../src/domain/errors.js';
import type { Scope } from '../../../src/domain/scope.js';
import { passkeyAuthenticationOptions, relyingPartyOf, verifyPasskeyAssertion, type ExpectedAssertion } from '../../../src/modules/passkeys/service.js';
import { useTestApp, type TestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { enrollPasskey, SoftwareAuthenticator, withTamperedSignature, type EnrolledPasskey } from '../../helpers/webauthn.js';

function rejectsWith(code: string, reason?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, code, error.message);
    if (reason !== undefined) assert.match(error.message, reason);
    return true;
  };
}

for (const kind of storeKinds) {
  describe(`passkey assertions (${kind})`, () => {
    const testApp: TestApp = useTestApp({ store: kind });
    const scope = (): Scope => ({ organizationId: testApp.organizationId, environment: 'sandbox' });

    async function createApprovedUser(): Promise<string> {
      const created = await testApp.request('POST', '/v1/users', { body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } });
      assert.equal(created.statusCode, 200, created.body);
      const approved = await testApp.request('POST', `/v1/sandbox/users/${created.json.id}/verification`, { body: { outcome: 'approved' } });
      assert.equal(approved.statusCode, 200, approved.body);
      return created.json.id;
    }

    /** A fresh challenge and the request options for it. */
    async function startCeremony(userId: string, rpID: string) {
      const challenge = randomBytes(32);
      const options = await passkeyAuthenticationOptions(testApp.store.db, scope(), userId, challenge, rpID);
      return { options, challenge: challenge.toString('base64url') };
    }

    const verify = (userId: string, response: unknown, expected: ExpectedAssertion) =>
      testApp.store.db.transaction((tx) => verifyPasskeyAssertion(tx, scope(), userId, response, expected, testApp.clock.nowMs()));

    async function storedPasskey(passkeyId: string) {
      const row = await testApp.store.db.get<{ counter: number; last_used_at: number | null }>('SELECT counter, last_used_at FROM passkeys WHERE id = ?', [passkeyId]);
      assert.ok(row !== undefined);
      return { counter: Number(row.counter), lastUsedAtMs: row.last_used_at === null ? null : Number(row.last_used_at) };
    }

    async function enrolledUser(): Promise<{ userId: string; enrolled: EnrolledPasskey }> {
      const userId = await createApprovedUser();
      return { userId, enrolled: await enrollPasskey(testApp, userId) };
    }

    it("makes request options over the user's passkeys, with user verification required", async () => {
      const { userId, enrolled } = await enrolledUser();
      const second = await enrollPasskey(testApp, userId);
      const challenge = randomBytes(32);
      const options = await passkeyAuthenticationOptions(testApp.store.db, scope(), userId, challenge, 'localhost');
      assert.equal(options.challenge, challenge.toString('base64url'));
      assert.equal(options.rpId, 'localhost');
      assert.equal(options.userVerification, 'required');
      assert.deepEqual(options.allowCredentials, [
        { id: enrolled.authenticator.credentialId, type: 'public-key', transports: ['internal'] },
        { id: second.authenticator.credentialId, type: 'public-key', transports: ['internal'] },
      ]);
      const fromText = await passkeyAuthenticationOptions(testApp.store.db, scope(), userId, 'c29tZS1jaGFsbGVuZ2U', 'localhost');
      assert.equal(fromText.challenge, 'c29tZS1jaGFsbGVuZ2U', 'a challenge given as base64url is carried as it is');
      await assert.rejects(passkeyAuthenticationOptions(testApp.store.db, scope(), userId, 'not base64url!', 'localhost'), /base64url/);
    });

    it('refuses options for a user without a passkey (409 passkey_not_enrolled) or outside the scope (404)', async () => {
      const userId = await createApprovedUser();
      await assert.rejects(passkeyAuthenticationOptions(testApp.store.db, scope(), userId, randomBytes(32), 'localhost'), rejectsWith('passkey_not_enrolled', /POST \/v1\/users\/.+\/passkeys\/enrollment/));
      assert.equal(new AppError('passkey_not_enrolled', { userId }).status, 409);
      await assert.rejects(passkeyAuthenticationOptions(testApp.store.db, { organizationId: testApp.organizationId, environment: 'live' }, userId, randomBytes(32), 'localhost'), rejectsWith('resource_not_found'));
    });

    it('verifies a valid assertion, moves the counter and stamps lastUsedAt; the next one moves it again', async () => {
      const { userId, enrolled } = await enrolledUser();
      assert.deepEqual(relyingPartyOf('http://localhost:80'), { rpID: enrolled.rpID, origin: enrolled.origin });
      const { options, challenge } = await startCeremony(userId, enrolled.rpID);
      const result = await verify(userId, enrolled.authenticator.assert(options, enrolled.origin), { challenge, origin: enrolled.origin, rpID: enrolled.rpID });
      assert.deepEqual(result, { passkeyId: enrolled.passkey.id, credentialId: enrolled.authenticator.credentialId, newCounter: 1 });
      assert.deepEqual(await storedPasskey(enrolled.passkey.id), { counter: 1, lastUsedAtMs: testApp.clock.nowMs() });
      const listed = await testApp.request('GET', `/v1/users/${userId}/passkeys`);
      assert.equal(listed.json.data[0].lastUsedAt, new Date(testApp.clock.nowMs()).toISOString());

      const again = await startCeremony(userId, enrolled.rpID);
      const next = await verify(userId, enrolled.authenticator.assert(again.options, enrolled.origin), { challenge: again.challenge, origin: enrolled.origin, rpID: enrolled.rpID });
      assert.equal(next.newCounter, 2);
      assert.equal((await storedPasskey(enrolled.passkey.id)).counter, 2);
    });

    it('accepts an authenticator that keeps no counter (synced passkeys answer 0 every time)', async () => {
      const userId = await createApprovedUser();
      const enrolled = await enrollPasskey(testApp, userId, { authenticator: new SoftwareAuthenticator({ counting: false }) });
      for (let round = 0; round < 2; round += 1) {
        const { options, challenge } = await startCeremony(userId, enrolled.rpID);
        const result = await verify(userId, enrolled.authenticator.assert(options, enrolled.origin), { challenge, origin: enrolled.origin, rpID: enrolled.rpID });
        assert.equal(result.newCounter, 0);
      }
    });

    it('refuses another challenge, origin or relying party, a tampered signature, no user verification, a replayed counter and garbage — and changes nothing', async () => {
      const { userId, enrolled } = await enrolledUser();
      const { authenticator, origin, rpID } = enrolled;
      const { options, challenge } = await startCeremony(userId, rpID);
      const expected = { challenge, origin, rpID };
      const first = await verify(userId, authenticator.assert(options, origin), expected);
      assert.equal(first.newCounter, 1);
      const before = await storedPasskey(enrolled.passkey.id);
      testApp.clock.advanceMs(60_000);

      const refusals: Array<[string, unknown, ExpectedAssertion, RegExp]> = [
        ['another challenge', authenticator.assert(options, origin, { challenge: randomBytes(32).toString('base64url') }), expected, /challenge/],
        ['a challenge the server did not expect', authenticator.assert(options, origin), { ...expected, challenge: randomBytes(32).toString('base64url') }, /challenge/],
        ['another origin', authenticator.assert(options, 'https://evil.example'), expected, /origin/],
        ['another relying party', authenticator.assert(options, origin, { rpID: 'evil.example' }), expected, /RP ID/i],
        ['a tampered signature', withTamperedSignature(authenticator.assert(options, origin)), expected, /signature/],
        ['no user verification', authenticator.assert(options, origin, { userVerified: false }), expected, /verification/i],
        ['a counter that did not move (a cloned authenticator, a replay)', authenticator.assert(options, origin, { signCount: 1 }), expected, /counter/],
        ['a registration instead', authenticator.assert(options, origin, { type: 'webauthn.create' }), expected, /type/],
        ['not an assertion', { id: authenticator.credentialId }, expected, /not a WebAuthn assertion/],
        ['nothing', undefined, expected, /not a WebAuthn assertion/],
      ];
      for (const [label, response, expectation, reason] of refusals) {
        await assert.rejects(verify(userId, response, expectation), rejectsWith('passkey_assertion_invalid', reason), label);
        assert.deepEqual(await storedPasskey(enrolled.passkey.id), before, `${label}: nothing changed`);
      }
      assert.equal(new AppError('passkey_assertion_invalid', { reason: 'x' }).status, 403);
    });

    it("refuses another user's passkey, and a removed one", async () => {
      const alice = await enrolledUser();
      const bob = await enrolledUser();
      const { options, challenge } = await startCeremony(bob.userId, bob.enrolled.rpID);
      // Alice's authenticator answers Bob's ceremony: her passkey is real, but not Bob's.
      const aliceAnswer = alice.enrolled.authenticator.assert(options, alice.enrolled.origin);
      await assert.rejects(verify(bob.userId, aliceAnswer, { challenge, origin: bob.enrolled.origin, rpID: bob.enrolled.rpID }), rejectsWith('passkey_assertion_invalid', /not one of the cardholder's/));
      assert.equal((await storedPasskey(alice.enrolled.passkey.id)).lastUsedAtMs, null);

      const removed = await testApp.request('DELETE', `/v1/users/${bob.userId}/passkeys/${bob.enrolled.passkey.id}`);
      assert.equal(removed.statusCode, 200, removed.body);
      const answer = bob.enrolled.authenticator.assert(options, bob.enrolled.origin);
      await assert.rejects(verify(bob.userId, answer, { challenge, origin: bob.enrolled.origin, rpID: bob.enrolled.rpID }), rejectsWith('passkey_assertion_invalid', /not one of the cardholder's/));
      await assert.rejects(passkeyAuthenticationOptions(testApp.store.db, scope(), bob.userId, randomBytes(32), 'localhost'), rejectsWith('passkey_not_enrolled'));
    });
  });
}
