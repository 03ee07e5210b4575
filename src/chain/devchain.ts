// A local EVM chain for development and tests (`cardrail devchain`): Hardhat's network (a real node with real
// blocks, served over JSON-RPC) with a 6-decimal test token deployed, a test wallet holding tokens and ETH, and the
// deployment's treasury funded with both. Everything it prints points a cardrail server's deposit watcher at it.
import { createPublicClient, createWalletClient, getAddress, http, parseEther, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { EvmFundingNetwork, FundingToken } from '../domain/funding-networks.js';
import type { Secrets } from '../secrets.js';
import { testTokenAbi, testTokenBytecode } from './test-token/artifact.js';
import { treasuryAccount } from './treasury.js';

export interface DevchainOptions {
  /** Port of the JSON-RPC server; 0 (the default for tests) picks a free one. */
  port?: number;
  host?: string;
  /** Chain id the node answers; 31337, Hardhat's usual, unless set. */
  chainId?: number;
  /** The deployment's secrets: the treasury is derived from their HD seed. */
  secrets: Pick<Secrets, 'hdSeed'>;
  /** Which network's watcher the printed environment points at the devchain. */
  network?: EvmFundingNetwork;
  /** Which accepted token the test token stands in for. */
  token?: FundingToken;
  /** Confirmations the printed environment asks the watcher for (a devchain's blocks cannot be reorged by others). */
  minConfirmations?: number;
  /** A new block this often besides one per transaction; 0 (the default): blocks only on transactions and `evm_mine`. */
  blockTimeMs?: number;
  /** The test wallet's key; a new random one unless set. */
  testWalletPrivateKey?: Hex;
}

export interface Devchain {
  rpcUrl: string;
  chainId: number;
  network: EvmFundingNetwork;
  token: FundingToken;
  tokenAddress: Address;
  tokenDecimals: number;
  /** Holds tokens and ETH, and is the test token's minter. */
  testWallet: { address: Address; privateKey: Hex };
  treasuryAddress: Address;
  /** The variables that point a cardrail server at this chain (CARDRAIL_RPC_URL_<NETWORK> and its overrides). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export const devchainDefaultChainId = 31_337;
export const testTokenDecimals = 6;
/** What the test wallet starts with (and pays the treasury's ETH and every deployment's gas from). */
export const testWalletEther = parseEther('10000');
/** What the treasury starts with: ETH for withdrawals' gas. */
export const treasuryEther = parseEther('1000');
/** Test tokens minted to the test wallet and to the treasury, each. */
export const devchainTokenBaseUnitsEach = 1_000_000n * 10n ** BigInt(testTokenDecimals);

/** Deploys the test token from `deployer` and waits for its receipt; used by the devchain and by tests for a second token. */
export async function deployTestToken(rpcUrl: string, chainId: number, deployerPrivateKey: Hex, token: { name: string; symbol: string; decimals: number }): Promise<Address> {
  const chain = devchainDefinition(rpcUrl, chainId);
  const account = privateKeyToAccount(deployerPrivateKey);
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  const client = createPublicClient({ chain, transport: http(rpcUrl) });
  const hash = await wallet.deployContract({ abi: testTokenAbi, bytecode: testTokenBytecode, args: [token.name, token.symbol, token.decimals] });
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== 'success' || receipt.contractAddress == null) throw new Error(`deploying the ${token.symbol} test token failed (${hash})`);
  return getAddress(receipt.contractAddress);
}

/** A viem chain for a devchain (or any local node) at `rpcUrl`. */
export function devchainDefinition(rpcUrl: string, chainId: number) {
  return {
    id: chainId,
    name: 'cardrail devchain',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as const;
}

export async function startDevchain(options: DevchainOptions): Promise<Devchain> {
  const chainId = options.chainId ?? devchainDefaultChainId;
  const network = options.network ?? 'base';
  const token = options.token ?? 'USDC';
  const minConfirmations = options.minConfirmations ?? 3;
  const blockTimeMs = options.blockTimeMs ?? 0;
  if (!Number.isSafeInteger(chainId) || chainId < 1) throw new RangeError(`chain id must be a positive integer, got ${chainId}`);
  if (!Number.isSafeInteger(blockTimeMs) || blockTimeMs < 0) throw new RangeError(`block time must be a non-negative integer of milliseconds, got ${blockTimeMs}`);
  if (!Number.isSafeInteger(minConfirmations) || minConfirmations < 1) throw new RangeError(`min confirmations must be a positive integer, got ${minConfirmations}`);

  // Loaded here: Hardhat is large and only this command needs it.
  const [{ createHardhatNetworkProvider }, { JsonRpcServer }, { defaultHardhatNetworkParams }] = await Promise.all([
    import('hardhat/internal/hardhat-network/provider/provider.js'),
    import('hardhat/internal/hardhat-network/jsonrpc/server.js'),
    import('hardhat/internal/core/config/default-config.js'),
  ]);
  const testWalletPrivateKey = options.testWalletPrivateKey ?? generatePrivateKey();
  const testWallet = privateKeyToAccount(testWalletPrivateKey);
  const provider = await createHardhatNetworkProvider(
    {
      hardfork: defaultHardhatNetworkParams.hardfork,
      chainId,
      networkId: chainId,
      blockGasLimit: defaultHardhatNetworkParams.blockGasLimit,
      minGasPrice: 0n,
      automine: true,
      intervalMining: blockTimeMs,
      mempoolOrder: 'priority',
      chains: defaultHardhatNetworkParams.chains,
      genesisAccounts: [{ privateKey: testWalletPrivateKey, balance: testWalletEther.toString() }],
      allowUnlimitedContractSize: false,
      throwOnTransactionFailures: true,
      throwOnCallFailures: true,
      allowBlocksWithSameTimestamp: false,
      enableTransientStorage: false,
      enableRip7212: false,
    },
    { enabled: false },
  );
  const server = new JsonRpcServer({ hostname: options.host ?? '127.0.0.1', port: options.port ?? 0, provider });
  const listening = await server.listen();
  const host = listening.address.includes(':') ? `[${listening.address}]` : listening.address;
  const rpcUrl = `http://${host}:${listening.port}`;
  const stopNode = async () => {
    // The interval miner is ended while the node still runs: left to the process exit, its thread panics.
    if (blockTimeMs > 0) await provider.request({ method: 'evm_setIntervalMining', params: [0] });
    await server.close();
  };
  try {
    const treasuryAddress = treasuryAccount(options.secrets).address;
    const tokenAddress = await deployTestToken(rpcUrl, chainId, testWalletPrivateKey, { name: `Test ${token}`, symbol: token, decimals: testTokenDecimals });
    const chain = devchainDefinition(rpcUrl, chainId);
    const wallet = createWalletClient({ account: testWallet, chain, transport: http(rpcUrl) });
    const client = createPublicClient({ chain, transport: http(rpcUrl) });
    const funding = [
      await wallet.sendTransaction({ to: treasuryAddress, value: treasuryEther }),
      await wallet.writeContract({ address: tokenAddress, abi: testTokenAbi, functionName: 'mint', args: [testWallet.address, devchainTokenBaseUnitsEach] }),
      await wallet.writeContract({ address: tokenAddress, abi: testTokenAbi, functionName: 'mint', args: [treasuryAddress, devchainTokenBaseUnitsEach] }),
    ];
    for (const hash of funding) {
      const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      if (receipt.status !== 'success') throw new Error(`funding transaction ${hash} failed`);
    }
    const suffix = network.toUpperCase();
    const env = {
      [`CARDRAIL_RPC_URL_${suffix}`]: rpcUrl,
      [`CARDRAIL_CHAIN_ID_${suffix}`]: String(chainId),
      [`CARDRAIL_TOKEN_ADDRESS_${suffix}_${token}`]: tokenAddress,
      [`CARDRAIL_MIN_CONFIRMATIONS_${suffix}`]: String(minConfirmations),
    };
    let stopped: Promise<void> | undefined;
    return {
      rpcUrl,
      chainId,
      network,
      token,
      tokenAddress,
      tokenDecimals: testTokenDecimals,
      testWallet: { address: testWallet.address, privateKey: testWalletPrivateKey },
      treasuryAddress,
      env,
      stop: () => (stopped ??= stopNode()),
    };
  } catch (error) {
    await stopNode();
    throw error;
  }
}
