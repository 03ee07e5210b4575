// SPEC §3 strict input, through HTTP: an unknown field is an error (never silently dropped), text that no store can
// keep is refused with 422 on both stores, a null body is a wrong type, nesting is bounded, errors of the HTTP layer
// itself come in the envelope with a Request-Id, and validation messages name the real limits.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { canonicalJson, requestFingerprint } from '../../src/http/idempotency.js';
import { assertError, startTestApp, type TestApp, type TestResponse } from '../helpers/app.js';
import { fundedCardholder, issueCard, type Cardholder } from '../network/arrange.js';
import { storeKinds } from '../helpers/stores.js';

const unknownParameter = (param: string) => ({ status: 422, type: 'validation_error', code: 'unknown_parameter', param });
const invalidValue = (param: string) => ({ status: 422, type: 'validation_error', code: 'invalid_parameter_value', param });

async function cardCount(testApp: TestApp): Promise<number> {
  const row = await testApp.store.db.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM cards');
  return Number(row?.count);
}

for (const kind of storeKinds) {
  describe(`strict input (${kind})`, () => {
    let testApp: TestApp;
    let holder: Cardholder;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let card: any;
    before(async () => {
      testApp = await startTestApp({ store: kind });
      holder = await fundedCardholder(testApp, 100_000);
      card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000, limits: { perDay: 5_000 } });
    });
    after(async () => {
      await testApp?.close();
    });

    it('a misspelt limit creates no card: 422 unknown_parameter naming it and the field it probably meant', async () => {
      const cards = await cardCount(testApp);
      const balance = (await testApp.request('GET', `/v1/balances/${holder.userId}`)).json;
      const misspelt = await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'shoes', maxAmount: 100, limts: { perDay: 50 } } });
      assertError(misspelt, unknownParameter('limts'));
      assert.match(misspelt.json.error.message, /did you mean limits\?/);
      assertError(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'shoes', maxAmount: 100, limits: { perDya: 50 } } }), unknownParameter('limits.perDya'));
      assert.equal(await cardCount(testApp), cards);
      assert.deepEqual((await testApp.request('GET', `/v1/balances/${holder.userId}`)).json, balance);
    });

    it('agent registration and card updates refuse unknown fields and change nothing', async () => {
      const registered = await testApp.request('POST', '/v1/agents/register', { body: { userId: holder.userId, name: 'bot', spendinglimit: 5_000 } });
      assertError(registered, unknownParameter('spendinglimit'));
      assert.match(registered.json.error.message, /did you mean spendingLimit\?/);
      const agents = await testApp.request('GET', `/v1/agents?userId=${holder.userId}`);
      assert.equal(agents.json.data.length, 1);

      assertError(await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { limit: { perDay: 10 } } }), unknownParameter('limit'));
      assertError(await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { limits: { perDay: 10, perWeek: 10 } } }), unknownParameter('limits.perWeek'));
      const after = await testApp.request('GET', `/v1/cards/${card.id}`);
      assert.deepEqual(after.json.limits, { perAuth: null, perDay: 5_000, perMonth: null });
    });

    it('unknown query parameters are refused on lists and reads', async () => {
      assertError(await testApp.request('GET', '/v1/cards?stauts=active'), { ...unknownParameter('stauts'), status: 422 });
      assertError(await testApp.request('GET', `/v1/cards/${card.id}?expand=agent`), unknownParameter('expand'));
      assert.equal((await testApp.request('GET', '/v1/cards?status=active')).statusCode, 200);
    });

    it('refuses NUL in a path id, a body string and a query value with 422 naming where', async () => {
      assertError(await testApp.request('GET', '/v1/cards/card_%00x'), invalidValue('id'));
      assertError(await testApp.request('GET', `/v1/cards?agentId=${holder.agentId}%00`), invalidValue('agentId'));
      const before = await cardCount(testApp);
      assertError(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'shoes\u0000', maxAmount: 100 } }), invalidValue('purpose'));
      assertError(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'shoes', maxAmount: 100, metadata: { 'k\u0000': 'v' } } }), invalidValue('metadata'));
      assertError(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'shoes', maxAmount: 100, metadata: { note: 'a\u001bb' } } }), invalidValue('metadata.note'));
      assertError(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'shoes \ud800', maxAmount: 100 } }), invalidValue('purpose'));
      assert.equal(await cardCount(testApp), before);
      // Tabs and line breaks are text, not control input.
      const multiline = await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'shoes\n\tand socks', maxAmount: 100 } });
      assert.equal(multiline.statusCode, 200, multiline.body);
    });

    it('a JSON null body is a wrong type (400), never taken as {}', async () => {
      const keys = (await testApp.request('GET', '/v1/api-keys?limit=100')).json.data.length;
      const asNull = await testApp.request('POST', '/v1/api-keys', { rawBody: 'null', headers: { 'content-type': 'application/json' } });
      assertError(asNull, { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'body' });
      assert.equal((await testApp.request('GET', '/v1/api-keys?limit=100')).json.data.length, keys);
      // An endpoint that defines no body: nothing or {} is fine; null, other JSON or fields are refused.
      const freeze = (rawBody?: string) => testApp.request('POST', `/v1/cards/${card.id}/freeze`, rawBody === undefined ? {} : { rawBody, headers: { 'content-type': 'application/json' } });
      assertError(await freeze('null'), { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'body' });
      assertError(await freeze('{"reason":"fraud"}'), unknownParameter('reason'));
      assert.equal((await testApp.request('GET', `/v1/cards/${card.id}`)).json.status, 'active');
      assert.equal((await freeze('{}')).statusCode, 200);
      assert.equal((await testApp.request('POST', `/v1/cards/${card.id}/unfreeze`)).statusCode, 200);
    });

    it('the hosted verification page refuses NUL in its token and its form without touching the user', async () => {
      const user = await testApp.request('POST', '/v1/users', { body: { firstName: 'Nul', lastName: 'Tester', email: 'nul@example.com' } });
      const link = await testApp.request('POST', '/v1/verification/user', { body: { userId: user.json.id } });
      assert.equal(link.statusCode, 200, link.body);
      const path = new URL(link.json.verificationUrl).pathname;
      assert.equal((await testApp.server.inject({ method: 'GET', url: `${path}%00` })).statusCode, 404);
      assert.equal((await testApp.server.inject({ method: 'POST', url: `${path}%00`, payload: 'firstName=A', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode, 404);
      const form = new URLSearchParams({ firstName: 'Ja\u0000ne', lastName: 'Doe', dateOfBirth: '1990-01-31', addressLine1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' });
      const submitted = await testApp.server.inject({ method: 'POST', url: path, payload: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(submitted.statusCode, 422, submitted.body);
      assert.match(submitted.body, /control characters/);
      const after = await testApp.request('GET', `/v1/users/${user.json.id}`);
      assert.equal(after.json.firstName, 'Nul');
      assert.equal(after.json.applicationStatus, user.json.applicationStatus);
    });

    it('a deeply nested body with an Idempotency-Key is 400 invalid_json and claims no key', async () => {
      const nested = `{"purpose":"x","maxAmount":100,"metadata":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`;
      const headers = { 'content-type': 'application/json', 'idempotency-key': `deep-${kind}` };
      const refused = await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { rawBody: nested, headers });
      assertError(refused, { status: 400, type: 'invalid_request_error', code: 'invalid_json' });
      assert.match(refused.json.error.message, /deeper than 32 levels/);
      const retried = await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'x', maxAmount: 100 }, headers: { 'idempotency-key': `deep-${kind}` } });
      assert.equal(retried.statusCode, 200, retried.body);
      assert.equal(retried.headers['idempotent-replayed'], undefined);
    });
  });
}

describe('request fingerprint', () => {
  it('does not depend on recursion depth, and sorts keys', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) deep = { a: deep };
    assert.match(requestFingerprint('POST', '/v1/x', deep), /^[0-9a-f]{64}$/);
    assert.equal(canonicalJson({ b: [1, { d: null, c: 'x' }], a: {} }), '{"a":{},"b":[1,{"c":"x","d":null}]}');
    assert.equal(requestFingerprint('POST', '/v1/x', { a: 1, b: 2 }), requestFingerprint('POST', '/v1/x', { b: 2, a: 1 }));
  });
});

describe('validation messages name the real limits', () => {
  let testApp: TestApp;
  let holder: Cardholder;
  before(async () => {
    testApp = await startTestApp();
    holder = await fundedCardholder(testApp, 100_000);
  });
  after(async () => {
    await testApp?.close();
  });

  it('maxAmount: 1e308 names the card maximum, not 2^53', async () => {
    const response = await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'x', maxAmount: 1e308 } });
    assertError(response, invalidValue('maxAmount'));
    assert.match(response.json.error.message, /100000000000/);
    assert.doesNotMatch(response.json.error.message, /9007199254740991/);
  });

  it('?limit=abc says what a limit is, not "NaN"', async () => {
    const response = await testApp.request('GET', '/v1/cards?limit=abc');
    assertError(response, { status: 400, type: 'invalid_request_error', code: 'invalid_parameter_type', param: 'limit' });
    assert.doesNotMatch(response.json.error.message, /NaN/);
    assert.match(response.json.error.message, /whole number from 1 to 100/);
  });

  it('a bad cursor is refused before the list runs', async () => {
    assertError(await testApp.request('GET', '/v1/events?cursor=garbage'), { status: 400, type: 'invalid_request_error', code: 'invalid_cursor', param: 'cursor' });
  });

  it('an Idempotency-Key with spaces is accepted and replays', async () => {
    const headers = { 'idempotency-key': 'order 1234 attempt 1' };
    const first = await testApp.request('POST', '/v1/api-keys', { body: { name: 'spaced' }, headers });
    assert.equal(first.statusCode, 200, first.body);
    const replay = await testApp.request('POST', '/v1/api-keys', { body: { name: 'spaced' }, headers });
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json.id, first.json.id);
    assertError(await testApp.request('POST', '/v1/api-keys', { body: { name: 'x' }, headers: { 'idempotency-key': 'ключ' } }), {
      status: 400,
      type: 'invalid_request_error',
      code: 'invalid_idempotency_key',
    });
  });
});

/** Raw bytes to a listening server; the whole answer, read until the server closes or the time runs out. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    }, 5_000);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** The HTTP responses in a raw answer, each parsed into status, headers and JSON body. */
function parseResponses(raw: string): TestResponse[] {
  const responses: TestResponse[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
    const length = Number(headers['content-length']);
    const body = Buffer.from(rest.slice(headEnd + 4), 'utf8').subarray(0, length).toString('utf8');
    responses.push({ statusCode: Number(statusLine!.split(' ')[1]), headers, body, json: JSON.parse(body) });
    rest = Buffer.from(rest.slice(headEnd + 4), 'utf8').subarray(length).toString('utf8');
  }
  return responses;
}

describe('errors of the HTTP layer come in the envelope with a Request-Id (real socket)', () => {
  let testApp: TestApp;
  let port: number;
  before(async () => {
    testApp = await startTestApp();
    await testApp.server.listen({ port: 0, host: '127.0.0.1' });
    port = (testApp.server.server.address() as { port: number }).port;
  });
  after(async () => {
    await testApp?.close();
  });

  const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nApi-Key: ${testApp.sandboxKey}\r\nConnection: close\r\n${extra}\r\n`;

  it('a path parameter longer than any id: 414 url_too_long', async () => {
    const [response] = parseResponses(await rawExchange(port, get(`/v1/cards/${'x'.repeat(600)}`)));
    assertError(response!, { status: 414, type: 'invalid_request_error', code: 'url_too_long' });
  });

  it('bad percent-encoding in the path or the query: 400 invalid_url', async () => {
    const [inPath] = parseResponses(await rawExchange(port, get('/v1/cards/card_%E0%A4%A')));
    assertError(inPath!, { status: 400, type: 'invalid_request_error', code: 'invalid_url' });
    const [inQuery] = parseResponses(await rawExchange(port, get('/v1/cards?agentId=%FF')));
    assertError(inQuery!, { status: 400, type: 'invalid_request_error', code: 'invalid_url' });
  });

  it('a URL over 16 KB: 431 headers_too_large', async () => {
    const [response] = parseResponses(await rawExchange(port, get(`/v1/cards?agentId=${'a'.repeat(20_000)}`)));
    assertError(response!, { status: 431, type: 'invalid_request_error', code: 'headers_too_large' });
  });

  it('a Content-Length that is not a number, broken chunking, both framings, or garbage: 400 malformed_request', async () => {
    const post = (headers: string, body: string) => `POST /v1/api-keys HTTP/1.1\r\nHost: 127.0.0.1\r\nApi-Key: ${testApp.sandboxKey}\r\nContent-Type: application/json\r\n${headers}\r\n${body}`;
    const cases = [
      post('Content-Length: ten\r\n', '{"name":"x"}'),
      post('Transfer-Encoding: chunked\r\n', 'zz\r\n{"name":"x"}\r\n0\r\n\r\n'),
      post('Content-Length: 12\r\nTransfer-Encoding: chunked\r\n', 'c\r\n{"name":"x"}\r\n0\r\n\r\n'),
      'this is not HTTP at all\r\n\r\n',
    ];
    for (const bytes of cases) {
      const responses = parseResponses(await rawExchange(port, bytes));
      assert.equal(responses.length, 1, bytes);
      assertError(responses[0]!, { status: 400, type: 'invalid_request_error', code: 'malformed_request' });
    }
    const keys = (await testApp.request('GET', '/v1/api-keys?limit=100')).json.data as Array<{ name: string | null }>;
    assert.ok(!keys.some((key) => key.name === 'x'), 'no malformed request created a key');
  });

  it('a Content-Length shorter than the body: the rest of the bytes is refused as no request, in the envelope', async () => {
    const bytes = `POST /v1/api-keys HTTP/1.1\r\nHost: 127.0.0.1\r\nApi-Key: ${testApp.sandboxKey}\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"name":"cut"}`;
    const raw = await rawExchange(port, bytes);
    const responses = parseResponses(raw);
    // Node reads the pipelined rest at once: the connection closes with malformed_request, possibly before the cut
    // request's own answer (400 invalid_json) is written.
    assert.ok(responses.length >= 1, raw);
    for (const response of responses.slice(0, -1)) assertError(response, { status: 400, type: 'invalid_request_error', code: 'invalid_json' });
    assertError(responses.at(-1)!, { status: 400, type: 'invalid_request_error', code: 'malformed_request' });
  });
});
