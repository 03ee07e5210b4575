// The PAN guard (SPEC §4 "Credential exposure"): finds card numbers — Luhn-valid runs of 13–19 digits, written
// together or in groups separated by single spaces or dashes — and the security codes written next to them, and
// replaces them, so what reaches a language model's context or an agent-side log never carries a usable card.
// Pure: callers decide which numbers may pass (a `rawPan` card's own number, to its own agent).

/** What a removed card number becomes: its last four digits stay, as everywhere else cardrail shows a card. */
export function maskedCardNumber(digits: string): string {
  return `[card number ending ${digits.slice(-4)} removed]`;
}
export const maskedSecurityCode = '[security code removed]';

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Runs of at least 13 digits, each digit optionally followed by one space or dash, not inside a longer run. */
const candidatePattern = /(?<![\d-])\d(?:[ -]?\d){12,}(?!\d)/g;
/** A labelled security code: cvv, cvv2, cvc, cvc2, csc, "security code", "card code", then up to a few separators. */
const labelledCodePattern = /\b(cvv2?|cvc2?|csc|security[ _-]?code|card[ _-]?code|verification[ _-]?code)\b(["'\s:=]{0,4})(\d{3,4})(?!\d)/gi;
/** Right after a card number: optional expiry (MM/YY or MM/YYYY), then a bare 3–4 digit code. */
const trailingCodePattern = /^([\s,;|]{1,3}(?:\d{2}\s?\/\s?\d{2,4}[\s,;|]{1,3})?)(\d{3,4})(?![\d/])/;

export interface GuardResult {
  text: string;
  /** Card numbers replaced. */
  cardNumbers: number;
  /** Security codes replaced. */
  securityCodes: number;
}

/**
 * Replaces every card number in `text` for which `allowed(digits)` is not true, and the security codes written
 * next to a replaced number (labelled ones anywhere within 80 characters, a bare code right after the number or
 * its expiry). Numbers that fail Luhn are left alone (order ids, timestamps), as are runs shorter than 13 digits.
 */
export function guardCardNumbers(text: string, allowed: (digits: string) => boolean = () => false): GuardResult {
  let cardNumbers = 0;
  let securityCodes = 0;
  let guarded = text.replace(candidatePattern, (run) => {
    const replaced = guardRun(run, allowed);
    cardNumbers += replaced.count;
    return replaced.text;
  });
  if (cardNumbers === 0) return { text, cardNumbers: 0, securityCodes: 0 };

  // Security codes: only near a removed number (in the text after replacement, positions shift; search again).
  const markers = [...guarded.matchAll(/\[card number ending \d{4} removed\]/g)].map((found) => [found.index!, found.index! + found[0].length] as const);
  const near = (position: number) => markers.some(([start, end]) => position >= start - 80 && position <= end + 80);
  guarded = guarded.replace(labelledCodePattern, (match, label: string, separator: string, _code: string, offset: number) => {
    if (!near(offset)) return match;
    securityCodes += 1;
    return `${label}${separator}${maskedSecurityCode}`;
  });
  let out = '';
  let cursor = 0;
  for (const found of guarded.matchAll(/\[card number ending \d{4} removed\]/g)) {
    const end = found.index! + found[0].length;
    out += guarded.slice(cursor, end);
    const rest = guarded.slice(end);
    const trailing = trailingCodePattern.exec(rest);
    if (trailing !== null) {
      out += `${trailing[1]}${maskedSecurityCode}`;
      cursor = end + trailing[0].length;
      securityCodes += 1;
    } else {
      cursor = end;
    }
  }
  out += guarded.slice(cursor);
  return { text: out, cardNumbers, securityCodes };
}

/**
 * A run of digit groups may hold a card number and more (`4000 0012 3456 7899 12/29` reads as the run
 * `4000 0012 3456 7899 12`): the number is the earliest, longest stretch of whole groups with 13–19 digits that passes
 * Luhn. Stretches never split a group, so a contiguous 18-digit reference holds no 16-digit "card number".
 */
function guardRun(run: string, allowed: (digits: string) => boolean): { text: string; count: number } {
  const groups = [...run.matchAll(/\d+/g)].map((group) => ({ start: group.index!, end: group.index! + group[0].length, digits: group[0] }));
  const pieces: string[] = [];
  let count = 0;
  let copiedTo = 0;
  let first = 0;
  while (first < groups.length) {
    // The stretches starting at this group that could be a card number (at most 19 digits), longest first.
    const stretches: Array<{ last: number; digits: string }> = [];
    let digits = '';
    for (let last = first; last < groups.length && digits.length + groups[last]!.digits.length <= 19; last += 1) {
      digits += groups[last]!.digits;
      if (digits.length >= 13) stretches.push({ last, digits });
    }
    const found = stretches.reverse().find((stretch) => luhnValid(stretch.digits) && !allowed(stretch.digits));
    if (found === undefined) {
      first += 1;
      continue;
    }
    pieces.push(run.slice(copiedTo, groups[first]!.start), maskedCardNumber(found.digits));
    copiedTo = groups[found.last]!.end;
    count += 1;
    first = found.last + 1;
  }
  pieces.push(run.slice(copiedTo));
  return { text: pieces.join(''), count };
}

/**
 * The same over a JSON-like value: strings are guarded; a number that is itself a card number becomes the masked
 * string; a `cvv`/`cvc`/`csc` field beside a removed card number is masked too. Returns a new value.
 */
export function guardValue<T>(value: T, allowed: (digits: string) => boolean = () => false): { value: T; cardNumbers: number; securityCodes: number } {
  let cardNumbers = 0;
  let securityCodes = 0;
  const visit = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const result = guardCardNumbers(node, allowed);
      cardNumbers += result.cardNumbers;
      securityCodes += result.securityCodes;
      return result.text;
    }
    if (typeof node === 'number' && Number.isInteger(node)) {
      const digits = String(Math.abs(node));
      if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits) && !allowed(digits)) {
        cardNumbers += 1;
        return maskedCardNumber(digits);
      }
      return node;
    }
    if (Array.isArray(node)) return node.map(visit);
    if (node !== null && typeof node === 'object') {
      const before = cardNumbers;
      const entries = Object.entries(node as Record<string, unknown>).map(([key, inner]) => [key, visit(inner)] as const);
      const removedHere = cardNumbers > before;
      return Object.fromEntries(
        entries.map(([key, inner]) => {
          if (removedHere && /^(cvv2?|cvc2?|csc|securityCode)$/i.test(key) && (typeof inner === 'string' || typeof inner === 'number') && /^\d{3,4}$/.test(String(inner))) {
            securityCodes += 1;
            return [key, maskedSecurityCode];
          }
          return [key, inner];
        }),
      );
    }
    return node;
  };
  return { value: visit(value) as T, cardNumbers, securityCodes };
}
