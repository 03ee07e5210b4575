// `cardrail fill`: the trusted filler for agents that drive a browser themselves (SPEC §4 "Credential exposure"). Given
// a details token, a substring of the checkout page's URL and the browser's DevTools endpoint, it connects with
// playwright-core, finds the page and its card number field, redeems the token with the filler key from
// CARDRAIL_FILLER_KEY (never an argument: arguments show in the process list) and fills the card fields the way the
// extension does. It prints the card's last four digits, never the number or CVV, and leaves the browser running.
import type { Command } from 'commander';
import { createHash } from 'node:crypto';
import { hostname, platform, userInfo } from 'node:os';
import type { Browser, ElementHandle, Frame, Page } from 'playwright-core';
import { loadConfig } from '../config.js';
import { cardControlSelector, describeCardControl } from '../filler/card-controls.js';
import { cardNumberFieldIndex, planCardFill, type CardFieldDescription, type CardFieldName } from '../filler/card-fields.js';
import { isDetailsToken, isFillerKey, redeemDetailsToken, RedeemFailed, serverBaseUrl, type FillerFingerprint } from '../filler/redeem.js';

/** A problem the person running the command can act on; printed as one line, exit code 1. */
export class FillError extends Error {}

const connectTimeoutMs = 15_000;
const actionTimeoutMs = 10_000;
const pagesListedMax = 10;

export interface FillRequest {
  detailsToken: string;
  /** A substring of the URL of the page to fill. */
  pageUrl: string;
  /** `http://127.0.0.1:9222` or a `ws://…/devtools/browser/…` endpoint. */
  cdpEndpoint: string;
  cardholderName?: string | undefined;
}

export interface FillerConnection {
  serverUrl: string;
  fillerKey: string;
  fingerprint: FillerFingerprint;
}

export interface FillResult {
  last4: string;
  fields: CardFieldName[];
  /** The filled page's origin and path (no query, which may carry anything). */
  page: string;
}

/** The command line filler's fingerprint: a hash of this machine and user, stable across runs, naming neither. */
export function cliFingerprint(): FillerFingerprint {
  const device = `${hostname()}\0${userInfo().username}\0${platform()}`;
  return { extensionId: 'cardrail-cli', deviceHash: createHash('sha256').update(device, 'utf8').digest('hex') };
}

/** The server and filler key from CARDRAIL_URL (default this machine's server on PORT) and CARDRAIL_FILLER_KEY. */
export function fillerConnectionFromEnvironment(env: NodeJS.ProcessEnv): FillerConnection {
  const fillerKey = env.CARDRAIL_FILLER_KEY?.trim() ?? '';
  if (fillerKey === '') throw new FillError('set CARDRAIL_FILLER_KEY to a filler key (fk_dev_… or fk_live_…, created with POST /v1/filler-keys by an API key)');
  if (!isFillerKey(fillerKey)) throw new FillError('CARDRAIL_FILLER_KEY is not a filler key: it starts with fk_dev_ or fk_live_ (API keys and agent tokens cannot redeem details tokens)');
  const configured = env.CARDRAIL_URL?.trim();
  let serverUrl: string;
  try {
    serverUrl = serverBaseUrl(configured === undefined || configured === '' ? `http://127.0.0.1:${loadConfig(env).port}` : configured);
  } catch (error) {
    throw new FillError(`CARDRAIL_URL: ${(error as Error).message}`);
  }
  return { serverUrl, fillerKey, fingerprint: cliFingerprint() };
}

function checkCdpEndpoint(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FillError(`--cdp ${value} is not a URL (e.g. http://127.0.0.1:9222 for a browser started with --remote-debugging-port=9222)`);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw new FillError(`--cdp must be an http:// or ws:// DevTools endpoint, not ${url.protocol}`);
}

async function loadPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch {
    throw new FillError('cardrail fill drives the browser with playwright-core, which is not installed here: npm install playwright-core');
  }
}

/** An http(s) page's origin and path (its query and fragment may carry anything); other URLs (about:blank) as they are. */
function pageLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? `${parsed.origin}${parsed.pathname}` : url;
  } catch {
    return url;
  }
}

function matchingPage(browser: Browser, pageUrl: string): Page {
  const pages = browser.contexts().flatMap((context) => context.pages());
  const matching = pages.filter((page) => page.url().includes(pageUrl));
  if (matching.length === 1) return matching[0]!;
  const open = pages.slice(0, pagesListedMax).map((page) => `  ${pageLabel(page.url())}`);
  if (matching.length === 0) throw new FillError(`no open page's URL contains ${JSON.stringify(pageUrl)}; open pages:\n${open.length === 0 ? '  (none)' : open.join('\n')}`);
  throw new FillError(`${matching.length} open pages' URLs contain ${JSON.stringify(pageUrl)}; pass a longer part of the URL:\n${matching.map((page) => `  ${pageLabel(page.url())}`).join('\n')}`);
}

interface CardForm {
  frame: Frame;
  controls: Array<ElementHandle<HTMLInputElement | HTMLSelectElement>>;
  descriptions: CardFieldDescription[];
}

/** The first frame (the page's own first) with a card number field, its controls and their descriptions. */
async function findCardForm(page: Page): Promise<CardForm | undefined> {
  for (const frame of page.frames()) {
    let controls: Array<ElementHandle<HTMLInputElement | HTMLSelectElement>>;
    try {
      const list = await frame.evaluateHandle((selector) => Array.from(document.querySelectorAll<HTMLInputElement | HTMLSelectElement>(selector)), cardControlSelector);
      const properties = await list.getProperties();
      controls = [...properties.values()].map((handle) => handle.asElement()).filter((handle): handle is ElementHandle<HTMLInputElement | HTMLSelectElement> => handle !== null);
    } catch {
      // A frame that went away or cannot be scripted has nothing to fill.
      continue;
    }
    const descriptions = await Promise.all(controls.map((control) => control.evaluate(describeCardControl)));
    if (cardNumberFieldIndex(descriptions) !== undefined) return { frame, controls, descriptions };
  }
  return undefined;
}

/**
 * Connects, finds the page and its card fields, and only then redeems (a page without them does not spend the
 * single-use token), fills and disconnects. FillError for every failure, with no card data in its message.
 */
export async function fillOverCdp(request: FillRequest, connection: FillerConnection): Promise<FillResult> {
  if (!isDetailsToken(request.detailsToken)) throw new FillError('--token must be a details token (dtk_…), as POST /v1/cards/{id}/details answers it for an extensionOnly card');
  if (request.pageUrl === '') throw new FillError('--url must be a non-empty part of the checkout page\'s URL');
  checkCdpEndpoint(request.cdpEndpoint);
  const { chromium } = await loadPlaywright();
  let browser: Browser;
  try {
    browser = await chromium.connectOverCDP(request.cdpEndpoint, { timeout: connectTimeoutMs });
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new FillError(`could not connect to the browser at ${request.cdpEndpoint} (${reason}); start it with --remote-debugging-port=9222 and pass --cdp http://127.0.0.1:9222`);
  }
  try {
    const page = matchingPage(browser, request.pageUrl);
    const form = await findCardForm(page);
    if (form === undefined) throw new FillError(`${pageLabel(page.url())} has no card number field (an input with autocomplete="cc-number"); the token was not used`);
    let card;
    try {
      card = await redeemDetailsToken({ serverUrl: connection.serverUrl, fillerKey: connection.fillerKey, detailsToken: request.detailsToken, fingerprint: connection.fingerprint });
    } catch (error) {
      if (error instanceof RedeemFailed) throw new FillError(error.message);
      throw error;
    }
    const plan = planCardFill(form.descriptions, { ...card, cardholderName: request.cardholderName });
    for (const fill of plan.fills) {
      const control = form.controls[fill.index]!;
      try {
        if (fill.kind === 'select') await control.selectOption({ value: fill.value }, { timeout: actionTimeoutMs });
        else {
          await control.fill(fill.value, { timeout: actionTimeoutMs });
          await control.dispatchEvent('change');
        }
      } catch {
        // Playwright's message may quote the call; it is not repeated.
        throw new FillError(`could not fill the ${fill.field} field of ${pageLabel(page.url())} (the token is spent: ask for new details)`);
      }
    }
    return { last4: card.last4, fields: plan.fills.map((fill) => fill.field), page: pageLabel(form.frame.url()) };
  } finally {
    // Disconnects; a browser connected over CDP keeps running with its pages.
    await browser.close().catch(() => undefined);
  }
}

export function registerFillCommand(program: Command): void {
  program
    .command('fill')
    .description('Redeem a details token (extensionOnly card) with CARDRAIL_FILLER_KEY and fill the card fields of a page in a browser reached over DevTools (CARDRAIL_URL: the server)')
    .requiredOption('--token <dtk>', 'the details token, as POST /v1/cards/{id}/details answered it')
    .requiredOption('--url <text>', 'a part of the checkout page\'s URL (one open page must match)')
    .requiredOption('--cdp <endpoint>', 'the browser\'s DevTools endpoint: http://127.0.0.1:9222 or ws://…')
    .option('--name <name>', 'the name on the card, for a cc-name field')
    .action(async (options: { token: string; url: string; cdp: string; name?: string }) => {
      const connection = fillerConnectionFromEnvironment(process.env);
      const result = await fillOverCdp({ detailsToken: options.token, pageUrl: options.url, cdpEndpoint: options.cdp, cardholderName: options.name }, connection);
      process.stdout.write(`Filled card •••• ${result.last4} on ${result.page} (${result.fields.join(', ')})\n`);
    });
}
