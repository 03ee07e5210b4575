// The filler's service worker: the only part of the extension that reads the filler key and calls cardrail. It
// redeems a details token for the content script of the tab that asked (top frame only), relays a token pasted in
// the popup to the active tab's content script, and saves the options page's settings. It keeps no credentials: the
// redeem answer goes to that content script in the reply and is dropped.
import { isDetailsToken, redeemDetailsToken, RedeemFailed } from '../../src/filler/redeem.js';
import { isExtensionMessage, type ExtensionMessage, type FillOutcome, type RedeemAnswer, type SaveAnswer } from './messages.js';
import { fingerprint, readSettings, readStatus, saveSettings } from './settings.js';

/** Sent by one of this extension's own pages (whether shown as a popup or in a tab); content scripts carry the page's URL. */
function fromExtensionPage(sender: chrome.runtime.MessageSender, page: string): boolean {
  if (sender.url === undefined) return false;
  const url = new URL(sender.url);
  return `${url.origin}${url.pathname}` === chrome.runtime.getURL(page);
}

/** Sent by the content script of a tab's top frame: a web page's URL, not one of the extension's. */
function fromTopFrameContentScript(sender: chrome.runtime.MessageSender): boolean {
  return sender.tab?.id !== undefined && sender.frameId === 0 && sender.url !== undefined && /^https?:/.test(sender.url);
}

async function redeem(detailsToken: string): Promise<RedeemAnswer> {
  const settings = await readSettings();
  if (settings === undefined) return { ok: false, code: 'filler_not_configured', message: 'The cardrail filler has no server URL or filler key yet: set them in its options.' };
  try {
    const card = await redeemDetailsToken({ serverUrl: settings.serverUrl, fillerKey: settings.fillerKey, detailsToken, fingerprint: await fingerprint() });
    const { pan, cvv, expirationMonth, expirationYear, last4 } = card;
    return { ok: true, card: { pan, cvv, expirationMonth, expirationYear, last4, ...(settings.cardholderName === null ? {} : { cardholderName: settings.cardholderName }) } };
  } catch (error) {
    if (error instanceof RedeemFailed) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'filler_error', message: 'The filler failed unexpectedly.' };
  }
}

/** A token pasted in the popup: the content script of `tabId`'s top frame checks for card fields, redeems and fills. */
async function fillTab(tabId: number, detailsToken: string): Promise<FillOutcome> {
  if (!isDetailsToken(detailsToken)) return { ok: false, code: 'invalid_details_token', message: 'That is not a details token (dtk_…).' };
  try {
    return await chrome.tabs.sendMessage<FillOutcome>(tabId, { kind: 'fill', detailsToken } satisfies ExtensionMessage, { frameId: 0 });
  } catch {
    return { ok: false, code: 'page_unreachable', message: 'The filler cannot reach this page: it fills http and https pages; reload a page that was open before the filler was installed.' };
  }
}

async function markFilled(tabId: number | undefined): Promise<void> {
  if (tabId === undefined) return;
  await chrome.action.setBadgeBackgroundColor({ tabId, color: '#1a7f37' });
  await chrome.action.setBadgeText({ tabId, text: '✓' });
}

async function answer(message: ExtensionMessage, sender: chrome.runtime.MessageSender): Promise<unknown> {
  switch (message.kind) {
    case 'redeem': {
      // Only a content script of this extension in a tab's top frame (the one that found the card fields) redeems.
      if (!fromTopFrameContentScript(sender)) return { ok: false, code: 'not_allowed', message: 'Only the page’s top frame may redeem.' } satisfies RedeemAnswer;
      const redeemed = await redeem(message.detailsToken);
      if (redeemed.ok) await markFilled(sender.tab?.id);
      return redeemed;
    }
    case 'fill-tab':
      if (!fromExtensionPage(sender, 'popup.html')) return { ok: false, code: 'not_allowed', message: 'Only the filler’s popup may do that.' } satisfies FillOutcome;
      return fillTab(message.tabId, message.detailsToken);
    case 'status':
      return readStatus();
    case 'save-settings':
      if (!fromExtensionPage(sender, 'options.html')) return { ok: false, message: 'Only the filler’s options page may change its settings.' } satisfies SaveAnswer;
      try {
        await saveSettings(message);
        return { ok: true, status: await readStatus() } satisfies SaveAnswer;
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) } satisfies SaveAnswer;
      }
    case 'fill':
      // Addressed to content scripts.
      return undefined;
  }
}

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !isExtensionMessage(message) || message.kind === 'fill') return false;
  void answer(message, sender).then(sendResponse, () => sendResponse({ ok: false, code: 'filler_error', message: 'The filler failed unexpectedly.' }));
  // The answer is asynchronous.
  return true;
});

chrome.runtime.onInstalled.addListener(() => {
  // Made now so the first redeem does not race to create it.
  void fingerprint();
});
