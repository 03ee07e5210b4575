// Debian's Chromium for the browser tests, driven by playwright-core. Outside CI a machine without it skips those
// tests with the reason; under CI=true its absence is a failure, never a skip.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

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
