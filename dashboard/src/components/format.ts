// How amounts and times read on screen: cents as dollars, ISO times as UTC, and dollars typed by the operator as
// whole cents (exact: no floating point between the field and the API).
const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function formatCents(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return '—';
  return dollars.format(cents / 100);
}

/** `2025-01-31 14:05:09 UTC`: one zone for everyone reading the same screen. */
export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "12", "12.5", "12.50", "$1,200.00" → cents; undefined when it is not an amount of dollars and cents. */
export function parseDollars(text: string): number | undefined {
  const cleaned = text.trim().replace(/^\$/, '').replace(/,/g, '');
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (match === null) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** A value of an optional text field: undefined when blank. */
export function optionalText(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Words for the API's camelCase and snake_case values: `manualReview` → `manual review`. */
export function words(value: string): string {
  return value
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}
