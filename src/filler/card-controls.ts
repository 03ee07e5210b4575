// Reading a page's form controls as CardFieldDescription (card-fields.ts). describeCardControl runs inside the page:
// the extension's content script calls it, and `cardrail fill` hands it to playwright, which sends its source to the
// browser; so it is self-contained (no reference to anything outside its body) and only reads.
import type { CardFieldDescription } from './card-fields.js';

/** The controls a filler looks at, in document order; card-fields.ts tells which are card fields. */
export const cardControlSelector = 'input[autocomplete], select[autocomplete]';

export function describeCardControl(control: HTMLInputElement | HTMLSelectElement): CardFieldDescription {
  const isSelect = control.tagName === 'SELECT';
  const input = control as HTMLInputElement;
  const select = control as HTMLSelectElement;
  return {
    autocomplete: control.getAttribute('autocomplete') ?? '',
    tag: isSelect ? 'select' : 'input',
    type: isSelect ? '' : input.type.toLowerCase(),
    maxLength: isSelect ? -1 : input.maxLength,
    placeholder: isSelect ? '' : input.placeholder,
    disabled: control.disabled,
    readOnly: !isSelect && input.readOnly,
    visible: control.getClientRects().length > 0,
    formIndex: control.form === null ? -1 : Array.prototype.indexOf.call(control.ownerDocument.forms, control.form),
    options: isSelect ? Array.from(select.options, (option) => ({ value: option.value, text: option.text })) : [],
  };
}
