// SPEC §11: LedgerOS's `POST /v1/withdrawals {userId, chainId, tokenAddress, amount, recipientAddress}` — the same
// withdrawal as `POST /v1/users/{id}/withdrawals`, the chain and token named by chain id and contract.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertError, useTestApp } from '../../helpers/app.js';
import { assertLedgerSound, createApprovedUser, fundUser } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';

const evmAddress = '0x52908400098527886E0F7030069857D2E4169EE7';
const solanaAddress = '6JQqf4jmCqhSLw5FvPq64pnnbyyqMz6k4mG9vepuCVST';
const baseUsdc = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';

for (const kind of storeKinds) {
  describe(`LedgerOS withdrawals (${kind})`, () => {
    const testApp = useTestApp({ store: kind });
    let userId: string;
    before(async () => {
      const scope = { organizationId: testApp.organizationId, environment: 'sandbox' as const };
      userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
      await fundUser(testApp.store.db, scope, userId, 10_000, testApp.clock.nowMs());
    });

    it('names the network and token by chain id and contract (any letter case), and holds the amount at once', async () => {
      const created = await testApp.request('POST', '/v1/withdrawals', { body: { userId, chainId: 8453, tokenAddress: baseUsdc.toLowerCase(), amount: 2_500, recipientAddress: evmAddress } });
      assert.equal(created.statusCode, 200, created.body);
      assert.deepEqual([created.json.object, created.json.network, created.json.token, created.json.amount, created.json.address, created.json.status], ['withdrawal', 'base', 'USDC', 2_500, evmAddress, 'pending']);
      const listed = await testApp.request('GET', `/v1/users/${userId}/withdrawals`);
      assert.equal(listed.json.data[0].id, created.json.id);
      const solana = await testApp.request('POST', '/v1/withdrawals', {
        body: { userId, chainId: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp', tokenAddress: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', amount: 500, recipientAddress: solanaAddress },
      });
      assert.equal(solana.statusCode, 200, solana.body);
      assert.deepEqual([solana.json.network, solana.json.token], ['solana', 'USDC']);
      const balance = (await testApp.request('GET', `/v1/balances/${userId}`)).json;
      assert.deepEqual([balance.available, balance.pending], [7_000, 3_000]);
      await assertLedgerSound(testApp);
    });

    it('refuses an unknown chain, a token not on it, an address of another chain, and more than is available', async () => {
      const before = (await testApp.request('GET', `/v1/balances/${userId}`)).json;
      const invalid = (param: string) => ({ status: 422, type: 'validation_error', code: 'invalid_parameter_value', param });
      const body = { userId, chainId: 8453, tokenAddress: baseUsdc, amount: 100, recipientAddress: evmAddress };
      assertError(await testApp.request('POST', '/v1/withdrawals', { body: { ...body, chainId: 56 } }), invalid('chainId'));
      assertError(await testApp.request('POST', '/v1/withdrawals', { body: { ...body, tokenAddress: '0xdAC17F958D2ee523a2206206994597C13D831ec7' } }), invalid('tokenAddress'));
      assertError(await testApp.request('POST', '/v1/withdrawals', { body: { ...body, recipientAddress: solanaAddress } }), invalid('recipientAddress'));
      assertError(await testApp.request('POST', '/v1/withdrawals', { body: { ...body, amount: 1_000_000 } }), { status: 409, type: 'conflict_error', code: 'insufficient_balance', param: 'amount' });
      assertError(await testApp.request('POST', '/v1/withdrawals', { body: { ...body, userId: 'user_00000000000000000000000000' } }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.deepEqual((await testApp.request('GET', `/v1/balances/${userId}`)).json, before);
    });
  });
}
