// The PAN vault: card numbers encrypted at rest with AES-256-GCM under the deployment's master key, a keyed
// fingerprint for uniqueness and for finding the card a merchant presents, and the CVV derived (never stored).
// Nothing here logs, and no error it throws carries a card number, a CVV or ciphertext.
import crypto from 'node:crypto';
import { formatExpirationMonth, formatExpirationYear } from '../../domain/card-numbers.js';
import type { Secrets } from '../../secrets.js';

export type VaultSecrets = Pick<Secrets, 'masterKey'>;

const cipherName = 'aes-256-gcm';
const formatPrefix = 'v1:';
const ivLength = 12;
const tagLength = 16;
const keyLength = 32;

function keyOf(secrets: VaultSecrets): Buffer {
  if (secrets.masterKey.length !== keyLength) throw new Error(`the master key must be ${keyLength} bytes`);
  return Buffer.from(secrets.masterKey);
}

/** `v1:` + base64(iv | ciphertext | tag), with a fresh random 12-byte IV for every card. */
export function encryptPan(secrets: VaultSecrets, pan: string, iv: Uint8Array = crypto.randomBytes(ivLength)): string {
  if (iv.length !== ivLength) throw new Error(`the IV must be ${ivLength} bytes`);
  const cipher = crypto.createCipheriv(cipherName, keyOf(secrets), iv, { authTagLength: tagLength });
  const ciphertext = Buffer.concat([cipher.update(pan, 'utf8'), cipher.final()]);
  return formatPrefix + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64');
}

/** Throws (without detail) when the stored value is malformed, was altered, or was sealed under another key. */
export function decryptPan(secrets: VaultSecrets, stored: string): string {
  if (!stored.startsWith(formatPrefix)) throw new Error('stored card number has an unknown format');
  const sealed = Buffer.from(stored.slice(formatPrefix.length), 'base64');
  if (sealed.length <= ivLength + tagLength) throw new Error('stored card number is truncated');
  const iv = sealed.subarray(0, ivLength);
  const tag = sealed.subarray(sealed.length - tagLength);
  const ciphertext = sealed.subarray(ivLength, sealed.length - tagLength);
  const decipher = crypto.createDecipheriv(cipherName, keyOf(secrets), iv, { authTagLength: tagLength });
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('stored card number failed authentication (altered, or sealed under another key)');
  }
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
