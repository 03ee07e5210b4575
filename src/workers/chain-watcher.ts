// The EVM deposit watcher: one per chain configured with CARDRAIL_RPC_URL_<NETWORK> (docs/funding.md). A poll
//   1. checks the node is the configured chain (chain id) and reads its head and genesis hash;
//   2. brings the address book up to date: every user's deposit address, live and sandbox, every organization;
//   3. re-checks each pending deposit of the chain: its block still canonical → confirmations counted (head − block
//      + 1) and credited at minConfirmations; replaced → rejected `reorged`, never credited;
//   4. scans from the durable cursor to the head in ranges of at most blocksPerCall blocks, re-reading the last
//      minConfirmations blocks before the cursor (a shallow reorg's new blocks are seen), each log recorded in its own
//      transaction and the cursor advanced after its range. A crash anywhere re-reads at most one range, and recording
//      is idempotent by (network, txHash, logIndex): nothing missed, nothing credited twice.
// No RPC call happens inside a database transaction.
import type { Logger } from 'pino';
import type { PublicClient } from 'viem';
import type { AppContext } from '../app-context.js';
import { chainTokenAddress } from '../chain/evm.js';
import { blockHashAt, chainClient, readTransferLogs, type TransferLog } from '../chain/transfer-logs.js';
import type { ChainWatchStatus } from '../chain/watch-status.js';
import type { ChainConfig } from '../config.js';
import { environmentTimeMs, type Clock } from '../domain/clock.js';
import { environments, type Environment } from '../domain/environment.js';
import { fundingMethods, type FundingToken } from '../domain/funding-networks.js';
import { evmAccountAt, evmDerivationPath } from '../modules/funding/addresses.js';
import {
  advanceChainCursor,
  confirmChainDeposit,
  pendingChainDeposits,
  readChainCursor,
  recordChainDeposit,
  rejectReorgedDeposit,
  startChainCursor,
  type ChainCursor,
} from '../modules/funding/chain-deposits.js';
import type { Deposit } from '../modules/funding/service.js';
import { sandboxOffsetMs } from '../modules/sandbox/clock.js';
import type { Scope } from '../domain/scope.js';
import { listUsersByFundingIndex } from '../modules/users/service.js';
import type { Secrets } from '../secrets.js';
import type { Database, Sql } from '../store/database.js';

export interface ChainWatcherDependencies {
  db: Database;
  clock: Clock;
  logger: Logger;
  secrets: Pick<Secrets, 'hdSeed'>;
  status: ChainWatchStatus;
}

/** What one poll did. */
export interface ChainPoll {
  headBlock: number;
  /** The blocks read for logs (inclusive); null when the cursor was already past the head. */
  scanned: { fromBlock: number; toBlock: number } | null;
  /** Deposits recorded for the first time. */
  recorded: number;
  completed: number;
  rejectedReorged: number;
  unsupportedTransfers: number;
}

/** The node is not the chain the configuration names: nothing is read from it. */
export class ChainMismatchError extends Error {}

const usersPerPage = 1_000;
const pendingPerPage = 200;

interface AddressOwner {
  scope: Scope;
  userId: string;
}

/** Lowercase deposit address → its user, for every user created so far; read on from the last funding index seen. */
class DepositAddressBook {
  private readonly owners = new Map<string, AddressOwner>();
  private readonly nextIndex: Record<Environment, number> = { live: 0, sandbox: 0 };

  constructor(private readonly hdSeed: Uint8Array) {}

  async refresh(sql: Sql): Promise<void> {
    for (const environment of environments) {
      for (;;) {
        const page = await listUsersByFundingIndex(sql, environment, this.nextIndex[environment], usersPerPage);
        for (const entry of page) {
          const address = evmAccountAt(this.hdSeed, evmDerivationPath(environment, entry.fundingIndex)).address.toLowerCase();
          this.owners.set(address, { scope: { organizationId: entry.organizationId, environment }, userId: entry.userId });
          this.nextIndex[environment] = entry.fundingIndex + 1;
        }
        if (page.length < usersPerPage) break;
      }
    }
  }

  ownerOf(address: string): AddressOwner | undefined {
    return this.owners.get(address.toLowerCase());
  }

  addresses(): string[] {
    return [...this.owners.keys()];
  }
}

interface AcceptedToken {
  token: FundingToken;
  decimals: number;
}

/** The token contracts accepted on the chain: the configured overrides, else the mainnet contracts. */
function acceptedTokens(chain: ChainConfig): Map<string, AcceptedToken> {
  const tokens = new Map<string, AcceptedToken>();
  for (const method of fundingMethods) {
    if (method.network !== chain.network) continue;
    const contract = chainTokenAddress(chain, method.token);
    if (contract !== undefined) tokens.set(contract.toLowerCase(), { token: method.token, decimals: method.decimals });
  }
  return tokens;
}

export class ChainWatcher {
  private readonly client: PublicClient;
  private readonly addressBook: DepositAddressBook;
  private readonly tokens: Map<string, AcceptedToken>;
  private readonly log: Logger;

  constructor(
    private readonly dependencies: ChainWatcherDependencies,
    readonly chain: ChainConfig,
    private readonly blocksPerCall: number,
  ) {
    if (!Number.isSafeInteger(blocksPerCall) || blocksPerCall < 1) throw new RangeError(`blocks per call must be a positive integer, got ${blocksPerCall}`);
    this.client = chainClient(chain.rpcUrl);
    this.addressBook = new DepositAddressBook(dependencies.secrets.hdSeed);
    this.tokens = acceptedTokens(chain);
    this.log = dependencies.logger.child({ chainNetwork: chain.network });
  }

  async pollOnce(): Promise<ChainPoll> {
    try {
      return await this.poll();
    } catch (error) {
      this.dependencies.status.of(this.chain.network).pollFailures += 1;
      throw error;
    }
  }

  private async poll(): Promise<ChainPoll> {
    const { db } = this.dependencies;
    const status = this.dependencies.status.of(this.chain.network);
    const chainId = await this.client.getChainId();
    if (chainId !== this.chain.chainId) {
      throw new ChainMismatchError(`the node at CARDRAIL_RPC_URL_${this.chain.network.toUpperCase()} answers chain id ${chainId}, not ${this.chain.chainId}`);
    }
    const genesisHash = await blockHashAt(this.client, 0);
    if (genesisHash === undefined) throw new Error(`the node of ${this.chain.network} has no block 0`);
    // The head before the address book: every block up to it was mined before the users read next were committed or
    // not at all, so no transfer in it can be to a user the book lacks.
    const headBlock = Number(await this.client.getBlockNumber());
    status.headBlock = headBlock;
    await this.addressBook.refresh(db);

    const cursor = await this.cursorFor(chainId, genesisHash, headBlock);
    const poll: ChainPoll = { headBlock, scanned: null, recorded: 0, completed: 0, rejectedReorged: 0, unsupportedTransfers: 0 };
    await this.recheckPending(headBlock, poll);

    const fromBlock = Math.max(0, cursor.nextBlock - this.chain.minConfirmations);
    for (let rangeStart = fromBlock; rangeStart <= headBlock; rangeStart += this.blocksPerCall) {
      const rangeEnd = Math.min(headBlock, rangeStart + this.blocksPerCall - 1);
      const logs = await readTransferLogs(this.client, rangeStart, rangeEnd, this.addressBook.addresses());
      for (const log of logs) await this.record(log, headBlock, log.blockNumber >= cursor.nextBlock, poll);
      await db.transaction((tx) => advanceChainCursor(tx, cursor, rangeEnd + 1, this.dependencies.clock.nowMs()));
      status.scannedBlock = Math.max(status.scannedBlock ?? rangeEnd, rangeEnd);
      poll.scanned = { fromBlock, toBlock: rangeEnd };
    }
    return poll;
  }

  /**
   * The cursor of this chain, started at one range below the head the first time (a new deployment has no older
   * deposits to find) or when the node is another chain than the one scanned so far (same chain id, another genesis:
   * a development chain started afresh), whose pending deposits are then rejected: their blocks are gone.
   */
  private async cursorFor(chainId: number, genesisHash: string, headBlock: number): Promise<ChainCursor> {
    const { db, clock } = this.dependencies;
    const existing = await readChainCursor(db, this.chain.network);
    if (existing !== undefined && existing.chainId === chainId && existing.genesisHash === genesisHash) return existing;
    if (existing !== undefined) {
      this.log.warn({ chainId, genesisHash, previousChainId: existing.chainId, previousGenesisHash: existing.genesisHash }, 'the chain node serves another chain than before: scanning it from its head');
      for (;;) {
        const pending = await pendingChainDeposits(db, this.chain.network, '', pendingPerPage);
        for (const deposit of pending) await db.transaction(async (tx) => rejectReorgedDeposit(tx, deposit, await environmentNowMs(tx, clock, deposit)));
        if (pending.length < pendingPerPage) break;
      }
    }
    const cursor = { network: this.chain.network, chainId, genesisHash, nextBlock: Math.max(0, headBlock + 1 - this.blocksPerCall) };
    await db.transaction((tx) => startChainCursor(tx, cursor, clock.nowMs()));
    return { ...cursor, updatedAtMs: clock.nowMs() };
  }

  private async recheckPending(headBlock: number, poll: ChainPoll): Promise<void> {
    const { db, clock } = this.dependencies;
    let afterId = '';
    for (;;) {
      const pending = await pendingChainDeposits(db, this.chain.network, afterId, pendingPerPage);
      const hashes = new Map<number, string | undefined>();
      for (const deposit of pending) {
        const blockNumber = deposit.blockNumber!;
        if (blockNumber <= headBlock && !hashes.has(blockNumber)) hashes.set(blockNumber, await blockHashAt(this.client, blockNumber));
      }
      for (const deposit of pending) {
        const blockNumber = deposit.blockNumber!;
        // A node behind the block (another node of a pool answered the head): decide at a later poll.
        if (blockNumber > headBlock) continue;
        const canonicalHash = hashes.get(blockNumber);
        if (canonicalHash === undefined) continue;
        if (canonicalHash !== deposit.blockHash) {
          const rejected = await db.transaction(async (tx) => rejectReorgedDeposit(tx, deposit, await environmentNowMs(tx, clock, deposit)));
          if (rejected !== undefined) {
            poll.rejectedReorged += 1;
            this.log.warn({ depositId: deposit.id, txHash: deposit.txHash, blockNumber, blockHash: deposit.blockHash, canonicalHash }, 'deposit rejected: its block left the chain');
          }
          continue;
        }
        const confirmations = headBlock - blockNumber + 1;
        if (confirmations === deposit.confirmationsAtObservation && confirmations < deposit.minConfirmations) continue;
        const confirmed = await db.transaction(async (tx) => confirmChainDeposit(tx, deposit, confirmations, await environmentNowMs(tx, clock, deposit)));
        if (confirmed?.status === 'completed') {
          poll.completed += 1;
          this.log.info({ depositId: deposit.id, amountCents: deposit.amountCents, confirmations }, 'deposit completed');
        }
      }
      if (pending.length < pendingPerPage) return;
      afterId = pending[pending.length - 1]!.id;
    }
  }

  /** One log of the scan: a deposit for an accepted token, a report for any other; `firstSight`: its block is new. */
  private async record(log: TransferLog, headBlock: number, firstSight: boolean, poll: ChainPoll): Promise<void> {
    const { db, clock } = this.dependencies;
    const owner = this.addressBook.ownerOf(log.to);
    if (owner === undefined) return;
    const accepted = this.tokens.get(log.contract);
    if (accepted === undefined) {
      // Anyone can send any token to an address, so these are reported (log and metric), never deposits or webhooks.
      if (!firstSight) return;
      poll.unsupportedTransfers += 1;
      this.dependencies.status.of(this.chain.network).unsupportedTransfers += 1;
      this.log.warn(
        { contract: log.contract, to: log.to, txHash: log.txHash, logIndex: log.logIndex, blockNumber: log.blockNumber, amountBaseUnits: log.amountBaseUnits.toString(), userId: owner.userId, organizationId: owner.scope.organizationId, environment: owner.scope.environment },
        'ignored a transfer of a token cardrail does not accept to a deposit address',
      );
      return;
    }
    // Zero-value transfers of real tokens are a common address-poisoning trick: nothing arrived, nothing to record.
    if (log.amountBaseUnits === 0n) return;
    const { deposit, created } = await db.transaction(async (tx) =>
      recordChainDeposit(
        tx,
        owner.scope,
        {
          network: this.chain.network,
          token: accepted.token,
          decimals: accepted.decimals,
          userId: owner.userId,
          address: log.to,
          amountBaseUnits: log.amountBaseUnits,
          txHash: log.txHash,
          logIndex: log.logIndex,
          blockNumber: log.blockNumber,
          blockHash: log.blockHash,
          confirmations: headBlock - log.blockNumber + 1,
          minConfirmations: this.chain.minConfirmations,
        },
        await scopeNowMs(tx, clock, owner.scope),
      ),
    );
    if (!created) return;
    poll.recorded += 1;
    if (deposit.status === 'completed') poll.completed += 1;
    this.log.info({ depositId: deposit.id, userId: deposit.userId, txHash: deposit.txHash, logIndex: deposit.logIndex, status: deposit.status }, 'deposit seen on chain');
  }
}

async function scopeNowMs(tx: Sql, clock: Clock, scope: Scope): Promise<number> {
  return environmentTimeMs(clock.nowMs(), scope.environment, scope.environment === 'sandbox' ? await sandboxOffsetMs(tx, scope) : 0);
}

function environmentNowMs(tx: Sql, clock: Clock, deposit: Deposit): Promise<number> {
  return scopeNowMs(tx, clock, { organizationId: deposit.organizationId, environment: deposit.environment as Environment });
}

/**
 * What went wrong, for the log, without the RPC URL's path and query: providers put API keys there, and viem's
 * errors quote the URL.
 */
export function describePollFailure(error: unknown, rpcUrl: string): string {
  const parts: string[] = [];
  let current: unknown = error;
  // The message, then its causes (a refused connection is two levels down), a few at most.
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth += 1) {
    parts.push(current instanceof Error ? ((current as Error & { shortMessage?: string }).shortMessage ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  const origin = new URL(rpcUrl).origin;
  const withoutPath = rpcUrl.replace(/\/+$/, '');
  return `${parts.join(': ')} (node ${origin})`.split(withoutPath).join(origin);
}

/**
 * Starts a watcher per configured chain, each polling every chainPollIntervalMs (a poll never overlaps the previous
 * one). A failed poll is logged and retried at the next. Answers the function that stops them, waiting for polls
 * under way.
 */
export function startChainWatchers(context: Pick<AppContext, 'db' | 'clock' | 'logger' | 'secrets' | 'config' | 'chainWatch'>): () => Promise<void> {
  const loops = context.config.chains.map((chain) => {
    const watcher = new ChainWatcher(
      { db: context.db, clock: context.clock, logger: context.logger, secrets: context.secrets, status: context.chainWatch },
      chain,
      context.config.chainBlocksPerCall,
    );
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> = Promise.resolve();
    const tick = () => {
      running = watcher
        .pollOnce()
        .then(
          () => undefined,
          (error: unknown) => context.logger.warn({ chainNetwork: chain.network, error: describePollFailure(error, chain.rpcUrl) }, 'chain watcher poll failed'),
        )
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, context.config.chainPollIntervalMs);
        });
    };
    timer = setTimeout(tick, 0);
    context.logger.info({ chainNetwork: chain.network, chainId: chain.chainId, minConfirmations: chain.minConfirmations }, 'watching the chain for deposits');
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    };
  });
  return async () => {
    await Promise.all(loops.map((stop) => stop()));
  };
}
