// The trusted filler's test fixtures: a local checkout site (a card form by `autocomplete`, whose own script logs
// every message it receives and every input/change event, and a merchant endpoint the form posts to), a stub of the
// redeem endpoint (single-use tokens, the request's key and fingerprint kept), the extension built into a temporary
// directory, and Chromium launched with it loaded and configured through its options page.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { chromiumMissing, chromiumPath } from './chromium.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const fillerWaitMs = 15_000;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server): Promise<string> {
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

// The checkout site.

/** What the form posted, as the merchant reads it: `expirationMonth` "MM", `expirationYear` "YYYY". */
export interface SubmittedCard {
  pan: string;
  cvv: string;
  expirationMonth: string;
  expirationYear: string;
  name: string;
}

export interface PaymentAnswer {
  approved: boolean;
  detail: string;
}

export interface CheckoutSite {
  origin: string;
  /** The form with one `cc-exp` input ("MM/YY"), a name and a CVV. */
  checkoutUrl: string;
  /** The form with month and year selects. */
  selectsUrl: string;
  /** A page with no card number field. */
  noCardUrl: string;
  submissions: SubmittedCard[];
  close(): Promise<void>;
}

// The page's own script: what an untrusted checkout page can observe. It logs every message and every input/change
// event, as a framework's listeners would see them.
const pageScript = `
window.receivedMessages = [];
window.fieldEvents = {};
window.addEventListener('message', (event) => { window.receivedMessages.push(event.data); });
for (const control of document.querySelectorAll('input, select')) {
  for (const type of ['input', 'change']) {
    control.addEventListener(type, () => { (window.fieldEvents[control.name] ??= []).push(type); });
  }
}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}<script>${pageScript}</script></body></html>`;
}

function checkoutPage(): string {
  return page(
    'Checkout',
    `<h1>Sony WH-1000XM5 — $129.99</h1>
<form method="post" action="/pay">
  <label>Email <input name="email" type="email" autocomplete="email" value="jane@example.com"></label>
  <label>Name on card <input name="name" autocomplete="cc-name"></label>
  <label>Card number <input name="cardnumber" type="tel" inputmode="numeric" autocomplete="cc-number"></label>
  <label>Expiry <input name="exp" autocomplete="cc-exp" placeholder="MM/YY"></label>
  <label>CVC <input name="cvc" autocomplete="cc-csc" inputmode="numeric"></label>
  <button type="submit">Pay $129.99</button>
</form>`,
  );
}

function selectsPage(): string {
  const year = new Date().getUTCFullYear();
  const months = Array.from({ length: 12 }, (_, index) => String(index + 1).padStart(2, '0'))
    .map((month) => `<option value="${month}">${month}</option>`)
    .join('');
  const years = Array.from({ length: 11 }, (_, index) => year + index)
    .map((value) => `<option value="${value}">${value}</option>`)
    .join('');
  return page(
    'Checkout',
    `<form method="post" action="/pay">
  <input name="cardnumber" autocomplete="billing cc-number">
  <select name="exp_month" autocomplete="billing cc-exp-month"><option value="">Month</option>${months}</select>
  <select name="exp_year" autocomplete="billing cc-exp-year"><option value="">Year</option>${years}</select>
  <input name="cvc" autocomplete="billing cc-csc">
  <button type="submit">Pay</button>
</form>`,
  );
}

function submittedCard(form: URLSearchParams): SubmittedCard {
  const exp = /^(\d{2})\/(\d{2})$/.exec(form.get('exp') ?? '');
  return {
    pan: form.get('cardnumber') ?? '',
    cvv: form.get('cvc') ?? '',
    expirationMonth: exp?.[1] ?? form.get('exp_month') ?? '',
    expirationYear: exp === null ? (form.get('exp_year') ?? '') : `20${exp[2]}`,
    name: form.get('name') ?? '',
  };
}

/** The checkout site; `onPayment` is the merchant's processing of a submitted form (the sandbox network, or a stub). */
export async function startCheckoutSite(onPayment: (card: SubmittedCard) => Promise<PaymentAnswer>): Promise<CheckoutSite> {
  const submissions: SubmittedCard[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const html = (status: number, body: string) => response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(body);
      const path = new URL(request.url ?? '/', 'http://checkout.test').pathname;
      if (request.method === 'GET' && path === '/checkout') return html(200, checkoutPage());
      if (request.method === 'GET' && path === '/checkout-selects') return html(200, selectsPage());
      if (request.method === 'GET' && path === '/newsletter') return html(200, page('Newsletter', '<form><input name="email" autocomplete="email"><input name="code" autocomplete="one-time-code"></form>'));
      if (request.method === 'POST' && path === '/pay') {
        const card = submittedCard(new URLSearchParams(await readBody(request)));
        submissions.push(card);
        const answer = await onPayment(card);
        return html(200, page('Payment', `<p id="result">${answer.approved ? 'approved' : 'declined'}</p><p id="detail">${answer.detail}</p>`));
      }
      html(404, page('Not found', 'not found'));
    })().catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  const origin = await listen(server);
  return { origin, checkoutUrl: `${origin}/checkout`, selectsUrl: `${origin}/checkout-selects`, noCardUrl: `${origin}/newsletter`, submissions, close: () => close(server) };
}

// A stub of cardrail's redeem endpoint.

export interface RedeemRequestSeen {
  detailsToken: string;
  apiKey: string | undefined;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface StubCard {
  pan: string;
  cvv: string;
  expirationMonth: string;
  expirationYear: string;
}

export interface StubRedeemer {
  serverUrl: string;
  fillerKey: string;
  requests: RedeemRequestSeen[];
  /** A new single-use token for `card`. */
  issueToken(card: StubCard): string;
  close(): Promise<void>;
}

function errorEnvelope(response: ServerResponse, status: number, type: string, code: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', error: { type, code, message }, requestId: 'req_stub' }));
}

/** `POST /v1/details-tokens/{token}/redeem` as the server contract says: the filler key only, each token once. */
export async function startStubRedeemer(): Promise<StubRedeemer> {
  const fillerKey = `fk_dev_${'stubfillerkey'.padEnd(43, 'x')}`;
  const tokens = new Map<string, { card: StubCard; redeemed: boolean }>();
  const requests: RedeemRequestSeen[] = [];
  let issued = 0;
  const server = createServer((request, response) => {
    void (async () => {
      const match = /^\/v1\/details-tokens\/([^/]+)\/redeem$/.exec(request.url ?? '');
      if (request.method !== 'POST' || match === null) return errorEnvelope(response, 404, 'invalid_request_error', 'route_not_found', 'No such route');
      const detailsToken = decodeURIComponent(match[1]!);
      const text = await readBody(request);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const apiKey = request.headers['api-key'] as string | undefined;
      requests.push({ detailsToken, apiKey, body });
      if (apiKey !== fillerKey) return errorEnvelope(response, apiKey?.startsWith('fk_') === true ? 401 : 403, 'permission_error', 'insufficient_permissions', 'Only a filler key may redeem a details token');
      const entry = tokens.get(detailsToken);
      if (entry === undefined) return errorEnvelope(response, 404, 'invalid_request_error', 'resource_not_found', 'No such details token');
      if (entry.redeemed) return errorEnvelope(response, 409, 'conflict_error', 'details_token_redeemed', 'This details token was already redeemed');
      entry.redeemed = true;
      const { card } = entry;
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ object: 'card_credentials', ...card, last4: card.pan.slice(-4), cardId: 'card_stub', intentId: 'intent_stub', accessEventId: 'evt_stub' }),
      );
    })().catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  const serverUrl = await listen(server);
  return {
    serverUrl,
    fillerKey,
    requests,
    issueToken(card) {
      issued += 1;
      const token = `dtk_stub${String(issued).padStart(4, '0')}${'T'.repeat(32)}`;
      tokens.set(token, { card, redeemed: false });
      return token;
    },
    close: () => close(server),
  };
}

// The extension in Chromium.

/** Builds the extension (no type check: `npm run typecheck` does that) into a temporary directory; returns it. */
export async function buildExtensionForTest(): Promise<{ directory: string; remove(): void }> {
  const parent = mkdtempSync(join(tmpdir(), 'cardrail-extension-'));
  const { buildExtension } = (await import(pathToFileURL(join(root, 'scripts', 'build-extension.mjs')).href)) as { buildExtension(root: string, options: { outDir: string; typecheck: boolean }): Promise<string> };
  const directory = await buildExtension(root, { outDir: join(parent, 'extension'), typecheck: false });
  return { directory, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  close(): Promise<void>;
}

/** Chromium with the extension loaded (extensions need a persistent context), and the extension's id. */
export async function launchWithExtension(extensionDirectory: string, extraArgs: string[] = []): Promise<ExtensionBrowser> {
  if (chromiumMissing) throw new Error(`${chromiumPath} is missing: the browser tests must run under CI=true (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'cardrail-chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    // New headless loads extensions; it is asked for in the arguments.
    headless: false,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', `--disable-extensions-except=${extensionDirectory}`, `--load-extension=${extensionDirectory}`, ...extraArgs],
  });
  try {
    const worker = context.serviceWorkers().find((candidate) => candidate.url().startsWith('chrome-extension://')) ?? (await context.waitForEvent('serviceworker', { timeout: fillerWaitMs }));
    const extensionId = new URL(worker.url()).host;
    return {
      context,
      extensionId,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/** Sets the server URL and filler key on the options page, as a person would, and checks what it then shows. */
export async function configureFiller(browser: ExtensionBrowser, settings: { serverUrl: string; fillerKey: string }): Promise<void> {
  const options = await browser.context.newPage();
  await options.goto(`chrome-extension://${browser.extensionId}/options.html`);
  await options.getByLabel('cardrail server URL').fill(settings.serverUrl);
  await options.getByLabel('Filler key').fill(settings.fillerKey);
  await options.getByRole('button', { name: 'Save' }).click();
  await options.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: fillerWaitMs });
  // The key is not shown again, only its prefix and last four characters.
  assert.equal(await options.getByLabel('Filler key').inputValue(), '');
  assert.equal(await options.locator('#filler-key-hint').textContent(), `Saved: fk_dev_…${settings.fillerKey.slice(-4)} (leave empty to keep it).`);
  await options.close();
}

/** What the extension keeps in chrome.storage.local, read in its service worker. */
export async function extensionStorage(browser: ExtensionBrowser): Promise<Record<string, unknown>> {
  const worker = browser.context.serviceWorkers().find((candidate) => candidate.url().startsWith(`chrome-extension://${browser.extensionId}/`));
  assert.ok(worker, 'the extension has a service worker');
  return worker.evaluate(() => (globalThis as unknown as { chrome: { storage: { local: { get(keys: null): Promise<Record<string, unknown>> } } } }).chrome.storage.local.get(null));
}

export type PageAnswer = { type: 'cardrail:filled'; requestId: string; fields: string[] } | { type: 'cardrail:fill-failed'; requestId: string; code: string; message: string };

let requestSequence = 0;

/** The page's automation posts `cardrail:fill` and waits for the filler's answer, as the page's own script saw it. */
export async function postDetailsToken(page: Page, detailsToken: unknown): Promise<PageAnswer> {
  requestSequence += 1;
  const requestId = `request-${requestSequence}`;
  await page.evaluate(([token, id]) => window.postMessage({ type: 'cardrail:fill', detailsToken: token, requestId: id }, window.location.origin), [detailsToken, requestId] as const);
  const answer = await page.waitForFunction(
    (id) => (window as unknown as { receivedMessages: Array<{ type?: string; requestId?: string }> }).receivedMessages.find((message) => message?.requestId === id && message.type !== 'cardrail:fill'),
    requestId,
    { timeout: fillerWaitMs },
  );
  return (await answer.jsonValue()) as PageAnswer;
}

/** Every message the page's own script received, and the input/change events each named control saw. */
export async function pageObservations(page: Page): Promise<{ messages: unknown[]; fieldEvents: Record<string, string[]> }> {
  return page.evaluate(() => {
    const observed = window as unknown as { receivedMessages: unknown[]; fieldEvents: Record<string, string[]> };
    return { messages: observed.receivedMessages, fieldEvents: observed.fieldEvents };
  });
}
