import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createWithdrawal } from '../../../src/modules/withdrawals/service.js';
import { isAppError } from '../../../src/domain/errors.js';
import { useTestApp } from '../../helpers/app.js';
import { assertLedgerSound, fundedUser } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';

const evmAddress = '0x52908400098527886E0F7030069857D2E4169EE7';
const solanaAddress = '6JQqf4jmCqhSLw5FvPq64pnnbyyqMz6k4mG9vepuCVST';

for (const kind of storeKinds) {
  describe(`withdrawals (${kind})`, () => {
    const testApp = useTestApp({ store: kind });
    let scope: { organizationId: string; environment: 'sandbox' };
    before(() => {
      scope = { organizationId: testApp.organizationId, environment: 'sandbox' };
    });

    async function balance(userId: string) {
      const response = await testApp.request('GET', `/v1/balances/${userId}`);
      assert.equal(response.statusCode, 200);
      return response.json as { total: number; pending: number; reserved: number; available: number };
    }

    it('holds the amount at once, then pays it out on confirmation', async () => {
      const userId = await fundedUser(testApp, 10_000);
      const created = await testApp.request('POST', `/v1/users/${userId}/withdrawals`, { body: { network: 'base', token: 'USDC', amount: 2_500, address: evmAddress } });
      assert.equal(created.statusCode, 200);
      assert.equal(created.json.object, 'withdrawal');
      assert.equal(created.json.status, 'pending');
      assert.match(created.json.id, /^wd_/);
      assert.deepEqual(await balance(userId), { object: 'balance', userId, currency: 'USD', total: 10_000, pending: 2_500, reserved: 0, available: 7_500, debt: 0 });
      await assertLedgerSound(testApp);

      const submitted = await testApp.request('POST', `/v1/sandbox/withdrawals/${created.json.id}/submit`);
      assert.equal(submitted.json.status, 'submitted');
      assert.match(submitted.json.txHash, /^0x[0-9a-f]{64}$/);
      const confirmed = await testApp.request('POST', `/v1/sandbox/withdrawals/${created.json.id}/confirm`);
      assert.equal(confirmed.json.status, 'confirmed');
      const after = await balance(userId);
      assert.equal(after.total, 7_500);
      assert.equal(after.pending, 0);
      assert.equal(after.available, 7_500);
      await assertLedgerSound(testApp);

      const events = await testApp.store.db.all<{ type: string }>(`SELECT type FROM events WHERE data LIKE ? ORDER BY id`, [`%${created.json.id}%`]);
      assert.deepEqual(events.map((event) => event.type), ['withdrawal.created', 'withdrawal.submitted', 'withdrawal.confirmed']);

      const listed = await testApp.request('GET', `/v1/users/${userId}/withdrawals`);
      assert.deepEqual(listed.json.data.map((item: { id: string }) => item.id), [created.json.id]);
      const one = await testApp.request('GET', `/v1/users/${userId}/withdrawals/${created.json.id}`);
      assert.equal(one.json.status, 'confirmed');
    });

    it('releases the hold when the network fails the withdrawal, and refuses later outcomes', async () => {
      const userId = await fundedUser(testApp, 5_000);
      const created = await testApp.request('POST', `/v1/users/${userId}/withdrawals`, { body: { network: 'solana', token: 'USDC', amount: 5_000, address: solanaAddress } });
      assert.equal(created.statusCode, 200);
      assert.equal((await balance(userId)).available, 0);

      const early = await testApp.request('POST', `/v1/sandbox/withdrawals/${created.json.id}/confirm`);
      assert.equal(early.statusCode, 409);
      assert.equal(early.json.error.code, 'invalid_status_transition');

      const failed = await testApp.request('POST', `/v1/sandbox/withdrawals/${created.json.id}/fail`, { body: { reason: 'destination rejected' } });
      assert.equal(failed.json.status, 'failed');
      assert.equal(failed.json.failureReason, 'destination rejected');
      assert.deepEqual(await balance(userId), { object: 'balance', userId, currency: 'USD', total: 5_000, pending: 0, reserved: 0, available: 5_000, debt: 0 });
      const again = await testApp.request('POST', `/v1/sandbox/withdrawals/${created.json.id}/fail`);
      assert.equal(again.statusCode, 409);
      await assertLedgerSound(testApp);
    });

    it('refuses withdrawals beyond available, for unapproved users, and to unsupported or malformed destinations', async () => {
      const userId = await fundedUser(testApp, 1_000);
      const tooMuch = await testApp.request('POST', `/v1/users/${userId}/withdrawals`, { body: { network: 'base', token: 'USDC', amount: 1_001, address: evmAddress } });
      assert.equal(tooMuch.statusCode, 409);
      assert.equal(tooMuch.json.error.code, 'insufficient_balance');
      assert.match(tooMuch.json.error.message, /1000/);
      assert.match(tooMuch.json.error.message, /1001/);

      const cases: Array<[Record<string, unknown>, string]> = [
        [{ network: 'bitcoin', token: 'USDC', amount: 100, address: evmAddress }, 'network'],
        [{ network: 'solana', token: 'USDT', amount: 100, address: solanaAddress }, 'token'],
        [{ network: 'base', token: 'USDC', amount: 100, address: '0x1234' }, 'address'],
        [{ network: 'solana', token: 'USDC', amount: 100, address: evmAddress }, 'address'],
        [{ network: 'base', token: 'USDC', amount: 0, address: evmAddress }, 'amount'],
      ];
      for (const [body, param] of cases) {
        const response = await testApp.request('POST', `/v1/users/${userId}/withdrawals`, { body });
        assert.equal(response.statusCode, 422, JSON.stringify(body));
        assert.equal(response.json.error.code, 'invalid_parameter_value');
        assert.equal(response.json.error.param, param);
      }

      const pendingUser = await testApp.request('POST', '/v1/users', { body: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' } });
      const refused = await testApp.request('POST', `/v1/users/${pendingUser.json.id}/withdrawals`, { body: { network: 'base', token: 'USDC', amount: 1, address: evmAddress } });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json.error.code, 'user_not_approved');
      assert.match(refused.json.error.message, /notStarted/);

      assert.equal((await balance(userId)).available, 1_000);
      const listed = await testApp.request('GET', `/v1/users/${userId}/withdrawals`);
      assert.equal(listed.json.data.length, 0);
      await assertLedgerSound(testApp);
    });

    it("answers 404 for another user's or another tenant's withdrawal", async () => {
      const owner = await fundedUser(testApp, 1_000);
      const other = await fundedUser(testApp, 1_000);
      const created = await testApp.request('POST', `/v1/users/${owner}/withdrawals`, { body: { network: 'base', token: 'USDT', amount: 10, address: evmAddress } });
      assert.equal((await testApp.request('GET', `/v1/users/${other}/withdrawals/${created.json.id}`)).statusCode, 404);
      assert.equal((await testApp.request('GET', `/v1/users/${owner}/withdrawals/${created.json.id}`, { key: testApp.liveKey })).statusCode, 404);
      assert.equal((await testApp.request('POST', `/v1/sandbox/withdrawals/${created.json.id}/submit`, { key: testApp.liveKey })).statusCode, 403);
    });

    it('concurrent withdrawals against one balance never take it below zero', async () => {
      const userId = await fundedUser(testApp, 10_000);
      const attempts = 40;
      const outcomes = await Promise.allSettled(
        Array.from({ length: attempts }, () =>
          testApp.store.db.transaction((tx) => createWithdrawal(tx, scope, userId, { network: 'base', token: 'USDC', amount: 300, address: evmAddress }, testApp.clock.nowMs())),
        ),
      );
      const approved = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      assert.equal(approved, 33);
      for (const outcome of refused) {
        assert.ok(outcome.status === 'rejected' && isAppError(outcome.reason) && outcome.reason.code === 'insufficient_balance', String((outcome as PromiseRejectedResult).reason));
      }
      const after = await balance(userId);
      assert.equal(after.available, 100);
      assert.equal(after.pending, 9_900);
      await assertLedgerSound(testApp);
    });
  });
}
