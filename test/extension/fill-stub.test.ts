// The trusted filler extension in Debian's Chromium against a stub of cardrail's redeem endpoint served by this test
// (test/extension/fill.test.ts is the same against the real server): it loads, is configured on its options page,
// takes a details token from the page's automation (postMessage) or from its popup, redeems it with the filler key
// and its fingerprint, fills the card fields so the page's listeners see input and change events, and the form
// submits them to the merchant. The page's own script never receives card data; a page without a card number field
// does not spend the token; a spent or malformed token is refused. Under CI=true a missing Chromium fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { skipWithoutChromium } from '../helpers/chromium.js';
import {
  buildExtensionForTest,
  configureFiller,
  extensionStorage,
  fillerWaitMs,
  launchWithExtension,
  pageObservations,
  postDetailsToken,
  startCheckoutSite,
  startStubRedeemer,
  type CheckoutSite,
  type ExtensionBrowser,
  type StubRedeemer,
} from '../helpers/filler.js';
import { SecretScanner } from '../helpers/secret-scanner.js';

const card = { pan: '4000009999999991', cvv: '731', expirationMonth: '04', expirationYear: String(new Date().getUTCFullYear() + 3) };

describe('the filler extension against a stub redeem endpoint', { skip: skipWithoutChromium, timeout: 60_000 }, () => {
  let built: Awaited<ReturnType<typeof buildExtensionForTest>>;
  let redeemer: StubRedeemer;
  let site: CheckoutSite;
  let browser: ExtensionBrowser;
  const scanner = new SecretScanner([card]);

  before(async () => {
    built = await buildExtensionForTest();
    redeemer = await startStubRedeemer();
    site = await startCheckoutSite(async () => ({ approved: true, detail: 'stub merchant' }));
    browser = await launchWithExtension(built.directory);
    await configureFiller(browser, { serverUrl: `${redeemer.serverUrl}/v1`, fillerKey: redeemer.fillerKey });
  });

  after(async () => {
    await browser?.close();
    await site?.close();
    await redeemer?.close();
    built?.remove();
  });

  async function openCheckout(url: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.setDefaultTimeout(fillerWaitMs);
    await page.goto(url);
    return page;
  }

  it('fills the form from a token the page posts, with the filler key and fingerprint, and the form submits the card', async () => {
    const page = await openCheckout(site.checkoutUrl);
    const detailsToken = redeemer.issueToken(card);

    const answer = await postDetailsToken(page, detailsToken);
    assert.deepEqual(answer, { type: 'cardrail:filled', requestId: answer.requestId, fields: ['cc-number', 'cc-exp', 'cc-csc'] });

    // One redeem, with the filler key and the fingerprint: this extension's id and the device id it keeps.
    const [redeem] = redeemer.requests.filter((request) => request.detailsToken === detailsToken);
    assert.ok(redeem);
    assert.equal(redeem.apiKey, redeemer.fillerKey);
    assert.deepEqual(Object.keys(redeem.body), ['fingerprint']);
    assert.equal(redeem.body.fingerprint.extensionId, browser.extensionId);
    assert.match(redeem.body.fingerprint.deviceHash, /^[0-9a-f]{64}$/);

    // Filled as typing would be seen: the values, and input and change on each filled control.
    assert.equal(await page.locator('[name=cardnumber]').inputValue(), card.pan);
    assert.equal(await page.locator('[name=exp]').inputValue(), `${card.expirationMonth}/${card.expirationYear.slice(-2)}`);
    assert.equal(await page.locator('[name=cvc]').inputValue(), card.cvv);
    assert.equal(await page.locator('[name=email]').inputValue(), 'jane@example.com', 'other fields are left alone');
    assert.equal(await page.locator('[name=name]').inputValue(), '', 'no name on card is configured');
    const { messages, fieldEvents } = await pageObservations(page);
    for (const name of ['cardnumber', 'exp', 'cvc']) assert.deepEqual(fieldEvents[name], ['input', 'change'], name);
    assert.equal(fieldEvents.email, undefined);

    // The page's own script got its request back and the answer: field names, no card data.
    assert.deepEqual(
      messages.map((message) => (message as { type: string }).type),
      ['cardrail:fill', 'cardrail:filled'],
    );
    const text = JSON.stringify(messages);
    scanner.assertClean('the messages the page received', text);
    assert.ok(!text.includes(card.cvv), 'the CVV is in no message');

    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.locator('#result').filter({ hasText: 'approved' }).waitFor();
    assert.deepEqual(site.submissions.at(-1), { pan: card.pan, cvv: card.cvv, expirationMonth: card.expirationMonth, expirationYear: card.expirationYear, name: '' });

    // The extension keeps its settings and device id, never the card.
    const stored = await extensionStorage(browser);
    assert.deepEqual(Object.keys(stored).sort(), ['cardholderName', 'deviceHash', 'fillerKey', 'serverUrl']);
    assert.equal(stored.serverUrl, redeemer.serverUrl, 'stored without /v1');
    assert.equal(stored.deviceHash, redeem.body.fingerprint.deviceHash);
    scanner.assertClean('the extension storage', JSON.stringify(stored));
    assert.ok(!JSON.stringify(stored).includes(card.cvv));
    await page.close();
  });

  it('refuses a spent token, a malformed one, and does not spend a token on a page with no card number field', async () => {
    const page = await openCheckout(site.checkoutUrl);
    const spent = redeemer.issueToken(card);
    assert.equal((await postDetailsToken(page, spent)).type, 'cardrail:filled');
    await page.locator('[name=cardnumber]').fill('');

    const again = await postDetailsToken(page, spent);
    assert.equal(again.type, 'cardrail:fill-failed');
    assert.equal(again.type === 'cardrail:fill-failed' && again.code, 'details_token_redeemed');
    assert.equal(await page.locator('[name=cardnumber]').inputValue(), '', 'nothing filled');

    const requestsBefore = redeemer.requests.length;
    for (const malformed of ['lk_dev_notatoken', 'dtk_', 42, { token: 'dtk_x' }]) {
      const answer = await postDetailsToken(page, malformed);
      assert.equal(answer.type === 'cardrail:fill-failed' && answer.code, 'invalid_details_token', JSON.stringify(malformed));
    }
    assert.equal(redeemer.requests.length, requestsBefore, 'a malformed token is never sent');

    const newsletter = await openCheckout(site.noCardUrl);
    const unspent = redeemer.issueToken(card);
    const refused = await postDetailsToken(newsletter, unspent);
    assert.equal(refused.type === 'cardrail:fill-failed' && refused.code, 'no_card_fields');
    assert.equal(redeemer.requests.length, requestsBefore, 'the token was not redeemed');
    // Still good on a page with a card form.
    assert.equal((await postDetailsToken(page, unspent)).type, 'cardrail:filled');

    const messages = (await pageObservations(page)).messages.concat((await pageObservations(newsletter)).messages);
    scanner.assertClean('the messages the pages received', JSON.stringify(messages));
    await newsletter.close();
    await page.close();
  });

  it('ignores a request a frame posts to its parent: only the window’s own scripts may ask', async () => {
    const page = await openCheckout(site.checkoutUrl);
    const detailsToken = redeemer.issueToken(card);
    await page.evaluate((token) => {
      const frame = document.createElement('iframe');
      frame.srcdoc = `<script>parent.postMessage({ type: 'cardrail:fill', detailsToken: ${JSON.stringify(token)}, requestId: 'from-frame' }, '*');</script>`;
      document.body.append(frame);
    }, detailsToken);
    await page.waitForFunction(() => (window as unknown as { receivedMessages: Array<{ requestId?: string }> }).receivedMessages.some((message) => message?.requestId === 'from-frame'));
    // Had the frame's request been taken, the page's own with the same token would find it busy or spent.
    assert.equal((await postDetailsToken(page, detailsToken)).type, 'cardrail:filled');
    assert.equal(redeemer.requests.filter((request) => request.detailsToken === detailsToken).length, 1);
    const { messages } = await pageObservations(page);
    assert.deepEqual(
      messages.filter((message) => (message as { requestId?: string }).requestId === 'from-frame').map((message) => (message as { type: string }).type),
      ['cardrail:fill'],
      'the frame got no answer',
    );
    await page.close();
  });

  it('fills the active tab from a token pasted in the popup, month and year selects included', async () => {
    const page = await openCheckout(site.selectsUrl);
    const popup = await browser.context.newPage();
    await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
    await popup.getByText(`Redeems at ${redeemer.serverUrl} with fk_dev_…`).waitFor({ timeout: fillerWaitMs });
    // The checkout page is the active tab, as when a person opens the popup over it.
    await page.bringToFront();
    await popup.getByLabel('Details token').fill(redeemer.issueToken(card));
    await popup.getByRole('button', { name: 'Fill this page' }).click();
    await popup.getByRole('status').filter({ hasText: 'Filled card' }).waitFor({ timeout: fillerWaitMs });
    assert.equal(await popup.getByRole('status').textContent(), `Filled card •••• ${card.pan.slice(-4)} (cc-number, cc-exp-month, cc-exp-year, cc-csc).`);
    assert.equal(await popup.getByLabel('Details token').inputValue(), '', 'the pasted token is cleared');

    assert.equal(await page.locator('[name=exp_month]').inputValue(), card.expirationMonth);
    assert.equal(await page.locator('[name=exp_year]').inputValue(), card.expirationYear);
    // A fill the page did not ask for is not announced to it.
    assert.deepEqual((await pageObservations(page)).messages, []);
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.locator('#result').filter({ hasText: 'approved' }).waitFor();
    assert.deepEqual(site.submissions.at(-1), { pan: card.pan, cvv: card.cvv, expirationMonth: card.expirationMonth, expirationYear: card.expirationYear, name: '' });
    await popup.close();
    await page.close();
  });
});
