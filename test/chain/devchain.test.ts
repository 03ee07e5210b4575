// `startDevchain`: a real JSON-RPC node with real blocks, a 6-decimal test token, a funded test wallet and treasury,
// and the variables that point a server's watcher at it (read back by loadConfig as a watched chain).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPublicClient, createTestClient, http, parseAbi } from 'viem';
import { devchainDefinition, devchainTokenBaseUnitsEach, startDevchain, treasuryEther, type Devchain } from '../../src/chain/devchain.js';
import { treasuryAccount } from '../../src/chain/treasury.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { deriveDepositAddresses } from '../../src/modules/funding/addresses.js';
import { testSecrets } from '../../src/secrets.js';

const erc20 = parseAbi(['function balanceOf(address) view returns (uint256)', 'function decimals() view returns (uint8)', 'function symbol() view returns (string)']);

describe('startDevchain', () => {
  let devchain: Devchain;
  before(async () => {
    devchain = await startDevchain({ secrets: testSecrets(), minConfirmations: 2 });
  });
  after(async () => {
    await devchain?.stop();
  });

  it('serves a real chain: its chain id, blocks mined on demand, the test token with 6 decimals', async () => {
    const client = createPublicClient({ chain: devchainDefinition(devchain.rpcUrl, devchain.chainId), transport: http(devchain.rpcUrl), cacheTime: 0 });
    assert.equal(await client.getChainId(), 31_337);
    assert.equal(devchain.chainId, 31_337);
    const head = await client.getBlockNumber();
    await createTestClient({ mode: 'hardhat', transport: http(devchain.rpcUrl) }).mine({ blocks: 5 });
    assert.equal(await client.getBlockNumber(), head + 5n);
    const block = await client.getBlock({ blockNumber: head + 1n });
    assert.equal(block.parentHash, (await client.getBlock({ blockNumber: head })).hash, 'blocks chain to their parents');
    assert.equal(await client.readContract({ address: devchain.tokenAddress, abi: erc20, functionName: 'decimals' }), 6);
    assert.equal(await client.readContract({ address: devchain.tokenAddress, abi: erc20, functionName: 'symbol' }), 'USDC');
  });

  it('funds the test wallet and the treasury derived from the HD seed with tokens, and the treasury with ETH', async () => {
    const client = createPublicClient({ chain: devchainDefinition(devchain.rpcUrl, devchain.chainId), transport: http(devchain.rpcUrl), cacheTime: 0 });
    assert.equal(devchain.treasuryAddress, treasuryAccount(testSecrets()).address);
    for (const holder of [devchain.testWallet.address, devchain.treasuryAddress]) {
      assert.equal(await client.readContract({ address: devchain.tokenAddress, abi: erc20, functionName: 'balanceOf', args: [holder] }), devchainTokenBaseUnitsEach);
    }
    assert.equal(await client.getBalance({ address: devchain.treasuryAddress }), treasuryEther);
    assert.ok((await client.getBalance({ address: devchain.testWallet.address })) > 0n);
  });

  it('prints variables that configure a watched chain on base with the test token and its confirmations', () => {
    const config = loadConfig({ ...devchain.env });
    assert.equal(config.chains.length, 1);
    const chain = config.chains[0]!;
    assert.equal(chain.network, 'base');
    assert.equal(chain.rpcUrl, devchain.rpcUrl);
    assert.equal(chain.chainId, devchain.chainId);
    assert.equal(chain.tokenAddresses.USDC, devchain.tokenAddress);
    assert.equal(chain.minConfirmations, 2);
  });

  it('stop() ends the node: the RPC URL answers no more', async () => {
    const other = await startDevchain({ secrets: testSecrets() });
    await other.stop();
    await assert.rejects(fetch(other.rpcUrl, { method: 'POST', body: '{}' }));
  });
});

describe('treasuryAccount', () => {
  it('is derived from the HD seed on a branch of its own: never a user deposit address of either environment', () => {
    const treasury = treasuryAccount(testSecrets()).address;
    assert.equal(treasury, treasuryAccount({ hdSeed: new Uint8Array(64).fill(42) }).address, 'the same seed gives the same treasury');
    assert.notEqual(treasury, treasuryAccount({ hdSeed: new Uint8Array(64).fill(43) }).address);
    for (const environment of ['live', 'sandbox'] as const) {
      for (let fundingIndex = 0; fundingIndex < 5; fundingIndex += 1) {
        assert.notEqual(deriveDepositAddresses(testSecrets().hdSeed, environment, fundingIndex).evm, treasury, `${environment} user ${fundingIndex}`);
      }
    }
  });
});

describe('chain configuration', () => {
  it('watches no chain by default and the networks given an RPC URL, with their own chain ids and depths unless overridden', () => {
    assert.deepEqual(loadConfig({}).chains, []);
    const config = loadConfig({ CARDRAIL_RPC_URL_ETHEREUM: 'https://rpc.example.com', CARDRAIL_RPC_URL_BASE: 'http://127.0.0.1:8545', CARDRAIL_CHAIN_ID_BASE: '31337' });
    assert.deepEqual(
      config.chains.map((chain) => [chain.network, chain.chainId, chain.minConfirmations]),
      [
        ['base', 31337, 12],
        ['ethereum', 1, 12],
      ],
    );
    assert.equal(config.chainPollIntervalMs, 5_000);
  });

  it('refuses overrides without an RPC URL, tokens not accepted on the network, malformed addresses and URLs', () => {
    assert.throws(() => loadConfig({ CARDRAIL_CHAIN_ID_BASE: '31337' }), ConfigError);
    assert.throws(() => loadConfig({ CARDRAIL_RPC_URL_BASE: 'http://127.0.0.1:8545', CARDRAIL_TOKEN_ADDRESS_BASE_DAI: `0x${'11'.repeat(20)}` }), ConfigError);
    assert.throws(() => loadConfig({ CARDRAIL_RPC_URL_BASE: 'http://127.0.0.1:8545', CARDRAIL_TOKEN_ADDRESS_BASE_USDC: '0x1234' }), ConfigError);
    assert.throws(() => loadConfig({ CARDRAIL_RPC_URL_BASE: 'ftp://127.0.0.1' }), ConfigError);
    assert.throws(() => loadConfig({ CARDRAIL_RPC_URL_BASE: 'http://127.0.0.1:8545', CARDRAIL_MIN_CONFIRMATIONS_BASE: '0' }), ConfigError);
  });
});
