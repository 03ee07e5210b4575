// Prefixed, sortable, random identifiers (SPEC §3): `<prefix>_` + 10 chars of millisecond time + 16 chars of randomness.
import { randomBytes } from 'node:crypto';

export const idPrefixes = [
  'org', 'tr', 'user', 'ver', 'dep', 'wd', 'agent', 'tok', 'card', 'int', 'txn', 'evt', 'webhook', 'whd', 'alert', 'key', 'chl', 'req', 'pol', 'fkey', 'dtok',
  // The record of a KYC document upload (PUT /v1/verification/user/{id}/document).
  'doc',
] as const;
export type IdPrefix = (typeof idPrefixes)[number];

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case: sorts like the number it encodes
const timeLength = 10;
const randomLength = 16;

/**
 * The last random part used for each recent millisecond. Ids are made with more than one notion of time (the wall
 * clock, an environment's sandbox time), so "recent" is kept per millisecond rather than as a single last value.
 */
const lastRandomByTimeMs = new Map<number, number[]>();
const rememberedMillisecondsMax = 1024;

/** Ids made with the same millisecond by this process still sort in creation order (monotonic random part). */
export function newId(prefix: IdPrefix, timeMs: number = Date.now()): string {
  const previous = lastRandomByTimeMs.get(timeMs);
  const random = previous === undefined ? Array.from(randomBytes(randomLength), (byte) => byte & 31) : incrementBase32(previous);
  if (previous === undefined && lastRandomByTimeMs.size >= rememberedMillisecondsMax) {
    const oldest = lastRandomByTimeMs.keys().next().value as number;
    lastRandomByTimeMs.delete(oldest);
  }
  lastRandomByTimeMs.set(timeMs, random);
  return `${prefix}_${encodeTime(timeMs)}${random.map((digit) => alphabet[digit]).join('')}`;
}

function encodeTime(timeMs: number): string {
  let value = Math.max(0, Math.floor(timeMs));
  let out = '';
  for (let index = 0; index < timeLength; index += 1) {
    out = alphabet[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function incrementBase32(digits: number[]): number[] {
  const next = digits.slice();
  for (let index = next.length - 1; index >= 0; index -= 1) {
    const digit = next[index]!;
    if (digit < 31) {
      next[index] = digit + 1;
      return next;
    }
    next[index] = 0;
  }
  return next; // wrapped: astronomically unlikely within one millisecond
}

const idPattern = new RegExp(`^(${idPrefixes.join('|')})_[${alphabet}]{${timeLength + randomLength}}$`);

export function isWellFormedId(value: string, prefix?: IdPrefix): boolean {
  if (!idPattern.test(value)) return false;
  return prefix === undefined || value.startsWith(`${prefix}_`);
}
