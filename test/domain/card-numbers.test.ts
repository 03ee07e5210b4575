import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  accountDigitsLength,
  cardExpiry,
  expiryHasPassed,
  formatExpirationMonth,
  formatExpirationYear,
  isIssuedPanFormat,
  isLuhnValid,
  lastFourDigits,
  luhnCheckDigit,
  panFromRandomBytes,
  panLength,
  panRandomBytesLength,
  testBin,
} from '../../src/domain/card-numbers.js';

function bytesOf(value: bigint): Uint8Array {
  const bytes = new Uint8Array(panRandomBytesLength);
  for (let index = panRandomBytesLength - 1; index >= 0; index -= 1) {
    bytes[index] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

describe('Luhn', () => {
  it('accepts published test numbers and computes their check digits', () => {
    for (const number of ['4111111111111111', '4242424242424242', '4000000000000002', '5555555555554444', '378282246310005', '79927398713']) {
      assert.equal(isLuhnValid(number), true, number);
      assert.equal(luhnCheckDigit(number.slice(0, -1)), Number(number.slice(-1)), number);
    }
  });

  it('rejects a changed digit and a swap of unequal neighbours (except the 09/90 blind spot)', () => {
    assert.equal(isLuhnValid('4111111111111112'), false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: panRandomBytesLength, maxLength: panRandomBytesLength }), fc.nat({ max: panLength - 2 }), (bytes, position) => {
        const pan = panFromRandomBytes(bytes);
        const [left, right] = [pan[position]!, pan[position + 1]!];
        fc.pre(left !== right && !(new Set([left, right]).has('0') && new Set([left, right]).has('9')));
        return !isLuhnValid(pan.slice(0, position) + right + left + pan.slice(position + 2));
      }),
    );
  });

  it('detects every single-digit error in a valid number', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: panRandomBytesLength, maxLength: panRandomBytesLength }), fc.nat({ max: panLength - 1 }), fc.integer({ min: 1, max: 9 }), (bytes, position, shift) => {
        const pan = panFromRandomBytes(bytes);
        const digit = (Number(pan[position]) + shift) % 10;
        const altered = pan.slice(0, position) + String(digit) + pan.slice(position + 1);
        return !isLuhnValid(altered);
      }),
    );
  });

  it('refuses non-digit input', () => {
    assert.equal(isLuhnValid('4111 1111 1111 1111'), false);
    assert.equal(isLuhnValid(''), false);
    assert.throws(() => luhnCheckDigit('41a1'));
  });
});

describe('card numbers', () => {
  it('are 16 Luhn-valid digits in the test BIN for any randomness', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: panRandomBytesLength, maxLength: 32 }), (bytes) => {
        const pan = panFromRandomBytes(bytes);
        assert.match(pan, /^\d{16}$/);
        assert.ok(pan.startsWith(testBin));
        assert.equal(isLuhnValid(pan), true);
        assert.equal(isIssuedPanFormat(pan), true);
      }),
    );
  });

  it('use BIN 400000 and nine account digits, from all-zero to all-nine', () => {
    assert.equal(testBin, '400000');
    assert.equal(accountDigitsLength, 9);
    assert.equal(panFromRandomBytes(bytesOf(0n)), '4000000000000002');
    assert.equal(panFromRandomBytes(bytesOf(999_999_999n)), `400000999999999${luhnCheckDigit('400000999999999')}`);
    assert.equal(panFromRandomBytes(bytesOf(1_000_000_000n)), '4000000000000002', 'reduced mod 10^9');
  });

  it('map distinct account values to distinct numbers, and depend only on the first 8 bytes', () => {
    const seen = new Set<string>();
    for (let value = 0n; value < 5_000n; value += 1n) seen.add(panFromRandomBytes(bytesOf(value * 199_999n)));
    assert.equal(seen.size, 5_000);
    const longer = new Uint8Array(16).fill(9);
    assert.equal(panFromRandomBytes(longer), panFromRandomBytes(longer.slice(0, 8)));
  });

  it('refuse too little randomness', () => {
    assert.throws(() => panFromRandomBytes(new Uint8Array(7)), /8 random bytes/);
  });

  it('reject other BINs and lengths as issued numbers', () => {
    assert.equal(isIssuedPanFormat('4111111111111111'), false);
    assert.equal(isIssuedPanFormat('400000000000002'), false);
    assert.equal(isIssuedPanFormat('4000000000000001'), false);
    assert.equal(lastFourDigits('4000001234567899'), '7899');
  });
});

describe('card expiry', () => {
  it('is the same month three years after issue, in UTC', () => {
    assert.deepEqual(cardExpiry(Date.UTC(2026, 0, 5, 12)), { month: 1, year: 2029 });
    assert.deepEqual(cardExpiry(Date.UTC(2026, 11, 31, 23, 59, 59, 999)), { month: 12, year: 2029 });
    assert.deepEqual(cardExpiry(Date.UTC(2028, 1, 29)), { month: 2, year: 2031 });
    assert.equal(formatExpirationMonth(3), '03');
    assert.equal(formatExpirationMonth(12), '12');
    assert.equal(formatExpirationYear(2029), '2029');
  });

  it('passes after the last millisecond of the expiry month', () => {
    const expiry = { month: 12, year: 2029 };
    assert.equal(expiryHasPassed(expiry, Date.UTC(2029, 11, 31, 23, 59, 59, 999)), false);
    assert.equal(expiryHasPassed(expiry, Date.UTC(2030, 0, 1)), true);
    assert.equal(expiryHasPassed({ month: 2, year: 2031 }, Date.UTC(2031, 1, 28, 12)), false);
    assert.equal(expiryHasPassed({ month: 2, year: 2031 }, Date.UTC(2031, 2, 1)), true);
  });
});
