// SPEC §10 (chain watcher): `cardrail serve` watching a devchain is killed with SIGKILL in the middle of a block range
// it is scanning — several times — and started again. Every ERC-20 transfer to the users' deposit addresses ends as
// exactly one completed deposit, credited once (floored to cents), and `cardrail verify-ledger` is clean. On SQLite
// and PostgreSQL.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPublicClient, createTestClient, createWalletClient, http, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devchainDefinition, startDevchain, type Devchain } from '../../src/chain/devchain.js';
import { testTokenAbi } from '../../src/chain/test-token/artifact.js';
import { baseUnitsToCents } from '../../src/domain/funding-networks.js';
import { bannerPatterns, runCardrail, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { openTestDatabase, testPostgresUrl, type StoreKind, type TestDatabase } from '../helpers/stores.js';

const minConfirmations = 2;
/** Small ranges so a scan of the blocks mined while the server was down takes many ranges, each committed apart. */
const blocksPerCall = 3;
const userCount = 3;
const transferCount = 90;
/** Empty blocks mined after each transfer: the transfers spread over about transferCount × this many blocks. */
const blocksBetweenTransfers = 3;
const killsMidRange = 2;
const waitMsMax = 60_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function chainWatcherCrashSuite(kind: StoreKind): void {
  describe(`the chain watcher survives kill -9 in the middle of a block range (${kind})`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-chain-crash-'));
    const hdSeedHex = randomBytes(64).toString('hex');
    let devchain: Devchain | undefined;
    let server: ServerProcess | undefined;
    let schemaStore: TestDatabase | undefined;
    let sqlite: Database.Database | undefined;

    after(async () => {
      await server?.stop();
      sqlite?.close();
      await schemaStore?.close();
      await devchain?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('misses no transfer and credits none twice', async (context) => {
      devchain = await startDevchain({ secrets: { hdSeed: Uint8Array.from(Buffer.from(hdSeedHex, 'hex')) }, minConfirmations });
      const storeEnv: Record<string, string> = {};
      if (kind === 'postgres') {
        schemaStore = await openTestDatabase('postgres', { migrated: false });
        const url = new URL(testPostgresUrl);
        url.searchParams.set('options', `-c search_path=${schemaStore.location}`);
        storeEnv.DATABASE_URL = url.toString();
      }
      const env = {
        ...devchain.env,
        ...storeEnv,
        CARDRAIL_HD_SEED: hdSeedHex,
        CARDRAIL_CHAIN_POLL_MS: '100',
        CARDRAIL_CHAIN_BLOCKS_PER_CALL: String(blocksPerCall),
      };
      const start = () => startServerProcess({ dataDir, logLevel: 'warn', env });
      /** The watcher's cursor (the first block not yet scanned), read from the database beside the server. */
      const cursor = async (): Promise<number | undefined> => {
        if (kind === 'postgres') {
          const row = await schemaStore!.db.get<{ next_block: number }>('SELECT next_block FROM chain_cursors WHERE network = ?', ['base']).catch(() => undefined);
          return row === undefined ? undefined : Number(row.next_block);
        }
        sqlite ??= new Database(join(dataDir, 'cardrail.db'), { readonly: true, fileMustExist: true });
        try {
          const row = sqlite.prepare('SELECT next_block FROM chain_cursors WHERE network = ?').get('base') as { next_block: number } | undefined;
          return row === undefined ? undefined : Number(row.next_block);
        } catch {
          return undefined; // not migrated yet
        }
      };
      const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, everyMs = 20): Promise<T> => {
        const deadline = Date.now() + waitMsMax;
        for (;;) {
          const value = await probe();
          if (value !== undefined) return value;
          if (Date.now() > deadline) throw new Error(`${what} within ${waitMsMax} ms\nstdout: ${server?.stdout()}\nstderr: ${server?.stderr()}`);
          await pause(everyMs);
        }
      };

      // ---- A server watching the devchain, and users with their deposit addresses from the API. ---------------
      server = await start();
      const { sandboxKey } = await server.waitForKeys(180_000);
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${server!.baseUrl}${path}`, {
          method,
          headers: { 'Api-Key': sandboxKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        assert.equal(response.status, 200, `${method} ${path}: ${text}`);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        return JSON.parse(text) as any;
      };
      const users: Array<{ id: string; address: string }> = [];
      for (let index = 0; index < userCount; index += 1) {
        const user = await api('POST', '/v1/users', { firstName: 'Chain', lastName: `Crash${index}`, email: `chain${index}@example.com` });
        await api('POST', `/v1/sandbox/users/${user.id}/verification`, { outcome: 'approved' });
        const funding = await api('GET', `/v1/users/${user.id}/funding`);
        users.push({ id: user.id, address: funding.methods.find((method: { network: string; token: string }) => method.network === 'base' && method.token === 'USDC').address });
      }
      await waitFor('the watcher started its cursor', cursor);
      assert.notEqual(await server.stop(), null);

      // ---- While the server is down: transfers spread over hundreds of blocks. ---------------------------------
      const chain = devchainDefinition(devchain.rpcUrl, devchain.chainId);
      const client = createPublicClient({ chain, transport: http(devchain.rpcUrl), cacheTime: 0 });
      const wallet = createWalletClient({ account: privateKeyToAccount(devchain.testWallet.privateKey), chain, transport: http(devchain.rpcUrl) });
      const testClient = createTestClient({ mode: 'hardhat', transport: http(devchain.rpcUrl) });
      const sent: Array<{ userId: string; txHash: Hex; amount: bigint }> = [];
      for (let index = 0; index < transferCount; index += 1) {
        const user = users[index % userCount]!;
        // Whole dollars plus a sub-cent part: 3.123456, 4.123457, …
        const amount = BigInt(3 + index) * 1_000_000n + 123_456n + BigInt(index);
        const txHash: Hex = await wallet.writeContract({ address: devchain.tokenAddress, abi: testTokenAbi, functionName: 'transfer', args: [user.address as Address, amount] });
        assert.equal((await client.waitForTransactionReceipt({ hash: txHash, pollingInterval: 20 })).status, 'success');
        sent.push({ userId: user.id, txHash, amount });
        await testClient.mine({ blocks: blocksBetweenTransfers });
      }
      const headBlock = Number(await client.getBlockNumber());
      const cursorBefore = (await cursor())!;
      assert.ok(headBlock - cursorBefore > blocksPerCall * 100, `${headBlock - cursorBefore} blocks to scan`);

      // ---- Started again and killed once its scan has passed a mark short of the head: in the middle of the range.
      const killedAt: number[] = [];
      for (let kill = 0; kill < killsMidRange; kill += 1) {
        const before = (await cursor())!;
        // The first kill a few ranges in, the next further along (the blocks left to scan, split in thirds).
        const mark = before + Math.max(1, Math.floor(((headBlock - before) * (kill + 1)) / (killsMidRange + 1)));
        server = await start();
        const moved = await waitFor('the scan moved', async () => {
          const now = await cursor();
          return now !== undefined && now >= mark ? now : undefined;
        }, 2);
        server.child.kill('SIGKILL');
        await server.stop();
        const atKill = (await cursor())!;
        assert.ok(atKill <= headBlock, `killed before the end of the range: cursor ${atKill} (moved to ${moved}), head ${headBlock}`);
        killedAt.push(atKill);
      }

      // ---- Started once more, it finishes; more blocks confirm the last transfers. -----------------------------
      server = await start();
      await server.waitForOutput(bannerPatterns.api, waitMsMax);
      await testClient.mine({ blocks: minConfirmations });
      const expectedCents = new Map<string, number>();
      for (const transfer of sent) expectedCents.set(transfer.userId, (expectedCents.get(transfer.userId) ?? 0) + baseUnitsToCents(transfer.amount.toString(), 6).cents);
      await waitFor('every deposit completed', async () => {
        for (const user of users) {
          const deposits = await api('GET', `/v1/users/${user.id}/deposits?limit=100`);
          if (deposits.data.some((deposit: { status: string }) => deposit.status !== 'completed')) return undefined;
          if (deposits.data.length < sent.filter((transfer) => transfer.userId === user.id).length) return undefined;
        }
        return true;
      });

      for (const user of users) {
        const deposits = (await api('GET', `/v1/users/${user.id}/deposits?limit=100`)).data as Array<{ txHash: string; status: string; amount: string }>;
        const mine = sent.filter((transfer) => transfer.userId === user.id);
        assert.deepEqual(deposits.map((deposit) => deposit.txHash).sort(), mine.map((transfer) => transfer.txHash.toLowerCase()).sort(), `${user.id}: each transfer once`);
        assert.ok(deposits.every((deposit) => deposit.status === 'completed'));
        const balance = await api('GET', `/v1/balances/${user.id}`);
        assert.equal(balance.total, expectedCents.get(user.id), `${user.id}: credited once each, floored to cents`);
      }
      await server.stop();
      const verified = await runCardrail(['verify-ledger', '--json'], { CARDRAIL_DATA_DIR: dataDir, ...storeEnv, CARDRAIL_HD_SEED: hdSeedHex });
      assert.equal(verified.code, 0, `verify-ledger: ${verified.stdout}${verified.stderr}`);
      assert.deepEqual((JSON.parse(verified.stdout) as { problems: string[] }).problems, []);
      context.diagnostic(`${kind}: ${transferCount} transfers over ${headBlock - cursorBefore} blocks; killed with the cursor at ${killedAt.join(', ')} (head ${headBlock})`);
    });
  });
}

chainWatcherCrashSuite('sqlite');
chainWatcherCrashSuite('postgres');
