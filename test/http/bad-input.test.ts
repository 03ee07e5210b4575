// SPEC §10: bad input on every operation of /openapi.json, on SQLite and PostgreSQL. Every case must answer a 4xx
// in the SPEC §3 envelope with its Request-Id, the exact code where the input decides it, and leave the database as
// it was: no row written, changed or deleted (the last-used stamps of credentials aside).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { routeAccess } from '../../src/http/access.js';
import type { Database } from '../../src/store/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';
import { badCasesFor, operationsOf, type BadCase, type Operation } from '../helpers/openapi-cases.js';
import { storeKinds } from '../helpers/stores.js';
import { enrollPasskey } from '../helpers/webauthn.js';

const bodyLimitBytes = 64 * 1024;
const generous = { perMinute: 1_000_000, burst: 1_000_000 };

/** Columns a successful authentication stamps; every other column of every table must stay as it was. */
const touchedByAuthentication = new Set(['last_used_at']);

async function tableNames(db: Database): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      : await db.all<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name');
  return rows.map((row) => row.name);
}

/** A digest per table of every row (sorted), so that two states compare in one step and a difference names its table. */
async function databaseState(db: Database, tables: readonly string[]): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const table of tables) {
    const rows = await db.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
    const lines = rows
      .map((row) => JSON.stringify(Object.entries(row).filter(([column]) => !touchedByAuthentication.has(column)), (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)))
      .sort();
    state[table] = `${rows.length}:${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)}`;
  }
  return state;
}

interface Fixture {
  pathValues: Record<string, string>;
  namedValues: Record<string, unknown>;
  /** For the routes only a filler key may call (redeeming details tokens). */
  fillerKey: string;
}

/** The organization's sandbox API key, or its filler key where only a filler key is admitted. */
function credentialFor(operation: Operation, testApp: TestApp, fixture: Fixture): string {
  const access = routeAccess[`${operation.method} ${operation.path}`];
  return access !== undefined && access !== 'public' && 'principals' in access && !access.principals.includes('apiKey') && access.principals.includes('fillerKey') ? fixture.fillerKey : testApp.sandboxKey;
}

/** Real resources of every kind, so that a bad request the pipeline wrongly accepted would change something. */
async function arrangeFixture(testApp: TestApp): Promise<Fixture> {
  const ok = async (method: string, url: string, body?: unknown, key?: string) => {
    const response = await testApp.request(method, url, { ...(body === undefined ? {} : { body }), ...(key === undefined ? {} : { key }) });
    assert.equal(response.statusCode, 200, `${method} ${url}: ${response.body}`);
    return response.json;
  };
  const scope = { organizationId: testApp.organizationId, environment: 'sandbox' as const };
  const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
  await fundUser(testApp.store.db, scope, userId, 1_000_000, testApp.clock.nowMs());
  const agent = await ok('POST', '/v1/agents/register', { userId, name: 'fixture agent' });
  const tokens = await ok('GET', `/v1/agents/${agent.id}/tokens`);
  const card = await ok('POST', `/v1/agents/${agent.id}/cards`, { purpose: 'fixture card', type: 'multi', maxAmount: 10_000 });
  const intent = await ok('POST', `/v1/cards/${card.id}/intents`, { summary: 'fixture purchase', amount: 1_000, merchantText: 'Example Store' }, agent.token);
  await ok('POST', `/v1/cards/${card.id}/details`, { summary: 'fixture purchase', expectedAmount: 1_000, merchantText: 'Example Store' }, agent.token);
  const transaction = await ok('POST', '/v1/sandbox/authorizations', { cardId: card.id, amount: 1_000, merchant: { name: 'Example Store' } });
  const deposit = await ok('POST', '/v1/sandbox/deposits', { userId, network: 'base', token: 'USDC', amount: '5000000' });
  const withdrawal = await ok('POST', `/v1/users/${userId}/withdrawals`, { network: 'base', token: 'USDC', amount: 100, address: '0x000000000000000000000000000000000000dEaD' });
  const endpoint = await ok('POST', '/v1/webhooks', { url: 'https://example.com/hooks' });
  const policy = await ok('POST', '/v1/policies', { name: 'fixture policy' });
  const apiKey = await ok('POST', '/v1/api-keys', { name: 'fixture key' });
  const filler = await ok('POST', '/v1/filler-keys', { name: 'fixture filler' });
  const { passkey } = await enrollPasskey(testApp, userId);
  const events = await ok('GET', '/v1/events?limit=1');
  const ids = {
    users: userId,
    agents: agent.id,
    cards: card.id,
    intents: intent.id,
    transactions: transaction.id,
    deposits: deposit.id,
    withdrawals: withdrawal.id,
    webhooks: endpoint.id,
    policies: policy.id,
    'api-keys': apiKey.id,
    'filler-keys': filler.id,
    events: events.data[0].id,
  };
  return {
    pathValues: {
      ...ids,
      userId,
      tokenId: tokens.data[0].id,
      withdrawalId: withdrawal.id,
      passkeyId: passkey.id,
      // Resources the fixture does not hold: a well-formed id that answers 404 after validation.
      alerts: 'alert_01aaaaaaaaaaaaaaaaaaaaaaaa',
      challenges: 'chl_01aaaaaaaaaaaaaaaaaaaaaaaa',
      token: 'otp_fixture_token',
    },
    namedValues: { userId, cardId: card.id, agentId: agent.id, url: 'https://example.com/hooks', amount: 100 },
    fillerKey: filler.key,
  };
}

/** `{id}` takes the id of the resource named by the segment before it (`/v1/cards/{id}` → the card). */
function pathValuesFor(operation: Operation, fixture: Fixture): Record<string, string> {
  const values: Record<string, string> = { ...fixture.pathValues };
  const segments = operation.path.split('/');
  segments.forEach((segment, index) => {
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (name !== 'id') return;
    const resource = segments[index - 1]!;
    const value = fixture.pathValues[resource];
    if (value === undefined) throw new Error(`${operation.method} ${operation.path}: the fixture holds no ${resource}; add one to arrangeFixture`);
    values.id = value;
    values.__foreign = resource === 'webhooks' ? fixture.pathValues['api-keys']! : fixture.pathValues.webhooks!;
  });
  return values;
}

function assertRefused(response: { statusCode: number; headers: Record<string, unknown>; body: string }, badCase: BadCase, where: string): void {
  const context = `${where} — ${badCase.label}: ${response.statusCode} ${response.body.slice(0, 300)}`;
  assert.ok(response.statusCode >= 400 && response.statusCode < 500, `expected a 4xx: ${context}`);
  assert.ok(![401, 429].includes(response.statusCode), `the credential and rate limits are good here: ${context}`);
  const requestId = response.headers['request-id'];
  assert.match(String(requestId), /^req_[0-9a-z]{26}$/, `Request-Id header: ${context}`);
  let body: { status?: unknown; error?: { type?: unknown; code?: unknown; message?: unknown }; requestId?: unknown };
  try {
    body = JSON.parse(response.body);
  } catch {
    assert.fail(`not JSON: ${context}`);
  }
  assert.equal(body.status, 'error', context);
  assert.equal(body.requestId, requestId, context);
  assert.equal(typeof body.error?.type, 'string', context);
  assert.equal(typeof body.error?.code, 'string', context);
  assert.equal(typeof body.error?.message, 'string', context);
  if (badCase.expected !== undefined) {
    assert.equal(response.statusCode, badCase.expected.status, context);
    assert.equal(body.error?.code, badCase.expected.code, context);
  }
}

for (const kind of storeKinds) {
  describe(`bad input on every operation of /openapi.json (${kind})`, () => {
    let testApp: TestApp;
    let fixture: Fixture;
    let tables: string[];

    before(async () => {
      testApp = await startTestApp({ store: kind, config: { bodyLimitBytes, rateLimits: { read: generous, write: generous, cardCreate: generous, sandboxMultiplier: 1 } } });
      fixture = await arrangeFixture(testApp);
      tables = await tableNames(testApp.store.db);
    });
    after(async () => {
      await testApp?.close();
    });

    it('answers every bad request with a 4xx in the envelope, and changes nothing', { timeout: 240_000 }, async (t) => {
      const document = (await testApp.request('GET', '/openapi.json', { key: null })).json;
      const operations = operationsOf(document);
      assert.ok(operations.length >= 80, `only ${operations.length} operations in /openapi.json`);
      let sent = 0;
      for (const operation of operations) {
        const where = `${operation.method} ${operation.path}`;
        const cases = badCasesFor(operation, { pathValues: pathValuesFor(operation, fixture), namedValues: fixture.namedValues, bodyLimitBytes });
        const before = await databaseState(testApp.store.db, tables);
        for (const [index, badCase] of cases.entries()) {
          const headers: Record<string, string> = { 'content-type': badCase.contentType ?? 'application/json' };
          // Writes carry an Idempotency-Key, so that the key's fingerprint sees every body too.
          if (operation.method !== 'GET') headers['idempotency-key'] = `bad-input-${operation.operationId}-${index}`;
          const response = await testApp.server.inject({
            method: operation.method as 'GET',
            url: badCase.url,
            headers: { ...headers, 'api-key': credentialFor(operation, testApp, fixture) },
            ...(badCase.payload === undefined ? {} : { payload: badCase.payload }),
          });
          assertRefused(response, badCase, where);
          sent += 1;
        }
        assert.deepEqual(await databaseState(testApp.store.db, tables), before, `${where}: a refused request changed the database`);
      }
      assert.ok(sent > 1_000, `only ${sent} bad requests were generated`);
      t.diagnostic(`${sent} bad requests over ${operations.length} operations`);
    });
  });
}
