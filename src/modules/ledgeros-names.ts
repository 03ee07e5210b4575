// LedgerOS's names for request fields cardrail already has (SPEC §11): a request may use either name. The same value
// under both is one value; different values are refused with 422 `conflicting_parameters` naming both, so a caller
// never learns later which of its two values was used. One field given under neither name is reported under ours.
import { z } from 'zod';

export interface FieldAlias {
  /** cardrail's name. */
  readonly field: string;
  /** LedgerOS's name for the same field. */
  readonly alias: string;
}

function sameValue(first: unknown, second: unknown): boolean {
  return first === second || JSON.stringify(first) === JSON.stringify(second);
}

/**
 * A refinement for an object schema with both names of each pair: issues for pairs given twice with different
 * values, and for `required` pairs given under neither name (a missing field, reported under cardrail's name).
 */
export function refineAliases(aliases: readonly FieldAlias[], required: readonly string[] = []) {
  return (value: Record<string, unknown>, context: z.RefinementCtx): void => {
    for (const { field, alias } of aliases) {
      const ours = value[field];
      const theirs = value[alias];
      if (ours !== undefined && theirs !== undefined && !sameValue(ours, theirs)) {
        context.addIssue({
          code: 'custom',
          path: [alias],
          message: `give it once (${alias} is LedgerOS's name for ${field}), or the same value under both`,
          params: { errorCode: 'conflicting_parameters', other: field, subject: 'field' },
        });
      }
      if (ours === undefined && theirs === undefined && required.includes(field)) {
        context.addIssue({ code: 'custom', path: [field], message: `${field} (or LedgerOS's ${alias}) is required` });
      }
    }
  };
}

/** The value of a field under either of its names (refineAliases has made sure they agree). */
export function aliased<T>(ours: T | undefined, theirs: T | undefined): T | undefined {
  return ours ?? theirs;
}
