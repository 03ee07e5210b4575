// `cardrail fill`, the command line filler, against Debian's Chromium started with a DevTools port and a stub of the
// redeem endpoint: the command as a user runs it finds the page by part of its URL, redeems with CARDRAIL_FILLER_KEY
// and the command's fingerprint, fills the card fields, prints only the last four digits and leaves the browser and
// page running, so the form then submits the card. Every failure exits 1 with one clear line, and those found before
// redeeming (no key, no such page, two such pages, no card number field) leave the token unspent. Under CI=true a
// missing Chromium fails.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { cliFingerprint, fillerConnectionFromEnvironment, FillError, fillOverCdp, type FillerConnection } from '../../src/cli/fill.js';
import { chromiumMissing, chromiumPath, skipWithoutChromium } from '../helpers/chromium.js';
import { fillerWaitMs, startCheckoutSite, startStubRedeemer, type CheckoutSite, type StubRedeemer } from '../helpers/filler.js';
import { SecretScanner } from '../helpers/secret-scanner.js';
import { freePort, runCardrail } from '../helpers/server-process.js';

const card = { pan: '4000007777777773', cvv: '5309', expirationMonth: '11', expirationYear: String(new Date().getUTCFullYear() + 2) };
/** The first run in a fresh checkout builds dist/ (bin/cardrail.js does), which takes a while. */
const firstRunTimeoutMs = 180_000;

describe('cardrail fill', { skip: skipWithoutChromium, timeout: firstRunTimeoutMs + 60_000 }, () => {
  let redeemer: StubRedeemer;
  let site: CheckoutSite;
  let context: BrowserContext;
  let profile: string;
  let cdpEndpoint: string;
  let connection: FillerConnection;
  const scanner = new SecretScanner([card]);

  before(async () => {
    redeemer = await startStubRedeemer();
    site = await startCheckoutSite(async () => ({ approved: true, detail: 'stub merchant' }));
    if (chromiumMissing) throw new Error(`${chromiumPath} is missing: the browser tests must run under CI=true (apt-get install chromium)`);
    const { chromium } = await import('playwright-core');
    const port = await freePort();
    profile = mkdtempSync(join(tmpdir(), 'cardrail-fill-profile-'));
    // The agent's browser: its default context is what a DevTools client sees.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: false,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--remote-debugging-port=${port}`],
    });
    cdpEndpoint = `http://127.0.0.1:${port}`;
    connection = { serverUrl: redeemer.serverUrl, fillerKey: redeemer.fillerKey, fingerprint: cliFingerprint() };
  });

  after(async () => {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    await site?.close();
    await redeemer?.close();
  });

  async function open(url: string): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(fillerWaitMs);
    await page.goto(url);
    return page;
  }

  function fillerEnvironment(): Record<string, string> {
    return { CARDRAIL_URL: `${redeemer.serverUrl}/v1`, CARDRAIL_FILLER_KEY: redeemer.fillerKey };
  }

  it('fills the page whose URL matches, prints only the last four digits, and the page then submits the card', async () => {
    const page = await open(`${site.checkoutUrl}?cart=42`);
    const detailsToken = redeemer.issueToken(card);
    const run = await runCardrail(['fill', '--token', detailsToken, '--url', '/checkout?cart=42', '--cdp', cdpEndpoint, '--name', 'Jane Doe'], fillerEnvironment(), firstRunTimeoutMs);
    assert.equal(run.code, 0, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.equal(run.stdout, `Filled card •••• ${card.pan.slice(-4)} on ${site.checkoutUrl} (cc-number, cc-exp, cc-csc, cc-name)\n`);
    scanner.assertClean('the command output', run.stdout + run.stderr);
    assert.ok(!(run.stdout + run.stderr).includes(card.cvv));

    const [redeem] = redeemer.requests.filter((request) => request.detailsToken === detailsToken);
    assert.equal(redeem?.apiKey, redeemer.fillerKey);
    assert.deepEqual(redeem?.body, { fingerprint: cliFingerprint() });
    assert.equal(redeem?.body.fingerprint.extensionId, 'cardrail-cli');
    assert.match(redeem?.body.fingerprint.deviceHash, /^[0-9a-f]{64}$/);

    // The browser and the page outlive the command; the page's listeners saw the fields change.
    const { messages, fieldEvents } = await page.evaluate(() => ({ messages: (window as unknown as { receivedMessages: unknown[] }).receivedMessages, fieldEvents: (window as unknown as { fieldEvents: Record<string, string[]> }).fieldEvents }));
    assert.deepEqual(messages, [], 'the page is sent nothing');
    for (const name of ['cardnumber', 'exp', 'cvc', 'name']) assert.ok(fieldEvents[name]?.includes('input') && fieldEvents[name]?.includes('change'), `${name}: ${JSON.stringify(fieldEvents[name])}`);
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.locator('#result').filter({ hasText: 'approved' }).waitFor();
    assert.deepEqual(site.submissions.at(-1), { pan: card.pan, cvv: card.cvv, expirationMonth: card.expirationMonth, expirationYear: card.expirationYear, name: 'Jane Doe' });
    await page.close();
  });

  it('month and year selects are chosen by their options', async () => {
    const page = await open(site.selectsUrl);
    const result = await fillOverCdp({ detailsToken: redeemer.issueToken(card), pageUrl: '/checkout-selects', cdpEndpoint }, connection);
    assert.deepEqual(result, { last4: card.pan.slice(-4), fields: ['cc-number', 'cc-exp-month', 'cc-exp-year', 'cc-csc'], page: site.selectsUrl });
    assert.equal(await page.locator('[name=exp_month]').inputValue(), card.expirationMonth);
    assert.equal(await page.locator('[name=exp_year]').inputValue(), card.expirationYear);
    assert.equal(await page.locator('[name=cvc]').inputValue(), card.cvv);
    await page.close();
  });

  it('a missing or wrong filler key or server URL is refused before anything is done', async () => {
    const run = await runCardrail(['fill', '--token', redeemer.issueToken(card), '--url', '/checkout', '--cdp', cdpEndpoint], { CARDRAIL_URL: redeemer.serverUrl, CARDRAIL_FILLER_KEY: '' }, firstRunTimeoutMs);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'cardrail: set CARDRAIL_FILLER_KEY to a filler key (fk_dev_… or fk_live_…, created with POST /v1/filler-keys by an API key)\n');
    assert.throws(() => fillerConnectionFromEnvironment({ CARDRAIL_FILLER_KEY: 'lk_dev_notafillerkey' }), (error: unknown) => error instanceof FillError && /not a filler key/.test(error.message));
    assert.throws(() => fillerConnectionFromEnvironment({ CARDRAIL_FILLER_KEY: redeemer.fillerKey, CARDRAIL_URL: 'ftp://example.com' }), (error: unknown) => error instanceof FillError && /^CARDRAIL_URL: /.test(error.message));
    assert.equal(fillerConnectionFromEnvironment({ CARDRAIL_FILLER_KEY: redeemer.fillerKey, CARDRAIL_URL: 'https://cardrail.example.com/v1/' }).serverUrl, 'https://cardrail.example.com');
    assert.equal(fillerConnectionFromEnvironment({ CARDRAIL_FILLER_KEY: redeemer.fillerKey, PORT: '4555' }).serverUrl, 'http://127.0.0.1:4555');
  });

  it('no page, two pages, or no card number field: a clear error and the token left unspent', async () => {
    const detailsToken = redeemer.issueToken(card);
    const requestsBefore = redeemer.requests.length;
    const failure = async (pageUrl: string): Promise<string> => {
      try {
        await fillOverCdp({ detailsToken, pageUrl, cdpEndpoint }, connection);
      } catch (error) {
        assert.ok(error instanceof FillError, String(error));
        return error.message;
      }
      assert.fail('the fill did not fail');
    };
    const first = await open(site.checkoutUrl);
    const second = await open(site.checkoutUrl);
    const newsletter = await open(site.noCardUrl);
    const noPage = await failure('/no-such-page');
    assert.match(noPage, /^no open page's URL contains "\/no-such-page"; open pages:\n/);
    assert.ok(noPage.includes(`\n  ${site.checkoutUrl}\n`) && noPage.includes(`\n  ${site.noCardUrl}`), noPage);
    assert.match(await failure('/checkout'), /^2 open pages' URLs contain "\/checkout"; pass a longer part of the URL:/);
    assert.equal(await failure('/newsletter'), `${site.noCardUrl} has no card number field (an input with autocomplete="cc-number"); the token was not used`);
    assert.equal(redeemer.requests.length, requestsBefore, 'nothing was redeemed');
    await second.close();
    await newsletter.close();

    // The same token still fills; a second use is the server's refusal, said as such.
    await fillOverCdp({ detailsToken, pageUrl: '/checkout', cdpEndpoint }, connection);
    assert.equal(await first.locator('[name=cardnumber]').inputValue(), card.pan);
    assert.match(await failure('/checkout'), /^redeeming the details token failed: This details token was already redeemed \(details_token_redeemed, HTTP 409\)$/);
    await first.close();
  });

  it('a malformed token or endpoint, or no browser there, is a clear error', async () => {
    const attempt = (request: { detailsToken?: string; cdpEndpoint?: string }) =>
      assert.rejects(fillOverCdp({ detailsToken: request.detailsToken ?? redeemer.issueToken(card), pageUrl: '/checkout', cdpEndpoint: request.cdpEndpoint ?? cdpEndpoint }, connection), FillError);
    await attempt({ detailsToken: 'lk_dev_notatoken' });
    await attempt({ cdpEndpoint: 'ftp://127.0.0.1:9222' });
    await assert.rejects(fillOverCdp({ detailsToken: redeemer.issueToken(card), pageUrl: '/checkout', cdpEndpoint: `http://127.0.0.1:${await freePort()}` }, connection), (error: unknown) => error instanceof FillError && /^could not connect to the browser at http:\/\/127\.0\.0\.1:\d+ /.test(error.message));
  });
});
