// Finds card numbers and CVVs in text a test collected (responses, logs, database bytes, a browser's page text):
// the numbers a session was shown, in any spacing, any Luhn-valid 16-digit run in the test BIN, and a CVV beside
// its key. Used by the API's secrecy scan and by the dashboard's browser test.
import assert from 'node:assert/strict';

export const testBin = '400000';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export interface KnownCard {
  pan: string;
  cvv: string;
}

/** Finds card numbers and CVVs in a text (or bytes read as latin1, one character per byte). */
export class SecretScanner {
  constructor(private readonly cards: readonly KnownCard[]) {}

  /** Every 16-digit window that starts with the test BIN and passes Luhn, overlapping windows included. */
  static binRuns(text: string): string[] {
    const found: string[] = [];
    for (const match of text.matchAll(/(?=(400000\d{10}))/g)) {
      const candidate = match[1]!;
      if (luhnValid(candidate)) found.push(candidate);
    }
    return found;
  }

  /** What `text` gives away: the known PANs (plain, spaced or dashed), any BIN run, a CVV beside a `cvv` key. */
  findings(text: string): string[] {
    const findings = new Set<string>();
    for (const { pan, cvv } of this.cards) {
      const groups = pan.match(/\d{4}/g)!;
      for (const form of [pan, groups.join(' '), groups.join('-')]) if (text.includes(form)) findings.add(`PAN ${form}`);
      // `"cvv":"123"`, `"cvv": "123"`, `cvv=123`, `\"cvv\":\"123\"` (JSON inside a JSON string), in any letter case.
      if (new RegExp(`cvv[\\\\"'\\s:=]{0,8}${cvv}(?!\\d)`, 'i').test(text)) findings.add(`CVV ${cvv} beside its key`);
    }
    for (const run of SecretScanner.binRuns(text)) findings.add(`Luhn-valid BIN ${testBin} run ${run}`);
    return [...findings];
  }

  assertClean(what: string, text: string): void {
    const findings = this.findings(text);
    assert.deepEqual(findings, [], `${what} gives away card data: ${findings.join(', ')}`);
  }
}
