// Cardholder approval in a browser (headless Chromium, a virtual platform authenticator over the DevTools protocol): the
// cardholder enrolls a passkey from its link, the agent declares an intent that needs the cardholder's passkey, the
// cardholder opens the approval link, sees the purchase and approves it with the passkey; the agent then reads the
// card's details, the merchant authorizes, and the transaction matches the intent. The approval record verifies with
// the deployment's key set. With CARDRAIL_UPDATE_SCREENSHOTS=1 the approval page's screenshot is written to
// docs/images/approval-page.png.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verifyApprovalRecord } from '../../src/sdk/index.js';
import { startTestApp } from '../helpers/app.js';
import { launchChromium, pageWithPasskeyAuthenticator, skipWithoutChromium } from '../helpers/chromium.js';
import { fundedCardholder } from '../network/arrange.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('approval with a passkey in a browser', () => {
  it('enrolls a passkey, approves an intent with it; the agent reads the details and the authorization is matched', { timeout: 120_000, skip: skipWithoutChromium }, async () => {
    const testApp = await startTestApp();
    try {
      await testApp.server.listen({ port: 0, host: '127.0.0.1' });
      // WebAuthn needs a secure context and a domain as relying party: http://localhost is both.
      const origin = `http://localhost:${(testApp.server.server.address() as AddressInfo).port}`;
      const call = async (method: string, path: string, key: string, body?: unknown) => {
        const response = await fetch(origin + path, {
          method,
          headers: { 'Api-Key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, json: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      const apiKey = testApp.sandboxKey;
      const holder = await fundedCardholder(testApp, 100_000, { requireApproval: true, approvalMethod: 'cardholderPasskey', spendingLimit: 40_000, spendingLimitFrequency: 'perMonth' });
      const card = await call('POST', `/v1/agents/${holder.agentId}/cards`, apiKey, { purpose: 'concert tickets', type: 'single', maxAmount: 20_000 });
      assert.equal(card.status, 200, JSON.stringify(card.json));

      const browser = await launchChromium();
      try {
        const { page, devtools, authenticatorId, consoleErrors } = await pageWithPasskeyAuthenticator(browser);

        // The cardholder enrolls a passkey from the link the platform sent.
        const link = await call('POST', `/v1/users/${holder.userId}/passkeys/enrollment`, apiKey, { name: 'phone' });
        assert.equal(link.status, 200, JSON.stringify(link.json));
        await page.goto(String(link.json.enrollmentUrl));
        await page.getByRole('button', { name: 'Create passkey' }).click();
        await page.getByRole('heading', { level: 1, name: 'Passkey created' }).waitFor({ timeout: 30_000 });

        // The agent declares its purchase: it waits for the cardholder, and the agent never sees the link.
        const declared = await call('POST', `/v1/cards/${card.json.id}/intents`, holder.agentToken, { summary: 'Two concert tickets', amount: 15_000, merchantText: 'Ticketmaster' });
        assert.equal(declared.status, 200, JSON.stringify(declared.json));
        assert.deepEqual([declared.json.status, declared.json.approvalUrl], ['pending_approval', null]);
        const refused = await call('POST', `/v1/cards/${card.json.id}/details`, holder.agentToken, { summary: 'tickets', expectedAmount: 15_000, merchantText: 'Ticketmaster' });
        assert.equal(refused.json.error.code, 'intent_pending_approval');
        const approvalUrl = String((await call('GET', `/v1/intents/${declared.json.id}`, apiKey)).json.approvalUrl);
        assert.ok(approvalUrl.startsWith(`${origin}/approve/apl_`), approvalUrl);

        // The cardholder opens the link, sees what is asked, and approves with the passkey.
        const opened = await page.goto(approvalUrl);
        assert.equal(opened?.status(), 200);
        await page.getByRole('heading', { level: 1, name: 'Approve this purchase?' }).waitFor();
        const shown = await page.locator('main').innerText();
        for (const text of ['$150.00 USD', 'Ticketmaster', 'Two concert tickets', 'checkout-bot', `•••• ${card.json.last4}`, '$0.00 of $400.00 this month']) {
          assert.ok(shown.includes(text), `the page shows ${text}: ${shown}`);
        }
        await page.setViewportSize({ width: 420, height: 900 });
        await page.screenshot({ path: process.env.CARDRAIL_UPDATE_SCREENSHOTS === '1' ? join(root, 'docs', 'images', 'approval-page.png') : join(mkdtempSync(join(tmpdir(), 'cardrail-approval-')), 'approval-page.png') });
        await page.getByLabel(/Note/).fill('Enjoy the show');
        await page.getByRole('button', { name: 'Approve with passkey' }).click();
        await page.getByRole('heading', { level: 1, name: 'This purchase was approved' }).waitFor({ timeout: 30_000 });
        assert.deepEqual(consoleErrors.filter((line) => !line.includes('409')), [], 'no CSP violation or script error');
        const { credentials } = await devtools.send('WebAuthn.getCredentials', { authenticatorId });
        assert.ok(credentials[0]!.signCount >= 1, 'the authenticator signed');

        // The agent reads the details now, and the merchant's authorization matches the intent.
        const details = await call('POST', `/v1/cards/${card.json.id}/details`, holder.agentToken, { summary: 'tickets', expectedAmount: 15_000, merchantText: 'Ticketmaster' });
        assert.equal(details.status, 200, JSON.stringify(details.json));
        const authorization = await call('POST', '/v1/sandbox/authorizations', apiKey, {
          pan: details.json.pan,
          cvv: details.json.cvv,
          expirationMonth: details.json.expirationMonth,
          expirationYear: details.json.expirationYear,
          amount: 15_000,
          merchant: { name: 'TICKETMASTER' },
        });
        assert.equal(authorization.status, 200, JSON.stringify(authorization.json));
        assert.deepEqual([authorization.json.status, authorization.json.intentMatch, authorization.json.intentId], ['pending', 'matched', declared.json.id]);
        assert.equal((await call('GET', `/v1/intents/${declared.json.id}`, apiKey)).json.status, 'matched');

        // The signed record of the approval holds the passkey's assertion and verifies with the key set alone.
        const record = await call('GET', `/v1/intents/${declared.json.id}/approval`, apiKey);
        const jwks = (await (await fetch(`${origin}/.well-known/jwks.json`)).json()) as { keys: [] };
        const payload = await verifyApprovalRecord(record.json, jwks);
        assert.deepEqual([payload.decision, payload.method, payload.reason, payload.decidedBy.type], ['approved', 'cardholderPasskey', 'Enjoy the show', 'cardholder']);
        assert.equal(payload.webauthn?.credentialId, Buffer.from(credentials[0]!.credentialId, 'base64').toString('base64url'));
      } finally {
        await browser.close();
      }
    } finally {
      await testApp.close();
    }
  });
});
