// Prefixed, sortable, random identifiers (SPEC §3): `<prefix>_` + 10 chars of millisecond time + 16 chars of randomness.
import { randomBytes } from 'node:crypto';

export const idPrefixes = [
  'org', 'tr', 'user', 'ver', 'dep', 'wd', 'agent', 'tok', 'card', 'int', 'txn', 'evt', 'webhook', 'whd', 'alert', 'key', 'chl', 'req',
] as const;
export type IdPrefix = (typeof idPrefixes)[number];

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case: sorts like the number it encodes
const timeLength = 10;
const randomLength = 16;

let lastTimeMs = -1;
let lastRandom: number[] = [];

/** Ids made in the same millisecond by this process still sort in creation order (monotonic random part). */
export function newId(prefix: IdPrefix, timeMs: number = Date.now()): string {
  let random: number[];
  if (timeMs === lastTimeMs) {
    random = incrementBase32(lastRandom);
  } else {
    const bytes = randomBytes(randomLength);
    random = Array.from(bytes, (byte) => byte & 31);
  }
  lastTimeMs = timeMs;
  lastRandom = random;
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
