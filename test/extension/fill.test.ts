// The trusted filler end to end, in Debian's Chromium with the built extension: a cardrail app (fresh
// SQLite store, listening on a local port), an agent with an `extensionOnly` card that declares an intent and reads
// the card's details — a details token, no number — and a local checkout page. The page's automation posts the token
// to the extension, which redeems it with a filler key (configured on its options page) and fills the form; the form
// posts to the local merchant, which authorizes through POST /v1/sandbox/authorizations with what was submitted. The
// transaction is approved, `attested` and its intent `matched`; the token is spent; neither the agent's answers nor
// the messages the page's own script received hold the number or CVV. Under CI=true a missing Chromium fails.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { assertError, startTestApp, type TestApp } from '../helpers/app.js';
import { skipWithoutChromium } from '../helpers/chromium.js';
import {
  buildExtensionForTest,
  configureFiller,
  fillerWaitMs,
  launchWithExtension,
  pageObservations,
  postDetailsToken,
  startCheckoutSite,
  type CheckoutSite,
  type ExtensionBrowser,
  type SubmittedCard,
} from '../helpers/filler.js';
import { SecretScanner } from '../helpers/secret-scanner.js';
import { agentWithCard, declareIntent, getIntent, headphones, readDetails } from '../modules/intents/arrange.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** How the card network names the merchant of the intent's "Amazon". */
const merchantDescriptor = 'AMZN Mktp US*2K4TY7';

describe('the filler extension against cardrail: an extensionOnly card pays a local checkout', { skip: skipWithoutChromium, timeout: 60_000 }, () => {
  let testApp: TestApp;
  let apiUrl: string;
  let built: Awaited<ReturnType<typeof buildExtensionForTest>>;
  let site: CheckoutSite;
  let browser: ExtensionBrowser;
  /** What the merchant's authorization answered, per submission. */
  const authorizations: Json[] = [];

  before(async () => {
    testApp = await startTestApp();
    await testApp.server.listen({ port: 0, host: '127.0.0.1' });
    apiUrl = `http://127.0.0.1:${(testApp.server.server.address() as AddressInfo).port}`;
    built = await buildExtensionForTest();
    // The merchant presents what its form received to the sandbox card network.
    site = await startCheckoutSite(async (card: SubmittedCard) => {
      const response = await testApp.request('POST', '/v1/sandbox/authorizations', {
        body: { pan: card.pan, cvv: card.cvv, expirationMonth: card.expirationMonth, expirationYear: card.expirationYear, amount: headphones.amount, merchant: { name: merchantDescriptor, mcc: '5732' } },
      });
      authorizations.push(response.json);
      return { approved: response.statusCode === 200 && response.json.status === 'pending', detail: response.statusCode === 200 ? String(response.json.declineReason ?? '') : response.body };
    });
    browser = await launchWithExtension(built.directory);
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    built?.remove();
    await testApp?.close();
  });

  it('the agent gets a token, the extension fills, the merchant authorizes: attested and matched, the token spent, no card data on the agent side or in the page’s messages', async () => {
    // The agent side: an extensionOnly card, an intent, and its details — a token, never the number.
    const { cardId, token: agentToken } = await agentWithCard(testApp, { card: { credentialExposure: 'extensionOnly' } });
    const intent = await declareIntent(testApp, cardId, agentToken);
    const detailsResponse = await readDetails(testApp, cardId, agentToken);
    assert.equal(detailsResponse.statusCode, 200, detailsResponse.body);
    const details = detailsResponse.json;
    assert.equal(details.exposureMode, 'extensionOnly');
    assert.match(details.detailsToken, /^dtk_/);
    assert.equal(typeof details.tokenExpiresAt, 'string');
    assert.match(details.last4, /^\d{4}$/);
    assert.equal(details.pan, undefined);
    assert.equal(details.cvv, undefined);

    // The operator makes a filler key (API key only) and gives it to the extension on its options page.
    const fillerKeyResponse = await testApp.request('POST', '/v1/filler-keys', { body: { name: 'checkout browser' } });
    assert.equal(fillerKeyResponse.statusCode, 200, fillerKeyResponse.body);
    const fillerKey: string = fillerKeyResponse.json.key;
    assert.match(fillerKey, /^fk_dev_/);
    await configureFiller(browser, { serverUrl: apiUrl, fillerKey });

    // The page's automation hands the token to the extension; the person's browser pays.
    const page = await browser.context.newPage();
    page.setDefaultTimeout(fillerWaitMs);
    await page.goto(site.checkoutUrl);
    const answer = await postDetailsToken(page, details.detailsToken);
    assert.deepEqual(answer, { type: 'cardrail:filled', requestId: answer.requestId, fields: ['cc-number', 'cc-exp', 'cc-csc'] });
    const { messages } = await pageObservations(page);
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.locator('#result').filter({ hasText: /approved|declined/ }).waitFor();
    assert.equal(await page.locator('#result').textContent(), 'approved', `the merchant's authorization: ${JSON.stringify(authorizations.at(-1))}`);

    // The form carried the card behind the token.
    const submitted = site.submissions.at(-1)!;
    assert.ok(submitted.pan.endsWith(details.last4), 'the submitted number is the card’s');
    assert.equal(Number(submitted.expirationMonth), Number(details.expirationMonth));
    assert.equal(Number(submitted.expirationYear), Number(details.expirationYear));

    // The transaction: attested by the intent, which it matched.
    const transactionId: string = authorizations.at(-1).id;
    const transaction = await testApp.request('GET', `/v1/transactions/${transactionId}`);
    assert.equal(transaction.statusCode, 200, transaction.body);
    assert.equal(transaction.json.status, 'pending');
    assert.equal(transaction.json.cardId, cardId);
    assert.equal(transaction.json.intentId, intent.id);
    assert.equal(transaction.json.attestationStatus, 'attested');
    assert.equal(transaction.json.intentMatch, 'matched');
    assert.equal(transaction.json.accessEventId, details.accessEventId);
    assert.equal((await getIntent(testApp, intent.id)).status, 'matched');

    // The extension spent the token.
    const again = await testApp.request('POST', `/v1/details-tokens/${details.detailsToken}/redeem`, { key: fillerKey, body: { fingerprint: { extensionId: browser.extensionId, deviceHash: 'test' } } });
    assertError(again, { status: 409, type: 'conflict_error', code: 'details_token_redeemed' });

    // Neither what the agent was answered nor what the page's own script received holds the number or CVV.
    const scanner = new SecretScanner([{ pan: submitted.pan, cvv: submitted.cvv }]);
    scanner.assertClean('the details answer', detailsResponse.body);
    scanner.assertClean('the messages the page received', JSON.stringify(messages));
    assert.deepEqual(
      messages.map((message) => Object.keys(message as object).sort()),
      [
        ['detailsToken', 'requestId', 'type'],
        ['fields', 'requestId', 'type'],
      ],
    );
    await page.close();
  });
});
