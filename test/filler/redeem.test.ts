// The redeem client both fillers share (src/filler/redeem.ts), against local HTTP servers: what it sends, the
// server's error passed on by code, and answers it will not trust — none of which it ever quotes back.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isDetailsToken, isFillerKey, redeemDetailsToken, RedeemFailed, serverBaseUrl } from '../../src/filler/redeem.js';
import { startStubRedeemer, type StubRedeemer } from '../helpers/filler.js';
import { freePort } from '../helpers/server-process.js';

const card = { pan: '4000001111111116', cvv: '123', expirationMonth: '07', expirationYear: '2031' };
const fingerprint = { extensionId: 'abcdefghijklmnopabcdefghijklmnop', deviceHash: 'f'.repeat(64) };

function failsWith(code: string, messagePattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof RedeemFailed, String(error));
    assert.equal(error.code, code);
    if (messagePattern !== undefined) assert.match(error.message, messagePattern);
    return true;
  };
}

describe('redeeming a details token', () => {
  let redeemer: StubRedeemer;
  let lying: Server;
  let lyingUrl: string;

  before(async () => {
    redeemer = await startStubRedeemer();
    // A server that answers 200 with something that is not card credentials (here: the number without a CVV).
    lying = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pan: card.pan, expirationMonth: '7' })));
    await new Promise<void>((resolve) => lying.listen(0, '127.0.0.1', resolve));
    lyingUrl = `http://127.0.0.1:${(lying.address() as AddressInfo).port}`;
  });

  after(async () => {
    await redeemer.close();
    lying.closeAllConnections();
    await new Promise<void>((resolve) => lying.close(() => resolve()));
  });

  it('posts the fingerprint with the filler key and answers the credentials once', async () => {
    const detailsToken = redeemer.issueToken(card);
    const redeemed = await redeemDetailsToken({ serverUrl: `${redeemer.serverUrl}/v1/`, fillerKey: redeemer.fillerKey, detailsToken, fingerprint });
    assert.deepEqual(redeemed, { ...card, last4: '1116', cardId: 'card_stub', intentId: 'intent_stub', accessEventId: 'evt_stub' });
    assert.deepEqual(redeemer.requests.at(-1), { detailsToken, apiKey: redeemer.fillerKey, body: { fingerprint } });
    await assert.rejects(
      redeemDetailsToken({ serverUrl: redeemer.serverUrl, fillerKey: redeemer.fillerKey, detailsToken, fingerprint }),
      failsWith('details_token_redeemed', /^redeeming the details token failed: This details token was already redeemed \(details_token_redeemed, HTTP 409\)$/),
    );
  });

  it('passes on the server’s code: unknown token, a key the server refuses', async () => {
    await assert.rejects(redeemDetailsToken({ serverUrl: redeemer.serverUrl, fillerKey: redeemer.fillerKey, detailsToken: 'dtk_unknownunknownunknown', fingerprint }), failsWith('resource_not_found'));
    await assert.rejects(redeemDetailsToken({ serverUrl: redeemer.serverUrl, fillerKey: `fk_live_${'z'.repeat(43)}`, detailsToken: redeemer.issueToken(card), fingerprint }), failsWith('insufficient_permissions'));
  });

  it('checks the key, token and URL before sending anything', async () => {
    const before = redeemer.requests.length;
    const request = { serverUrl: redeemer.serverUrl, fillerKey: redeemer.fillerKey, detailsToken: redeemer.issueToken(card), fingerprint };
    await assert.rejects(redeemDetailsToken({ ...request, fillerKey: `lk_dev_${'a'.repeat(43)}` }), failsWith('invalid_filler_key'));
    await assert.rejects(redeemDetailsToken({ ...request, fillerKey: `at_dev_${'a'.repeat(43)}` }), failsWith('invalid_filler_key'));
    await assert.rejects(redeemDetailsToken({ ...request, detailsToken: 'dtk_../../v1/x' }), failsWith('invalid_details_token'));
    await assert.rejects(redeemDetailsToken({ ...request, serverUrl: 'javascript:alert(1)' }), failsWith('invalid_server_url'));
    await assert.rejects(redeemDetailsToken({ ...request, serverUrl: 'not a url' }), failsWith('invalid_server_url'));
    assert.equal(redeemer.requests.length, before);
    assert.equal(isDetailsToken('dtk_abcDEF012_-xyz'), true);
    assert.equal(isFillerKey('fk_dev_abcDEF012_-xyz'), true);
    assert.equal(serverBaseUrl(' http://127.0.0.1:4010/ '), 'http://127.0.0.1:4010');
    assert.equal(serverBaseUrl('https://pay.example.com/cardrail/v1'), 'https://pay.example.com/cardrail');
  });

  it('an answer without well-formed credentials, or no server, fails without quoting anything it received', async () => {
    await assert.rejects(redeemDetailsToken({ serverUrl: lyingUrl, fillerKey: redeemer.fillerKey, detailsToken: redeemer.issueToken(card), fingerprint }), (error: unknown) => {
      assert.ok(error instanceof RedeemFailed);
      assert.equal(error.code, 'invalid_redeem_response');
      assert.ok(!error.message.includes(card.pan));
      return true;
    });
    await assert.rejects(redeemDetailsToken({ serverUrl: `http://127.0.0.1:${await freePort()}`, fillerKey: redeemer.fillerKey, detailsToken: redeemer.issueToken(card), fingerprint }), failsWith('server_unreachable', /^could not reach the cardrail server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/));
  });
});
