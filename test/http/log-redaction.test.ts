// No secret reaches a log line (SPEC §10): not the keys a session creates or sends, however it sends them, and not
// card data or secrets a log call is handed by mistake.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/http/logger.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

function randomSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

describe('log redaction over a whole HTTP session', () => {
  let testApp: TestApp;
  /** Every secret value the session created or sent; none may appear in a log line. */
  const secrets: string[] = [];

  before(async () => {
    testApp = await startTestApp();
    secrets.push(testApp.sandboxKey, testApp.liveKey);

    const sandboxCreated = await testApp.request('POST', '/v1/api-keys', { body: { name: 'session sandbox' } });
    assert.equal(sandboxCreated.statusCode, 200);
    const liveCreated = await testApp.request('POST', '/v1/api-keys', { key: testApp.liveKey, body: { name: 'session live' } });
    assert.equal(liveCreated.statusCode, 200);
    const sandboxSecret: string = sandboxCreated.json.key;
    const liveSecret: string = liveCreated.json.key;
    secrets.push(sandboxSecret, liveSecret);

    // Good keys in the right header, in any letter case.
    assert.equal((await testApp.request('GET', '/v1/api-keys', { key: sandboxSecret })).statusCode, 200);
    assert.equal((await testApp.request('GET', '/v1/api-keys', { key: null, headers: { 'api-key': liveSecret } })).statusCode, 200);

    // Keys in the wrong header.
    for (const secret of [testApp.sandboxKey, liveSecret]) {
      const bearer = await testApp.request('GET', '/v1/api-keys', { key: null, headers: { authorization: `Bearer ${secret}` } });
      assert.equal(bearer.statusCode, 401);
    }
    const agentToken = randomSecret('at_dev_');
    secrets.push(agentToken);
    assert.equal((await testApp.request('GET', '/v1/api-keys', { key: null, headers: { authorization: `Bearer ${agentToken}` } })).statusCode, 401);

    // Unknown keys.
    for (const prefix of ['lk_dev_', 'lk_live_']) {
      const unknown = randomSecret(prefix);
      secrets.push(unknown);
      const response = await testApp.request('GET', '/v1/api-keys', { key: unknown });
      assert.equal(response.statusCode, 401);
      assert.equal(response.json.error.code, 'invalid_api_key');
    }

    // A revoked key.
    const revoke = await testApp.request('DELETE', `/v1/api-keys/${sandboxCreated.json.id}`);
    assert.equal(revoke.statusCode, 200);
    const revoked = await testApp.request('GET', '/v1/api-keys', { key: sandboxSecret });
    assert.equal(revoked.statusCode, 401);
    assert.equal(revoked.json.error.code, 'api_key_revoked');

    // Bodies that are not JSON and carry a key-like string, where a parser error could quote them.
    const inBody = randomSecret('lk_live_');
    const bareInBody = randomSecret('lk_dev_');
    secrets.push(inBody, bareInBody);
    for (const rawBody of [`{"name": "${inBody}",`, bareInBody]) {
      const response = await testApp.request('POST', '/v1/api-keys', { rawBody, headers: { 'content-type': 'application/json' } });
      assert.equal(response.statusCode, 400);
      assert.equal(response.json.error.code, 'invalid_json');
    }

    // A key pasted into the URL: the path and the query string are logged, so they must be scrubbed.
    const inPath = randomSecret('lk_live_');
    const inQuery = randomSecret('lk_dev_');
    secrets.push(inPath, inQuery);
    assert.equal((await testApp.request('GET', `/v1/api-keys/${inPath}`)).statusCode, 404);
    assert.ok((await testApp.request('GET', `/v1/api-keys?cursor=${inQuery}`)).statusCode >= 400);
  });

  after(async () => testApp?.close());

  it('logged the session: request lines with method and URL', () => {
    const requestLines = testApp.logs.filter((line) => line.includes('"url":"/v1/api-keys"'));
    assert.ok(requestLines.length >= 10, `expected request lines, got ${requestLines.length}`);
    assert.ok(testApp.logs.some((line) => line.includes('"statusCode":401')), 'the refused requests were logged');
    assert.ok(testApp.logs.some((line) => line.includes('"url":"/v1/api-keys/[REDACTED]"')), 'the key in the path was scrubbed, not dropped');
  });

  it('wrote no secret value into any log line', () => {
    assert.equal(secrets.length, 11);
    for (const line of testApp.logs) {
      for (const secret of secrets) {
        // Neither the whole secret nor a piece long enough to be useful.
        if (line.includes(secret) || line.includes(secret.slice(-24))) assert.fail(`a log line contains ${secret.slice(0, 9)}…: ${line}`);
      }
    }
  });
});

describe('createLogger', () => {
  function capture(): { stream: Writable; lines: string[] } {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    return { stream, lines };
  }

  it('redacts card data and secrets by field name, nested too, and keeps the rest', () => {
    const { stream, lines } = capture();
    const logger = createLogger('info', stream);
    logger.info(
      {
        pan: '4111111111111111',
        cvv: '123',
        key: 'plain-key-value',
        token: 'plain-token-value',
        secret: 'plain-secret-value',
        card: { pan: '4242424242424242', cvv: '456', last4: '4242' },
        order: { card: { pan: '5555555555554444', cvv: '789' } },
        amountCents: 15000,
      },
      'authorization decided',
    );
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    for (const value of ['4111111111111111', '4242424242424242', '5555555555554444', '"123"', '"456"', '"789"', 'plain-key-value', 'plain-token-value', 'plain-secret-value']) {
      assert.ok(!line.includes(value), `${value} was logged: ${line}`);
    }
    const logged = JSON.parse(line);
    assert.equal(logged.pan, '[REDACTED]');
    assert.equal(logged.cvv, '[REDACTED]');
    assert.equal(logged.key, '[REDACTED]');
    assert.equal(logged.token, '[REDACTED]');
    assert.equal(logged.secret, '[REDACTED]');
    assert.deepEqual(logged.card, { pan: '[REDACTED]', cvv: '[REDACTED]', last4: '4242' });
    assert.deepEqual(logged.order, { card: { pan: '[REDACTED]', cvv: '[REDACTED]' } });
    assert.equal(logged.amountCents, 15000);
    assert.equal(logged.msg, 'authorization decided');
  });

  it('scrubs issued-secret patterns from messages and any field', () => {
    const { stream, lines } = capture();
    const logger = createLogger('info', stream);
    const apiKey = `lk_live_abc${randomBytes(16).toString('base64url')}`;
    const agentToken = `at_dev_${randomBytes(16).toString('base64url')}`;
    const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
    logger.info({ detail: `header was ${agentToken}`, nested: { note: webhookSecret } }, `caller sent ${apiKey} and ${agentToken} with ${webhookSecret}`);
    logger.error({ err: new Error(`lookup failed for ${apiKey}`) }, 'request failed');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      for (const secret of [apiKey, agentToken, webhookSecret]) assert.ok(!line.includes(secret), `${secret} was logged: ${line}`);
      assert.ok(!/lk_live_abc|at_dev_[A-Za-z0-9]|whsec_[A-Za-z0-9]/.test(line), `a secret's prefix and body survived: ${line}`);
    }
    const first = JSON.parse(lines[0]!);
    assert.equal(first.msg, 'caller sent [REDACTED] and [REDACTED] with [REDACTED]');
    assert.equal(first.detail, 'header was [REDACTED]');
    assert.equal(first.nested.note, '[REDACTED]');
    assert.match(JSON.parse(lines[1]!).err.message, /^lookup failed for \[REDACTED\]$/);
  });

  it('replaces card numbers and the codes beside them wherever they appear (the PAN guard), and details tokens and filler keys', () => {
    const { stream, lines } = capture();
    const fillerKey = `fk_dev_${randomBytes(16).toString('base64url')}`;
    const detailsToken = `dtk_${randomBytes(16).toString('base64url')}`;
    createLogger('info', stream).info({ note: 'agent said 4000 0012 3456 7899 exp 12/29 cvv 123', url: `/v1/details-tokens/${detailsToken}/redeem` }, `filler ${fillerKey} paid with 4000001234567899`);
    const line = lines[0]!;
    for (const secret of ['4000 0012 3456 7899', '4000001234567899', 'cvv 123', fillerKey, detailsToken]) assert.ok(!line.includes(secret), `${secret} was logged: ${line}`);
    assert.match(JSON.parse(line).note, /\[card number ending 7899 removed\] exp 12\/29 cvv \[security code removed\]/);
  });

  it('keeps every line JSON: the time is ISO, and a card number logged as a number value becomes the quoted marker', () => {
    const { stream, lines } = capture();
    // 1733251681230 is a Luhn-valid 13-digit run, as one epoch-millisecond time in ten is.
    createLogger('info', stream).info({ at: 1733251681230, cardNumber: 4000001234567899, nested: { list: [4000001234567899, 1733251681235] } }, 'numbers');
    const logged = JSON.parse(lines[0]!);
    assert.match(logged.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(logged.at, '[card number ending 1230 removed]');
    assert.equal(logged.cardNumber, '[card number ending 7899 removed]');
    assert.deepEqual(logged.nested.list, ['[card number ending 7899 removed]', 1733251681235]);
  });

  it('leaves lines without secrets alone', () => {
    const { stream, lines } = capture();
    createLogger('info', stream).info({ userId: 'user_01abc', amountCents: 999, keyId: 'key_01xyz' }, 'deposit credited');
    const logged = JSON.parse(lines[0]!);
    assert.equal(logged.userId, 'user_01abc');
    assert.equal(logged.keyId, 'key_01xyz');
    assert.equal(logged.msg, 'deposit credited');
  });
});
