// Withdrawals on a real chain: a real EVM node (`startDevchain`, Hardhat's network with the 6-decimal test
// token) and the sender's real JSON-RPC client, on both stores. A withdrawal arrives at its recipient with its amount;
// one the token refuses, or that reverts on chain, fails with its hold released; ten made at once confirm with
// distinct, consecutive nonces; a sender killed with SIGKILL between signing and broadcasting is followed by one that
// broadcasts the same transaction, paid once; one not mined in time is cancelled at its nonce; `cardrail serve`'s loop
// (createApp with workers) sends on its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createPublicClient, createTestClient, createWalletClient, http, parseAbi, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createApp } from '../../src/app.js';
import { devchainDefinition, startDevchain, type Devchain } from '../../src/chain/devchain.js';
import { testTokenAbi } from '../../src/chain/test-token/artifact.js';
import { treasuryAccount } from '../../src/chain/treasury.js';
import { ManualClock } from '../../src/clock.js';
import { defaultWithdrawalChainConfig, loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { getWithdrawalSend } from '../../src/modules/withdrawals/chain-sends.js';
import { testSecrets } from '../../src/secrets.js';
import { WithdrawalSender } from '../../src/workers/withdrawal-sender.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { assertLedgerSound, createApprovedUser, fundedUser, fundUser } from '../helpers/money.js';
import { openTestDatabase, storeKinds } from '../helpers/stores.js';

const erc20 = parseAbi(['function balanceOf(address) view returns (uint256)']);
const childPath = fileURLToPath(new URL('../helpers/withdrawal-sender-child.ts', import.meta.url));
const timeoutMs = 600_000;
const baseUnitsPerCent = 10_000n;
/** Passes (each followed by one mined block) a withdrawal may take to reach its end. */
const passesMax = 8;

describe('withdrawals on a real chain (devchain)', () => {
  let devchain: Devchain;
  let chainConfig: Config['chains'];
  const treasury = treasuryAccount(testSecrets());

  before(async () => {
    devchain = await startDevchain({ secrets: testSecrets(), minConfirmations: 2 });
    chainConfig = loadConfig({ ...devchain.env }).chains;
  });
  after(async () => {
    await devchain?.stop();
  });

  const client = () => createPublicClient({ chain: devchainDefinition(devchain.rpcUrl, devchain.chainId), transport: http(devchain.rpcUrl), cacheTime: 0 });
  const node = () => createTestClient({ mode: 'hardhat', transport: http(devchain.rpcUrl) });
  const tokenBalance = (owner: Address) => client().readContract({ address: devchain.tokenAddress, abi: erc20, functionName: 'balanceOf', args: [owner] });
  const treasuryNonce = () => client().getTransactionCount({ address: treasury.address, blockTag: 'pending' });
  const newRecipient = () => privateKeyToAccount(generatePrivateKey()).address;

  /** Mints test tokens to the treasury (the test wallet is the token's minter). */
  async function mintToTreasury(baseUnits: bigint): Promise<void> {
    const wallet = createWalletClient({ account: privateKeyToAccount(devchain.testWallet.privateKey), chain: devchainDefinition(devchain.rpcUrl, devchain.chainId), transport: http(devchain.rpcUrl) });
    const hash = await wallet.writeContract({ address: devchain.tokenAddress, abi: testTokenAbi, functionName: 'mint', args: [treasury.address, baseUnits] });
    assert.equal((await client().waitForTransactionReceipt({ hash, pollingInterval: 50 })).status, 'success');
  }

  for (const kind of storeKinds) {
    describe(`on ${kind}`, () => {
      let testApp: TestApp;
      beforeEach(async () => {
        testApp = await startTestApp({ store: kind, config: { chains: chainConfig, withdrawals: { ...defaultWithdrawalChainConfig, timeoutMs } } });
      });
      afterEach(async () => {
        await node().setAutomine(true);
        await testApp?.close();
      });

      async function withdraw(userId: string, amountCents: number, address: string): Promise<string> {
        const response = await testApp.request('POST', `/v1/users/${userId}/withdrawals`, { key: testApp.liveKey, body: { network: 'base', token: 'USDC', amount: amountCents, address } });
        assert.equal(response.statusCode, 200, response.body);
        return response.json.id as string;
      }

      async function withdrawal(userId: string, withdrawalId: string) {
        const response = await testApp.request('GET', `/v1/users/${userId}/withdrawals/${withdrawalId}`, { key: testApp.liveKey });
        return response.json as { status: string; txHash: string | null; failureReason: string | null };
      }

      async function balance(userId: string) {
        const response = await testApp.request('GET', `/v1/balances/${userId}`, { key: testApp.liveKey });
        const { total, pending, available } = response.json as { total: number; pending: number; available: number };
        return { total, pending, available };
      }

      async function eventTypes(withdrawalId: string): Promise<string[]> {
        const rows = await testApp.store.db.all<{ type: string }>('SELECT type FROM events WHERE data LIKE ? ORDER BY id', [`%${withdrawalId}%`]);
        return rows.map((row) => row.type).filter((type) => type.startsWith('withdrawal.'));
      }

      async function ledgerIsSound(): Promise<void> {
        await assertLedgerSound(testApp);
      }

      /** Sender passes, a block mined after each, until every withdrawal has ended (bounded). */
      async function runUntilEnded(sender: WithdrawalSender, userId: string, withdrawalIds: string[]): Promise<void> {
        for (let pass = 0; pass < passesMax; pass += 1) {
          await sender.runOnce();
          const statuses = await Promise.all(withdrawalIds.map(async (id) => (await withdrawal(userId, id)).status));
          if (statuses.every((status) => status === 'confirmed' || status === 'failed')) return;
          await node().mine({ blocks: 1 });
        }
        assert.fail(`withdrawals did not end within ${passesMax} passes`);
      }

      it('a withdrawal arrives at its recipient with its amount, confirmed at depth; the hold is paid out', async () => {
        const userId = await fundedUser(testApp, 50_000, 'live');
        const recipient = newRecipient();
        const treasuryBefore = await tokenBalance(treasury.address);
        const id = await withdraw(userId, 12_345, recipient);
        const sender = new WithdrawalSender(testApp.app.context);
        const first = await sender.runOnce();
        assert.deepEqual([first.signed, first.broadcast, first.confirmed], [1, 1, 0], 'mined, one confirmation of two');
        const submitted = await withdrawal(userId, id);
        assert.equal(submitted.status, 'submitted');
        const onChain = await client().getTransactionReceipt({ hash: submitted.txHash as Hex });
        assert.equal(onChain.status, 'success');
        assert.equal(onChain.from.toLowerCase(), treasury.address.toLowerCase());

        await runUntilEnded(sender, userId, [id]);
        assert.equal((await withdrawal(userId, id)).status, 'confirmed');
        assert.equal(await tokenBalance(recipient), 12_345n * baseUnitsPerCent);
        assert.equal(await tokenBalance(treasury.address), treasuryBefore - 12_345n * baseUnitsPerCent);
        assert.deepEqual(await balance(userId), { total: 37_655, pending: 0, available: 37_655 });
        assert.deepEqual(await eventTypes(id), ['withdrawal.created', 'withdrawal.submitted', 'withdrawal.confirmed']);
        await ledgerIsSound();
      });

      it('a transfer the token refuses (to the zero address; more than the treasury holds) fails unsent, its hold released', async () => {
        const treasuryTokens = await tokenBalance(treasury.address);
        const beyondCents = Number(treasuryTokens / baseUnitsPerCent) + 1;
        const userId = await fundedUser(testApp, beyondCents + 1_000, 'live');
        const nonceBefore = await treasuryNonce();
        const zero = await withdraw(userId, 1_000, '0x0000000000000000000000000000000000000000');
        const tooMuch = await withdraw(userId, beyondCents, newRecipient());
        const report = await new WithdrawalSender(testApp.app.context).runOnce();
        assert.deepEqual([report.failed, report.signed], [2, 0]);
        for (const id of [zero, tooMuch]) {
          const failed = await withdrawal(userId, id);
          assert.equal(failed.status, 'failed');
          assert.match(failed.failureReason!, /token refuses the transfer/);
          assert.deepEqual(await eventTypes(id), ['withdrawal.created', 'withdrawal.failed']);
        }
        assert.equal(await treasuryNonce(), nonceBefore, 'nothing was sent');
        assert.deepEqual(await balance(userId), { total: beyondCents + 1_000, pending: 0, available: beyondCents + 1_000 });
        await ledgerIsSound();
      });

      it('a transfer that reverts on chain (the treasury spent by the one before it) fails at depth, its hold released', async () => {
        await node().setAutomine(false);
        const treasuryCents = Number((await tokenBalance(treasury.address)) / baseUnitsPerCent);
        const eachCents = Math.floor(treasuryCents / 2) + 1;
        const userId = await fundedUser(testApp, eachCents * 2, 'live');
        const recipients = [newRecipient(), newRecipient()];
        const first = await withdraw(userId, eachCents, recipients[0]!);
        const second = await withdraw(userId, eachCents, recipients[1]!);
        const sender = new WithdrawalSender(testApp.app.context);
        const signed = await sender.runOnce();
        assert.deepEqual([signed.signed, signed.broadcast], [2, 2], 'each alone is within the treasury: both are signed and broadcast');
        await node().mine({ blocks: 1 });
        await runUntilEnded(sender, userId, [first, second]);
        assert.equal((await withdrawal(userId, first)).status, 'confirmed');
        const reverted = await withdrawal(userId, second);
        assert.equal(reverted.status, 'failed');
        assert.equal(reverted.failureReason, 'the token contract reverted the transfer');
        assert.equal((await client().getTransactionReceipt({ hash: reverted.txHash as Hex })).status, 'reverted');
        assert.deepEqual(await eventTypes(second), ['withdrawal.created', 'withdrawal.submitted', 'withdrawal.failed']);
        assert.equal(await tokenBalance(recipients[0]!), BigInt(eachCents) * baseUnitsPerCent);
        assert.equal(await tokenBalance(recipients[1]!), 0n);
        assert.deepEqual(await balance(userId), { total: eachCents, pending: 0, available: eachCents });
        await ledgerIsSound();
        await node().setAutomine(true);
        await mintToTreasury(10n ** 12n);
      });

      it('ten withdrawals made at once, sent by two senders at once, all confirm with distinct, consecutive nonces', async () => {
        const userId = await fundedUser(testApp, 100_000, 'live');
        const recipients = Array.from({ length: 10 }, () => newRecipient());
        const nonceBefore = await treasuryNonce();
        const ids = await Promise.all(recipients.map((recipient, index) => withdraw(userId, 1_000 + index, recipient)));
        const senders = [new WithdrawalSender(testApp.app.context), new WithdrawalSender(testApp.app.context)];
        await Promise.all(senders.map((sender) => sender.runOnce()));
        await runUntilEnded(senders[0]!, userId, ids);
        const nonces: number[] = [];
        for (const [index, id] of ids.entries()) {
          const done = await withdrawal(userId, id);
          assert.equal(done.status, 'confirmed');
          const transaction = await client().getTransaction({ hash: done.txHash as Hex });
          assert.equal(transaction.from.toLowerCase(), treasury.address.toLowerCase());
          nonces.push(transaction.nonce);
          assert.equal((await getWithdrawalSend(testApp.store.db, id))!.nonce, transaction.nonce);
          assert.equal(await tokenBalance(recipients[index]!), BigInt(1_000 + index) * baseUnitsPerCent);
        }
        assert.deepEqual([...nonces].sort((a, b) => a - b), Array.from({ length: 10 }, (_, index) => nonceBefore + index));
        assert.equal(await treasuryNonce(), nonceBefore + 10, 'ten transactions, no more');
        assert.equal((await balance(userId)).total, 100_000 - (10 * 1_000 + 45));
        await ledgerIsSound();
      });

      it('a sender killed (SIGKILL) after signing, before broadcasting: the next one broadcasts the same transaction, paid once', async () => {
        const userId = await fundedUser(testApp, 7_000, 'live');
        const recipient = newRecipient();
        const id = await withdraw(userId, 7_000, recipient);
        const nonceBefore = await treasuryNonce();
        const child = spawn(process.execPath, ['--import', 'tsx', childPath, kind, testApp.store.location], { env: { ...process.env, ...devchain.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk) => (stdout += String(chunk)));
        child.stderr.on('data', (chunk) => (stderr += String(chunk)));
        const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, exitSignal) => resolve(exitSignal)));
        assert.equal(signal, 'SIGKILL', `the child was killed after signing\nstdout: ${stdout}\nstderr: ${stderr}`);
        const stored = (await getWithdrawalSend(testApp.store.db, id))!;
        assert.match(stdout, new RegExp(`signed ${id} ${stored.txHash}`));
        assert.equal(stored.broadcastAtMs, null);
        assert.equal(stored.nonce, nonceBefore);
        assert.equal(await treasuryNonce(), nonceBefore, 'nothing reached the node');
        assert.equal((await withdrawal(userId, id)).status, 'pending');

        await runUntilEnded(new WithdrawalSender(testApp.app.context), userId, [id]);
        const done = await withdrawal(userId, id);
        assert.equal(done.status, 'confirmed');
        assert.equal(done.txHash, stored.txHash, 'the same transaction, not a second signature');
        assert.equal((await client().getTransaction({ hash: stored.txHash })).nonce, nonceBefore);
        assert.equal(await treasuryNonce(), nonceBefore + 1);
        assert.equal(await tokenBalance(recipient), 7_000n * baseUnitsPerCent, 'paid once');
        assert.deepEqual(await eventTypes(id), ['withdrawal.created', 'withdrawal.submitted', 'withdrawal.confirmed']);
        await ledgerIsSound();
      });

      it('a transfer not mined in time is cancelled at its nonce and fails once that is mined; the next withdrawal takes the next nonce', async () => {
        await node().setAutomine(false);
        const userId = await fundedUser(testApp, 10_000, 'live');
        const recipient = newRecipient();
        const stuck = await withdraw(userId, 4_000, recipient);
        const sender = new WithdrawalSender(testApp.app.context);
        await sender.runOnce();
        const send = (await getWithdrawalSend(testApp.store.db, stuck))!;
        assert.equal((await withdrawal(userId, stuck)).status, 'submitted');

        testApp.clock.advanceMs(timeoutMs);
        assert.equal((await sender.runOnce()).cancelled, 1);
        const cancelling = (await getWithdrawalSend(testApp.store.db, stuck))!;
        await node().mine({ blocks: 1 });
        await runUntilEnded(sender, userId, [stuck]);
        const failed = await withdrawal(userId, stuck);
        assert.equal(failed.status, 'failed');
        assert.match(failed.failureReason!, /cancelled on chain/);
        const cancellation = await client().getTransaction({ hash: cancelling.cancellation!.txHash });
        assert.equal(cancellation.nonce, send.nonce);
        assert.equal(cancellation.to?.toLowerCase(), treasury.address.toLowerCase());
        await assert.rejects(client().getTransactionReceipt({ hash: send.txHash }), 'the transfer was never mined');
        assert.equal(await tokenBalance(recipient), 0n);
        assert.deepEqual(await balance(userId), { total: 10_000, pending: 0, available: 10_000 });
        await ledgerIsSound();

        await node().setAutomine(true);
        const next = await withdraw(userId, 1_000, recipient);
        await runUntilEnded(sender, userId, [next]);
        assert.equal((await getWithdrawalSend(testApp.store.db, next))!.nonce, send.nonce + 1);
        assert.equal(await tokenBalance(recipient), 1_000n * baseUnitsPerCent);
        await ledgerIsSound();
      });
    });
  }

  it("cardrail serve's background work sends a live withdrawal on its own when an RPC is configured, and stops with the app", async () => {
    const store = await openTestDatabase('sqlite');
    const clock = new ManualClock(Date.now());
    const config: Config = { ...loadConfig({}), chains: chainConfig, withdrawals: { timeoutMs, pollIntervalMs: 100 } };
    const app = await createApp({ config, db: store.db, clock, logger: createLogger('warn'), secrets: testSecrets(), workers: true });
    try {
      const created = await initializeOrganization(store.db, 'Loop', clock.nowMs());
      const scope = { organizationId: created.organization.id, environment: 'live' as const };
      const userId = await createApprovedUser(store.db, scope, clock.nowMs());
      await fundUser(store.db, scope, userId, 2_000, clock.nowMs());
      const recipient = newRecipient();
      const response = await app.server.inject({ method: 'POST', url: `/v1/users/${userId}/withdrawals`, headers: { 'Api-Key': created.liveKey }, payload: { network: 'base', token: 'USDC', amount: 2_000, address: recipient } });
      assert.equal(response.statusCode, 200, response.body);
      const id = response.json().id as string;
      let status = 'pending';
      // Bounded: the loop polls every 100 ms; a block is mined now and then for the second confirmation.
      for (let attempt = 0; attempt < 100 && status !== 'confirmed'; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (status === 'submitted') await node().mine({ blocks: 1 });
        status = (await store.db.get<{ status: string }>('SELECT status FROM withdrawals WHERE id = ?', [id]))!.status;
      }
      assert.equal(status, 'confirmed');
      assert.equal(await tokenBalance(recipient), 2_000n * baseUnitsPerCent);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
