// Values kept encrypted at rest (card numbers, webhook secrets): AES-256-GCM with a fresh 12-byte IV each time,
// stored as `v1:` + base64(iv | ciphertext | 16-byte tag). Errors name what failed, never the value or the ciphertext.
import crypto from 'node:crypto';

const cipherName = 'aes-256-gcm';
const formatPrefix = 'v1:';
const keyLength = 32;
const ivLength = 12;
const tagLength = 16;

export interface SealingOptions {
  /** Bound to the sealed value without being stored in it: opening needs the same (a webhook secret's endpoint id). */
  associatedData?: string;
}

function cipherKey(key: Uint8Array): Buffer {
  if (key.length !== keyLength) throw new Error(`an AES-256-GCM key must be ${keyLength} bytes`);
  return Buffer.from(key);
}

/** Seals `plaintext` under `key`; `iv` is for tests that need a fixed output. */
export function sealValue(key: Uint8Array, plaintext: string, options: SealingOptions & { iv?: Uint8Array } = {}): string {
  const iv = options.iv ?? crypto.randomBytes(ivLength);
  if (iv.length !== ivLength) throw new Error(`the IV must be ${ivLength} bytes`);
  const cipher = crypto.createCipheriv(cipherName, cipherKey(key), iv, { authTagLength: tagLength });
  if (options.associatedData !== undefined) cipher.setAAD(Buffer.from(options.associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return formatPrefix + Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64');
}

/**
 * Opens a value `sealValue` stored. Throws, naming only `what` ("card number", "webhook secret"), when it is
 * malformed, was altered, or was sealed under another key or with other associated data.
 */
export function openSealedValue(key: Uint8Array, stored: string, what: string, options: SealingOptions = {}): string {
  if (!stored.startsWith(formatPrefix)) throw new Error(`stored ${what} has an unknown format`);
  const sealed = Buffer.from(stored.slice(formatPrefix.length), 'base64');
  if (sealed.length <= ivLength + tagLength) throw new Error(`stored ${what} is truncated`);
  const decipher = crypto.createDecipheriv(cipherName, cipherKey(key), sealed.subarray(0, ivLength), { authTagLength: tagLength });
  if (options.associatedData !== undefined) decipher.setAAD(Buffer.from(options.associatedData, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - tagLength));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(ivLength, sealed.length - tagLength)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`stored ${what} failed authentication (altered, or sealed under another key)`);
  }
}
