// The seeds' funding stories through HTTP: seed 001 Phase 1 step 4 ("User Deposits Funds": read the deposit
// addresses, send crypto, deposit.completed when credited) and seed 000 "Funding Issues" (balance not updated:
// wrong network, wrong token, still pending).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listEventsOfScope } from '../../../src/modules/events/service.js';
import { useTestApp } from '../../helpers/app.js';
import { assertLedgerSound } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { approveUser } from './approved-user.js';

for (const kind of storeKinds) {
  describe(`seed funding flows (${kind})`, () => {
    const app = useTestApp({ store: kind });

    const depositEvents = async (depositId: string) =>
      (await listEventsOfScope(app.store.db, { organizationId: app.organizationId, environment: 'sandbox' })).filter((event) => event.data.object.id === depositId);

    it('seed 001 Phase 1 step 4: funding instructions, a deposit, deposit.completed and the balance', async () => {
      // Steps 1-3: create the user; KYC approves them.
      const created = await app.request('POST', '/v1/users', { body: { firstName: 'John', lastName: 'Doe', email: 'john@example.com' } });
      assert.equal(created.statusCode, 200, created.body);
      const userId = created.json.id as string;
      await approveUser(app, userId);

      // Step 4: curl https://api.ledger.so/v1/users/user_xxx/funding → deposit addresses for USDC/USDT.
      const funding = await app.request('GET', `/v1/users/${userId}/funding`);
      assert.equal(funding.statusCode, 200, funding.body);
      const methods = funding.json.methods as Array<{ network: string; token: string; address: string; minConfirmations: number }>;
      assert.deepEqual([...new Set(methods.map((method) => method.token))].sort(), ['USDC', 'USDT']);
      const ethereumUsdc = methods.find((method) => method.network === 'ethereum' && method.token === 'USDC')!;

      // The user sends 250 USDC on Ethereum; the chain watcher sees it.
      const seen = await app.request('POST', '/v1/sandbox/deposits', { body: { userId, network: 'ethereum', token: 'USDC', amount: '250000000' } });
      assert.equal(seen.statusCode, 200, seen.body);
      assert.equal(seen.json.status, 'pending');
      assert.equal(seen.json.address, ethereumUsdc.address);
      assert.equal((await app.request('GET', `/v1/balances/${userId}`)).json.total, 0);

      // "Deposits typically credit within 2-5 minutes": twelve Ethereum blocks of 12 s.
      await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 143 } });
      assert.equal((await app.request('GET', `/v1/deposits/${seen.json.id}`)).json.status, 'pending');
      await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 1 } });

      const events = await depositEvents(seen.json.id);
      assert.deepEqual(events.map((event) => event.type), ['deposit.pending', 'deposit.completed']);
      assert.equal(events[1]!.data.object.status, 'completed');
      assert.equal(events[1]!.data.object.amountCents, 25_000);

      const balance = await app.request('GET', `/v1/balances/${userId}`);
      assert.equal(balance.json.total, 25_000);
      assert.equal(balance.json.available, 25_000);
      assert.equal(balance.json.available, balance.json.total - balance.json.pending - balance.json.reserved);
      await assertLedgerSound(app);
    });

    it('seed 000 Funding Issues: wrong network, wrong token and still-pending deposits leave the balance unchanged, each saying why', async () => {
      const created = await app.request('POST', '/v1/users', { body: { firstName: 'Jane', lastName: 'Roe', email: 'jane@example.com' } });
      const userId = created.json.id as string;
      await approveUser(app, userId);

      const wrongNetwork = await app.request('POST', '/v1/sandbox/deposits', { body: { userId, network: 'tron', token: 'USDT', amount: '10000000', confirmations: 20 } });
      const wrongToken = await app.request('POST', '/v1/sandbox/deposits', { body: { userId, network: 'solana', token: 'USDT', amount: '10000000', confirmations: 40 } });
      const stillPending = await app.request('POST', '/v1/sandbox/deposits', { body: { userId, network: 'polygon', token: 'USDT', amount: '10000000', confirmations: 10 } });
      assert.equal(wrongNetwork.json.status, 'rejected');
      assert.match(wrongNetwork.json.rejectionReason, /tron/);
      assert.equal(wrongToken.json.status, 'rejected');
      assert.match(wrongToken.json.rejectionReason, /USDT/);
      assert.equal(stillPending.json.status, 'pending');
      assert.equal(stillPending.json.confirmations, 10);
      assert.equal(stillPending.json.minConfirmations, 64);
      assert.deepEqual((await depositEvents(wrongNetwork.json.id)).map((event) => event.type), ['deposit.rejected']);

      const list = await app.request('GET', `/v1/users/${userId}/deposits`);
      assert.deepEqual(list.json.data.map((item: { status: string }) => item.status), ['pending', 'rejected', 'rejected']);
      assert.equal((await app.request('GET', `/v1/balances/${userId}`)).json.total, 0);

      // 54 more Polygon blocks of 2 s and the pending one is credited; the rejected ones never are.
      await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 108 } });
      const after = await app.request('GET', `/v1/users/${userId}/deposits`);
      assert.deepEqual(after.json.data.map((item: { status: string }) => item.status), ['completed', 'rejected', 'rejected']);
      assert.equal((await app.request('GET', `/v1/balances/${userId}`)).json.total, 1_000);
      await assertLedgerSound(app);
    });
  });
}
