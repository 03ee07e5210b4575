// Bad requests generated from the OpenAPI document (SPEC §10): for every operation, the ways a caller gets input
// wrong — wrong JSON types, missing and unknown fields, NUL and other control characters, lone surrogates, values out
// of range, null, non-object and non-JSON bodies, invalid UTF-8, deep nesting, oversized bodies, bad ids and cursors,
// bad percent-encoding and overlong path segments. Each case names the error it must get when one is certain.

/* eslint-disable @typescript-eslint/no-explicit-any */
export type JsonSchema = Record<string, any>;

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. `/v1/cards/{id}`. */
  path: string;
  operationId: string;
  pathParameters: Array<{ name: string; schema: JsonSchema }>;
  queryParameters: Array<{ name: string; schema: JsonSchema }>;
  body: JsonSchema | undefined;
  /** The body's media type: application/json, or multipart/form-data for a file upload. */
  bodyMediaType: 'application/json' | 'multipart/form-data';
}

export interface BadCase {
  label: string;
  /** Path with its parameters filled in, and the query string. */
  url: string;
  /** The body to send as given (a string is sent as raw bytes of UTF-8, a Buffer as is). */
  payload?: string | Buffer;
  /** Its Content-Type, when not application/json. */
  contentType?: string;
  /** When the answer is certain: the status and code it must carry. */
  expected?: { status: number; code: string };
}

export function operationsOf(document: JsonSchema): Operation[] {
  const operations: Operation[] = [];
  const resolve = (parameter: JsonSchema): JsonSchema => {
    if (typeof parameter.$ref !== 'string') return parameter;
    const name = parameter.$ref.split('/').pop()!;
    return document.components.parameters[name];
  };
  for (const [path, item] of Object.entries<JsonSchema>(document.paths)) {
    for (const [method, operation] of Object.entries<JsonSchema>(item)) {
      if (!['get', 'post', 'patch', 'delete', 'put'].includes(method)) continue;
      const parameters = ((operation.parameters ?? []) as JsonSchema[]).map(resolve);
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        pathParameters: parameters.filter((parameter) => parameter.in === 'path').map((parameter) => ({ name: parameter.name, schema: parameter.schema })),
        queryParameters: parameters.filter((parameter) => parameter.in === 'query').map((parameter) => ({ name: parameter.name, schema: parameter.schema })),
        body: operation.requestBody?.content?.['application/json']?.schema ?? operation.requestBody?.content?.['multipart/form-data']?.schema,
        bodyMediaType: operation.requestBody?.content?.['multipart/form-data'] === undefined ? 'application/json' : 'multipart/form-data',
      });
    }
  }
  return operations;
}

/** Values for string patterns the API uses; a pattern not listed here fails the test so that it gets one. */
const patternExamples: Record<string, string> = {
  '^[A-Z]{2}$': 'US',
  '^\\d{4}-\\d{2}-\\d{2}$': '1990-01-31',
  '^[A-Za-z0-9._-]+$': 'name-1',
  '^[0-9]{1,78}$': '1000000',
  '^[A-Za-z0-9]{8,128}$': 'abcdefgh12345678',
  '^\\d{12,19}$': '4111111111111111',
  '^\\d{3,4}$': '123',
  '^\\d{1,2}$': '12',
  '^\\d{4}$': '5734',
  '^\\d{6}$': '123456',
  '^([01]\\d|2[0-3]):[0-5]\\d$': '09:30',
};

function nonNull(schema: JsonSchema): JsonSchema {
  const options = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (options !== undefined) return nonNull(options.find((option) => option.type !== 'null') ?? options[0]!);
  if (Array.isArray(schema.type)) return { ...schema, type: schema.type.find((type: string) => type !== 'null') };
  return schema;
}

/** A plausible value of the schema; `named` supplies the ids of real resources by field name. */
export function exampleOf(schema: JsonSchema, field: string, named: Record<string, unknown>): unknown {
  if (field in named) return named[field];
  const plain = nonNull(schema);
  if (plain.const !== undefined) return plain.const;
  if (Array.isArray(plain.enum)) return plain.enum[0];
  switch (plain.type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const name of (plain.required ?? []) as string[]) value[name] = exampleOf(plain.properties?.[name] ?? {}, name, named);
      return value;
    }
    case 'array':
      return plain.minItems > 0 ? [exampleOf(plain.items ?? {}, field, named)] : [];
    case 'integer':
    case 'number':
      return Math.max(1, plain.minimum ?? 1);
    case 'boolean':
      return true;
    case 'string': {
      if (plain.format === 'email') return 'someone@example.com';
      if (plain.format === 'date-time') return '2030-01-01T00:00:00.000Z';
      if (plain.format === 'uri' || field === 'url') return 'https://example.com/hooks';
      if (typeof plain.pattern === 'string') {
        const example = patternExamples[plain.pattern];
        if (example === undefined && plain.pattern.includes('@')) return 'someone@example.com';
        if (example === undefined && plain.pattern.includes('T(?:')) return '2030-01-01T00:00:00.000Z';
        if (example === undefined) throw new Error(`${field}: no example for the pattern ${plain.pattern}; add one to patternExamples`);
        return example;
      }
      return 'x'.repeat(Math.max(1, plain.minLength ?? 1));
    }
    default:
      return 'x';
  }
}

/** Values of the wrong JSON type for a schema (for a union of types, only values none of them accepts). */
function wrongTypes(schema: JsonSchema): unknown[] {
  const options = ((schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined) ?? [schema];
  const types = new Set<string>();
  for (const option of options) for (const type of [option.type].flat()) if (typeof type === 'string') types.add(type);
  if (types.size === 0) return [];
  const candidates: Array<[string[], unknown]> = [
    [['string'], 12345],
    [['integer', 'number'], 'not a number'],
    [['boolean'], 'yes'],
    [['object'], ['an', 'array']],
    [['array'], { not: 'an array' }],
    [['string', 'integer', 'number', 'boolean'], { nested: 'object' }],
  ];
  return candidates.filter(([accepted]) => accepted.some((type) => types.has(type))).map(([, value]) => value).slice(0, 2);
}

/** Values of the right type that break a constraint of the schema. */
function outOfRange(schema: JsonSchema): unknown[] {
  const plain = nonNull(schema);
  const values: unknown[] = [];
  if (plain.type === 'string') {
    if (Array.isArray(plain.enum)) values.push('not-one-of-the-values');
    if (typeof plain.maxLength === 'number') values.push('y'.repeat(plain.maxLength + 1));
    if ((plain.minLength ?? 0) > 0) values.push('');
    if (typeof plain.pattern === 'string' || plain.format !== undefined) values.push('@@ not the format @@');
  }
  if (plain.type === 'integer' || plain.type === 'number') {
    if (typeof plain.maximum === 'number') values.push(1e308);
    if (typeof plain.minimum === 'number' && plain.minimum > -1e15) values.push(plain.minimum - 1);
    if (plain.type === 'integer') values.push(1.5);
  }
  return values;
}

interface Field {
  /** Path from the body's root to the field. */
  path: string[];
  schema: JsonSchema;
  required: boolean;
}

/** The body's fields, top level and one object level below it. */
function fieldsOf(body: JsonSchema): Field[] {
  const fields: Field[] = [];
  const visit = (schema: JsonSchema, path: string[], depth: number) => {
    const plain = nonNull(schema);
    if (plain.type !== 'object' || plain.properties === undefined) return;
    const required = new Set<string>(plain.required ?? []);
    for (const [name, child] of Object.entries<JsonSchema>(plain.properties)) {
      fields.push({ path: [...path, name], schema: child, required: required.has(name) });
      if (depth < 1) visit(child, [...path, name], depth + 1);
    }
  };
  visit(body, [], 0);
  return fields;
}

function withValue(base: unknown, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(base) as Record<string, unknown>;
  let target: Record<string, unknown> = copy;
  for (const segment of path.slice(0, -1)) {
    if (target[segment] === null || typeof target[segment] !== 'object' || Array.isArray(target[segment])) target[segment] = {};
    target = target[segment] as Record<string, unknown>;
  }
  if (value === undefined) delete target[path[path.length - 1]!];
  else target[path[path.length - 1]!] = value;
  return copy;
}

function nestedJson(depth: number): string {
  return `${'{"metadata":'.repeat(depth)}{}${'}'.repeat(depth)}`;
}

export interface CaseOptions {
  /** A real resource id for each path parameter, so that a body the pipeline wrongly accepted would act. */
  pathValues: Record<string, string>;
  /** Real ids for body fields that name a resource. */
  namedValues: Record<string, unknown>;
  bodyLimitBytes: number;
}

export function badCasesFor(operation: Operation, options: CaseOptions): BadCase[] {
  const cases: BadCase[] = [];
  const fill = (overrides: Record<string, string> = {}) =>
    operation.path.replace(/\{(\w+)\}/g, (_whole, name: string) => overrides[name] ?? encodeURIComponent(options.pathValues[name] ?? 'missing_fixture'));
  const url = fill();
  const withQuery = (query: string) => `${url}?${query}`;

  // Query parameters: unknown, wrong type, out of range, control characters, repeated.
  cases.push({ label: 'unknown query parameter', url: withQuery('bogusParameter=1'), expected: { status: 422, code: 'unknown_parameter' } });
  for (const parameter of operation.queryParameters) {
    const { name, schema } = parameter;
    const plain = nonNull(schema);
    cases.push({ label: `query ${name} with NUL`, url: withQuery(`${name}=a%00b`), expected: { status: 422, code: 'invalid_parameter_value' } });
    cases.push({ label: `query ${name} with a control character`, url: withQuery(`${name}=a%1Bb`), expected: { status: 422, code: 'invalid_parameter_value' } });
    cases.push({ label: `query ${name} with invalid UTF-8`, url: withQuery(`${name}=%FF%FE`) });
    cases.push({ label: `query ${name} repeated`, url: withQuery(`${name}=1&${name}=2`) });
    if (plain.type === 'integer') {
      cases.push({ label: `query ${name} not a number`, url: withQuery(`${name}=abc`), expected: { status: 400, code: 'invalid_parameter_type' } });
      cases.push({ label: `query ${name} out of range`, url: withQuery(`${name}=1000000000000`), expected: { status: 422, code: 'invalid_parameter_value' } });
    }
    if (Array.isArray(plain.enum)) cases.push({ label: `query ${name} not in the enum`, url: withQuery(`${name}=not-a-value`), expected: { status: 422, code: 'invalid_parameter_value' } });
    if (name === 'cursor') {
      cases.push({ label: 'cursor not base64 JSON', url: withQuery('cursor=garbage'), expected: { status: 400, code: 'invalid_cursor' } });
      cases.push({ label: 'cursor of another shape', url: withQuery(`cursor=${Buffer.from('{"before":1}').toString('base64url')}`), expected: { status: 400, code: 'invalid_cursor' } });
    }
    if (typeof plain.maxLength === 'number') cases.push({ label: `query ${name} too long`, url: withQuery(`${name}=${'q'.repeat(plain.maxLength + 1)}`), expected: { status: 422, code: 'invalid_parameter_value' } });
  }

  // Path parameters: NUL, control characters, bad percent-encoding, invalid UTF-8, too long, unknown.
  for (const { name } of operation.pathParameters) {
    const replaced = (value: string) => operation.path.replace(/\{(\w+)\}/g, (_whole, other: string) => (other === name ? value : encodeURIComponent(options.pathValues[other] ?? 'missing_fixture')));
    cases.push({ label: `path ${name} with NUL`, url: replaced('card_%00'), expected: { status: 422, code: 'invalid_parameter_value' } });
    cases.push({ label: `path ${name} with a control character`, url: replaced('card_%07x'), expected: { status: 422, code: 'invalid_parameter_value' } });
    cases.push({ label: `path ${name} with bad percent-encoding`, url: replaced('card_%E0%A4%A'), expected: { status: 400, code: 'invalid_url' } });
    cases.push({ label: `path ${name} with invalid UTF-8`, url: replaced('card_%FF') });
    cases.push({ label: `path ${name} longer than any id`, url: replaced('x'.repeat(80)) });
    cases.push({ label: `path ${name} overlong`, url: replaced('x'.repeat(2_000)), expected: { status: 414, code: 'url_too_long' } });
    cases.push({ label: `path ${name} well-formed but unknown`, url: replaced('zzz_01aaaaaaaaaaaaaaaaaaaaaaaa') });
    cases.push({ label: `path ${name} of another kind of resource`, url: replaced(encodeURIComponent(options.pathValues.__foreign ?? 'key_01aaaaaaaaaaaaaaaaaaaaaaaa')) });
  }

  if (operation.method === 'GET') return cases;
  if (operation.bodyMediaType === 'multipart/form-data') return [...cases, ...multipartCases(operation, url, options)];

  // Bodies of the wrong shape, whatever the operation defines.
  const json = { status: 400, code: 'invalid_parameter_type' };
  cases.push({ label: 'null body', url, payload: 'null', expected: json });
  cases.push({ label: 'array body', url, payload: '[1,2]', expected: json });
  cases.push({ label: 'string body', url, payload: '"text"', expected: json });
  cases.push({ label: 'number body', url, payload: '42', expected: json });
  cases.push({ label: 'not JSON', url, payload: '{"unterminated": ', expected: { status: 400, code: 'invalid_json' } });
  cases.push({ label: 'invalid UTF-8', url, payload: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), expected: { status: 400, code: 'invalid_json' } });
  cases.push({ label: 'nested 5,000 deep', url, payload: nestedJson(5_000), expected: { status: 400, code: 'invalid_json' } });
  cases.push({ label: 'nested 40 deep', url, payload: nestedJson(40), expected: { status: 400, code: 'invalid_json' } });
  cases.push({ label: 'larger than the body limit', url, payload: `{"metadata":{"note":"${'z'.repeat(options.bodyLimitBytes + 10)}"}}`, expected: { status: 413, code: 'payload_too_large' } });

  const base = operation.body === undefined ? {} : (exampleOf(operation.body, 'body', options.namedValues) as Record<string, unknown>);
  const send = (label: string, body: unknown, expected?: { status: number; code: string }) => cases.push({ label, url, payload: JSON.stringify(body), ...(expected === undefined ? {} : { expected }) });
  send('unknown field', { ...base, bogusField: 1 }, { status: 422, code: 'unknown_parameter' });
  send('unknown field with a NUL name', { ...base, 'bo\u0000gus': 1 }, { status: 422, code: 'invalid_parameter_value' });
  if (operation.body === undefined) return cases;

  for (const field of fieldsOf(operation.body)) {
    const where = field.path.join('.');
    const plain = nonNull(field.schema);
    if (field.required) send(`${where} missing`, withValue(base, field.path, undefined));
    for (const value of wrongTypes(field.schema)) send(`${where} of the wrong type (${JSON.stringify(value)})`, withValue(base, field.path, value));
    for (const value of outOfRange(field.schema)) send(`${where} out of range (${JSON.stringify(value).slice(0, 30)})`, withValue(base, field.path, value));
    if (plain.type === 'string') {
      const text = String(exampleOf(field.schema, field.path.at(-1)!, options.namedValues));
      send(`${where} with NUL`, withValue(base, field.path, `${text.slice(0, 1)}\u0000${text.slice(1)}`), { status: 422, code: 'invalid_parameter_value' });
      send(`${where} with a control character`, withValue(base, field.path, `${text}\u0008`), { status: 422, code: 'invalid_parameter_value' });
      send(`${where} with a lone surrogate`, withValue(base, field.path, `${text}\ud800`), { status: 422, code: 'invalid_parameter_value' });
    }
    if (plain.type === 'object' && plain.additionalProperties === false && field.path.length === 1) send(`${where} with an unknown field`, withValue(base, [...field.path, 'bogusNested'], 1), { status: 422, code: 'unknown_parameter' });
    if (plain.type === 'object' && plain.additionalProperties !== undefined && plain.additionalProperties !== false) {
      send(`${where} with a NUL key`, withValue(base, [...field.path, 'k\u0000'], 'v'), { status: 422, code: 'invalid_parameter_value' });
    }
  }
  return cases;
}

const boundary = 'cardrail-bad-input-boundary';
const multipartContentType = `multipart/form-data; boundary=${boundary}`;

interface FormPart {
  name: string;
  value: string;
  /** Present for a file part. */
  fileName?: string;
  type?: string;
}

/** A multipart/form-data body written out by hand, so that a case can hold what no HTTP client would build. */
function multipartPayload(parts: readonly FormPart[]): string {
  const encoded = parts.map((part) => {
    const disposition = `Content-Disposition: form-data; name="${part.name}"${part.fileName === undefined ? '' : `; filename="${part.fileName}"`}`;
    const type = part.fileName === undefined ? '' : `\r\nContent-Type: ${part.type ?? 'application/pdf'}`;
    return `--${boundary}\r\n${disposition}${type}\r\n\r\n${part.value}\r\n`;
  });
  return `${encoded.join('')}--${boundary}--\r\n`;
}

/** A file upload's bad bodies: not multipart at all, broken framing, and each form field missing, unknown or wrong. */
function multipartCases(operation: Operation, url: string, options: CaseOptions): BadCase[] {
  const cases: BadCase[] = [];
  const unsupported = { status: 415, code: 'unsupported_media_type' };
  cases.push({ label: 'a JSON body', url, payload: '{}', expected: unsupported });
  cases.push({ label: 'a JSON null body', url, payload: 'null', expected: unsupported });
  cases.push({ label: 'a form-encoded body', url, payload: 'documentType=passport', contentType: 'application/x-www-form-urlencoded', expected: unsupported });
  const body = operation.body ?? {};
  const properties = Object.entries<JsonSchema>(body.properties ?? {});
  const required = new Set<string>(body.required ?? []);
  const validParts: FormPart[] = properties.map(([name, schema]) =>
    schema.format === 'binary' ? { name, value: '%PDF-1.7 bad input', fileName: 'document.pdf' } : { name, value: String(exampleOf(schema, name, options.namedValues)) },
  );
  const send = (label: string, parts: readonly FormPart[], expected?: { status: number; code: string }) =>
    cases.push({ label, url, payload: multipartPayload(parts), contentType: multipartContentType, ...(expected === undefined ? {} : { expected }) });
  cases.push({ label: 'multipart with another boundary', url, payload: multipartPayload(validParts), contentType: 'multipart/form-data; boundary=another', expected: { status: 400, code: 'invalid_form_data' } });
  cases.push({ label: 'multipart without a boundary', url, payload: multipartPayload(validParts), contentType: 'multipart/form-data', expected: { status: 400, code: 'invalid_form_data' } });
  cases.push({ label: 'multipart cut short', url, payload: multipartPayload(validParts).slice(0, 60), contentType: multipartContentType, expected: { status: 400, code: 'invalid_form_data' } });
  send('unknown form field', [...validParts, { name: 'bogusField', value: '1' }], { status: 422, code: 'unknown_parameter' });
  send('unknown file field', [...validParts, { name: 'bogusFile', value: 'x', fileName: 'x.pdf' }], { status: 422, code: 'unknown_parameter' });
  for (const [name, schema] of properties) {
    const others = validParts.filter((part) => part.name !== name);
    if (required.has(name)) send(`${name} missing`, others, { status: 400, code: 'missing_parameter' });
    if (schema.format === 'binary') {
      send(`${name} as a text field`, [...others, { name, value: 'not a file' }], { status: 422, code: 'invalid_parameter_value' });
      send(`${name} empty`, [...others, { name, value: '', fileName: 'document.pdf' }], { status: 422, code: 'invalid_parameter_value' });
      send(`${name} of an unsupported type`, [...others, { name, value: 'text', fileName: 'document.txt', type: 'text/plain' }], { status: 422, code: 'invalid_parameter_value' });
      send(`${name} with a control character in its name`, [...others, { name, value: '%PDF', fileName: 'doc\u0007.pdf' }], { status: 422, code: 'invalid_parameter_value' });
    } else {
      send(`${name} with NUL`, [...others, { name, value: 'pass\u0000port' }], { status: 422, code: 'invalid_parameter_value' });
      if (Array.isArray(schema.enum)) send(`${name} not in the enum`, [...others, { name, value: 'not-one-of-the-values' }], { status: 422, code: 'invalid_parameter_value' });
      send(`${name} given twice`, [...validParts, { name, value: String(exampleOf(schema, name, options.namedValues)) }]);
      send(`${name} as a file`, [...others, { name, value: 'passport', fileName: 'type.txt', type: 'text/plain' }]);
    }
  }
  return cases;
}
