// Which control gets which value (src/filler/card-fields.ts), with no browser: the fields are described as the
// extension and `cardrail fill` describe them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cardFieldOf, cardNumberFieldIndex, planCardFill, type CardFieldDescription, type CardValues } from '../../src/filler/card-fields.js';

const card: CardValues = { pan: '4000001234567899', cvv: '042', expirationMonth: '03', expirationYear: '2029' };

function input(autocomplete: string, extra: Partial<CardFieldDescription> = {}): CardFieldDescription {
  return { autocomplete, tag: 'input', type: 'text', maxLength: -1, placeholder: '', disabled: false, readOnly: false, visible: true, formIndex: 0, options: [], ...extra };
}

function select(autocomplete: string, options: Array<[value: string, text: string]>, extra: Partial<CardFieldDescription> = {}): CardFieldDescription {
  return { ...input(autocomplete, extra), tag: 'select', type: '', options: options.map(([value, text]) => ({ value, text })) };
}

/** The plan as [field, value] pairs, for short assertions. */
function planned(fields: CardFieldDescription[], values: CardValues = card): Array<[string, string, number]> {
  return planCardFill(fields, values).fills.map((fill) => [fill.field, fill.value, fill.index]);
}

describe('card fields by autocomplete', () => {
  it('reads the last token of the attribute, in any case, and nothing else', () => {
    assert.equal(cardFieldOf('cc-number'), 'cc-number');
    assert.equal(cardFieldOf('  section-pay billing CC-CSC '), 'cc-csc');
    assert.equal(cardFieldOf('shipping cc-exp-month'), 'cc-exp-month');
    for (const other of ['', 'off', 'email', 'cc-number off', 'cc-type', 'cc-given-name', 'transaction-amount']) assert.equal(cardFieldOf(other), undefined, other);
  });

  it('fills the number, MM/YY expiry, CVV and, when known, the name; other controls are left alone', () => {
    const fields = [input('email'), input('cc-name'), input('cc-number', { type: 'tel' }), input('cc-exp'), input('cc-csc')];
    assert.deepEqual(planned(fields), [
      ['cc-number', '4000001234567899', 2],
      ['cc-exp', '03/29', 3],
      ['cc-csc', '042', 4],
    ]);
    assert.deepEqual(planCardFill(fields, card).unfilled, ['cc-name']);
    assert.deepEqual(planned(fields, { ...card, cardholderName: 'Jane Doe' })[3], ['cc-name', 'Jane Doe', 1]);
  });

  it('writes the expiry as its placeholder asks: four-digit year, spaced separator, or a month input', () => {
    assert.equal(planned([input('cc-number'), input('cc-exp', { placeholder: 'MM/YYYY' })])[1]![1], '03/2029');
    assert.equal(planned([input('cc-number'), input('cc-exp', { placeholder: 'MM / YY' })])[1]![1], '03 / 29');
    assert.equal(planned([input('cc-number'), input('cc-exp', { placeholder: 'MM/AAAA' })])[1]![1], '03/2029');
    assert.equal(planned([input('cc-number'), input('cc-exp', { type: 'month' })])[1]![1], '2029-03');
  });

  it('separate month and year inputs: MM, and YYYY unless the input takes two characters', () => {
    assert.deepEqual(planned([input('cc-number'), input('cc-exp-month'), input('cc-exp-year')]).slice(1), [
      ['cc-exp-month', '03', 1],
      ['cc-exp-year', '2029', 2],
    ]);
    assert.equal(planned([input('cc-number'), input('cc-exp-year', { maxLength: 2 })])[1]![1], '29');
    assert.equal(planned([input('cc-number'), input('cc-exp-year', { placeholder: 'YY' })])[1]![1], '29');
  });

  it('month and year selects: the option by value or text, month names, two-digit years', () => {
    const byValue = [input('cc-number'), select('cc-exp-month', [['', 'Month'], ['01', '01'], ['03', '03']]), select('cc-exp-year', [['', 'Year'], ['2028', '2028'], ['2029', '2029']])];
    assert.deepEqual(planCardFill(byValue, card).fills.slice(1), [
      { index: 1, field: 'cc-exp-month', kind: 'select', value: '03' },
      { index: 2, field: 'cc-exp-year', kind: 'select', value: '2029' },
    ]);
    const unpadded = [input('cc-number'), select('cc-exp-month', [['1', 'January'], ['3', 'March']]), select('cc-exp-year', [['28', '28'], ['29', '29']])];
    assert.deepEqual(planned(unpadded).slice(1), [
      ['cc-exp-month', '3', 1],
      ['cc-exp-year', '29', 2],
    ]);
    const named = [input('cc-number'), select('cc-exp-month', [['m1', 'Jan'], ['m3', 'Mar'], ['m5', 'May']])];
    assert.equal(planned(named)[1]![1], 'm3');
    const numbered = [input('cc-number'), select('cc-exp-month', [['a', '01 - January'], ['c', '03 - March'], ['k', '10 - October']])];
    assert.equal(planned(numbered)[1]![1], 'c');
    assert.equal(planned([input('cc-number'), select('cc-exp-month', [['a', '1'], ['j', '10']])], { ...card, expirationMonth: '01' })[1]![1], 'a');
  });

  it('a select with no matching option is reported unfilled, not guessed', () => {
    const plan = planCardFill([input('cc-number'), select('cc-exp-year', [['2024', '2024'], ['2025', '2025']])], card);
    assert.deepEqual(
      plan.fills.map((fill) => fill.field),
      ['cc-number'],
    );
    assert.deepEqual(plan.unfilled, ['cc-exp-year']);
  });

  it('no usable card number field: nothing to fill (the token must not be spent)', () => {
    for (const fields of [[], [input('email'), input('cc-exp'), input('cc-csc')], [input('cc-number', { disabled: true }), input('cc-csc')], [input('cc-number', { readOnly: true })]]) {
      assert.equal(cardNumberFieldIndex(fields), undefined);
      assert.deepEqual(planCardFill(fields, card), { fills: [], unfilled: [] });
    }
  });

  it('fills the form of the first visible number field only, never another form on the page', () => {
    const fields = [
      input('cc-number', { formIndex: 0, visible: false }),
      input('cc-csc', { formIndex: 0, visible: false }),
      input('cc-number', { formIndex: 1 }),
      input('cc-exp', { formIndex: 1 }),
      input('cc-csc', { formIndex: 1 }),
      input('cc-csc', { formIndex: 2 }),
    ];
    assert.equal(cardNumberFieldIndex(fields), 2);
    assert.deepEqual(
      planned(fields).map(([field, , index]) => [field, index]),
      [
        ['cc-number', 2],
        ['cc-exp', 3],
        ['cc-csc', 4],
      ],
    );
    // With only hidden number fields, the first of them.
    assert.equal(cardNumberFieldIndex([input('email'), input('cc-number', { visible: false })]), 1);
  });

  it('fields outside any form go with a number field outside any form', () => {
    const fields = [input('cc-number', { formIndex: -1 }), input('cc-csc', { formIndex: -1 }), input('cc-csc', { formIndex: 0 })];
    assert.deepEqual(
      planned(fields).map(([field, , index]) => [field, index]),
      [
        ['cc-number', 0],
        ['cc-csc', 1],
      ],
    );
  });

  it('of two controls for one field, the first usable visible one; a disabled one is skipped', () => {
    const fields = [input('cc-number'), input('cc-csc', { disabled: true }), input('cc-csc', { visible: false }), input('cc-csc')];
    assert.deepEqual(planned(fields)[1], ['cc-csc', '042', 3]);
  });
});
