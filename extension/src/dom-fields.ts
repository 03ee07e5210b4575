// The card controls of a document and a fill plan applied to them the way a person's typing reaches the page's
// scripts: the value set through the element's own setter, then `input` and `change` events.
import type { FieldFill } from '../../src/filler/card-fields.js';
import { cardControlSelector } from '../../src/filler/card-controls.js';

export type CardControl = HTMLInputElement | HTMLSelectElement;

/** The controls describeCardControl reads, in document order (a plan's indexes point into this list). */
export function cardControls(root: Document): CardControl[] {
  return Array.from(root.querySelectorAll<CardControl>(cardControlSelector));
}

/** Sets the value through the element's prototype setter, so a framework's value tracking sees the change. */
function setValue(control: CardControl, value: string): void {
  const prototype = control instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(prototype, 'value')?.set;
  if (setter === undefined) control.value = value;
  else setter.call(control, value);
}

export function applyFills(controls: readonly CardControl[], fills: readonly FieldFill[]): void {
  for (const fill of fills) {
    const control = controls[fill.index];
    if (control === undefined) continue;
    control.focus();
    setValue(control, fill.value);
    control.dispatchEvent(new Event('input', { bubbles: true }));
    control.dispatchEvent(new Event('change', { bubbles: true }));
    control.blur();
  }
}
