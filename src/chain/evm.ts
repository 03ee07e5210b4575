// One EVM network reached over JSON-RPC, as the withdrawal sender and `cardrail treasury` need it: reads (blocks,
// nonces, receipts, fees, balances), gas estimation that tells a revert from other failures, and broadcasting a signed
// transaction with the node's answer classified. `EvmChain` is the port; `JsonRpcChain` is the real one (viem).
import {
  BaseError,
  createPublicClient,
  encodeFunctionData,
  HttpRequestError,
  http,
  keccak256,
  parseAbi,
  TimeoutError,
  TransactionReceiptNotFoundError,
  type Hex,
  type PublicClient,
} from 'viem';
import type { LocalAccount } from 'viem/accounts';
import type { ChainConfig } from '../config.js';
import { findFundingMethod, type FundingToken } from '../domain/funding-networks.js';

export type EvmAddress = `0x${string}`;

/** The token's contract on a configured chain: its CARDRAIL_TOKEN_ADDRESS_<NETWORK>_<TOKEN>, else the mainnet one. */
export function chainTokenAddress(chain: ChainConfig, token: FundingToken): EvmAddress | undefined {
  return chain.tokenAddresses[token] ?? (findFundingMethod(chain.network, token)?.tokenAddress as EvmAddress | undefined);
}

export const erc20Abi = parseAbi([
  'function transfer(address to, uint256 amount) returns (bool)',
  'function balanceOf(address owner) view returns (uint256)',
  'function decimals() view returns (uint8)',
]);

export interface FeesPerGas {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface ReceiptSummary {
  status: 'success' | 'reverted';
  blockNumber: bigint;
}

/**
 * What the node said to a signed transaction. `accepted`: in its pool or mined (also when it knew it already).
 * `nonceUsed`: its nonce is spent, by this transaction or another (the receipt tells). `refused`: it will not take it
 * (underpriced, no funds for gas…). A failure to reach the node throws instead: the transaction may or may not be there.
 */
export type BroadcastResult = { outcome: 'accepted' } | { outcome: 'nonceUsed'; message: string } | { outcome: 'refused'; message: string };

/** Gas estimation says the call reverts: the token refuses this transfer (no balance, a blocked recipient…). */
export class CallReverted extends Error {}

export interface EvmChain {
  readonly settings: ChainConfig;
  chainId(): Promise<number>;
  blockNumber(): Promise<bigint>;
  /** The account's transaction count: with pending transactions, or as of a block. */
  transactionCount(address: EvmAddress, at: 'pending' | bigint): Promise<number>;
  /** Undefined while the transaction is not in a block. */
  receipt(hash: Hex): Promise<ReceiptSummary | undefined>;
  feesPerGas(): Promise<FeesPerGas>;
  /** Throws `CallReverted` when the call would revert. */
  estimateGas(request: { from: EvmAddress; to: EvmAddress; data: Hex; value?: bigint }): Promise<bigint>;
  sendRawTransaction(rawTransaction: Hex): Promise<BroadcastResult>;
  balance(address: EvmAddress): Promise<bigint>;
  tokenBalance(token: EvmAddress, owner: EvmAddress): Promise<bigint>;
  tokenDecimals(token: EvmAddress): Promise<number>;
}

/** How long one JSON-RPC request may take, and how often a failed one is tried again, before the pass gives up on it. */
const requestTimeoutMs = 10_000;
const requestRetries = 2;

/** The node's own words, without viem's explanation around them (bounded: it ends up in logs and the database). */
export function nodeMessage(error: unknown): string {
  const text = error instanceof BaseError ? (error.details || error.shortMessage) : error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** No answer from the node at all: timeouts, refused connections, HTTP errors. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof BaseError && error.walk((cause) => cause instanceof HttpRequestError || cause instanceof TimeoutError) !== null;
}

export function classifyBroadcastError(error: unknown): BroadcastResult {
  if (isUnreachable(error)) throw error;
  const message = nodeMessage(error);
  if (/already known|known transaction|already imported|already exists/i.test(message)) return { outcome: 'accepted' };
  // A development node that mines on arrival (Hardhat's) answers a transaction that reverted with an error; it is in a block.
  if (/VM Exception while processing transaction/i.test(message)) return { outcome: 'accepted' };
  if (/nonce too low|nonce has already been used|invalid nonce|nonce is too low/i.test(message)) return { outcome: 'nonceUsed', message };
  return { outcome: 'refused', message };
}

export class JsonRpcChain implements EvmChain {
  private readonly client: PublicClient;

  constructor(readonly settings: ChainConfig) {
    this.client = createPublicClient({ transport: http(settings.rpcUrl, { timeout: requestTimeoutMs, retryCount: requestRetries }) });
  }

  chainId(): Promise<number> {
    return this.client.getChainId();
  }

  blockNumber(): Promise<bigint> {
    return this.client.getBlockNumber({ cacheTime: 0 });
  }

  transactionCount(address: EvmAddress, at: 'pending' | bigint): Promise<number> {
    return at === 'pending' ? this.client.getTransactionCount({ address, blockTag: 'pending' }) : this.client.getTransactionCount({ address, blockNumber: at });
  }

  async receipt(hash: Hex): Promise<ReceiptSummary | undefined> {
    try {
      const receipt = await this.client.getTransactionReceipt({ hash });
      return { status: receipt.status, blockNumber: receipt.blockNumber };
    } catch (error) {
      if (error instanceof BaseError && error.walk((cause) => cause instanceof TransactionReceiptNotFoundError) !== null) return undefined;
      throw error;
    }
  }

  async feesPerGas(): Promise<FeesPerGas> {
    const fees = await this.client.estimateFeesPerGas({ chain: null, type: 'eip1559' });
    return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
  }

  async estimateGas(request: { from: EvmAddress; to: EvmAddress; data: Hex; value?: bigint }): Promise<bigint> {
    try {
      return await this.client.estimateGas({ account: request.from, to: request.to, data: request.data, value: request.value ?? 0n });
    } catch (error) {
      if (isUnreachable(error)) throw error;
      // Out of funds for gas is the treasury's problem, not the transfer's: it is not a revert.
      const message = nodeMessage(error);
      if (/insufficient funds|exceeds .*balance for gas|outoffunds/i.test(message) && !/transfer amount exceeds balance/i.test(message)) throw error;
      if (/revert/i.test(message) || (error instanceof BaseError && error.walk((cause) => (cause as { code?: unknown }).code === 3) !== null)) throw new CallReverted(message);
      throw error;
    }
  }

  async sendRawTransaction(rawTransaction: Hex): Promise<BroadcastResult> {
    try {
      await this.client.sendRawTransaction({ serializedTransaction: rawTransaction });
      return { outcome: 'accepted' };
    } catch (error) {
      return classifyBroadcastError(error);
    }
  }

  balance(address: EvmAddress): Promise<bigint> {
    return this.client.getBalance({ address });
  }

  tokenBalance(token: EvmAddress, owner: EvmAddress): Promise<bigint> {
    return this.client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] });
  }

  async tokenDecimals(token: EvmAddress): Promise<number> {
    return Number(await this.client.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }));
  }
}

export interface SignedTransaction {
  rawTransaction: Hex;
  hash: Hex;
}

/** `transfer(recipient, amount)` of an ERC-20, as call data. */
export function transferCallData(recipient: EvmAddress, amountBaseUnits: bigint): Hex {
  return encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, amountBaseUnits] });
}

/** Signs an EIP-1559 transaction locally (no I/O); the hash is the raw bytes' keccak. */
export async function signEvmTransaction(
  account: LocalAccount,
  transaction: { chainId: number; nonce: number; to: EvmAddress; data?: Hex; value?: bigint; gas: bigint; fees: FeesPerGas },
): Promise<SignedTransaction> {
  const rawTransaction = await account.signTransaction({
    type: 'eip1559',
    chainId: transaction.chainId,
    nonce: transaction.nonce,
    to: transaction.to,
    data: transaction.data,
    value: transaction.value ?? 0n,
    gas: transaction.gas,
    maxFeePerGas: transaction.fees.maxFeePerGas,
    maxPriorityFeePerGas: transaction.fees.maxPriorityFeePerGas,
  });
  return { rawTransaction, hash: keccak256(rawTransaction) };
}

/** A plain value transfer's gas (EIP-2028): what a zero-value self-transfer costs. */
export const plainTransferGas = 21_000n;
