// The PAN guard (SPEC §4 "Credential exposure"): what it removes and what it leaves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guardCardNumbers, guardValue, luhnValid, maskedSecurityCode } from '../../src/domain/pan-guard.js';

const pan = '4000001234567899';

describe('PAN guard', () => {
  it('Luhn', () => {
    assert.equal(luhnValid(pan), true);
    assert.equal(luhnValid('4000001234567890'), false);
    assert.equal(luhnValid('4111111111111111'), true);
    assert.equal(luhnValid('12a4'), false);
  });

  it('removes card numbers written together, in groups of spaces or dashes, of 13 to 19 digits; keeps the last four', () => {
    for (const written of [pan, '4000 0012 3456 7899', '4000-0012-3456-7899', '4000 001234 567899']) {
      const result = guardCardNumbers(`pay with ${written} now`);
      assert.equal(result.text, 'pay with [card number ending 7899 removed] now', written);
      assert.equal(result.cardNumbers, 1);
    }
    assert.equal(guardCardNumbers('378282246310005').cardNumbers, 1, '15-digit Amex test number');
    assert.equal(guardCardNumbers('4222222222222').cardNumbers, 1, '13 digits');
    assert.equal(guardCardNumbers('6011000990139424').cardNumbers, 1);
  });

  it('leaves numbers that are not card numbers: failing Luhn, too short, too long, inside a longer run, timestamps, amounts', () => {
    for (const text of ['order 4000001234567890', 'id 123456789012', '12345678901234567890123', '1733240000000 ms', '$1,234,567.89', 'ref 400000123456789911']) {
      assert.deepEqual(guardCardNumbers(text), { text, cardNumbers: 0, securityCodes: 0 }, text);
    }
  });

  it('removes the security code next to a removed number: labelled within 80 characters, or bare right after the number or its expiry', () => {
    assert.equal(guardCardNumbers(`card ${pan} exp 12/29 cvv: 123`).text, `card [card number ending 7899 removed] exp 12/29 cvv: ${maskedSecurityCode}`);
    assert.equal(guardCardNumbers(`{"pan":"${pan}","cvv":"123"}`).text, `{"pan":"[card number ending 7899 removed]","cvv":"${maskedSecurityCode}"}`);
    assert.equal(guardCardNumbers(`${pan} 12/29 123`).text, `[card number ending 7899 removed] 12/29 ${maskedSecurityCode}`);
    assert.equal(guardCardNumbers(`${pan}, 4321`).text, `[card number ending 7899 removed], ${maskedSecurityCode}`);
    // Far away or without a number nearby, a "CVV 123" stays (the guard removes codes that go with a number).
    assert.equal(guardCardNumbers('your CVV 123 is on the back').text, 'your CVV 123 is on the back');
    const far = `${pan}${' filler'.repeat(20)} cvv 123`;
    assert.ok(guardCardNumbers(far).text.endsWith('cvv 123'));
  });

  it('an allowed number passes (a rawPan card to its own agent), others in the same text do not', () => {
    const result = guardCardNumbers(`${pan} and 4111 1111 1111 1111`, (digits) => digits === pan);
    assert.equal(result.text, `${pan} and [card number ending 1111 removed]`);
  });

  it('walks JSON values: strings, numeric card numbers, and cvv fields beside a removed number', () => {
    const guarded = guardValue({ details: { pan, cvv: '123', last4: '7899', expirationMonth: '12' }, note: `use ${pan}`, list: [4111111111111111, 42], other: { cvv: '999' } });
    assert.deepEqual(guarded.value, {
      details: { pan: '[card number ending 7899 removed]', cvv: maskedSecurityCode, last4: '7899', expirationMonth: '12' },
      note: 'use [card number ending 7899 removed]',
      list: ['[card number ending 1111 removed]', 42],
      other: { cvv: '999' },
    });
    assert.equal(guarded.cardNumbers, 3);
  });
});

describe('PAN guard on large input', () => {
  it('handles a 200,000-digit run and 50,000 single-digit groups, removing every valid stretch it finds', () => {
    assert.equal(guardCardNumbers('7'.repeat(200_000)).cardNumbers, 0, 'one group longer than 19 digits holds no card number');
    const spaced = Array.from({ length: 50_000 }, (_, index) => String(index % 10)).join(' ');
    const result = guardCardNumbers(spaced);
    assert.ok(result.cardNumbers > 0);
    assert.equal(guardCardNumbers(result.text).cardNumbers, 0, 'nothing that reads as a card number is left');
  });
});
