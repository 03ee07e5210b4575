// `cardrail simulate …` end to end: a real `cardrail serve` process, the CLI run as a user runs it
// (`node bin/cardrail.js simulate …`) against it over HTTP, every subcommand with and without --json, and the
// failure paths (API error, bad option, no key, unreachable server).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dollarsToBaseUnits, parseCents } from '../../src/cli/simulate.js';
import { bannerPatterns, freePort, runCardrail, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

describe('cardrail simulate (real server process, real HTTP)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-simulate-'));
  let server: ServerProcess;
  let sandboxKey = '';
  let liveKey = '';
  let userId = '';
  let cardId = '';

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { 'Api-Key': sandboxKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await response.json();
    assert.equal(response.status, 200, JSON.stringify(json));
    return json;
  }

  /** `simulate <args> --url <server> --key <sandbox key>`. */
  function simulate(args: string[], env: Record<string, string> = {}) {
    return runCardrail(['simulate', ...args, '--url', server.baseUrl, '--key', sandboxKey], env);
  }

  async function simulateJson(args: string[]) {
    const result = await simulate([...args, '--json']);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  before(async () => {
    server = await startServerProcess({ dataDir, logLevel: 'warn' });
    await server.waitForOutput(bannerPatterns.api, 120_000);
    ({ sandboxKey, liveKey } = await server.waitForKeys(60_000));
    const user = await api('POST', '/v1/users', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
    userId = user.id;
    await api('POST', `/v1/sandbox/users/${userId}/verification`, { outcome: 'approved' });
  });

  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('deposit: dollars become 6-decimal base units; credited at once by default, or left pending', async () => {
    const deposit = await simulateJson(['deposit', '--user', userId, '--amount', '250.00', '--network', 'base', '--token', 'USDC']);
    assert.equal(deposit.object, 'deposit');
    assert.equal(deposit.amount, '250000000');
    assert.equal(deposit.amountCents, 25_000);
    assert.equal(deposit.status, 'completed');
    const balance = await api('GET', `/v1/balances/${userId}`);
    assert.equal(balance.available, 25_000);

    const pending = await simulate(['deposit', '--user', userId, '--amount', '1.5', '--confirmations', '0']);
    assert.equal(pending.code, 0, pending.stderr);
    assert.match(pending.stdout, /^dep_\w+ pending: 1500000 USDC base units on base, \$1\.50 for user_\w+ once confirmed \(0\/12 confirmations/);

    const rejected = await simulateJson(['deposit', '--user', userId, '--amount', '3', '--network', 'bitcoin']);
    assert.equal(rejected.status, 'rejected');
  });

  it('authorize by card id: approved (readable line and JSON) and declined (a 200, exit 0)', async () => {
    const agent = await api('POST', '/v1/agents/register', { userId, name: 'shopper' });
    const card = await api('POST', `/v1/agents/${agent.id}/cards`, { purpose: 'groceries', type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
    cardId = card.id;

    const line = await simulate(['authorize', '--card', cardId, '--amount', '1999', '--merchant', 'AMZN Mktp US']);
    assert.equal(line.code, 0, line.stderr);
    assert.match(line.stdout, new RegExp(`^txn_\\w+ pending \\$19\\.99 USD at AMZN Mktp US \\(amazon\\), card ${cardId}\\n$`));

    const approved = await simulateJson(['authorize', '--card', cardId, '--amount', '2500', '--merchant', 'Best Buy 00012345', '--mcc', '5732', '--country', 'US']);
    assert.deepEqual([approved.object, approved.status, approved.amount, approved.cardId, approved.merchant.mcc], ['transaction', 'pending', 2500, cardId, '5732']);

    const declined = await simulate(['authorize', '--card', cardId, '--amount', '20000', '--merchant', 'AMZN Mktp US']);
    assert.equal(declined.code, 0, declined.stderr);
    assert.match(declined.stdout, /^txn_\w+ declined \$200\.00 USD at AMZN Mktp US \(amazon\) — declined: exceeds_max_amount/);
  });

  it('authorize by card number, with the key from CARDRAIL_API_KEY', async () => {
    const agent = await api('POST', '/v1/agents/register', { userId, name: 'pan-shopper' });
    const card = await api('POST', `/v1/agents/${agent.id}/cards`, { purpose: 'one purchase', type: 'single', maxAmount: 5_000 });
    const agentToken = agent.token as string;
    const intent = await fetch(`${server.baseUrl}/v1/cards/${card.id}/intents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ summary: 'a book', amount: 1_200, merchantText: 'Amazon' }),
    });
    assert.equal(intent.status, 200, await intent.clone().text());
    const detailsResponse = await fetch(`${server.baseUrl}/v1/cards/${card.id}/details`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ summary: 'a book', expectedAmount: 1_200, merchantText: 'Amazon' }),
    });
    const details = await detailsResponse.json();
    assert.equal(detailsResponse.status, 200, JSON.stringify(details));

    const result = await runCardrail(
      ['simulate', 'authorize', '--pan', details.pan, '--cvv', details.cvv, '--expiry', `${details.expirationMonth}/${details.expirationYear}`, '--amount', '1200', '--merchant', 'AMZN Mktp US*2K4TY7', '--url', server.baseUrl, '--json'],
      { CARDRAIL_API_KEY: sandboxKey },
    );
    assert.equal(result.code, 0, result.stderr);
    const transaction = JSON.parse(result.stdout);
    assert.deepEqual([transaction.status, transaction.cardId, transaction.intentMatch, transaction.attestationStatus], ['pending', card.id, 'matched', 'attested']);
  });

  it('without --key or CARDRAIL_API_KEY, uses the sandbox key the server wrote into its data directory, as demo does', async () => {
    const authorized = await runCardrail(['simulate', 'authorize', '--card', cardId, '--amount', '150', '--merchant', 'AMZN Mktp US', '--url', server.baseUrl, '--json'], { CARDRAIL_DATA_DIR: dataDir });
    assert.equal(authorized.code, 0, authorized.stderr);
    assert.equal(JSON.parse(authorized.stdout).status, 'pending');
    const voided = await runCardrail(['simulate', 'void', JSON.parse(authorized.stdout).id, '--url', server.baseUrl], { CARDRAIL_DATA_DIR: dataDir });
    assert.equal(voided.code, 0, voided.stderr);
    assert.match(voided.stdout, / voided \$1\.50 USD/);
  });

  it('clear (partial) then refund (partial, then the rest); readable lines show the amounts', async () => {
    const authorized = await simulateJson(['authorize', '--card', cardId, '--amount', '4000', '--merchant', 'AMZN Mktp US']);
    const cleared = await simulate(['clear', authorized.id, '--amount', '3000']);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, new RegExp(`^${authorized.id} settled \\$40\\.00 USD at AMZN Mktp US \\(amazon\\), settled \\$30\\.00, card ${cardId}\\n$`));

    const partly = await simulateJson(['refund', authorized.id, '--amount', '1000']);
    assert.equal(partly.refundedAmount, 1000);
    const rest = await simulateJson(['refund', authorized.id]);
    assert.equal(rest.refundedAmount, 3000);
    assert.equal(rest.status, 'refunded');
  });

  it('clear without an amount captures the authorized amount; void releases a pending hold', async () => {
    const toClear = await simulateJson(['authorize', '--card', cardId, '--amount', '1234', '--merchant', 'AMZN Mktp US']);
    const cleared = await simulateJson(['clear', toClear.id]);
    assert.deepEqual([cleared.status, cleared.settledAmount], ['settled', 1234]);

    const toVoid = await simulateJson(['authorize', '--card', cardId, '--amount', '777', '--merchant', 'AMZN Mktp US']);
    const voided = await simulate(['void', toVoid.id]);
    assert.equal(voided.code, 0, voided.stderr);
    assert.match(voided.stdout, new RegExp(`^${toVoid.id} voided \\$7\\.77 USD`));
    const read = await api('GET', `/v1/transactions/${toVoid.id}`);
    assert.equal(read.status, 'voided');
  });

  it('an API error exits 1 printing its code and message (and the error body with --json)', async () => {
    const unknown = await simulate(['void', 'txn_doesnotexist']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /^cardrail: resource_not_found: .+ \[HTTP 404\]\n$/);

    const voidedTwice = await simulateJson(['authorize', '--card', cardId, '--amount', '100', '--merchant', 'AMZN Mktp US']);
    await simulateJson(['void', voidedTwice.id]);
    const again = await simulate(['void', voidedTwice.id, '--json']);
    assert.equal(again.code, 1);
    assert.equal(JSON.parse(again.stdout).status, 'error');
    assert.match(again.stderr, /^cardrail: \w+: .+\[HTTP 409\]\n$/);

    const live = await runCardrail(['simulate', 'authorize', '--card', cardId, '--amount', '100', '--merchant', 'X', '--url', server.baseUrl, '--key', liveKey]);
    assert.equal(live.code, 1);
    assert.match(live.stderr, /^cardrail: sandbox_only: /);

    const badUser = await simulate(['deposit', '--user', 'user_nobody', '--amount', '5']);
    assert.equal(badUser.code, 1);
    assert.match(badUser.stderr, /^cardrail: resource_not_found: /);
  });

  it('usage errors exit 1 before any request: amounts, missing card, missing key, unreachable server', async () => {
    const dollars = await simulate(['authorize', '--card', cardId, '--amount', '19.99', '--merchant', 'X']);
    assert.equal(dollars.code, 1);
    assert.match(dollars.stderr, /--amount must be a positive whole number of cents, e\.g\. 1999 for \$19\.99/);

    const noCard = await simulate(['authorize', '--amount', '100', '--merchant', 'X']);
    assert.equal(noCard.code, 1);
    assert.match(noCard.stderr, /name the card: --card/);

    const tooPrecise = await simulate(['deposit', '--user', userId, '--amount', '1.0000001']);
    assert.equal(tooPrecise.code, 1);
    assert.match(tooPrecise.stderr, /more than 6 decimal places/);

    const emptyDataDir = mkdtempSync(join(tmpdir(), 'cardrail-simulate-nokey-'));
    try {
      const noKey = await runCardrail(['simulate', 'void', 'txn_x', '--url', server.baseUrl], { CARDRAIL_DATA_DIR: emptyDataDir });
      assert.equal(noKey.code, 1);
      assert.equal(noKey.stderr.split('\n').filter((line) => line !== '').length, 1, noKey.stderr);
      assert.match(noKey.stderr, /^cardrail: no sandbox API key: pass --key lk_dev_…, set CARDRAIL_API_KEY, or run where the server keeps its data/);
      assert.ok(noKey.stderr.includes(join(emptyDataDir, 'sandbox.key')), 'the message names the file it looked for');
    } finally {
      rmSync(emptyDataDir, { recursive: true, force: true });
    }

    const closedPort = await freePort();
    const unreachable = await runCardrail(['simulate', 'void', 'txn_x', '--url', `http://127.0.0.1:${closedPort}`, '--key', sandboxKey]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${closedPort} \\(ECONNREFUSED\\)`));
  });
});

describe('simulate amount parsing', () => {
  it('dollars to base units exactly, without floating point', () => {
    assert.equal(dollarsToBaseUnits('25.00', 6), '25000000');
    assert.equal(dollarsToBaseUnits('25', 6), '25000000');
    assert.equal(dollarsToBaseUnits('0.000001', 6), '1');
    assert.equal(dollarsToBaseUnits('$1.1', 6), '1100000');
    assert.equal(dollarsToBaseUnits('0.29', 6), '290000');
    assert.equal(dollarsToBaseUnits('123456789012345.999999', 6), '123456789012345999999');
    for (const bad of ['', '-1', '1e3', '1.2.3', '0', '0.000', 'abc', '1.0000001']) assert.throws(() => dollarsToBaseUnits(bad, 6), bad);
  });

  it('cents are positive whole numbers', () => {
    assert.equal(parseCents('1999'), 1999);
    for (const bad of ['0', '19.99', '-5', 'x', '']) assert.throws(() => parseCents(bad), bad);
  });
});
