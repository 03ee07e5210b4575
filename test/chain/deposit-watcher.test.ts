// The EVM deposit watcher against a real node (startDevchain), on SQLite and PostgreSQL: ERC-20 transfers to users'
// deposit addresses become pending deposits, complete and are credited (floored to cents, the remainder kept) at the
// configured confirmations counted from blocks; a re-scan credits nothing twice; a reorg before confirmation leaves
// the deposit rejected `reorged` and the balance untouched; another token is ignored and reported. The ledger
// verifies after each test. Each store gets its own chain: the same test seed gives both stores the same addresses.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createPublicClient, createTestClient, createWalletClient, encodeFunctionData, http, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { deployTestToken, devchainDefinition, startDevchain, type Devchain } from '../../src/chain/devchain.js';
import { testTokenAbi } from '../../src/chain/test-token/artifact.js';
import { loadConfig, type ChainConfig } from '../../src/config.js';
import { listEventsOfScope } from '../../src/modules/events/service.js';
import { testSecrets } from '../../src/secrets.js';
import { ChainWatcher, describePollFailure } from '../../src/workers/chain-watcher.js';
import { useTestApp } from '../helpers/app.js';
import { assertLedgerSound } from '../helpers/money.js';
import { storeKinds } from '../helpers/stores.js';
import { createApprovedUser } from '../modules/funding/approved-user.js';

const minConfirmations = 3;

for (const kind of storeKinds) {
  describe(`EVM deposit watcher on a devchain (${kind})`, () => {
    let devchain: Devchain;
    let chain: ChainConfig;
    before(async () => {
      devchain = await startDevchain({ secrets: testSecrets(), minConfirmations });
      chain = loadConfig(devchain.env).chains[0]!;
    });
    after(async () => {
      await devchain?.stop();
    });
    // The app reads the devchain's variables as a server would; the watcher is driven poll by poll.
    const app = useTestApp({ store: kind, config: { chains: [] } });
    let watcher: ChainWatcher;
    before(() => {
      app.app.context.config.chains = [chain];
      const { db, clock, logger, secrets, chainWatch } = app.app.context;
      watcher = new ChainWatcher({ db, clock, logger, secrets, status: chainWatch }, chain, 500);
    });
    afterEach(async () => {
      await assertLedgerSound(app);
    });

    const chainClient = () => createPublicClient({ chain: devchainDefinition(devchain.rpcUrl, devchain.chainId), transport: http(devchain.rpcUrl), cacheTime: 0 });
    const testClient = () => createTestClient({ mode: 'hardhat', transport: http(devchain.rpcUrl) });
    const wallet = () => createWalletClient({ account: privateKeyToAccount(devchain.testWallet.privateKey), chain: devchainDefinition(devchain.rpcUrl, devchain.chainId), transport: http(devchain.rpcUrl) });

    /** The test wallet sends `amount` base units of `token` to `to` and waits for the block. */
    const send = async (to: string, amount: bigint, token: Address = devchain.tokenAddress): Promise<{ txHash: Hex; blockNumber: bigint }> => {
      const txHash = await wallet().writeContract({ address: token, abi: testTokenAbi, functionName: 'transfer', args: [to as Address, amount] });
      const receipt = await chainClient().waitForTransactionReceipt({ hash: txHash, pollingInterval: 20 });
      assert.equal(receipt.status, 'success');
      return { txHash, blockNumber: receipt.blockNumber };
    };
    const mine = (blocks: number) => testClient().mine({ blocks });

    /** The base USDC address the funding instructions give the user: where a person would send. */
    const depositAddressOf = async (userId: string, key?: string): Promise<string> => {
      const response = await app.request('GET', `/v1/users/${userId}/funding`, key === undefined ? {} : { key });
      assert.equal(response.statusCode, 200, response.body);
      const method = response.json.methods.find((candidate: { network: string; token: string }) => candidate.network === 'base' && candidate.token === 'USDC');
      assert.equal(method.chainId, devchain.chainId, 'the instructions name the watched chain');
      assert.equal(method.tokenAddress, devchain.tokenAddress, 'and its token contract');
      assert.equal(method.minConfirmations, minConfirmations);
      return method.address;
    };
    const depositsOf = async (userId: string, key?: string) => {
      const response = await app.request('GET', `/v1/users/${userId}/deposits`, key === undefined ? {} : { key });
      assert.equal(response.statusCode, 200, response.body);
      return response.json.data as Array<Record<string, unknown>>;
    };
    const balanceOf = async (userId: string, key?: string) => {
      const response = await app.request('GET', `/v1/balances/${userId}`, key === undefined ? {} : { key });
      assert.equal(response.statusCode, 200, response.body);
      return { total: response.json.total as number, available: response.json.available as number };
    };
    const depositEvents = async (depositId: string, environment: 'sandbox' | 'live' = 'sandbox') =>
      (await listEventsOfScope(app.store.db, { organizationId: app.organizationId, environment }))
        .filter((event) => event.data.object.id === depositId)
        .map((event) => event.type);
    const creditTransfers = async (depositId: string) =>
      Number((await app.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ledger_transfers WHERE reference = ? AND kind = 'deposit.credit'`, [depositId]))?.n);

    it('a transfer becomes pending at first sight and completes at minConfirmations, crediting floored cents and keeping the remainder', async () => {
      const userId = await createApprovedUser(app);
      const address = await depositAddressOf(userId);
      // 12.345678 USDC: 1,234 cents credited, 5,678 base units below a cent kept on the deposit.
      const { txHash, blockNumber } = await send(address, 12_345_678n);

      const first = await watcher.pollOnce();
      assert.equal(first.recorded, 1);
      let [deposit] = await depositsOf(userId);
      assert.equal(deposit!.status, 'pending');
      assert.equal(deposit!.txHash, txHash.toLowerCase());
      assert.equal(deposit!.address, address.toLowerCase());
      assert.equal(deposit!.amount, '12345678');
      assert.equal(deposit!.confirmations, 1, 'its own block is the first confirmation');
      assert.equal(deposit!.minConfirmations, minConfirmations);
      assert.deepEqual(await balanceOf(userId), { total: 0, available: 0 }, 'nothing credited while pending');
      // Sandbox time passing confirms simulated deposits, never one seen on a chain: only blocks do.
      const advanced = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 3_600 } });
      assert.equal(advanced.statusCode, 200, advanced.body);
      [deposit] = await depositsOf(userId);
      assert.equal(deposit!.status, 'pending');
      assert.equal(deposit!.confirmations, 1);

      await mine(minConfirmations - 2);
      await watcher.pollOnce();
      [deposit] = await depositsOf(userId);
      assert.equal(deposit!.status, 'pending', `one block short: ${minConfirmations - 1} confirmations`);
      assert.equal(deposit!.confirmations, minConfirmations - 1);
      assert.equal((await chainClient().getBlockNumber()) - blockNumber + 1n, BigInt(minConfirmations - 1));

      await mine(1);
      const completing = await watcher.pollOnce();
      assert.equal(completing.completed, 1);
      [deposit] = await depositsOf(userId);
      assert.equal(deposit!.status, 'completed');
      assert.equal(deposit!.amountCents, 1234);
      assert.equal(deposit!.remainderBaseUnits, '5678');
      assert.deepEqual(await balanceOf(userId), { total: 1234, available: 1234 });
      assert.deepEqual(await depositEvents(deposit!.id as string), ['deposit.pending', 'deposit.completed']);

      // The same transfer read again — the cursor put back to the chain's start — is credited once.
      await app.store.db.run('UPDATE chain_cursors SET next_block = 0');
      const rescan = await watcher.pollOnce();
      assert.equal(rescan.recorded, 0);
      assert.equal((await depositsOf(userId)).length, 1);
      assert.deepEqual(await balanceOf(userId), { total: 1234, available: 1234 });
      assert.equal(await creditTransfers(deposit!.id as string), 1);
    });

    it("credits a live user's deposit through the watcher, and two transfers in one block as two deposits", async () => {
      const userId = await createApprovedUser(app, { key: app.liveKey, environment: 'live' });
      const address = await depositAddressOf(userId, app.liveKey);
      const sandboxAddress = await depositAddressOf(await createApprovedUser(app));
      assert.notEqual(address, sandboxAddress, 'live and sandbox addresses differ');
      // Two transfers mined together: one block, two logs.
      await testClient().setAutomine(false);
      try {
        for (const amount of [1_000_000n, 2_500_000n]) await wallet().writeContract({ address: devchain.tokenAddress, abi: testTokenAbi, functionName: 'transfer', args: [address as Address, amount] });
        await mine(1);
      } finally {
        await testClient().setAutomine(true);
      }
      await mine(minConfirmations - 1);
      const poll = await watcher.pollOnce();
      assert.equal(poll.recorded, 2);
      const deposits = await depositsOf(userId, app.liveKey);
      assert.deepEqual(deposits.map((deposit) => deposit.status).sort(), ['completed', 'completed']);
      assert.deepEqual(await balanceOf(userId, app.liveKey), { total: 350, available: 350 });
      assert.deepEqual(await depositEvents(deposits[0]!.id as string, 'live'), ['deposit.completed'], 'deep enough at first sight: never pending');
    });

    it('a deposit whose block is reorged out before confirmation is rejected `reorged`, never credited; mined again it is a new deposit', async () => {
      const userId = await createApprovedUser(app);
      const address = await depositAddressOf(userId);
      const snapshot = await testClient().snapshot();
      const request = await wallet().prepareTransactionRequest({
        to: devchain.tokenAddress,
        data: encodeFunctionData({ abi: testTokenAbi, functionName: 'transfer', args: [address as Address, 5_000_000n] }),
      });
      const signed = await wallet().signTransaction(request);
      const txHash = await chainClient().sendRawTransaction({ serializedTransaction: signed });
      await chainClient().waitForTransactionReceipt({ hash: txHash, pollingInterval: 20 });
      await mine(1);
      await watcher.pollOnce();
      const [pending] = await depositsOf(userId);
      assert.equal(pending!.status, 'pending');
      assert.equal(pending!.confirmations, 2);

      // The chain goes back to before the transfer and grows other blocks past the deposit's height.
      await testClient().revert({ id: snapshot });
      await mine(minConfirmations + 1);
      const poll = await watcher.pollOnce();
      assert.equal(poll.rejectedReorged, 1);
      const [rejected] = await depositsOf(userId);
      assert.equal(rejected!.status, 'rejected');
      assert.equal(rejected!.rejectionReason, 'reorged');
      assert.equal(rejected!.amountCents, null);
      assert.deepEqual(await balanceOf(userId), { total: 0, available: 0 });
      assert.equal(await creditTransfers(rejected!.id as string), 0);
      assert.deepEqual(await depositEvents(rejected!.id as string), ['deposit.pending', 'deposit.rejected']);
      await mine(minConfirmations);
      await watcher.pollOnce();
      assert.equal((await depositsOf(userId))[0]!.status, 'rejected', 'a rejected deposit stays rejected');

      // The same signed transfer mined again, in a new block: a new deposit, credited once confirmed.
      await chainClient().sendRawTransaction({ serializedTransaction: signed });
      await mine(minConfirmations);
      await watcher.pollOnce();
      const deposits = await depositsOf(userId);
      assert.equal(deposits.length, 2);
      const again = deposits.find((deposit) => deposit.id !== rejected!.id)!;
      assert.equal(again.txHash, txHash.toLowerCase());
      assert.equal(again.status, 'completed');
      assert.deepEqual(await balanceOf(userId), { total: 500, available: 500 });
    });

    it('a transfer of another token to a deposit address is ignored (no deposit, no credit) and reported once: a log line and a metric', async () => {
      const userId = await createApprovedUser(app);
      const address = await depositAddressOf(userId);
      const otherToken = await deployTestToken(devchain.rpcUrl, devchain.chainId, devchain.testWallet.privateKey, { name: 'Other Dollar', symbol: 'OTH', decimals: 6 });
      await wallet().writeContract({ address: otherToken, abi: testTokenAbi, functionName: 'mint', args: [devchain.testWallet.address, 10_000_000n] });
      const { txHash, blockNumber } = await send(address, 7_000_000n, otherToken);
      const logsBefore = app.logs.length;
      const poll = await watcher.pollOnce();
      assert.equal(poll.unsupportedTransfers, 1);
      assert.equal(poll.recorded, 0);
      assert.deepEqual(await depositsOf(userId), []);
      assert.deepEqual(await balanceOf(userId), { total: 0, available: 0 });
      const reports = app.logs.slice(logsBefore).filter((line) => line.includes('does not accept'));
      assert.equal(reports.length, 1);
      assert.ok(reports[0]!.includes(otherToken.toLowerCase()) && reports[0]!.includes(txHash.toLowerCase()), reports[0]);
      const metrics = await app.request('GET', '/metrics', { key: null });
      assert.match(metrics.body, /^cardrail_chain_unsupported_transfers_total\{network="base"\} 1$/m);
      assert.match(metrics.body, /^cardrail_chain_head_lag_blocks\{network="base"\} 0$/m);

      // Its block read again in the window re-read below the cursor at every poll: not reported a second time.
      await mine(1);
      const again = await watcher.pollOnce();
      assert.ok(again.scanned !== null && again.scanned.fromBlock <= Number(blockNumber), 'the transfer’s block was read again');
      assert.equal(again.unsupportedTransfers, 0);
      assert.match((await app.request('GET', '/metrics', { key: null })).body, /^cardrail_chain_unsupported_transfers_total\{network="base"\} 1$/m);
    });

    it('counts pending deposits in /metrics and refuses a node that answers another chain id', async () => {
      const userId = await createApprovedUser(app);
      await send(await depositAddressOf(userId), 1_000_000n);
      await watcher.pollOnce();
      assert.match((await app.request('GET', '/metrics', { key: null })).body, /^cardrail_deposits_pending\{network="base"\} 1$/m);
      await mine(minConfirmations);
      await watcher.pollOnce();
      assert.doesNotMatch((await app.request('GET', '/metrics', { key: null })).body, /^cardrail_deposits_pending\{network="base"\}/m);

      const { db, clock, logger, secrets, chainWatch } = app.app.context;
      const wrongChain = new ChainWatcher({ db, clock, logger, secrets, status: chainWatch }, { ...chain, chainId: 8453 }, 500);
      await assert.rejects(wrongChain.pollOnce(), /answers chain id 31337, not 8453/);
      assert.match((await app.request('GET', '/metrics', { key: null })).body, /^cardrail_chain_poll_failures_total\{network="base"\} 1$/m);
    });
  });
}

describe('chain watcher failures in the log', () => {
  it('never carry the RPC URL’s path, where providers put API keys', async () => {
    const rpcUrl = 'http://127.0.0.1:9/v2/secret-api-key-123';
    const { chainClient } = await import('../../src/chain/transfer-logs.js');
    const error = await chainClient(rpcUrl)
      .getChainId()
      .then(() => undefined, (failure: unknown) => failure);
    assert.ok(error instanceof Error && error.message.includes('secret-api-key-123'), 'viem quotes the URL');
    const described = describePollFailure(error, rpcUrl);
    assert.ok(!described.includes('secret-api-key-123'), described);
    assert.match(described, /127\.0\.0\.1:9/);
  });
});
