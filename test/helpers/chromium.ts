// Debian's Chromium for the browser tests, driven by playwright-core. Outside CI a machine without it skips those
// tests with the reason; under CI=true its absence is a failure, never a skip.
import { existsSync } from 'node:fs';
import type { Browser, CDPSession, Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(chromiumPath);
export const inCi = process.env.CI === 'true';

/** What a browser test passes as `skip`: false when Chromium is there or CI requires it (it then fails on launch). */
export const skipWithoutChromium: string | false = chromiumMissing && !inCi ? `Chromium is not installed at ${chromiumPath} (outside CI the browser tests are skipped; under CI=true they fail)` : false;

export async function launchChromium(): Promise<Browser> {
  if (chromiumMissing) throw new Error(`${chromiumPath} is missing: the browser tests must run under CI=true (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A page with a platform passkey authenticator (DevTools' virtual one: user verified, presence simulated), and its console errors. */
export async function pageWithPasskeyAuthenticator(browser: Browser): Promise<{ page: Page; devtools: CDPSession; authenticatorId: string; consoleErrors: string[] }> {
  const page = await browser.newPage();
  const devtools = await page.context().newCDPSession(page);
  await devtools.send('WebAuthn.enable');
  const { authenticatorId } = await devtools.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  return { page, devtools, authenticatorId, consoleErrors };
}
