// Zod issues to catalogue errors (SPEC §3, seed 002): an absent field or a wrong JSON type is 400; a well-formed
// value that breaks a constraint (length, enum, range, format) is 422. `param` names the field.
import type { z } from 'zod';
import { AppError } from '../domain/errors.js';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function paramName(path: readonly PropertyKey[]): string {
  const joined = path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : String(segment))).join('.').replace(/\.\[/g, '[');
  return joined === '' ? 'body' : joined;
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown, where: 'body' | 'query' | 'params'): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = paramName(issue.path);
  if (issue.code === 'invalid_type' && where === 'body' && issue.path.length === 0) {
    throw new AppError('invalid_parameter_type', { param: 'body', reason: 'the body must be a JSON object' });
  }
  // Optional fields raise no issue when absent, so an issue about an absent value is a missing required field.
  if (issue.path.length > 0 && valueAt(input, issue.path) === undefined) throw new AppError('missing_parameter', { param });
  if (issue.code === 'invalid_type') throw new AppError('invalid_parameter_type', { param, reason: issue.message });
  if (issue.code === 'unrecognized_keys') {
    throw new AppError('invalid_parameter_value', { param: issue.keys[0] ?? param, reason: 'unknown field' });
  }
  throw new AppError('invalid_parameter_value', { param, reason: issue.message });
}
