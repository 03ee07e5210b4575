// IP allowlists through HTTP (SPEC §3): a key's allowedIps (IPv4, IPv6, IPv4-mapped callers), invalid ranges,
// and the organization's requireIpAllowlist setting.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertError, useTestApp } from '../helpers/app.js';

const ipNotAllowed = { status: 403, type: 'authorization_error', code: 'ip_not_allowed' };
const noAuthorizedIps = { status: 403, type: 'authorization_error', code: 'no_authorized_ips' };

describe('IP allowlist', () => {
  const testApp = useTestApp({}, { perTest: true });

  async function createKey(allowedIps: string[], key: string = testApp.sandboxKey): Promise<{ id: string; key: string; allowedIps: string[] | null }> {
    const response = await testApp.request('POST', '/v1/api-keys', { key, body: { name: 'allowlisted', allowedIps } });
    assert.equal(response.statusCode, 200, response.body);
    return { id: response.json.id, key: response.json.key, allowedIps: response.json.allowedIps };
  }

  async function statusFrom(key: string, remoteAddress: string): Promise<number> {
    return (await testApp.request('GET', '/v1/api-keys', { key, remoteAddress })).statusCode;
  }

  test('a key with an IPv4 range answers inside it and refuses 403 ip_not_allowed outside it', async () => {
    const created = await createKey(['10.1.0.0/16']);
    assert.deepEqual(created.allowedIps, ['10.1.0.0/16']);
    const shown = await testApp.request('GET', `/v1/api-keys/${created.id}`);
    assert.deepEqual(shown.json.allowedIps, ['10.1.0.0/16']);

    for (const address of ['10.1.2.3', '10.1.0.0', '10.1.255.255']) {
      assert.equal(await statusFrom(created.key, address), 200, address);
    }
    for (const address of ['192.168.1.1', '10.2.0.1', '10.0.255.255', '127.0.0.1']) {
      assertError(await testApp.request('GET', '/v1/api-keys', { key: created.key, remoteAddress: address }), ipNotAllowed);
    }
    // Writes are refused as well, and the refused write had no effect.
    assertError(await testApp.request('POST', '/v1/api-keys', { key: created.key, remoteAddress: '192.168.1.1', body: { name: 'nope' } }), ipNotAllowed);
    const list = await testApp.request('GET', '/v1/api-keys');
    assert.equal(list.json.data.length, 2);
  });

  test('a key without allowedIps answers from anywhere', async () => {
    for (const address of ['10.1.2.3', '192.168.1.1', '2001:db8::1']) {
      assert.equal(await statusFrom(testApp.sandboxKey, address), 200, address);
    }
    const empty = await createKey([]);
    assert.equal(empty.allowedIps, null, 'an empty list means any address');
    assert.equal(await statusFrom(empty.key, '203.0.113.9'), 200);
  });

  test('IPv6 ranges match IPv6 callers only', async () => {
    const created = await createKey(['2001:db8::/32']);
    assert.equal(created.allowedIps?.length, 1);
    assert.equal(await statusFrom(created.key, '2001:db8::1'), 200);
    assert.equal(await statusFrom(created.key, '2001:db8:ffff:1::42'), 200);
    for (const address of ['2001:db9::1', '::1', '10.1.2.3']) {
      assertError(await testApp.request('GET', '/v1/api-keys', { key: created.key, remoteAddress: address }), ipNotAllowed);
    }
  });

  test('an IPv4 caller seen as IPv4-mapped IPv6 (dual-stack sockets) matches IPv4 ranges', async () => {
    const created = await createKey(['10.1.0.0/16']);
    assert.equal(await statusFrom(created.key, '::ffff:10.1.2.3'), 200);
    assertError(await testApp.request('GET', '/v1/api-keys', { key: created.key, remoteAddress: '::ffff:192.168.1.1' }), ipNotAllowed);
  });

  test('a bare address is a range of one', async () => {
    const created = await createKey(['10.1.2.3']);
    assert.deepEqual(created.allowedIps, ['10.1.2.3/32']);
    assert.equal(await statusFrom(created.key, '10.1.2.3'), 200);
    assertError(await testApp.request('GET', '/v1/api-keys', { key: created.key, remoteAddress: '10.1.2.4' }), ipNotAllowed);
  });

  test('X-Forwarded-For is not trusted unless the deployment says so', async () => {
    const created = await createKey(['10.1.0.0/16']);
    const response = await testApp.request('GET', '/v1/api-keys', { key: created.key, remoteAddress: '192.168.1.1', headers: { 'x-forwarded-for': '10.1.2.3' } });
    assertError(response, ipNotAllowed);
  });

  test('an invalid range answers 422 invalid_parameter_value naming allowedIps and creates nothing', async () => {
    for (const [allowedIps, param] of [
      [['10.1.0.0/33'], 'allowedIps[0]'],
      [['10.1.0.0/16', 'not-an-ip'], 'allowedIps[1]'],
      [['300.1.2.3'], 'allowedIps[0]'],
      [['2001:db8::/129'], 'allowedIps[0]'],
      [[''], 'allowedIps[0]'],
    ] as const) {
      const response = await testApp.request('POST', '/v1/api-keys', { body: { allowedIps } });
      assertError(response, { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param });
    }
    const list = await testApp.request('GET', '/v1/api-keys');
    assert.equal(list.json.data.length, 1);
  });

  test('requireIpAllowlist locks out keys without allowedIps, in both environments, until turned off', async () => {
    const allowlisted = await createKey(['10.1.0.0/16']);
    const turnedOn = await testApp.request('PATCH', '/v1/organization', { key: allowlisted.key, remoteAddress: '10.1.2.3', body: { requireIpAllowlist: true } });
    assert.equal(turnedOn.statusCode, 200, turnedOn.body);
    assert.equal(turnedOn.json.object, 'organization');
    assert.equal(turnedOn.json.requireIpAllowlist, true);

    assertError(await testApp.request('GET', '/v1/api-keys'), noAuthorizedIps);
    assertError(await testApp.request('GET', '/v1/api-keys', { remoteAddress: '10.1.2.3' }), noAuthorizedIps);
    assertError(await testApp.request('GET', '/v1/api-keys', { key: testApp.liveKey }), noAuthorizedIps);
    assertError(await testApp.request('POST', '/v1/api-keys', { body: { name: 'sneaky', allowedIps: ['0.0.0.0/0'] } }), noAuthorizedIps);

    const fromRange = await testApp.request('GET', '/v1/organization', { key: allowlisted.key, remoteAddress: '10.1.2.3' });
    assert.equal(fromRange.statusCode, 200, fromRange.body);
    assert.equal(fromRange.json.requireIpAllowlist, true);
    assertError(await testApp.request('GET', '/v1/organization', { key: allowlisted.key, remoteAddress: '192.168.1.1' }), ipNotAllowed);

    const turnedOff = await testApp.request('PATCH', '/v1/organization', { key: allowlisted.key, remoteAddress: '10.1.2.3', body: { requireIpAllowlist: false } });
    assert.equal(turnedOff.statusCode, 200, turnedOff.body);
    assert.equal(turnedOff.json.requireIpAllowlist, false);
    assert.equal(await statusFrom(testApp.sandboxKey, '127.0.0.1'), 200);
    assert.equal(await statusFrom(testApp.liveKey, '127.0.0.1'), 200);
  });

  test('a key without allowedIps cannot turn requireIpAllowlist on', async () => {
    const response = await testApp.request('PATCH', '/v1/organization', { body: { requireIpAllowlist: true } });
    assertError(response, { status: 409, type: 'conflict_error', code: 'ip_allowlist_required_for_caller', param: 'requireIpAllowlist' });
    assert.equal(await statusFrom(testApp.sandboxKey, '127.0.0.1'), 200);
  });
});
