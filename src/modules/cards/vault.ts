// The PAN vault: card numbers encrypted at rest with AES-256-GCM under the deployment's master key, a keyed
// fingerprint for uniqueness and for finding the card a merchant presents, and the CVV derived (never stored).
// Nothing here logs, and no error it throws carries a card number, a CVV or ciphertext.
import crypto from 'node:crypto';
import { formatExpirationMonth, formatExpirationYear } from '../../domain/card-numbers.js';
import { openSealedValue, sealValue } from '../../sealing.js';
import type { Secrets } from '../../secrets.js';

export type VaultSecrets = Pick<Secrets, 'masterKey'>;

const keyLength = 32;

function keyOf(secrets: VaultSecrets): Buffer {
  if (secrets.masterKey.length !== keyLength) throw new Error(`the master key must be ${keyLength} bytes`);
  return Buffer.from(secrets.masterKey);
}

/** Sealed under the master key itself (src/sealing.ts), with a fresh random IV for every card. */
export function encryptPan(secrets: VaultSecrets, pan: string, iv?: Uint8Array): string {
  return sealValue(keyOf(secrets), pan, iv === undefined ? {} : { iv });
}

/** Throws (without detail) when the stored value is malformed, was altered, or was sealed under another key. */
export function decryptPan(secrets: VaultSecrets, stored: string): string {
  return openSealedValue(keyOf(secrets), stored, 'card number');
}

/** HMAC-SHA256(masterKey, "pan:" + pan), hex: unique per environment, and how a presented PAN finds its card. */
export function panFingerprint(secrets: VaultSecrets, pan: string): string {
  return crypto.createHmac('sha256', keyOf(secrets)).update(`pan:${pan}`, 'utf8').digest('hex');
}

function normalizedExpiry(expMonth: number | string, expYear: number | string): string | undefined {
  const month = Number(expMonth);
  const year = Number(expYear);
  if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(year) || year < 1000 || year > 9999) return undefined;
  return formatExpirationMonth(month) + formatExpirationYear(year);
}

function cvvFor(secrets: VaultSecrets, pan: string, expiry: string): string {
  const digest = crypto.createHmac('sha256', keyOf(secrets)).update(`cvv:${pan}${expiry}`, 'utf8').digest();
  // 2^32 mod 1000 = 296: the bias toward low values is below 10^-7.
  return String(digest.readUInt32BE(0) % 1000).padStart(3, '0');
}

/** Three digits from HMAC-SHA256(masterKey, "cvv:" + pan + MM + YYYY): the same card always has the same CVV. */
export function deriveCvv(secrets: VaultSecrets, pan: string, expMonth: number | string, expYear: number | string): string {
  const expiry = normalizedExpiry(expMonth, expYear);
  if (expiry === undefined) throw new Error('invalid card expiry');
  return cvvFor(secrets, pan, expiry);
}

/**
 * Whether `presentedCvv` is the card's CVV, compared in constant time: whatever is presented (wrong length, not a
 * string), exactly one `timingSafeEqual` of two 3-byte buffers runs, so timing reveals nothing about the digits.
 */
export function cvvMatches(secrets: VaultSecrets, pan: string, expMonth: number | string, expYear: number | string, presentedCvv: unknown): boolean {
  const expiry = normalizedExpiry(expMonth, expYear);
  const expected = Buffer.from(cvvFor(secrets, pan, expiry ?? '000000'), 'utf8');
  const wellFormed = typeof presentedCvv === 'string' && /^\d{3}$/.test(presentedCvv);
  const presented = wellFormed ? Buffer.from(presentedCvv, 'utf8') : Buffer.alloc(expected.length);
  const equal = crypto.timingSafeEqual(expected, presented);
  return equal && wellFormed && expiry !== undefined;
}
