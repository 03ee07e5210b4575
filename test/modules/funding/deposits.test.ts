// Funding through HTTP on SQLite and PostgreSQL: deposit instructions, the sandbox chain watcher, confirmations as
// sandbox time passes, crediting through the ledger (once), rejections, debt repayment, lists and reads.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fundingMethods } from '../../../src/domain/funding-networks.js';
import { externalAccountId, userAccountId } from '../../../src/ledger/accounts.js';
import { postTransfers } from '../../../src/ledger/transfers.js';
import { listEventsOfScope } from '../../../src/modules/events/service.js';
import { depositAddresses } from '../../../src/modules/funding/addresses.js';
import { completeConfirmedDeposits } from '../../../src/modules/funding/service.js';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { sandboxOffsetMs } from '../../../src/modules/sandbox/clock.js';
import type { Scope } from '../../../src/domain/scope.js';
import { getUser } from '../../../src/modules/users/service.js';
import { testSecrets } from '../../../src/secrets.js';
import { runDueWorkEverywhere } from '../../../src/workers/due-work.js';
import { useTestApp } from '../../helpers/app.js';
import { assertLedgerSound } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { approveUser, createApprovedUser, createUser } from './approved-user.js';

const hex64 = (byte: string) => `0x${byte.repeat(32)}`;

for (const kind of storeKinds) {
  describe(`funding and deposits (${kind})`, () => {
    const app = useTestApp({ store: kind });
    let scope: Scope;
    before(() => {
      scope = { organizationId: app.organizationId, environment: 'sandbox' };
    });

    const deposit = (body: Record<string, unknown>, key?: string) => app.request('POST', '/v1/sandbox/deposits', { body, ...(key === undefined ? {} : { key }) });
    const readDeposit = async (id: string) => {
      const response = await app.request('GET', `/v1/deposits/${id}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json;
    };
    const advance = async (seconds: number) => {
      const response = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds } });
      assert.equal(response.statusCode, 200, response.body);
    };
    const balanceOf = async (userId: string) => {
      const response = await app.request('GET', `/v1/balances/${userId}`);
      assert.equal(response.statusCode, 200, response.body);
      const { total, available, pending, reserved, debt } = response.json;
      return { total, available, pending, reserved, debt };
    };
    const balance = (available: number, debt = 0) => ({ total: available, available, pending: 0, reserved: 0, debt });
    const transfersOf = (reference: string) =>
      app.store.db.all<{ kind: string; amount: number; debit_account: string; credit_account: string }>(
        'SELECT kind, amount, debit_account, credit_account FROM ledger_transfers WHERE reference = ? ORDER BY kind',
        [reference],
      );
    const transferCount = async () => Number((await app.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ledger_transfers'))?.n);
    const eventTypesOf = async (depositId: string) =>
      (await listEventsOfScope(app.store.db, scope)).filter((event) => event.data.object.id === depositId).map((event) => event.type);
    const addressesOf = async (userId: string, environment: 'sandbox' | 'live' = 'sandbox') => {
      const user = await getUser(app.store.db, { organizationId: app.organizationId, environment }, userId);
      return depositAddresses(testSecrets().hdSeed, environment, user.fundingIndex);
    };

    it("lists every supported pair with the user's derived addresses", async () => {
      const userId = await createApprovedUser(app);
      const response = await app.request('GET', `/v1/users/${userId}/funding`);
      assert.equal(response.statusCode, 200, response.body);
      const addresses = await addressesOf(userId);
      assert.deepEqual(response.json, {
        object: 'funding_instructions',
        userId,
        currency: 'USD',
        methods: fundingMethods.map((method) => ({
          network: method.network,
          token: method.token,
          chainId: method.chainId,
          tokenAddress: method.tokenAddress,
          address: method.network === 'solana' ? addresses.solana : addresses.evm,
          minConfirmations: method.minConfirmations,
          decimals: 6,
        })),
      });
      const methods = response.json.methods as Array<{ network: string; token: string; address: string; chainId: unknown }>;
      assert.equal(methods.length, 11);
      assert.deepEqual(methods.find((method) => method.network === 'base' && method.token === 'USDT')?.chainId, 8453);
      assert.equal(methods.find((method) => method.network === 'solana')?.chainId, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp');
      assert.equal(new Set(methods.filter((method) => method.network !== 'solana').map((method) => method.address)).size, 1, 'one EVM address for every EVM network');

      const otherUserId = await createApprovedUser(app);
      const other = (await app.request('GET', `/v1/users/${otherUserId}/funding`)).json;
      assert.notEqual(other.methods[0].address, methods[0]!.address);
      assert.notEqual(other.methods.at(-1).address, methods.at(-1)!.address);

      const liveUserId = await createApprovedUser(app, { key: app.liveKey, environment: 'live' });
      const live = await app.request('GET', `/v1/users/${liveUserId}/funding`, { key: app.liveKey });
      assert.equal(live.statusCode, 200, live.body);
      const liveAddresses = await addressesOf(liveUserId, 'live');
      assert.equal(live.json.methods[0].address, liveAddresses.evm);
      assert.equal(live.json.methods.at(-1).address, liveAddresses.solana);
      assert.notEqual(liveAddresses.evm, addresses.evm);
    });

    it('refuses funding instructions for a user who is not approved (403 naming the status) or unknown (404)', async () => {
      const userId = await createUser(app);
      const refused = await app.request('GET', `/v1/users/${userId}/funding`);
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json.error.code, 'user_not_approved');
      assert.match(refused.json.error.message, /notStarted/);

      const unknown = await app.request('GET', '/v1/users/user_0000000000aaaaaaaaaaaaaaaa/funding');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json.error.code, 'resource_not_found');
      const other = await initializeOrganization(app.store.db, 'Funding neighbour', app.clock.nowMs());
      const foreign = await app.request('GET', `/v1/users/${await createApprovedUser(app)}/funding`, { key: other.sandboxKey });
      assert.equal(foreign.statusCode, 404, 'another tenant learns nothing');
    });

    it('keeps a deposit pending until it has minConfirmations of sandbox time, then credits it once', async () => {
      const userId = await createApprovedUser(app);
      const transfersBefore = await transferCount();
      const created = await deposit({ userId, network: 'base', token: 'USDC', amount: '1234567' });
      assert.equal(created.statusCode, 200, created.body);
      const id = created.json.id as string;
      assert.match(id, /^dep_/);
      assert.match(created.json.txHash, /^0x[0-9a-f]{64}$/);
      assert.deepEqual(
        { ...created.json, id: undefined, txHash: undefined, createdAt: undefined },
        {
          object: 'deposit',
          id: undefined,
          userId,
          network: 'base',
          token: 'USDC',
          amount: '1234567',
          amountCents: 123,
          remainderBaseUnits: '4567',
          txHash: undefined,
          address: (await addressesOf(userId)).evm,
          status: 'pending',
          rejectionReason: null,
          confirmations: 0,
          minConfirmations: 12,
          createdAt: undefined,
          completedAt: null,
        },
      );
      assert.deepEqual(await balanceOf(userId), balance(0));

      await advance(22); // 11 Base blocks of 2 s
      const almost = await readDeposit(id);
      assert.equal(almost.status, 'pending');
      assert.equal(almost.confirmations, 11);
      assert.deepEqual(await balanceOf(userId), balance(0));
      assert.equal(await transferCount(), transfersBefore, 'nothing posted before the deposit is confirmed');

      await advance(2);
      const done = await readDeposit(id);
      assert.equal(done.status, 'completed');
      assert.equal(done.confirmations, 12);
      assert.equal(done.amountCents, 123);
      assert.equal(done.remainderBaseUnits, '4567');
      assert.ok(done.completedAt !== null && Date.parse(done.completedAt) > Date.parse(done.createdAt));
      assert.deepEqual(await balanceOf(userId), balance(123));
      assert.deepEqual(await transfersOf(id), [
        { kind: 'deposit.credit', amount: 123, debit_account: externalAccountId(scope, 'external:deposits'), credit_account: userAccountId(userId, 'available') },
      ]);

      await advance(600);
      assert.equal((await readDeposit(id)).confirmations, 12, 'capped at minConfirmations once completed');
      assert.deepEqual(await balanceOf(userId), balance(123));
      assert.equal(await transferCount(), transfersBefore + 1);

      assert.deepEqual(await eventTypesOf(id), ['deposit.pending', 'deposit.completed']);
      const events = (await listEventsOfScope(app.store.db, scope)).filter((event) => event.data.object.id === id);
      assert.equal(events[0]!.data.object.status, 'pending');
      assert.equal(events[1]!.data.object.status, 'completed');
      assert.equal(events[1]!.data.object.amountCents, 123);
      await assertLedgerSound(app);
    });

    it('completes at once when already confirmed, and counts Solana slots', async () => {
      const userId = await createApprovedUser(app);
      const confirmed = await deposit({ userId, network: 'base', token: 'USDT', amount: '5000000', confirmations: 12 });
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.equal(confirmed.json.status, 'completed');
      assert.equal(confirmed.json.confirmations, 12);
      assert.deepEqual(await balanceOf(userId), balance(500));
      assert.deepEqual(await eventTypesOf(confirmed.json.id), ['deposit.completed'], 'never pending, so no deposit.pending');

      const deeper = await deposit({ userId, network: 'ethereum', token: 'USDC', amount: '1000000', confirmations: 40 });
      assert.equal(deeper.json.status, 'completed');
      assert.equal(deeper.json.confirmations, 12);

      const solana = await deposit({ userId, network: 'solana', token: 'USDC', amount: '2500000', confirmations: 30, txHash: '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW' });
      assert.equal(solana.json.status, 'pending');
      assert.equal(solana.json.address, (await addressesOf(userId)).solana);
      assert.equal(solana.json.minConfirmations, 32);
      assert.equal(solana.json.txHash, '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW', 'base58 signatures keep their case');
      await advance(1); // two 400 ms slots
      assert.equal((await readDeposit(solana.json.id)).status, 'completed');
      assert.deepEqual(await balanceOf(userId), balance(500 + 100 + 250));
      await assertLedgerSound(app);
    });

    it('records a wrong network or an unsupported token as rejected and never credits it', async () => {
      const userId = await createApprovedUser(app);
      const transfersBefore = await transferCount();
      const addresses = await addressesOf(userId);

      const bitcoin = await deposit({ userId, network: 'bitcoin', token: 'USDC', amount: '1000000', confirmations: 100 });
      assert.equal(bitcoin.statusCode, 200, bitcoin.body);
      assert.equal(bitcoin.json.status, 'rejected');
      assert.match(bitcoin.json.rejectionReason, /unsupported network: bitcoin/);
      assert.equal(bitcoin.json.address, null);
      assert.equal(bitcoin.json.minConfirmations, null);
      assert.equal(bitcoin.json.amountCents, null);
      assert.equal(bitcoin.json.remainderBaseUnits, null);
      assert.equal(bitcoin.json.amount, '1000000');

      const usdtOnSolana = await deposit({ userId, network: 'solana', token: 'USDT', amount: '1000000', confirmations: 100 });
      assert.equal(usdtOnSolana.statusCode, 200, usdtOnSolana.body);
      assert.equal(usdtOnSolana.json.status, 'rejected');
      assert.match(usdtOnSolana.json.rejectionReason, /unsupported token on solana: USDT/);
      assert.equal(usdtOnSolana.json.address, addresses.solana);
      assert.equal(usdtOnSolana.json.minConfirmations, 32);

      const dai = await deposit({ userId, network: 'base', token: 'DAI', amount: '1000000' });
      assert.equal(dai.json.status, 'rejected');
      assert.match(dai.json.rejectionReason, /unsupported token on base: DAI/);

      for (const rejected of [bitcoin, usdtOnSolana, dai]) assert.deepEqual(await eventTypesOf(rejected.json.id), ['deposit.rejected']);
      await advance(3600);
      for (const rejected of [bitcoin, usdtOnSolana, dai]) {
        const read = await readDeposit(rejected.json.id);
        assert.equal(read.status, 'rejected', 'time passing never completes a rejected deposit');
        assert.equal(read.completedAt, null);
        assert.deepEqual(await transfersOf(rejected.json.id), []);
      }
      const again = await deposit({ userId, network: 'bitcoin', token: 'USDC', amount: '1000000', txHash: bitcoin.json.txHash });
      assert.equal(again.json.id, bitcoin.json.id);
      assert.deepEqual(await balanceOf(userId), balance(0));
      assert.equal(await transferCount(), transfersBefore);
      await assertLedgerSound(app);
    });

    it('treats the same txHash on the same network as one deposit, credited once', async () => {
      const userId = await createApprovedUser(app);
      const txHash = hex64('ab');
      const first = await deposit({ userId, network: 'arbitrum', token: 'USDC', amount: '2000000', txHash });
      assert.equal(first.json.status, 'pending');
      const replay = await deposit({ userId, network: 'arbitrum', token: 'USDC', amount: '9000000', txHash, confirmations: 50 });
      assert.equal(replay.statusCode, 200, replay.body);
      assert.deepEqual(replay.json, first.json, 'the existing deposit, unchanged');
      const upperCase = await deposit({ userId, network: 'ARBITRUM', token: 'usdc', amount: '2000000', txHash: txHash.toUpperCase().replace('0X', '0x') });
      assert.equal(upperCase.json.id, first.json.id, 'hex hashes and names are compared case-insensitively');

      await advance(3); // 12 Arbitrum blocks of 250 ms
      assert.equal((await readDeposit(first.json.id)).status, 'completed');
      const afterCompletion = await deposit({ userId, network: 'arbitrum', token: 'USDC', amount: '2000000', txHash, confirmations: 12 });
      assert.equal(afterCompletion.json.id, first.json.id);
      assert.equal(afterCompletion.json.status, 'completed');
      assert.deepEqual(await balanceOf(userId), balance(200));
      assert.equal((await transfersOf(first.json.id)).length, 1);
      assert.deepEqual(await eventTypesOf(first.json.id), ['deposit.pending', 'deposit.completed']);

      const otherNetwork = await deposit({ userId, network: 'polygon', token: 'USDC', amount: '1000000', txHash, confirmations: 64 });
      assert.notEqual(otherNetwork.json.id, first.json.id, 'the same hash on another chain is another transfer');
      assert.equal(otherNetwork.json.status, 'completed');
      assert.deepEqual(await balanceOf(userId), balance(300));

      // Twins racing: every answer is the one deposit, credited once.
      const racedHash = hex64('cd');
      const raced = await Promise.all(
        Array.from({ length: 5 }, () => deposit({ userId, network: 'optimism', token: 'USDT', amount: '4000000', txHash: racedHash, confirmations: 12 })),
      );
      for (const response of raced) assert.equal(response.statusCode, 200, response.body);
      assert.equal(new Set(raced.map((response) => response.json.id)).size, 1);
      assert.equal((await transfersOf(raced[0]!.json.id)).length, 1);
      assert.deepEqual(await balanceOf(userId), balance(700));
      const stored = await app.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM deposits WHERE tx_hash = ?', [racedHash]);
      assert.equal(Number(stored?.n), 1);
      await assertLedgerSound(app);
    });

    it('repays debt first', async () => {
      const userId = await createApprovedUser(app);
      const debtAccount = userAccountId(userId, 'debt');
      // A force post beyond the user's funds, as the card network will post one.
      await app.store.db.transaction((tx) =>
        postTransfers(tx, scope, [{ debitAccount: debtAccount, creditAccount: externalAccountId(scope, 'external:network'), amountCents: 500, kind: 'test.force_post', reference: `fp_${userId}` }], app.clock.nowMs()),
      );
      assert.deepEqual(await balanceOf(userId), balance(0, 500));

      const smaller = await deposit({ userId, network: 'base', token: 'USDC', amount: '3000000', confirmations: 12 });
      assert.deepEqual(await balanceOf(userId), balance(0, 200));
      assert.deepEqual(
        (await transfersOf(smaller.json.id)).map((transfer) => [transfer.kind, transfer.amount, transfer.debit_account, transfer.credit_account]),
        [
          ['deposit.credit', 300, externalAccountId(scope, 'external:deposits'), userAccountId(userId, 'available')],
          ['deposit.debt_repayment', 300, userAccountId(userId, 'available'), debtAccount],
        ],
      );

      const larger = await deposit({ userId, network: 'base', token: 'USDC', amount: '7000000' });
      assert.deepEqual(await balanceOf(userId), balance(0, 200), 'a pending deposit repays nothing yet');
      await advance(24);
      assert.deepEqual(await balanceOf(userId), balance(500, 0));
      assert.deepEqual(
        (await transfersOf(larger.json.id)).map((transfer) => [transfer.kind, transfer.amount]),
        [
          ['deposit.credit', 700],
          ['deposit.debt_repayment', 200],
        ],
      );

      const noDebt = await deposit({ userId, network: 'base', token: 'USDC', amount: '1000000', confirmations: 12 });
      assert.deepEqual((await transfersOf(noDebt.json.id)).map((transfer) => transfer.kind), ['deposit.credit']);
      assert.deepEqual(await balanceOf(userId), balance(600, 0));
      await assertLedgerSound(app);
    });

    it('completes a deposit below one cent with nothing posted and keeps the remainder', async () => {
      const userId = await createApprovedUser(app);
      const transfersBefore = await transferCount();
      const dust = await deposit({ userId, network: 'base', token: 'USDC', amount: '9999', confirmations: 12 });
      assert.equal(dust.json.status, 'completed');
      assert.equal(dust.json.amountCents, 0);
      assert.equal(dust.json.remainderBaseUnits, '9999');
      const pendingDust = await deposit({ userId, network: 'base', token: 'USDC', amount: '0042' });
      assert.equal(pendingDust.json.amount, '42', 'amounts are stored without leading zeros');
      await advance(24);
      assert.equal((await readDeposit(pendingDust.json.id)).status, 'completed');
      assert.deepEqual(await eventTypesOf(dust.json.id), ['deposit.completed']);
      assert.equal(await transferCount(), transfersBefore);
      assert.deepEqual(await balanceOf(userId), balance(0));
      await assertLedgerSound(app);
    });

    it('accepts and credits deposits to users who are not approved', async () => {
      const userId = await createUser(app);
      const arrived = await deposit({ userId, network: 'ethereum', token: 'USDT', amount: '1000000', confirmations: 12 });
      assert.equal(arrived.statusCode, 200, arrived.body);
      assert.equal(arrived.json.status, 'completed');
      assert.equal(arrived.json.address, (await addressesOf(userId)).evm);
      assert.deepEqual(await balanceOf(userId), balance(100));
      assert.equal((await app.request('GET', `/v1/users/${userId}/funding`)).statusCode, 403, 'instructions still need approval');
      await approveUser(app, userId);
      assert.equal((await app.request('GET', `/v1/users/${userId}/funding`)).statusCode, 200);
    });

    it('refuses malformed requests without recording anything', async () => {
      const userId = await createApprovedUser(app);
      const count = async () => Number((await app.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM deposits'))?.n);
      const depositsBefore = await count();
      const eventsBefore = (await listEventsOfScope(app.store.db, scope)).length;
      const valid = { userId, network: 'base', token: 'USDC', amount: '1000000' };
      const cases: Array<[Record<string, unknown>, number, string, string]> = [
        [{ ...valid, amount: 1000000 }, 400, 'invalid_parameter_type', 'amount'],
        [{ ...valid, amount: '1.5' }, 422, 'invalid_parameter_value', 'amount'],
        [{ ...valid, amount: '-5' }, 422, 'invalid_parameter_value', 'amount'],
        [{ ...valid, amount: '' }, 422, 'invalid_parameter_value', 'amount'],
        [{ ...valid, amount: '1'.repeat(79) }, 422, 'invalid_parameter_value', 'amount'],
        [{ ...valid, amount: '1'.repeat(30) }, 422, 'invalid_parameter_value', 'amount'],
        [{ ...valid, amount: undefined }, 400, 'missing_parameter', 'amount'],
        [{ ...valid, network: undefined }, 400, 'missing_parameter', 'network'],
        [{ ...valid, token: undefined }, 400, 'missing_parameter', 'token'],
        [{ ...valid, userId: undefined }, 400, 'missing_parameter', 'userId'],
        [{ ...valid, confirmations: -1 }, 422, 'invalid_parameter_value', 'confirmations'],
        [{ ...valid, confirmations: '3' }, 400, 'invalid_parameter_type', 'confirmations'],
        [{ ...valid, txHash: 'short' }, 422, 'invalid_parameter_value', 'txHash'],
        [{ ...valid, network: 'base chain' }, 422, 'invalid_parameter_value', 'network'],
      ];
      for (const [body, status, code, param] of cases) {
        const response = await deposit(body);
        assert.equal(response.statusCode, status, `${JSON.stringify(body)}: ${response.body}`);
        assert.equal(response.json.error.code, code, JSON.stringify(body));
        assert.equal(response.json.error.param, param, JSON.stringify(body));
      }
      const unknownUser = await deposit({ ...valid, userId: 'user_0000000000aaaaaaaaaaaaaaaa' });
      assert.equal(unknownUser.statusCode, 404);
      assert.equal(unknownUser.json.error.code, 'resource_not_found');
      const live = await deposit(valid, app.liveKey);
      assert.equal(live.statusCode, 403);
      assert.equal(live.json.error.code, 'sandbox_only');

      assert.equal(await count(), depositsBefore);
      assert.equal((await listEventsOfScope(app.store.db, scope)).length, eventsBefore);
      assert.deepEqual(await balanceOf(userId), balance(0));
    });

    it("lists a user's deposits newest first, page by page, and scopes reads to the tenant", async () => {
      const userId = await createApprovedUser(app);
      const ids: string[] = [];
      for (const amount of ['1000000', '2000000', '3000000']) ids.push((await deposit({ userId, network: 'optimism', token: 'USDC', amount })).json.id);
      const firstPage = await app.request('GET', `/v1/users/${userId}/deposits?limit=2`);
      assert.equal(firstPage.statusCode, 200, firstPage.body);
      assert.equal(firstPage.json.object, 'list');
      assert.deepEqual(firstPage.json.data.map((item: { id: string }) => item.id), [ids[2], ids[1]]);
      assert.equal(firstPage.json.hasMore, true);
      const secondPage = await app.request('GET', `/v1/users/${userId}/deposits?limit=2&cursor=${firstPage.json.nextCursor}`);
      assert.deepEqual(secondPage.json.data.map((item: { id: string }) => item.id), [ids[0]]);
      assert.equal(secondPage.json.hasMore, false);
      assert.equal(secondPage.json.nextCursor, null);
      assert.deepEqual(secondPage.json.data[0], await readDeposit(ids[0]!));

      assert.equal((await app.request('GET', '/v1/users/user_0000000000aaaaaaaaaaaaaaaa/deposits')).statusCode, 404);
      assert.equal((await app.request('GET', `/v1/users/${userId}/deposits?cursor=nonsense`)).json.error.code, 'invalid_cursor');
      const missing = await app.request('GET', '/v1/deposits/dep_0000000000aaaaaaaaaaaaaaaa');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json.error.code, 'resource_not_found');
      const other = await initializeOrganization(app.store.db, 'Deposit neighbour', app.clock.nowMs());
      assert.equal((await app.request('GET', `/v1/deposits/${ids[0]}`, { key: other.sandboxKey })).statusCode, 404);
      assert.equal((await app.request('GET', `/v1/deposits/${ids[0]}`, { key: app.liveKey })).statusCode, 404, 'sandbox and live never mix');
      await advance(24); // complete them, so later tests start with nothing due
    });

    it('never writes on read; the due-work step completes what is due, once', async () => {
      const userId = await createApprovedUser(app);
      const pending = await Promise.all(['1000000', '2000000', '3000000'].map((amount) => deposit({ userId, network: 'base', token: 'USDC', amount })));
      const ids = pending.map((response) => response.json.id as string);

      app.clock.advanceMs(30_000); // the wall clock moves; no due work has run
      const read = await readDeposit(ids[0]!);
      assert.equal(read.status, 'pending');
      assert.equal(read.confirmations, 15, 'confirmations follow environment time even before the worker runs');
      const row = await app.store.db.get<{ status: string }>('SELECT status FROM deposits WHERE id = ?', [ids[0]!]);
      assert.equal(row?.status, 'pending');
      assert.deepEqual(await balanceOf(userId), balance(0));

      const nowMs = app.clock.nowMs() + (await sandboxOffsetMs(app.store.db, scope));
      const completedCounts = await Promise.all([
        app.store.db.transaction((tx) => completeConfirmedDeposits(tx, scope, nowMs)),
        app.store.db.transaction((tx) => completeConfirmedDeposits(tx, scope, nowMs)),
      ]);
      assert.equal(completedCounts[0]! + completedCounts[1]!, 3, `each deposit completed by exactly one run: ${completedCounts.join(', ')}`);
      assert.equal(await app.store.db.transaction((tx) => completeConfirmedDeposits(tx, scope, nowMs)), 0, 'nothing left: the step is idempotent');
      for (const id of ids) {
        assert.equal((await readDeposit(id)).status, 'completed');
        assert.equal((await transfersOf(id)).length, 1);
      }
      assert.deepEqual(await balanceOf(userId), balance(600));

      // The background timer's entry point does the same for every organization.
      const late = await deposit({ userId, network: 'base', token: 'USDC', amount: '500000' });
      app.clock.advanceMs(24_000);
      await runDueWorkEverywhere(app.app.context);
      assert.equal((await readDeposit(late.json.id)).status, 'completed');
      assert.deepEqual(await balanceOf(userId), balance(650));
      await assertLedgerSound(app);
    });
  });
}
