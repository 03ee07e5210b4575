// LedgerOS's `GET /v1/users/{id}/contracts` (SPEC §11): per EVM chain the user's deposit address and each token
// contract with what completed deposits of it add up to, in token units as a decimal string.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fundingMethods } from '../../../src/domain/funding-networks.js';
import { assertError, useTestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { createApprovedUser, createUser } from './approved-user.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

for (const kind of storeKinds) {
  describe(`deposit contracts (${kind})`, () => {
    const app = useTestApp({ store: kind });

    const deposit = async (body: Record<string, unknown>) => {
      const response = await app.request('POST', '/v1/sandbox/deposits', { body });
      assert.equal(response.statusCode, 200, response.body);
      return response.json;
    };
    const contracts = async (userId: string): Promise<Json> => {
      const response = await app.request('GET', `/v1/users/${userId}/contracts`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json;
    };

    it('one entry per EVM chain with the deposit address and each token; balances start at 0', async () => {
      const userId = await createApprovedUser(app);
      const funding = (await app.request('GET', `/v1/users/${userId}/funding`)).json;
      const answer = await contracts(userId);
      assert.equal(answer.object, 'deposit_contracts');
      assert.equal(answer.userId, userId);
      assert.deepEqual(
        answer.contracts.map((contract: Json) => [contract.network, contract.chainId]),
        [
          ['base', 8453],
          ['ethereum', 1],
          ['polygon', 137],
          ['arbitrum', 42161],
          ['optimism', 10],
        ],
      );
      for (const contract of answer.contracts) {
        const methods = funding.methods.filter((method: Json) => method.network === contract.network);
        assert.ok(methods.every((method: Json) => method.address === contract.depositAddress), 'the address of the funding instructions');
        assert.deepEqual(
          contract.tokens,
          methods.map((method: Json) => ({ address: method.tokenAddress, symbol: method.token, decimals: 6, balance: '0' })),
        );
      }
    });

    it('balance sums completed deposits of the token to the address, exactly, in token units', async () => {
      const userId = await createApprovedUser(app);
      await deposit({ userId, network: 'base', token: 'USDC', amount: '1234567', confirmations: 12 });
      await deposit({ userId, network: 'base', token: 'USDC', amount: '2500000', confirmations: 12 });
      await deposit({ userId, network: 'base', token: 'USDC', amount: '7', confirmations: 12 });
      await deposit({ userId, network: 'polygon', token: 'USDT', amount: '10000000', confirmations: 64 });
      // Not counted: a pending deposit, a rejected one (wrong token there), and another user's.
      await deposit({ userId, network: 'ethereum', token: 'USDC', amount: '9000000', confirmations: 0 });
      await deposit({ userId, network: 'base', token: 'DAI', amount: '5000000', confirmations: 12 });
      const other = await createApprovedUser(app);
      await deposit({ userId: other, network: 'base', token: 'USDC', amount: '3000000', confirmations: 12 });

      const answer = await contracts(userId);
      const balances = Object.fromEntries(answer.contracts.flatMap((contract: Json) => contract.tokens.map((token: Json) => [`${contract.network}:${token.symbol}`, token.balance])));
      assert.deepEqual(balances, {
        'base:USDC': '3.734574',
        'base:USDT': '0',
        'ethereum:USDC': '0',
        'ethereum:USDT': '0',
        'polygon:USDC': '0',
        'polygon:USDT': '10',
        'arbitrum:USDC': '0',
        'arbitrum:USDT': '0',
        'optimism:USDC': '0',
        'optimism:USDT': '0',
      });
      assert.equal(Object.keys(balances).length, fundingMethods.filter((method) => method.family === 'evm').length);
      assert.equal((await contracts(other)).contracts[0].tokens[0].balance, '3');
    });

    it('approved users only; unknown or foreign users 404', async () => {
      const pending = await createUser(app);
      assertError(await app.request('GET', `/v1/users/${pending}/contracts`), { status: 403, type: 'authorization_error', code: 'user_not_approved' });
      assertError(await app.request('GET', '/v1/users/user_00000000000000000000000000/contracts'), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      const userId = await createApprovedUser(app);
      assertError(await app.request('GET', `/v1/users/${userId}/contracts`, { key: app.liveKey }), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
    });
  });
}
