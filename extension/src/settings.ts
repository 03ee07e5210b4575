// The filler's settings in chrome.storage.local (extension storage, out of every page's reach): the cardrail server,
// the filler key, an optional name on the card, and this device's random id. Only the service worker imports this
// file, so the filler key is read in one place; the options page saves through the service worker.
import { isFillerKey, serverBaseUrl, type FillerFingerprint } from '../../src/filler/redeem.js';
import type { FillerStatus } from './messages.js';

export interface FillerSettings {
  serverUrl: string;
  fillerKey: string;
  cardholderName: string | null;
}

const keys = { serverUrl: 'serverUrl', fillerKey: 'fillerKey', cardholderName: 'cardholderName', deviceHash: 'deviceHash' } as const;

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The settings, or undefined until the server URL and filler key are both set. */
export async function readSettings(): Promise<FillerSettings | undefined> {
  const stored = await chrome.storage.local.get([keys.serverUrl, keys.fillerKey, keys.cardholderName]);
  const serverUrl = text(stored[keys.serverUrl]);
  const fillerKey = text(stored[keys.fillerKey]);
  if (serverUrl === null || fillerKey === null) return undefined;
  return { serverUrl, fillerKey, cardholderName: text(stored[keys.cardholderName]) };
}

export async function readStatus(): Promise<FillerStatus> {
  const stored = await chrome.storage.local.get([keys.serverUrl, keys.fillerKey, keys.cardholderName]);
  const serverUrl = text(stored[keys.serverUrl]);
  const fillerKey = text(stored[keys.fillerKey]);
  const prefix = fillerKey?.match(/^fk_(dev|live)_/)?.[0];
  return {
    configured: serverUrl !== null && fillerKey !== null,
    serverUrl,
    fillerKeyHint: fillerKey === null || prefix === undefined ? null : `${prefix}…${fillerKey.slice(-4)}`,
    cardholderName: text(stored[keys.cardholderName]),
  };
}

/** Checks and stores what the options page sent; a filler key left empty keeps the stored one. Throws with a message for the person. */
export async function saveSettings(input: { serverUrl: string; fillerKey?: string; cardholderName: string }): Promise<void> {
  const serverUrl = serverBaseUrl(input.serverUrl);
  const items: Record<string, unknown> = { [keys.serverUrl]: serverUrl, [keys.cardholderName]: input.cardholderName.trim() };
  const fillerKey = input.fillerKey?.trim() ?? '';
  if (fillerKey !== '') {
    if (!isFillerKey(fillerKey)) throw new Error('That is not a filler key: it starts with fk_dev_ or fk_live_ (POST /v1/filler-keys creates one). API keys and agent tokens cannot redeem.');
    items[keys.fillerKey] = fillerKey;
  } else if (text((await chrome.storage.local.get([keys.fillerKey]))[keys.fillerKey]) === null) {
    throw new Error('Enter the filler key (fk_dev_… or fk_live_…).');
  }
  await chrome.storage.local.set(items);
}

/** `extensionId` is the extension's id; `deviceHash` a random id made on first use and kept. */
export async function fingerprint(): Promise<FillerFingerprint> {
  const stored = text((await chrome.storage.local.get([keys.deviceHash]))[keys.deviceHash]);
  if (stored !== null) return { extensionId: chrome.runtime.id, deviceHash: stored };
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const deviceHash = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  await chrome.storage.local.set({ [keys.deviceHash]: deviceHash });
  return { extensionId: chrome.runtime.id, deviceHash };
}
