// The withdrawal sender's state machine against an in-memory EVM network (test/helpers/fake-evm-chain.ts), on both
// stores: live withdrawals are signed with consecutive treasury nonces, broadcast from the stored bytes, confirmed or
// failed on receipts at depth (the hold paid out or released), cancelled at their nonce when not mined in time or
// refused by the node, and resumed after a crash between signing and broadcasting with the same transaction.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTransaction, type Hex } from 'viem';
import type { EvmAddress } from '../../src/chain/evm.js';
import { nextNonce } from '../../src/chain/nonces.js';
import { treasuryAccount } from '../../src/chain/treasury.js';
import { defaultWithdrawalChainConfig, type ChainConfig } from '../../src/config.js';
import { getWithdrawalSend } from '../../src/modules/withdrawals/chain-sends.js';
import { testSecrets } from '../../src/secrets.js';
import { WithdrawalSender } from '../../src/workers/withdrawal-sender.js';
import { useTestApp } from '../helpers/app.js';
import { FakeEvmChain } from '../helpers/fake-evm-chain.js';
import { assertLedgerSound, fundedUser } from '../helpers/money.js';
import { storeKinds } from '../helpers/stores.js';

const tokenAddress = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as EvmAddress;
const timeoutMs = 600_000;
const baseSettings: ChainConfig = { network: 'base', rpcUrl: 'http://127.0.0.1:1/', chainId: 31337, minConfirmations: 2, tokenAddresses: { USDC: tokenAddress, USDT: tokenAddress } };
const treasury = treasuryAccount(testSecrets());
/** 6-decimal token: one cent is 10^4 base units. */
const baseUnitsPerCent = 10_000n;

let recipientSequence = 0;
function newRecipient(): EvmAddress {
  recipientSequence += 1;
  return `0x${(0xabc000 + recipientSequence).toString(16).padStart(40, '0')}` as EvmAddress;
}

for (const kind of storeKinds) {
  describe(`withdrawal sender on an EVM chain (${kind})`, () => {
    const testApp = useTestApp({ store: kind, config: { chains: [baseSettings], withdrawals: { ...defaultWithdrawalChainConfig, timeoutMs } } }, { perTest: true });
    function newChain(): FakeEvmChain {
      const chain = new FakeEvmChain(baseSettings, tokenAddress);
      chain.mint(treasury.address, 1_000_000n * baseUnitsPerCent);
      return chain;
    }

    function senderOn(chain: FakeEvmChain, options: { afterSigned?: () => void } = {}): WithdrawalSender {
      return new WithdrawalSender(testApp.app.context, { chains: [chain], ...options });
    }

    async function withdraw(userId: string, amountCents: number, address: string, network = 'base', key = testApp.liveKey) {
      const response = await testApp.request('POST', `/v1/users/${userId}/withdrawals`, { key, body: { network, token: 'USDC', amount: amountCents, address } });
      assert.equal(response.statusCode, 200, response.body);
      return response.json as { id: string; status: string };
    }

    async function withdrawal(userId: string, withdrawalId: string) {
      const response = await testApp.request('GET', `/v1/users/${userId}/withdrawals/${withdrawalId}`, { key: testApp.liveKey });
      assert.equal(response.statusCode, 200, response.body);
      return response.json as { status: string; txHash: string | null; failureReason: string | null };
    }

    async function balance(userId: string) {
      const response = await testApp.request('GET', `/v1/balances/${userId}`, { key: testApp.liveKey });
      return response.json as { total: number; pending: number; available: number };
    }

    async function eventTypes(withdrawalId: string): Promise<string[]> {
      const rows = await testApp.store.db.all<{ type: string }>('SELECT type FROM events WHERE data LIKE ? ORDER BY id', [`%${withdrawalId}%`]);
      return rows.map((row) => row.type).filter((type) => type.startsWith('withdrawal.'));
    }

    /** The withdrawal queue on base, as GET /metrics reports it. */
    async function queueMetric(): Promise<Record<string, number>> {
      const response = await testApp.request('GET', '/metrics', { key: null });
      assert.equal(response.statusCode, 200);
      const values: Record<string, number> = {};
      for (const match of response.body.matchAll(/^cardrail_withdrawal_queue\{network="base",state="(\w+)"\} (\d+)$/gm)) values[match[1]!] = Number(match[2]);
      return values;
    }

    async function ledgerIsSound() {
      await assertLedgerSound(testApp);
    }

    it('signs, broadcasts and confirms a live withdrawal at depth; the recipient gets the amount; the hold is paid out', async () => {
      const chain = newChain();
      const sender = senderOn(chain);
      const userId = await fundedUser(testApp, 10_000, 'live');
      const recipient = newRecipient();
      const created = await withdraw(userId, 2_500, recipient);
      assert.equal(created.status, 'pending');
      assert.deepEqual(await queueMetric(), { waiting: 1, in_flight: 0 });

      const first = await sender.runOnce();
      assert.deepEqual(await queueMetric(), { waiting: 0, in_flight: 1 });
      assert.deepEqual({ signed: first.signed, broadcast: first.broadcast, confirmed: first.confirmed }, { signed: 1, broadcast: 1, confirmed: 0 });
      const send = (await getWithdrawalSend(testApp.store.db, created.id))!;
      const submitted = await withdrawal(userId, created.id);
      assert.equal(submitted.status, 'submitted');
      assert.equal(submitted.txHash, send.txHash);
      const parsed = parseTransaction(send.rawTransaction);
      assert.equal(parsed.to?.toLowerCase(), tokenAddress.toLowerCase());
      assert.equal(parsed.chainId, 31337);

      chain.mine();
      await sender.runOnce();
      assert.equal((await withdrawal(userId, created.id)).status, 'submitted', 'one confirmation of two: not yet');
      chain.mine();
      const last = await sender.runOnce();
      assert.equal(last.confirmed, 1);
      assert.equal((await withdrawal(userId, created.id)).status, 'confirmed');
      assert.deepEqual(await queueMetric(), { waiting: 0, in_flight: 0 });
      assert.equal(chain.tokenBalanceOf(recipient), 2_500n * baseUnitsPerCent);
      const after = await balance(userId);
      assert.deepEqual([after.total, after.pending, after.available], [7_500, 0, 7_500]);
      assert.deepEqual(await eventTypes(created.id), ['withdrawal.created', 'withdrawal.submitted', 'withdrawal.confirmed']);
      await ledgerIsSound();

      // Nothing more to do: no second broadcast, no second payout.
      const broadcasts = chain.broadcasts.length;
      assert.deepEqual(await sender.runOnce(), { signed: 0, broadcast: 0, confirmed: 0, failed: 0, cancelled: 0 });
      assert.equal(chain.broadcasts.length, broadcasts);
    });

    it('a transfer the token refuses fails before signing: no nonce used, the hold released', async () => {
      const chain = newChain();
      const userId = await fundedUser(testApp, 5_000, 'live');
      const recipient = newRecipient();
      chain.refusedRecipients.add(recipient.toLowerCase());
      const nonceBefore = await nextNonce(testApp.store.db, 'base', treasury.address);
      const created = await withdraw(userId, 5_000, recipient);
      const report = await senderOn(chain).runOnce();
      assert.equal(report.failed, 1);
      assert.equal(report.signed, 0);
      const failed = await withdrawal(userId, created.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.failureReason!, /token refuses the transfer/);
      assert.equal(await nextNonce(testApp.store.db, 'base', treasury.address), nonceBefore);
      assert.equal(chain.broadcasts.length, 0);
      assert.deepEqual([(await balance(userId)).available, (await balance(userId)).pending], [5_000, 0]);
      assert.deepEqual(await eventTypes(created.id), ['withdrawal.created', 'withdrawal.failed']);
      await ledgerIsSound();
    });

    it('a transfer that reverts on chain fails at depth, the hold released; the one before it confirms', async () => {
      const chain = new FakeEvmChain(baseSettings, tokenAddress);
      chain.mint(treasury.address, 6_000n * baseUnitsPerCent);
      const sender = senderOn(chain);
      const userId = await fundedUser(testApp, 20_000, 'live');
      const first = await withdraw(userId, 5_000, newRecipient());
      const second = await withdraw(userId, 5_000, newRecipient());
      // Each alone is within the treasury's tokens, so both are signed; mined together, the second reverts.
      assert.equal((await sender.runOnce()).signed, 2);
      chain.mineBlocks(2);
      const report = await sender.runOnce();
      assert.deepEqual([report.confirmed, report.failed], [1, 1]);
      assert.equal((await withdrawal(userId, first.id)).status, 'confirmed');
      const reverted = await withdrawal(userId, second.id);
      assert.equal(reverted.status, 'failed');
      assert.equal(reverted.failureReason, 'the token contract reverted the transfer');
      assert.deepEqual(await eventTypes(second.id), ['withdrawal.created', 'withdrawal.submitted', 'withdrawal.failed']);
      const after = await balance(userId);
      assert.deepEqual([after.total, after.pending, after.available], [15_000, 0, 15_000]);
      await ledgerIsSound();
    });

    it('ten withdrawals made at once, sent by two senders at once, confirm with distinct consecutive nonces, each broadcast as one transaction', async () => {
      const chain = newChain();
      chain.automine = true;
      const userId = await fundedUser(testApp, 100_000, 'live');
      const recipients = Array.from({ length: 10 }, () => newRecipient());
      const created = await Promise.all(recipients.map((recipient, index) => withdraw(userId, 1_000 + index, recipient)));
      const [one, two] = [senderOn(chain), senderOn(chain)];
      await Promise.all([one.runOnce(), two.runOnce()]);
      chain.mine();
      await Promise.all([one.runOnce(), two.runOnce()]);
      const sends = await Promise.all(created.map((item) => getWithdrawalSend(testApp.store.db, item.id)));
      const nonces = sends.map((send) => send!.nonce).sort((a, b) => a - b);
      assert.equal(new Set(nonces).size, 10);
      assert.deepEqual(nonces, Array.from({ length: 10 }, (_, index) => nonces[0]! + index));
      for (const [index, item] of created.entries()) {
        assert.equal((await withdrawal(userId, item.id)).status, 'confirmed');
        assert.equal(chain.tokenBalanceOf(recipients[index]!), BigInt(1_000 + index) * baseUnitsPerCent);
      }
      const minedHashes = chain.mined.map((transaction) => transaction.hash);
      assert.equal(new Set(minedHashes).size, 10);
      assert.deepEqual(new Set(minedHashes), new Set(sends.map((send) => send!.txHash)));
      assert.equal((await balance(userId)).total, 100_000 - created.reduce((sum, _, index) => sum + 1_000 + index, 0));
      await ledgerIsSound();
    });

    it('a crash after signing, before broadcasting: the next pass broadcasts the same transaction, and pays once', async () => {
      const chain = newChain();
      const userId = await fundedUser(testApp, 3_000, 'live');
      const recipient = newRecipient();
      const created = await withdraw(userId, 3_000, recipient);
      const crashing = senderOn(chain, {
        afterSigned: () => {
          throw new Error('process killed');
        },
      });
      await crashing.runOnce();
      const stored = (await getWithdrawalSend(testApp.store.db, created.id))!;
      assert.equal(stored.broadcastAtMs, null);
      assert.equal(chain.broadcasts.length, 0);
      assert.equal((await withdrawal(userId, created.id)).status, 'pending');

      const restarted = senderOn(chain);
      await restarted.runOnce();
      assert.deepEqual(chain.broadcasts, [stored.rawTransaction]);
      chain.mineBlocks(2);
      await restarted.runOnce();
      const done = await withdrawal(userId, created.id);
      assert.equal(done.status, 'confirmed');
      assert.equal(done.txHash, stored.txHash);
      assert.equal(chain.tokenBalanceOf(recipient), 3_000n * baseUnitsPerCent);
      assert.deepEqual(chain.mined.map((transaction) => transaction.hash), [stored.txHash]);
      await ledgerIsSound();
    });

    it('a transfer not mined in time is cancelled at its nonce; it fails once the cancellation is mined, and the next withdrawal takes the next nonce', async () => {
      const chain = newChain();
      const sender = senderOn(chain);
      const userId = await fundedUser(testApp, 9_000, 'live');
      const recipient = newRecipient();
      const stuck = await withdraw(userId, 4_000, recipient);
      await sender.runOnce();
      const send = (await getWithdrawalSend(testApp.store.db, stuck.id))!;
      assert.equal((await withdrawal(userId, stuck.id)).status, 'submitted');

      testApp.clock.advanceMs(timeoutMs);
      const cancelling = await sender.runOnce();
      assert.equal(cancelling.cancelled, 1);
      const cancelled = (await getWithdrawalSend(testApp.store.db, stuck.id))!;
      assert.notEqual(cancelled.cancellation, null);
      const replacement = parseTransaction(cancelled.cancellation!.rawTransaction);
      assert.equal(replacement.nonce, send.nonce);
      assert.equal(replacement.to?.toLowerCase(), treasury.address.toLowerCase());
      assert.equal(replacement.value ?? 0n, 0n);
      assert.ok(replacement.maxFeePerGas! > send.fees.maxFeePerGas);
      assert.deepEqual(chain.pooled().map((transaction) => transaction.hash), [cancelled.cancellation!.txHash], 'the cancellation replaced the transfer in the pool');
      assert.equal((await withdrawal(userId, stuck.id)).status, 'submitted', 'still: the transfer could be mined until the cancellation is');

      chain.mineBlocks(2);
      const failing = await sender.runOnce();
      assert.equal(failing.failed, 1);
      const failed = await withdrawal(userId, stuck.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.failureReason!, /cancelled on chain/);
      assert.equal(chain.tokenBalanceOf(recipient), 0n);
      assert.equal((await balance(userId)).available, 9_000);
      await ledgerIsSound();

      const next = await withdraw(userId, 1_000, recipient);
      await sender.runOnce();
      assert.equal((await getWithdrawalSend(testApp.store.db, next.id))!.nonce, send.nonce + 1);
      chain.mineBlocks(2);
      await sender.runOnce();
      assert.equal((await withdrawal(userId, next.id)).status, 'confirmed');
      assert.equal(chain.tokenBalanceOf(recipient), 1_000n * baseUnitsPerCent);
      await ledgerIsSound();
    });

    it('a transfer the node keeps refusing is cancelled, so its nonce does not hold back the ones after it', async () => {
      const chain = newChain();
      const sender = senderOn(chain);
      const userId = await fundedUser(testApp, 9_000, 'live');
      const refused = await withdraw(userId, 2_000, newRecipient());
      chain.refusalsLeft = 3;
      await sender.runOnce();
      assert.equal((await withdrawal(userId, refused.id)).status, 'pending');
      testApp.clock.advanceMs(30_000);
      await sender.runOnce();
      const refusedTwice = (await getWithdrawalSend(testApp.store.db, refused.id))!;
      assert.equal(refusedTwice.broadcastRefusals, 2);
      assert.match(refusedTwice.lastError ?? '', /underpriced/);
      assert.equal(refusedTwice.cancellation, null);
      testApp.clock.advanceMs(30_000);
      const third = await sender.runOnce();
      assert.equal(third.cancelled, 1);
      chain.mineBlocks(2);
      await sender.runOnce();
      const failed = await withdrawal(userId, refused.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.txHash, null, 'never broadcast: no hash was ever shown');
      assert.deepEqual(await eventTypes(refused.id), ['withdrawal.created', 'withdrawal.failed']);
      assert.equal((await balance(userId)).available, 9_000);
      await ledgerIsSound();
    });

    it('a transfer whose nonce another transaction of the treasury spent fails; nothing was sent', async () => {
      const chain = newChain();
      const sender = senderOn(chain, {
        afterSigned: () => {
          throw new Error('stopped before broadcasting');
        },
      });
      const userId = await fundedUser(testApp, 1_000, 'live');
      const created = await withdraw(userId, 1_000, newRecipient());
      await sender.runOnce();
      const send = (await getWithdrawalSend(testApp.store.db, created.id))!;
      // The same key used elsewhere, at the same nonce.
      const elsewhere = await treasury.signTransaction({ type: 'eip1559', chainId: 31337, nonce: send.nonce, to: treasury.address, value: 0n, gas: 21_000n, maxFeePerGas: 3n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n });
      assert.equal((await chain.sendRawTransaction(elsewhere as Hex)).outcome, 'accepted');
      chain.mineBlocks(2);
      await senderOn(chain).runOnce();
      const failed = await withdrawal(userId, created.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.failureReason!, /used its nonce/);
      assert.equal((await balance(userId)).available, 1_000);
      await ledgerIsSound();
    });

    it('leaves sandbox withdrawals and networks without an RPC alone; fails live ones that could not be sent in time', async () => {
      const chain = newChain();
      const sender = senderOn(chain);
      const sandboxUser = await fundedUser(testApp, 1_000);
      const simulated = await withdraw(sandboxUser, 1_000, newRecipient(), 'base', testApp.sandboxKey);
      const liveUser = await fundedUser(testApp, 3_000, 'live');
      const elsewhere = await withdraw(liveUser, 1_000, newRecipient(), 'polygon');
      chain.unreachable = true;
      const waiting = await withdraw(liveUser, 1_000, newRecipient());
      await sender.runOnce();
      assert.equal((await withdrawal(liveUser, waiting.id)).status, 'pending');
      testApp.clock.advanceMs(timeoutMs);
      await sender.runOnce();
      const timedOut = await withdrawal(liveUser, waiting.id);
      assert.equal(timedOut.status, 'failed');
      assert.match(timedOut.failureReason!, /not sent within 600 s/);
      assert.equal((await withdrawal(liveUser, elsewhere.id)).status, 'pending');
      const sandbox = await testApp.request('GET', `/v1/users/${sandboxUser}/withdrawals/${simulated.id}`, { key: testApp.sandboxKey });
      assert.equal(sandbox.json.status, 'pending');
      assert.equal(await getWithdrawalSend(testApp.store.db, simulated.id), undefined);
      assert.equal((await balance(liveUser)).available, 2_000);
      await ledgerIsSound();
    });
  });
}
