// The messages of the filler: the page protocol (window.postMessage between a checkout page's automation and the
// content script) and the extension's own messages (content script, popup and options page ↔ service worker).
// Nothing sent to the page carries card data; only the service worker → content script answer to `redeem` does.
import type { CardFieldName } from '../../src/filler/card-fields.js';

// The page protocol (docs/credential-exposure.md, "The trusted filler").

/** Posted by the page: `window.postMessage({type: "cardrail:fill", detailsToken, requestId?}, location.origin)`. */
export interface PageFillRequest {
  type: 'cardrail:fill';
  detailsToken: string;
  /** Echoed in the answer, to tell answers apart. */
  requestId?: string;
}

/** The answer posted back to the same window: which fields were filled, never their values. */
export type PageFillAnswer =
  | { type: 'cardrail:filled'; requestId?: string; fields: CardFieldName[] }
  | { type: 'cardrail:fill-failed'; requestId?: string; code: string; message: string };

const requestIdPattern = /^[\w.:-]{1,100}$/;

export function isPageFillRequest(data: unknown): data is PageFillRequest {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Record<string, unknown>;
  return message.type === 'cardrail:fill' && (message.requestId === undefined || (typeof message.requestId === 'string' && requestIdPattern.test(message.requestId)));
}

// Inside the extension.

export type FillOutcome = { ok: true; fields: CardFieldName[]; last4: string } | { ok: false; code: string; message: string };

/** The credentials, from the service worker to the content script of the tab that asked, and nowhere else. */
export type RedeemAnswer =
  | { ok: true; card: { pan: string; cvv: string; expirationMonth: string; expirationYear: string; last4: string; cardholderName?: string } }
  | { ok: false; code: string; message: string };

export interface FillerStatus {
  configured: boolean;
  serverUrl: string | null;
  /** `fk_dev_…` and the key's last four characters, never the key. */
  fillerKeyHint: string | null;
  cardholderName: string | null;
}

export type SaveAnswer = { ok: true; status: FillerStatus } | { ok: false; message: string };

export type ExtensionMessage =
  | { kind: 'redeem'; detailsToken: string }
  | { kind: 'fill'; detailsToken: string }
  | { kind: 'fill-tab'; tabId: number; detailsToken: string }
  | { kind: 'status' }
  | { kind: 'save-settings'; serverUrl: string; fillerKey?: string; cardholderName: string };

export function isExtensionMessage(value: unknown): value is ExtensionMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  switch (message.kind) {
    case 'redeem':
    case 'fill':
      return typeof message.detailsToken === 'string';
    case 'fill-tab':
      return typeof message.tabId === 'number' && typeof message.detailsToken === 'string';
    case 'status':
      return true;
    case 'save-settings':
      return typeof message.serverUrl === 'string' && (message.fillerKey === undefined || typeof message.fillerKey === 'string') && typeof message.cardholderName === 'string';
    default:
      return false;
  }
}
