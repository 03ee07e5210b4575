// Prefixed, sortable, random identifiers (SPEC §3): `<prefix>_` + 10 chars of millisecond time + 16 chars of randomness.
import { randomBytes } from 'node:crypto';

export const idPrefixes = [
  'org', 'tr', 'user', 'ver', 'dep', 'wd', 'agent', 'tok', 'card', 'int', 'txn', 'evt', 'webhook', 'whd', 'alert', 'key', 'chl', 'req', 'pol', 'fkey', 'dtok',
  // The record of a KYC document upload (PUT /v1/verification/user/{id}/document).
  'doc',
  // A cardholder's passkey, and a link to enroll one (POST /v1/users/{id}/passkeys/enrollment).
  'pk', 'pkenr',
  // An intent's approval record (GET /v1/intents/{id}/approval).
  'apr',
  // A card state waiting to be mirrored at the card's issuer-processor.
  'icu',
] as const;
export type IdPrefix = (typeof idPrefixes)[number];

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case: sorts like the number it encodes
const timeLength = 10;
const randomLength = 16;

/**
 * The last random part used for each recent millisecond, so that ids made with the same millisecond by this process
 * sort in creation order (the random part counts up). Ids are made with more than one notion of time (the wall clock,
 * an environment's sandbox time), so "recent" is kept per millisecond rather than as a single last value, in a table
 * of `slotCount` milliseconds. The table lives in shared memory so the process's threads (the authorization engine's,
 * src/network/engine-thread.ts) share one order: `idSequenceMemory` hands it to a thread, `adoptIdSequenceMemory`
 * takes it up there.
 */
const slotCount = 1_024;
/** A millisecond is looked for in this many consecutive slots from its hash; a new one replaces the least recent. */
const probeLength = 8;
const lockBytes = 4;
const timesOffset = 8;
const usesOffset = timesOffset + slotCount * 8;
const digitsOffset = usesOffset + slotCount * 8;
const memoryBytes = digitsOffset + slotCount * randomLength;

interface SequenceMemory {
  buffer: SharedArrayBuffer;
  lock: Int32Array;
  /** The millisecond of each slot; -1 when empty. */
  times: Float64Array;
  /** When each slot was last used (a count of ids made): the least recent of a probe is replaced. */
  uses: Float64Array;
  digits: Uint8Array;
}

function sequenceMemoryOf(buffer: SharedArrayBuffer): SequenceMemory {
  if (buffer.byteLength !== memoryBytes) throw new Error(`id sequence memory must be ${memoryBytes} bytes, not ${buffer.byteLength}`);
  return {
    buffer,
    lock: new Int32Array(buffer, 0, lockBytes / 4),
    times: new Float64Array(buffer, timesOffset, slotCount),
    uses: new Float64Array(buffer, usesOffset, slotCount),
    digits: new Uint8Array(buffer, digitsOffset, slotCount * randomLength),
  };
}

let sequence = sequenceMemoryOf(new SharedArrayBuffer(memoryBytes));
sequence.times.fill(-1);

/** The memory this thread orders ids with, for another thread of the process to adopt. */
export function idSequenceMemory(): SharedArrayBuffer {
  return sequence.buffer;
}

/** Orders this thread's ids with those of the thread `buffer` came from. */
export function adoptIdSequenceMemory(buffer: SharedArrayBuffer): void {
  sequence = sequenceMemoryOf(buffer);
}

function withSequenceLock<T>(work: () => T): T {
  // Held for a few hundred nanoseconds; the other thread, if any, spins.
  while (Atomics.compareExchange(sequence.lock, 0, 0, 1) !== 0) Atomics.wait(sequence.lock, 0, 1, 1);
  try {
    return work();
  } finally {
    Atomics.store(sequence.lock, 0, 0);
    Atomics.notify(sequence.lock, 0, 1);
  }
}

function randomPartFor(timeMs: number): number[] {
  timeMs = Math.max(0, Math.floor(timeMs));
  return withSequenceLock(() => {
    const { times, uses, digits } = sequence;
    const home = Math.abs(Math.imul(timeMs, 0x9e3779b1)) % slotCount;
    let slot = -1;
    let leastRecent = home;
    let latestUse = 0;
    for (let probe = 0; probe < probeLength; probe += 1) {
      const candidate = (home + probe) % slotCount;
      latestUse = Math.max(latestUse, uses[candidate]!);
      if (times[candidate] === timeMs) slot = candidate;
      if (uses[candidate]! < uses[leastRecent]!) leastRecent = candidate;
    }
    let random: number[];
    if (slot === -1) {
      slot = leastRecent;
      times[slot] = timeMs;
      random = Array.from(randomBytes(randomLength), (byte) => byte & 31);
    } else {
      random = incrementBase32(Array.from(digits.subarray(slot * randomLength, (slot + 1) * randomLength)));
    }
    uses[slot] = latestUse + 1;
    digits.set(random, slot * randomLength);
    return random;
  });
}

/** Ids made with the same millisecond by this process still sort in creation order (monotonic random part). */
export function newId(prefix: IdPrefix, timeMs: number = Date.now()): string {
  const random = randomPartFor(timeMs);
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
