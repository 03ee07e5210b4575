// Card number rules (pure): test-range PANs with a Luhn check digit, expiry dates, and the expiry check the
// authorization engine needs. Randomness and time are passed in, so every function here is deterministic.

/**
 * The issuing range: Visa's test BIN 400000. Numbers in it pass Luhn (merchants' and SDKs' format checks) but can
 * never reach a real account, which is what a sandbox-first issuer wants in both environments until a real
 * issuer-processor assigns a BIN. See docs/cards.md.
 */
export const testBin = '400000';
export const panLength = 16;
/** Digits between the BIN and the check digit: 10^9 numbers per environment. */
export const accountDigitsLength = panLength - testBin.length - 1;
/** Bytes of randomness `panFromRandomBytes` consumes: 64 bits, reduced mod 10^9 (bias below 10^-10). */
export const panRandomBytesLength = 8;
/** Cards are valid through the end of the month three years after issue. */
export const cardValidityYears = 3;

const accountSpace = 10n ** BigInt(accountDigitsLength);

/** The Luhn check digit for `payload` (the number without its last digit). */
export function luhnCheckDigit(payload: string): number {
  if (!/^\d+$/.test(payload)) throw new Error('a Luhn payload is digits only');
  let sum = 0;
  // Walking from the right, every second digit starting with the rightmost payload digit is doubled.
  for (let index = 0; index < payload.length; index += 1) {
    let digit = payload.charCodeAt(payload.length - 1 - index) - 48;
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(number: string): boolean {
  if (!/^\d{2,19}$/.test(number)) return false;
  return luhnCheckDigit(number.slice(0, -1)) === number.charCodeAt(number.length - 1) - 48;
}

/** A 16-digit, Luhn-valid number in cardrail's issuing range. */
export function isIssuedPanFormat(pan: string): boolean {
  return pan.length === panLength && pan.startsWith(testBin) && isLuhnValid(pan);
}

/** BIN + 9 digits taken from `randomBytes` (at least 8 bytes) + the Luhn check digit. */
export function panFromRandomBytes(randomBytes: Uint8Array): string {
  if (randomBytes.length < panRandomBytesLength) throw new Error(`a card number needs ${panRandomBytesLength} random bytes, got ${randomBytes.length}`);
  let value = 0n;
  for (let index = 0; index < panRandomBytesLength; index += 1) value = (value << 8n) | BigInt(randomBytes[index]!);
  const payload = testBin + (value % accountSpace).toString().padStart(accountDigitsLength, '0');
  return payload + String(luhnCheckDigit(payload));
}

export function lastFourDigits(pan: string): string {
  return pan.slice(-4);
}

export interface CardExpiry {
  /** 1–12 */
  month: number;
  /** four digits */
  year: number;
}

/** The expiry printed on a card issued at `issuedAtMs` (UTC): same month, `cardValidityYears` later. */
export function cardExpiry(issuedAtMs: number): CardExpiry {
  const issued = new Date(issuedAtMs);
  return { month: issued.getUTCMonth() + 1, year: issued.getUTCFullYear() + cardValidityYears };
}

/** "MM", as the card shows it. */
export function formatExpirationMonth(month: number): string {
  return String(month).padStart(2, '0');
}

/** "YYYY". */
export function formatExpirationYear(year: number): string {
  return String(year).padStart(4, '0');
}

/** A card is valid through the last millisecond of its expiry month (UTC); true once that has passed. */
export function expiryHasPassed(expiry: CardExpiry, nowMs: number): boolean {
  const firstMsAfterExpiryMonth = Date.UTC(expiry.year, expiry.month, 1); // month is 1-based, so this is the next month
  return nowMs >= firstMsAfterExpiryMonth;
}
