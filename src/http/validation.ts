// Request input to catalogue errors (SPEC §3, seed 002): a field the endpoint does not define is 422
// `unknown_parameter`; an absent field or a wrong JSON type is 400; a well-formed value that breaks a constraint
// (length, enum, range, format) is 422. `param` names the field. Text that no store can keep as sent (NUL and other
// control characters, lone surrogates) is refused before any schema or database sees it.
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { AppError, errorCatalogue, type ErrorCode } from '../domain/errors.js';
import { textProblem } from '../domain/text.js';

type InputPlace = 'body' | 'query' | 'params';

/** Deeper JSON than this is refused when the body is parsed: no request of the API nests beyond a few levels. */
export const maxJsonDepth = 32;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function paramName(path: readonly PropertyKey[], where: InputPlace): string {
  const joined = path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : String(segment))).join('.').replace(/\.\[/g, '[');
  return joined === '' ? where : joined;
}

/**
 * The issue to report first: an unknown field (a misspelt name is the likeliest cause of every other issue), then
 * the issues in schema order; of two range issues on one field, the field's own bound rather than the safe-integer
 * bound zod adds to every integer (`maxAmount: 1e308` names the real maximum, not 2^53).
 */
function firstIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys');
  if (unknown !== undefined) return unknown;
  const first = issues[0]!;
  if ((first.code === 'too_big' || first.code === 'too_small') && first.origin === 'int') {
    const samePath = (issue: z.core.$ZodIssue) => issue.path.length === first.path.length && issue.path.every((segment, index) => segment === first.path[index]);
    const ownBound = issues.find((issue) => issue !== first && (issue.code === 'too_big' || issue.code === 'too_small') && samePath(issue));
    if (ownBound !== undefined) return ownBound;
  }
  return first;
}

function typeReason(issue: z.core.$ZodIssue, input: unknown): string {
  // A schema's own message says it best; zod's defaults ("Invalid input: expected number, received NaN") are reworded.
  if (issue.code !== 'invalid_type' || !issue.message.startsWith('Invalid input')) return issue.message;
  const received = valueAt(input, issue.path);
  if (issue.expected === 'int') return 'expected a whole number';
  if (issue.expected === 'number' && typeof received === 'string') return `expected a number, received "${received.slice(0, 40)}"`;
  return issue.message;
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown, where: InputPlace): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = firstIssue(result.error.issues);
  if (issue.code === 'unrecognized_keys') {
    const name = issue.keys[0] ?? '';
    const suggestion = closestName(name, Object.keys(objectShapeAt(schema, issue.path) ?? {}));
    throw new AppError('unknown_parameter', {
      param: paramName([...issue.path, name], where),
      kind: where === 'query' ? 'query parameter' : 'field',
      hint: suggestion === undefined ? 'check the spelling against the API reference at /docs' : `did you mean ${paramName([...issue.path, suggestion], where)}?`,
    });
  }
  const param = paramName(issue.path, where);
  // A schema may name the catalogue code of its own refinement (a list cursor answers invalid_cursor).
  // Its other params fill the code's message, with the refinement's own message as `reason`.
  const namedParams = issue.code === 'custom' ? ((issue.params ?? {}) as Record<string, unknown>) : {};
  const namedCode = namedParams.errorCode;
  if (typeof namedCode === 'string' && namedCode in errorCatalogue) {
    const details = Object.fromEntries(Object.entries(namedParams).filter((entry): entry is [string, string | number] => entry[0] !== 'errorCode' && ['string', 'number'].includes(typeof entry[1])));
    throw new AppError(namedCode as ErrorCode, { reason: issue.message, ...details, param });
  }
  if (issue.code === 'invalid_type' && where === 'body' && issue.path.length === 0) {
    throw new AppError('invalid_parameter_type', { param: 'body', reason: 'the body must be a JSON object' });
  }
  // Optional fields raise no issue when absent, so an issue about an absent value is a missing required field.
  if (issue.path.length > 0 && valueAt(input, issue.path) === undefined) throw new AppError('missing_parameter', { param });
  if (issue.code === 'invalid_type') throw new AppError('invalid_parameter_type', { param, reason: typeReason(issue, input) });
  throw new AppError('invalid_parameter_value', { param, reason: issue.message });
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = current;
  }
  return previous[b.length]!;
}

/** The defined field a misspelt name most likely meant: same letters in another case, or at most two edits away. */
function closestName(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= Math.min(2, Math.floor(candidate.length / 3)) && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** The fields of the object schema that `path` leads to inside `schema`, looking through optional, default and the like. */
function objectShapeAt(schema: z.ZodType, path: readonly PropertyKey[]): Record<string, z.ZodType> | undefined {
  let current: z.ZodType | undefined = schema;
  let index = 0;
  for (let steps = 0; current !== undefined && steps < 100; steps += 1) {
    const definition = definitionOf(current);
    if (wrapperTypes.has(definition.type)) current = definition.innerType;
    else if (definition.type === 'pipe') current = definition.in;
    else if (index === path.length) return definition.type === 'object' ? definition.shape : undefined;
    else if (definition.type === 'object') current = definition.shape?.[String(path[index++])];
    else if (definition.type === 'array') {
      index += 1;
      current = definition.element;
    } else if (definition.type === 'record') {
      index += 1;
      current = definition.valueType;
    } else return undefined;
  }
  return undefined;
}

/**
 * The query string must decode as UTF-8: a malformed `%` escape or bytes that are not UTF-8 would otherwise reach a
 * filter as replacement characters and quietly match nothing.
 */
export function refuseBadQueryEncoding(url: string): void {
  const start = url.indexOf('?');
  if (start === -1) return;
  for (const part of url.slice(start + 1).split('&')) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      throw new AppError('invalid_url', { reason: 'the query string is not valid percent-encoded UTF-8' });
    }
  }
}

/** A body sent to an endpoint that defines none: nothing, or an empty object. */
export function refuseUnexpectedBody(body: unknown): void {
  if (body === undefined) return;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const [first] = Object.keys(body);
    if (first === undefined) return;
    throw new AppError('unknown_parameter', { param: first, kind: 'field', hint: 'this endpoint takes no body' });
  }
  throw new AppError('invalid_parameter_type', { param: 'body', reason: 'this endpoint takes no body; send none or {}' });
}

/**
 * Refuses, with 422 naming the field, a string or object key anywhere in the input that carries a control
 * character or a lone surrogate. Iterative, so its cost does not depend on how deeply the input nests.
 */
export function refuseInvalidText(input: unknown, where: InputPlace): void {
  const pending: Array<{ value: unknown; path: PropertyKey[] }> = [{ value: input, path: [] }];
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem !== undefined) throw new AppError('invalid_parameter_value', { param: paramName(path, where), reason: problem });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, path: [...path, index] }));
    } else if (value !== null && typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) {
        const problem = textProblem(name);
        if (problem !== undefined) throw new AppError('invalid_parameter_value', { param: paramName(path, where), reason: `a field name ${problem}` });
        pending.push({ value: item, path: [...path, name] });
      }
    }
  }
}

/** How deeply a parsed JSON value nests (a scalar is 0), counted without recursion; stops past `limit`. */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (current.value === null || typeof current.value !== 'object') continue;
    const depth = current.depth + 1;
    if (depth > limit) return true;
    for (const item of Object.values(current.value)) if (item !== null && typeof item === 'object') pending.push({ value: item, depth });
  }
  return false;
}

// zod 4 keeps a schema's kind and parts in `_zod.def`; the shapes read here are the ones request schemas use.
interface SchemaDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  valueType?: z.ZodType;
  items?: readonly z.ZodType[];
  getter?: () => z.ZodType;
}

/** Kinds that wrap one inner schema (`innerType`) without changing which fields an object has. */
const wrapperTypes = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function definitionOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;
}

/**
 * Throws at start-up when a request schema would accept a field it does not define: every object in a body, query or
 * params schema must be strict (`z.strictObject`), so an unknown field is an error on every route, present and future.
 */
export function assertStrictInput(schema: z.ZodType, label: string): void {
  const seen = new Set<z.ZodType>();
  const pending: Array<{ schema: z.ZodType; path: string }> = [{ schema, path: label }];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (seen.has(current.schema)) continue;
    seen.add(current.schema);
    const definition = definitionOf(current.schema);
    const push = (child: z.ZodType | undefined, suffix = '') => {
      if (child !== undefined) pending.push({ schema: child, path: `${current.path}${suffix}` });
    };
    if (wrapperTypes.has(definition.type)) {
      push(definition.innerType);
      continue;
    }
    switch (definition.type) {
      case 'object':
        if (definition.catchall === undefined || definitionOf(definition.catchall).type !== 'never') {
          throw new Error(`${current.path}: request objects must be z.strictObject so that unknown fields are refused`);
        }
        for (const [name, child] of Object.entries(definition.shape ?? {})) push(child, `.${name}`);
        break;
      case 'pipe':
        push(definition.in);
        break;
      case 'array':
        push(definition.element, '[]');
        break;
      case 'union':
        for (const option of definition.options ?? []) push(option);
        break;
      case 'intersection':
        push(definition.left);
        push(definition.right);
        break;
      case 'record':
        push(definition.valueType, '.*');
        break;
      case 'tuple':
        for (const item of definition.items ?? []) push(item, '[]');
        break;
      case 'lazy':
        push(definition.getter?.());
        break;
      default:
        break;
    }
  }
}

/**
 * The top-level fields of a parsed body that the request set: present, and not merely the default its schema fills in
 * for an absent field, so a rule about who may set a field is not tripped by a default.
 */
export function fieldsSetIn(schema: z.ZodObject, body: Record<string, unknown>): string[] {
  return Object.entries(body)
    .filter(([field, value]) => {
      if (value === undefined) return false;
      const absent = schema.shape[field]?.safeParse(undefined);
      return !(absent?.success === true && isDeepStrictEqual(absent.data, value));
    })
    .map(([field]) => field);
}
