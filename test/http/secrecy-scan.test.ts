// SPEC §4 Cards ("Neither [PAN nor CVV] ever appears in a log, a webhook, an error or a list response") and §10
// ("PAN/CVV absent from logs, webhooks, error bodies and the database file in plaintext"): a whole session of card
// work — issuing, intents, details (also replayed and rate limited), lists, gets, errors, freeze and close, expiry —
// then a scan of everything it left behind: every response except the successful /details ones, every log line,
// the raw bytes of the SQLite file and its WAL, and every text value of every table. The scanner looks for the
// numbers the session was shown and for any Luhn-valid 16-digit run in the test BIN, and for a CVV next to its key.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { decryptPan, deriveCvv } from '../../src/modules/cards/vault.js';
import type { Scope } from '../../src/domain/scope.js';
import { testSecrets } from '../../src/secrets.js';
import { startTestApp, type RequestOptions, type TestApp, type TestResponse } from '../helpers/app.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';
import { SecretScanner, testBin, type KnownCard } from '../helpers/secret-scanner.js';

describe('secrecy scan: no PAN or CVV outside POST /v1/cards/{id}/details (sqlite file, WAL, rows, responses, logs)', () => {
  let testApp: TestApp;
  /** Every response of the session but the successful /details ones, with what was asked. */
  const scanned: Array<{ label: string; response: TestResponse }> = [];
  /** The successful /details responses: the one place card data may appear. */
  const detailsResponses: TestResponse[] = [];
  let cards: KnownCard[] = [];
  let agentId: string;
  let agentToken: string;
  let siblingToken: string;
  const cardIds: string[] = [];

  async function call(method: string, url: string, options: RequestOptions = {}): Promise<TestResponse> {
    const response = await testApp.request(method, url, options);
    if (/\/details$/.test(url) && response.statusCode === 200) detailsResponses.push(response);
    else scanned.push({ label: `${method} ${url} → ${response.statusCode}`, response });
    return response;
  }

  async function ok(method: string, url: string, options: RequestOptions = {}): Promise<any> {
    const response = await call(method, url, options);
    assert.equal(response.statusCode, 200, `${method} ${url}: ${response.body}`);
    return response.json;
  }

  async function expectError(status: number, code: string, method: string, url: string, options: RequestOptions = {}): Promise<void> {
    const response = await call(method, url, options);
    assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
    assert.equal(response.json.error.code, code);
  }

  before(async () => {
    testApp = await startTestApp({ store: 'sqlite' });
    assert.equal(testApp.store.kind, 'sqlite');
    const scope: Scope = { organizationId: testApp.organizationId, environment: 'sandbox' };
    const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
    await fundUser(testApp.store.db, scope, userId, 1_000_000, testApp.clock.nowMs());

    const agent = await ok('POST', '/v1/agents/register', { body: { userId, name: 'shopper', spendingLimit: 50_000 } });
    agentId = agent.id;
    agentToken = agent.token;
    const sibling = await ok('POST', '/v1/agents/register', { body: { userId, name: 'sibling' } });
    siblingToken = sibling.token;
    const siblingCard = await ok('POST', `/v1/agents/${sibling.id}/cards`, { body: { purpose: 'sibling card', type: 'multi', maxAmount: 1_000 } });

    // Several cards, one through an Idempotency-Key and its replay, one expiring with the sandbox clock.
    for (let index = 0; index < 5; index += 1) {
      const body = { purpose: `scan card ${index}`, type: index % 2 === 0 ? 'multi' : 'single', maxAmount: 2_000 + index, ...(index === 4 ? { expiresInMinutes: 90 } : {}) };
      const card = await ok('POST', `/v1/agents/${agentId}/cards`, { body, headers: { 'Idempotency-Key': `scan-card-${index}` } });
      cardIds.push(card.id);
    }
    const replayed = await call('POST', `/v1/agents/${agentId}/cards`, { body: { purpose: 'scan card 0', type: 'multi', maxAmount: 2_000 }, headers: { 'Idempotency-Key': 'scan-card-0' } });
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    const [first, second, third, fourth] = cardIds as [string, string, string, string, string];

    // Details need an intent: declared by the agent, read by the agent (with an Idempotency-Key, then replayed) and by the key.
    const intent = await ok('POST', `/v1/cards/${first}/intents`, { key: agentToken, body: { summary: 'a keyboard', amount: 1_500, merchantText: 'Amazon', intentId: 'order-1' } });
    const detailsBody = { summary: 'a keyboard', expectedAmount: 1_500, merchantText: 'Amazon', intentId: 'order-1' };
    await ok('POST', `/v1/cards/${first}/details`, { key: agentToken, body: detailsBody, headers: { 'Idempotency-Key': 'scan-details-1' } });
    const detailsReplay = await testApp.request('POST', `/v1/cards/${first}/details`, { key: agentToken, body: detailsBody, headers: { 'Idempotency-Key': 'scan-details-1' } });
    assert.equal(detailsReplay.headers['idempotent-replayed'], 'true');
    scanned.push({ label: 'replayed POST /details', response: detailsReplay });
    await ok('POST', `/v1/cards/${first}/details`, { body: { ...detailsBody, intentId: intent.id } });
    await ok('POST', `/v1/cards/${second}/intents`, { key: agentToken, body: { summary: 'a cable', amount: 900, merchantText: 'Best Buy' } });
    await ok('POST', `/v1/cards/${second}/details`, { key: agentToken, body: { summary: 'a cable', expectedAmount: 900, merchantText: 'Best Buy' } });

    // Errors around details: no intent, another agent's card, a bad body, too many reads, a closed card.
    await expectError(409, 'intent_required', 'POST', `/v1/cards/${third}/details`, { key: agentToken, body: { summary: 'x', expectedAmount: 100, merchantText: 'Amazon' } });
    await expectError(404, 'resource_not_found', 'POST', `/v1/cards/${first}/details`, { key: siblingToken, body: detailsBody });
    await expectError(404, 'resource_not_found', 'POST', `/v1/cards/${siblingCard.id}/details`, { key: agentToken, body: detailsBody });
    await expectError(400, 'invalid_parameter_type', 'POST', `/v1/cards/${first}/details`, { key: agentToken, body: { ...detailsBody, expectedAmount: '1500' } });
    await expectError(403, 'insufficient_permissions', 'GET', `/v1/cards`, { key: agentToken });
    let rateLimited: TestResponse | undefined;
    for (let attempt = 0; attempt < 12 && rateLimited === undefined; attempt += 1) {
      const response = await call('POST', `/v1/cards/${second}/details`, { key: agentToken, body: { summary: 'a cable', expectedAmount: 900, merchantText: 'Best Buy' } });
      if (response.statusCode === 429) rateLimited = response;
      else assert.equal(response.statusCode, 200, response.body);
    }
    assert.equal(rateLimited?.json.error.code, 'details_rate_limited');

    // Lists, gets, changes.
    await ok('GET', '/v1/cards?limit=100');
    await ok('GET', `/v1/agents/${agentId}/cards`, { key: agentToken });
    await ok('GET', `/v1/agents/${agentId}/cards?status=active`);
    await ok('GET', `/v1/cards/${first}/intents`, { key: agentToken });
    await ok('GET', `/v1/intents/${intent.id}`);
    await ok('GET', `/v1/agents/${agentId}/policy`, { key: agentToken });
    await ok('GET', `/v1/balances/${userId}`);
    for (const id of cardIds) {
      await ok('GET', `/v1/cards/${id}`);
      await ok('GET', `/v1/cards/${id}`, { key: agentToken });
    }
    await ok('PATCH', `/v1/cards/${first}`, { body: { limits: { perDay: 5_000 }, metadata: { order: '1' } } });
    await ok('POST', `/v1/cards/${first}/freeze`);
    await expectError(409, 'card_not_active', 'POST', `/v1/cards/${first}/details`, { key: agentToken, body: detailsBody });
    await ok('POST', `/v1/cards/${first}/unfreeze`);
    await ok('POST', `/v1/cards/${third}/close`);
    await expectError(409, 'card_already_closed', 'POST', `/v1/cards/${third}/close`);
    await expectError(409, 'card_not_active', 'POST', `/v1/cards/${third}/intents`, { key: agentToken, body: { summary: 'late', amount: 100, merchantText: 'Amazon' } });
    await ok('POST', `/v1/intents/${intent.id}/cancel`, { key: agentToken, body: { reason: 'found it cheaper' } });
    await ok('POST', `/v1/agents/${agentId}/suspend`);
    await ok('POST', `/v1/agents/${agentId}/activate`);
    await expectError(422, 'invalid_parameter_value', 'PATCH', `/v1/cards/${fourth}`, { body: { maxAmount: 1 } });
    // Two hours of sandbox time: pending intents expire, the expiring card closes.
    await ok('POST', '/v1/sandbox/clock/advance', { body: { seconds: 7_200 } });
    await ok('GET', '/v1/cards?status=closed&limit=100');
    await ok('GET', `/v1/cards/${second}/intents?status=revealed`, { key: agentToken });

    // Every card's number and CVV, from the vault (the session was shown two of them).
    const secrets = testSecrets();
    const rows = await testApp.store.db.all<{ pan_ciphertext: string; expiration_month: number; expiration_year: number }>('SELECT pan_ciphertext, expiration_month, expiration_year FROM cards');
    assert.equal(rows.length, 6);
    cards = rows.map((row) => {
      const pan = decryptPan(secrets, row.pan_ciphertext);
      return { pan, cvv: deriveCvv(secrets, pan, row.expiration_month, row.expiration_year) };
    });
    const shown = new Set(detailsResponses.map((response) => response.json.pan as string));
    assert.equal(shown.size, 2, 'two cards had their details read');
    for (const pan of shown) assert.ok(cards.some((card) => card.pan === pan));
  });
  after(async () => testApp?.close());

  it('the scanner finds the PAN and CVV in a /details response itself, in raw bytes, and only Luhn-valid BIN runs', () => {
    const scanner = new SecretScanner(cards);
    const unknownOnly = new SecretScanner([]);
    assert.ok(detailsResponses.length >= 3);
    for (const response of detailsResponses) {
      const { pan, cvv } = response.json as { pan: string; cvv: string };
      assert.match(pan, /^400000\d{10}$/);
      const findings = scanner.findings(response.body);
      assert.ok(findings.includes(`PAN ${pan}`), `the scanner misses the PAN in ${response.body}`);
      assert.ok(findings.includes(`CVV ${cvv} beside its key`), `the scanner misses the CVV in ${response.body}`);
      // Without being told the numbers, the BIN and Luhn rule alone find it.
      assert.ok(unknownOnly.findings(response.body).includes(`Luhn-valid BIN ${testBin} run ${pan}`));
      // In binary surroundings, and JSON-inside-JSON, too.
      const bytes = Buffer.concat([Buffer.from([0x00, 0x37, 0x81]), Buffer.from(pan, 'latin1'), Buffer.from([0x39, 0xff])]);
      assert.ok(scanner.findings(bytes.toString('latin1')).includes(`PAN ${pan}`));
      assert.ok(unknownOnly.findings(bytes.toString('latin1')).length > 0);
      assert.ok(scanner.findings(JSON.stringify(response.body)).includes(`CVV ${cvv} beside its key`));
    }
    const pan = cards[0]!.pan;
    const wrongCheckDigit = pan.slice(0, 15) + String((Number(pan[15]) + 1) % 10);
    assert.deepEqual(SecretScanner.binRuns(`x${wrongCheckDigit}x`), [], 'a Luhn-invalid run is not a card number');
    // A number inside a longer run of digits is still found (windows overlap).
    assert.ok(SecretScanner.binRuns(`98${pan}76`).includes(pan));
  });

  it('no API response other than a successful /details carries card data (lists, gets, errors, replays)', () => {
    const scanner = new SecretScanner(cards);
    const replay = scanned.find(({ label }) => label === 'replayed POST /details');
    assert.equal(replay?.response.json.pan, null, 'a replay of /details never carries the PAN');
    assert.equal(replay?.response.json.cvv, null, 'a replay of /details never carries the CVV');
    assert.ok(scanned.length > 40, `the session made ${scanned.length} calls`);
    assert.ok(scanned.some(({ response }) => response.statusCode >= 400), 'errors were scanned too');
    for (const { label, response } of scanned) {
      scanner.assertClean(`${label} body`, response.body);
      scanner.assertClean(`${label} headers`, JSON.stringify(response.headers));
      assert.doesNotMatch(response.body, /"(pan|cvv)":"/, `${label} has a pan or cvv field with a value`);
    }
  });

  it('no log line carries card data', () => {
    const scanner = new SecretScanner(cards);
    assert.ok(testApp.logs.length > 0, 'log lines were captured');
    const detailsRequestId = detailsResponses[0]!.headers['request-id'] as string;
    assert.ok(testApp.logs.some((line) => line.includes(detailsRequestId)), 'the /details requests were logged, so their lines are in the scan');
    for (const line of testApp.logs) scanner.assertClean('log line', line);
  });

  it('no text value of any table carries card data (events, idempotency keys, intents, cards…)', async () => {
    const scanner = new SecretScanner(cards);
    const db = testApp.store.db;
    const tables = (await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((row) => row.name);
    for (const table of ['cards', 'events', 'intents', 'idempotency_keys', 'card_detail_accesses', 'agent_tokens']) assert.ok(tables.includes(table), `table ${table}`);
    let textValues = 0;
    for (const table of tables) {
      for (const row of await db.all<Record<string, unknown>>(`SELECT * FROM "${table}"`)) {
        for (const [column, value] of Object.entries(row)) {
          if (typeof value === 'string') {
            textValues += 1;
            scanner.assertClean(`${table}.${column}`, value);
          } else if (Buffer.isBuffer(value)) {
            scanner.assertClean(`${table}.${column} (blob)`, value.toString('latin1'));
          }
        }
      }
    }
    assert.ok(textValues > 100, `scanned ${textValues} text values`);

    // The places most at risk hold what they should, without the secret.
    const accesses = await db.all<{ data: string }>(`SELECT data FROM events WHERE type = 'credential.accessed'`);
    assert.equal(accesses.length, detailsResponses.length, 'one credential.accessed event per successful read');
    const storedDetails = await db.all<{ response_body: string | null }>('SELECT response_body FROM idempotency_keys WHERE idempotency_key = ?', ['scan-details-1']);
    assert.equal(storedDetails.length, 1);
    const stored = JSON.parse(storedDetails[0]!.response_body!) as { pan: unknown; cvv: unknown; accessEventId: string };
    assert.equal(stored.pan, null, 'the stored replay of /details has no PAN');
    assert.equal(stored.cvv, null, 'the stored replay of /details has no CVV');
    assert.match(stored.accessEventId, /^evt_/);
  });

  it('the raw bytes of the SQLite file and its WAL carry no card data, before and after a checkpoint', () => {
    const scanner = new SecretScanner(cards);
    const path = testApp.store.location;
    assert.ok(existsSync(path), `a file-backed store at ${path}`);
    const readAll = (): Map<string, Buffer> => {
      const files = new Map<string, Buffer>();
      for (const suffix of ['', '-wal', '-shm', '-journal']) if (existsSync(path + suffix)) files.set(`cardrail.db${suffix}`, readFileSync(path + suffix));
      return files;
    };
    const scan = (files: Map<string, Buffer>, moment: string): void => {
      for (const [name, bytes] of files) {
        scanner.assertClean(`${name} ${moment}`, bytes.toString('latin1'));
        // A UTF-16 text encoding would hide the digits from a byte scan: look for that form too.
        for (const { pan } of cards) assert.equal(bytes.includes(Buffer.from(pan, 'utf16le')), false, `PAN (UTF-16) in ${name} ${moment}`);
      }
      // The scan reads live data: the last card's id and purpose are in these bytes.
      const all = Buffer.concat([...files.values()]).toString('latin1');
      assert.ok(all.includes(cardIds[cardIds.length - 1]!) && all.includes('scan card 4'), `the ${moment} scan sees the session's writes`);
    };

    const beforeCheckpoint = readAll();
    assert.ok(beforeCheckpoint.has('cardrail.db-wal'), 'the database runs in WAL mode');
    scan(beforeCheckpoint, 'before checkpoint');

    const connection = new BetterSqlite3(path);
    try {
      connection.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      connection.close();
    }
    scan(readAll(), 'after checkpoint');
  });
});
