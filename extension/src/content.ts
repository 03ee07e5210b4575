// The filler's content script (top frame of http and https pages). It takes a details token from the page's
// automation (window.postMessage, `cardrail:fill`) or from the popup (through the service worker), checks that the
// page has a card number field before spending the single-use token, asks the service worker to redeem it, fills the
// card fields, and drops the credentials. What it posts back to the page says which fields were filled, never a value.
import { describeCardControl } from '../../src/filler/card-controls.js';
import { cardNumberFieldIndex, planCardFill } from '../../src/filler/card-fields.js';
import { isDetailsToken } from '../../src/filler/redeem.js';
import { isExtensionMessage, isPageFillRequest, type ExtensionMessage, type FillOutcome, type PageFillAnswer, type RedeemAnswer } from './messages.js';
import { applyFills, cardControls } from './dom-fields.js';

/** What the page is told for each failure: a fixed sentence per code, not the service worker's (it names the server). */
const pageMessages: Record<string, string> = {
  busy: 'Another fill is in progress on this page.',
  invalid_details_token: 'That is not a details token (dtk_…).',
  no_card_fields: 'This page has no card number field (an input with autocomplete="cc-number"); the token was not used.',
  card_fields_gone: 'The card fields went away while the token was redeemed; the token is spent.',
  filler_not_configured: 'The cardrail filler is not configured (server URL and filler key in its options).',
  details_token_redeemed: 'The details token was already used.',
  details_token_expired: 'The details token has expired.',
  resource_not_found: 'The cardrail server does not know this details token.',
};

let busy = false;

function domReady(): Promise<void> {
  if (document.readyState !== 'loading') return Promise.resolve();
  return new Promise((resolve) => document.addEventListener('DOMContentLoaded', () => resolve(), { once: true }));
}

async function fill(detailsToken: unknown): Promise<FillOutcome> {
  if (!isDetailsToken(detailsToken)) return { ok: false, code: 'invalid_details_token', message: pageMessages.invalid_details_token! };
  if (busy) return { ok: false, code: 'busy', message: pageMessages.busy! };
  busy = true;
  try {
    await domReady();
    if (cardNumberFieldIndex(cardControls(document).map(describeCardControl)) === undefined) {
      return { ok: false, code: 'no_card_fields', message: pageMessages.no_card_fields! };
    }
    const answer = await chrome.runtime.sendMessage<RedeemAnswer>({ kind: 'redeem', detailsToken } satisfies ExtensionMessage);
    if (!answer.ok) return { ok: false, code: answer.code, message: answer.message };
    // Described again: the page may have changed while the token was redeemed.
    const controls = cardControls(document);
    const plan = planCardFill(controls.map(describeCardControl), answer.card);
    applyFills(controls, plan.fills);
    if (plan.fills.length === 0) return { ok: false, code: 'card_fields_gone', message: pageMessages.card_fields_gone! };
    return { ok: true, fields: plan.fills.map((fillOfField) => fillOfField.field), last4: answer.card.last4 };
  } catch {
    return { ok: false, code: 'filler_error', message: 'The filler failed unexpectedly.' };
  } finally {
    busy = false;
  }
}

/** The page's answer: field names, or a code with a fixed sentence. */
function pageAnswer(outcome: FillOutcome, requestId: string | undefined): PageFillAnswer {
  const id = requestId === undefined ? {} : { requestId };
  if (outcome.ok) return { type: 'cardrail:filled', ...id, fields: outcome.fields };
  return { type: 'cardrail:fill-failed', ...id, code: outcome.code, message: pageMessages[outcome.code] ?? 'The cardrail filler could not fill the card.' };
}

window.addEventListener('message', (event: MessageEvent) => {
  // Only this window's own scripts: not a frame posting to its parent, not another window.
  if (event.source !== window || !isPageFillRequest(event.data)) return;
  const { detailsToken, requestId } = event.data;
  void fill(detailsToken).then((outcome) => {
    window.postMessage(pageAnswer(outcome, requestId), window.location.origin === 'null' ? '*' : window.location.origin);
  });
});

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !isExtensionMessage(message) || message.kind !== 'fill') return false;
  void fill(message.detailsToken).then(sendResponse);
  return true;
});
