// Passkey enrollment in a real browser (headless Chromium with a virtual platform authenticator over the DevTools
// protocol): an operator creates the link through the API, the cardholder opens it and presses "Create passkey", the
// page says it is done, and the API lists the passkey while the link no longer works. Then the same page's
// window.cardrailPasskeys.assert signs a ceremony of a test page, as an approval page will: JSON and HTML answers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { passkeyAuthenticationOptions, relyingPartyOf, verifyPasskeyAssertion } from '../../src/modules/passkeys/service.js';
import type { Scope } from '../../src/domain/scope.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium, pageWithPasskeyAuthenticator, skipWithoutChromium } from '../helpers/chromium.js';

declare global {
  interface Window {
    cardrailPasskeys: { assert(optionsUrl: string, completeUrl: string, extraFields?: Record<string, unknown>): Promise<unknown> };
  }
}

/** Routes of a stand-in approval page for the test: they drive the ceremony helpers as the real page will. */
function assertionTestRoutes(context: { testApp?: TestApp; userId?: string }) {
  let challenge = '';
  return (server: FastifyInstance) => {
    const scope = (): Scope => ({ organizationId: context.testApp!.organizationId, environment: 'sandbox' });
    const relyingParty = (request: { protocol: string; host: string }) => relyingPartyOf(`${request.protocol}://${request.host}`);
    server.post('/test/confirm/options', async (request) => {
      const bytes = randomBytes(32);
      challenge = bytes.toString('base64url');
      return passkeyAuthenticationOptions(context.testApp!.store.db, scope(), context.userId!, bytes, relyingParty(request).rpID);
    });
    server.post('/test/confirm/complete', async (request, reply) => {
      const body = request.body as { answer: string; credential: unknown };
      const { origin, rpID } = relyingParty(request);
      const verified = await context.testApp!.store.db.transaction((tx) =>
        verifyPasskeyAssertion(tx, scope(), context.userId!, body.credential, { challenge, origin, rpID }, context.testApp!.clock.nowMs()),
      );
      if (body.answer === 'html') {
        return reply.header('content-type', 'text/html; charset=utf-8').send(`<!doctype html><html lang="en"><head><title>Confirmed</title></head><body><main><h1>Purchase approved</h1><p>${verified.passkeyId}</p></main></body></html>`);
      }
      return { confirmed: true, ...verified };
    });
  };
}

describe('passkey enrollment in a browser', () => {
  it('creates a passkey from the link with a platform authenticator; the API lists it and the link is used', { timeout: 120_000, skip: skipWithoutChromium }, async () => {
    const context: { testApp?: TestApp; userId?: string } = {};
    const testApp = await startTestApp({ extraRoutes: assertionTestRoutes(context) });
    context.testApp = testApp;
    try {
      await testApp.server.listen({ port: 0, host: '127.0.0.1' });
      // WebAuthn needs a secure context and a domain as relying party: http://localhost is both; 127.0.0.1 is no domain.
      const origin = `http://localhost:${(testApp.server.server.address() as AddressInfo).port}`;
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(origin + path, {
          method,
          headers: { 'Api-Key': testApp.sandboxKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, json: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      const user = await call('POST', '/v1/users', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
      assert.equal((await call('POST', `/v1/sandbox/users/${user.json.id}/verification`, { outcome: 'approved' })).status, 200);
      context.userId = user.json.id;
      const link = await call('POST', `/v1/users/${user.json.id}/passkeys/enrollment`, { name: 'Ada’s laptop' });
      assert.equal(link.status, 200, JSON.stringify(link.json));
      const enrollmentUrl = String(link.json.enrollmentUrl);
      assert.ok(enrollmentUrl.startsWith(`${origin}/enroll/pke_`), enrollmentUrl);

      const browser = await launchChromium();
      try {
        const { page, devtools, authenticatorId, consoleErrors } = await pageWithPasskeyAuthenticator(browser);

        const opened = await page.goto(enrollmentUrl);
        assert.equal(opened?.status(), 200);
        await page.getByRole('heading', { level: 1, name: 'Create a passkey' }).waitFor();
        assert.match(await page.locator('main').innerText(), /Hello Ada Lovelace\./);
        assert.equal(await page.evaluate(() => typeof window.cardrailPasskeys), 'object', '/hosted/passkeys.js ran under the CSP');

        await page.getByRole('button', { name: 'Create passkey' }).click();
        await page.getByRole('heading', { level: 1, name: 'Passkey created' }).waitFor({ timeout: 30_000 });
        assert.match(await page.locator('main').innerText(), /approve the purchases of your agents with this passkey/);
        assert.deepEqual(consoleErrors, [], 'no CSP violation or script error');

        const { credentials } = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
        assert.equal(credentials.length, 1, 'the authenticator holds one credential');
        const listed = await call('GET', `/v1/users/${user.json.id}/passkeys`);
        assert.equal(listed.json.data.length, 1);
        const passkey = listed.json.data[0];
        assert.equal(passkey.name, 'Ada’s laptop');
        assert.equal(passkey.lastUsedAt, null);
        const stored = await testApp.store.db.get<{ credential_id: string; counter: number }>('SELECT credential_id, counter FROM passkeys WHERE id = ?', [passkey.id]);
        assert.equal(stored?.credential_id, Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url'), 'the passkey is the credential the browser created');
        const enrolled = await call('GET', '/v1/events?type=passkey.enrolled');
        assert.deepEqual(enrolled.json.data.map((event: { data: { object: { id: string } } }) => event.data.object.id), [passkey.id]);

        const usedPage = await fetch(enrollmentUrl);
        assert.equal(usedPage.status, 410);
        assert.match(await usedPage.text(), /This link has already been used/);
        const usedOptions = await fetch(`${enrollmentUrl}/options`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        assert.equal(usedOptions.status, 409);
        assert.equal(((await usedOptions.json()) as { error: { code: string } }).error.code, 'passkey_enrollment_used');

        // The helper an approval page calls: options, navigator.credentials.get, complete with extra fields.
        const confirmed = await page.evaluate(() => window.cardrailPasskeys.assert('/test/confirm/options', '/test/confirm/complete', { answer: 'json' }));
        const { newCounter, ...answer } = confirmed as { newCounter: number };
        assert.deepEqual(answer, { confirmed: true, passkeyId: passkey.id, credentialId: stored?.credential_id });
        assert.ok(newCounter > Number(stored?.counter), `the counter moved forward: ${stored?.counter} → ${newCounter}`);
        const afterUse = await call('GET', `/v1/users/${user.json.id}/passkeys`);
        assert.equal(afterUse.json.data[0].lastUsedAt, new Date(testApp.clock.nowMs()).toISOString());
        // An HTML answer replaces the page.
        assert.equal(await page.evaluate(() => window.cardrailPasskeys.assert('/test/confirm/options', '/test/confirm/complete', { answer: 'html' })), undefined);
        await page.getByRole('heading', { level: 1, name: 'Purchase approved' }).waitFor();
        assert.deepEqual(consoleErrors, []);
      } finally {
        await browser.close();
      }
    } finally {
      await testApp.close();
    }
  });
});
