// An EVM network in memory for the withdrawal sender's state machine: accounts' nonces, one ERC-20 token's balances,
// a pool that replaces a transaction only for fees at least 10 % higher, blocks mined on demand (or at once with
// `automine`), receipts that say reverted when the token would refuse, and failures on demand (an unreachable node,
// refusals). Signed transactions are parsed and their sender recovered with viem, as a node would.
import { decodeFunctionData, HttpRequestError, keccak256, parseTransaction, recoverTransactionAddress, type Hex } from 'viem';
import { CallReverted, erc20Abi, type BroadcastResult, type EvmAddress, type EvmChain, type FeesPerGas, type ReceiptSummary } from '../../src/chain/evm.js';
import type { ChainConfig } from '../../src/config.js';

interface PooledTransaction {
  hash: Hex;
  from: string;
  nonce: number;
  to: string;
  data: Hex | undefined;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

interface MinedTransaction extends PooledTransaction {
  blockNumber: bigint;
  status: 'success' | 'reverted';
}

const key = (address: string) => address.toLowerCase();

export class FakeEvmChain implements EvmChain {
  automine = false;
  /** Every request throws as a node that cannot be reached would. */
  unreachable = false;
  /** The next broadcasts are refused with this message, as many times as `refusalsLeft`. */
  refusalMessage = 'replacement transaction underpriced';
  refusalsLeft = 0;
  /** Recipients the token refuses (a blocklist): transfers to them revert. */
  readonly refusedRecipients = new Set<string>();
  fees: FeesPerGas = { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
  latestBlock = 0n;
  readonly broadcasts: Hex[] = [];
  readonly mined: MinedTransaction[] = [];
  private readonly pool = new Map<string, PooledTransaction>();
  private readonly tokenBalances = new Map<string, bigint>();

  constructor(
    readonly settings: ChainConfig,
    private readonly tokenAddress: EvmAddress,
  ) {}

  private reachable(): void {
    if (this.unreachable) throw new HttpRequestError({ url: 'http://fake-node.invalid', details: 'connect ECONNREFUSED' });
  }

  mint(owner: string, amount: bigint): void {
    this.tokenBalances.set(key(owner), this.tokenBalanceOf(owner) + amount);
  }

  tokenBalanceOf(owner: string): bigint {
    return this.tokenBalances.get(key(owner)) ?? 0n;
  }

  private minedCount(address: string, atBlock?: bigint): number {
    return this.mined.filter((transaction) => transaction.from === key(address) && (atBlock === undefined || transaction.blockNumber <= atBlock)).length;
  }

  /** Pool transactions executable now: the sender's next nonces, in order. */
  private executable(): PooledTransaction[] {
    const ready: PooledTransaction[] = [];
    const senders = new Set([...this.pool.values()].map((transaction) => transaction.from));
    for (const from of senders) {
      let nonce = this.minedCount(from);
      for (;;) {
        const next = this.pool.get(`${from}:${nonce}`);
        if (next === undefined) break;
        ready.push(next);
        nonce += 1;
      }
    }
    return ready;
  }

  private wouldRevert(from: string, to: string, data: Hex | undefined, balances: Map<string, bigint>): boolean {
    if (data === undefined || data === '0x' || key(to) !== key(this.tokenAddress)) return false;
    const call = decodeFunctionData({ abi: erc20Abi, data });
    if (call.functionName !== 'transfer') return true;
    const [recipient, amount] = call.args as [string, bigint];
    return this.refusedRecipients.has(key(recipient)) || (balances.get(key(from)) ?? 0n) < amount;
  }

  /** Mines one block with every executable transaction of the pool (an empty block when there is none). */
  mine(): MinedTransaction[] {
    this.latestBlock += 1n;
    const included: MinedTransaction[] = [];
    for (const transaction of this.executable()) {
      this.pool.delete(`${transaction.from}:${transaction.nonce}`);
      const reverted = this.wouldRevert(transaction.from, transaction.to, transaction.data, this.tokenBalances);
      if (!reverted && transaction.data !== undefined && transaction.data !== '0x') {
        const [recipient, amount] = decodeFunctionData({ abi: erc20Abi, data: transaction.data }).args as [string, bigint];
        this.tokenBalances.set(transaction.from, this.tokenBalanceOf(transaction.from) - amount);
        this.mint(recipient, amount);
      }
      const mined: MinedTransaction = { ...transaction, blockNumber: this.latestBlock, status: reverted ? 'reverted' : 'success' };
      this.mined.push(mined);
      included.push(mined);
    }
    return included;
  }

  /** Mines `count` blocks. */
  mineBlocks(count: number): void {
    for (let index = 0; index < count; index += 1) this.mine();
  }

  /** Transactions of `from` waiting in the pool. */
  pooled(): PooledTransaction[] {
    return [...this.pool.values()];
  }

  async chainId(): Promise<number> {
    this.reachable();
    return this.settings.chainId;
  }

  async blockNumber(): Promise<bigint> {
    this.reachable();
    return this.latestBlock;
  }

  async transactionCount(address: EvmAddress, at: 'pending' | bigint): Promise<number> {
    this.reachable();
    if (at !== 'pending') return this.minedCount(address, at);
    let count = this.minedCount(address);
    while (this.pool.has(`${key(address)}:${count}`)) count += 1;
    return count;
  }

  async receipt(hash: Hex): Promise<ReceiptSummary | undefined> {
    this.reachable();
    const mined = this.mined.find((transaction) => transaction.hash === hash);
    return mined === undefined ? undefined : { status: mined.status, blockNumber: mined.blockNumber };
  }

  async feesPerGas(): Promise<FeesPerGas> {
    this.reachable();
    return this.fees;
  }

  async estimateGas(request: { from: EvmAddress; to: EvmAddress; data: Hex }): Promise<bigint> {
    this.reachable();
    if (this.wouldRevert(request.from, request.to, request.data, this.tokenBalances)) throw new CallReverted('execution reverted: transfer refused');
    return 50_000n;
  }

  async sendRawTransaction(rawTransaction: Hex): Promise<BroadcastResult> {
    this.reachable();
    this.broadcasts.push(rawTransaction);
    if (this.refusalsLeft > 0) {
      this.refusalsLeft -= 1;
      return { outcome: 'refused', message: this.refusalMessage };
    }
    const parsed = parseTransaction(rawTransaction);
    if (parsed.chainId !== this.settings.chainId) return { outcome: 'refused', message: `invalid chain id ${parsed.chainId}` };
    const from = key(await recoverTransactionAddress({ serializedTransaction: rawTransaction as Parameters<typeof recoverTransactionAddress>[0]['serializedTransaction'] }));
    const hash = keccak256(rawTransaction);
    if (this.mined.some((transaction) => transaction.hash === hash) || [...this.pool.values()].some((transaction) => transaction.hash === hash)) return { outcome: 'accepted' };
    const nonce = parsed.nonce!;
    if (nonce < this.minedCount(from)) return { outcome: 'nonceUsed', message: 'nonce too low' };
    const slot = `${from}:${nonce}`;
    const existing = this.pool.get(slot);
    const transaction: PooledTransaction = { hash, from, nonce, to: key(parsed.to!), data: parsed.data, maxFeePerGas: parsed.maxFeePerGas!, maxPriorityFeePerGas: parsed.maxPriorityFeePerGas! };
    if (existing !== undefined) {
      const enough = (next: bigint, old: bigint) => next * 10n >= old * 11n;
      if (!enough(transaction.maxFeePerGas, existing.maxFeePerGas) || !enough(transaction.maxPriorityFeePerGas, existing.maxPriorityFeePerGas)) {
        return { outcome: 'refused', message: 'replacement transaction underpriced' };
      }
    }
    this.pool.set(slot, transaction);
    if (this.automine) this.mine();
    return { outcome: 'accepted' };
  }

  async balance(): Promise<bigint> {
    this.reachable();
    return 10n ** 18n;
  }

  async tokenBalance(_token: EvmAddress, owner: EvmAddress): Promise<bigint> {
    this.reachable();
    return this.tokenBalanceOf(owner);
  }

  async tokenDecimals(): Promise<number> {
    this.reachable();
    return 6;
  }
}
