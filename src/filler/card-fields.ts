// Which card field a form control is (its `autocomplete` attribute, HTML's autofill detail tokens) and what value it
// gets from redeemed credentials. Pure: the browser extension applies a plan to the DOM, `cardrail fill` applies it
// through playwright; both describe the page's controls as CardFieldDescription first.

export const cardFieldNames = ['cc-number', 'cc-exp', 'cc-exp-month', 'cc-exp-year', 'cc-csc', 'cc-name'] as const;
export type CardFieldName = (typeof cardFieldNames)[number];

/** What an adapter reads of one `<input>` or `<select>` that has an `autocomplete` attribute. */
export interface CardFieldDescription {
  /** The attribute as written, e.g. `section-pay billing cc-number`. */
  autocomplete: string;
  tag: 'input' | 'select';
  /** The input's `type` in lower case (`text`, `tel`, `month`…); empty for a select. */
  type: string;
  /** The input's `maxLength`; -1 when it has none (as the DOM reports it). */
  maxLength: number;
  placeholder: string;
  disabled: boolean;
  readOnly: boolean;
  /** Rendered (has a layout box); a hidden template field is only used when no visible one exists. */
  visible: boolean;
  /** Index of its form in `document.forms`; -1 outside any form. */
  formIndex: number;
  /** A select's options; empty for an input. */
  options: ReadonlyArray<{ value: string; text: string }>;
}

/** What filling needs of redeemed credentials: `expirationMonth` "MM", `expirationYear` "YYYY". */
export interface CardValues {
  pan: string;
  cvv: string;
  expirationMonth: string;
  expirationYear: string;
  /** Only filled into `cc-name` when known (the redeem answer has no name; the filler's settings may). */
  cardholderName?: string | undefined;
}

export interface FieldFill {
  /** Index into the descriptions the plan was made from. */
  index: number;
  field: CardFieldName;
  /** `text` sets an input's value; `select` chooses the option with this value. */
  kind: 'text' | 'select';
  value: string;
}

export interface CardFillPlan {
  fills: FieldFill[];
  /** Fields of the chosen form that could not be filled (no matching option, no name known, disabled). */
  unfilled: CardFieldName[];
}

const monthNames = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** The card field an `autocomplete` attribute names: its last token (the others are section and address tokens). */
export function cardFieldOf(autocomplete: string): CardFieldName | undefined {
  const tokens = autocomplete.trim().toLowerCase().split(/\s+/);
  const last = tokens[tokens.length - 1] ?? '';
  return (cardFieldNames as readonly string[]).includes(last) ? (last as CardFieldName) : undefined;
}

function usable(field: CardFieldDescription): boolean {
  return !field.disabled && !field.readOnly;
}

/**
 * The `cc-number` control to fill, by index: the first usable visible one, else the first usable one; undefined when
 * the page has none (then there is nothing to fill, and a filler must not spend a single-use token).
 */
export function cardNumberFieldIndex(fields: readonly CardFieldDescription[]): number | undefined {
  const candidates = fields.map((field, index) => ({ field, index })).filter(({ field }) => cardFieldOf(field.autocomplete) === 'cc-number' && usable(field));
  return (candidates.find(({ field }) => field.visible) ?? candidates[0])?.index;
}

function twoDigitYear(card: CardValues): string {
  return card.expirationYear.slice(-2);
}

function monthValues(card: CardValues): string[] {
  const month = Number(card.expirationMonth);
  return [card.expirationMonth.padStart(2, '0'), String(month)];
}

/** The option whose value or text is one of `wanted` (case-insensitively, trimmed), else one whose text starts with a month name. */
function optionFor(field: CardFieldDescription, wanted: string[], monthName?: string): string | undefined {
  const normalized = wanted.map((value) => value.toLowerCase());
  const exact = field.options.find((option) => normalized.includes(option.value.trim().toLowerCase()) || normalized.includes(option.text.trim().toLowerCase()));
  if (exact !== undefined) return exact.value;
  if (monthName === undefined) return undefined;
  // "March", "Mar", "03 - March", "3 (Mar)".
  return field.options.find((option) => {
    const text = option.text.trim().toLowerCase();
    return text.startsWith(monthName.slice(0, 3)) || new RegExp(`^0?${Number(wanted[0])}\\b`).test(text);
  })?.value;
}

function expiryText(field: CardFieldDescription, card: CardValues): string {
  if (field.type === 'month') return `${card.expirationYear}-${card.expirationMonth}`;
  // "MM/YY" unless the placeholder asks for four digits ("MM/YYYY", "MM/AAAA", "MM/JJJJ").
  const fourDigitYear = /y{4}|a{4}|j{4}/i.test(field.placeholder);
  const separator = /\s\/\s/.test(field.placeholder) ? ' / ' : '/';
  return `${card.expirationMonth}${separator}${fourDigitYear ? card.expirationYear : twoDigitYear(card)}`;
}

function valueFor(field: CardFieldDescription, name: CardFieldName, card: CardValues): Omit<FieldFill, 'index' | 'field'> | undefined {
  const month = card.expirationMonth;
  const monthName = monthNames[Number(month) - 1];
  if (field.tag === 'select') {
    let value: string | undefined;
    if (name === 'cc-exp-month') value = optionFor(field, monthValues(card), monthName);
    else if (name === 'cc-exp-year') value = optionFor(field, [card.expirationYear, twoDigitYear(card)]);
    else if (name === 'cc-exp') value = optionFor(field, [`${month}/${twoDigitYear(card)}`, `${month}/${card.expirationYear}`]);
    else if (name === 'cc-name' && card.cardholderName !== undefined) value = optionFor(field, [card.cardholderName]);
    return value === undefined ? undefined : { kind: 'select', value };
  }
  switch (name) {
    case 'cc-number':
      return { kind: 'text', value: card.pan };
    case 'cc-csc':
      return { kind: 'text', value: card.cvv };
    case 'cc-exp':
      return { kind: 'text', value: expiryText(field, card) };
    case 'cc-exp-month':
      return { kind: 'text', value: month };
    case 'cc-exp-year': {
      const twoDigits = field.maxLength === 2 || /^\s*(yy|aa|jj)\s*$/i.test(field.placeholder);
      return { kind: 'text', value: twoDigits ? twoDigitYear(card) : card.expirationYear };
    }
    case 'cc-name':
      return card.cardholderName === undefined || card.cardholderName === '' ? undefined : { kind: 'text', value: card.cardholderName };
  }
}

/**
 * What to put where: the card fields of the form holding the chosen `cc-number` control (or, when it is in no form,
 * the fields outside any form), the first usable control of each field. Empty when there is no card number field.
 */
export function planCardFill(fields: readonly CardFieldDescription[], card: CardValues): CardFillPlan {
  const numberIndex = cardNumberFieldIndex(fields);
  if (numberIndex === undefined) return { fills: [], unfilled: [] };
  const formIndex = fields[numberIndex]!.formIndex;
  const fills: FieldFill[] = [];
  const unfilled: CardFieldName[] = [];
  for (const name of cardFieldNames) {
    const ofForm = fields.map((field, index) => ({ field, index })).filter(({ field }) => field.formIndex === formIndex && cardFieldOf(field.autocomplete) === name);
    if (ofForm.length === 0) continue;
    const chosen = name === 'cc-number' ? ofForm.find(({ index }) => index === numberIndex) : (ofForm.find(({ field }) => usable(field) && field.visible) ?? ofForm.find(({ field }) => usable(field)));
    const value = chosen === undefined ? undefined : valueFor(chosen.field, name, card);
    if (chosen === undefined || value === undefined) unfilled.push(name);
    else fills.push({ index: chosen.index, field: name, ...value });
  }
  return { fills, unfilled };
}
