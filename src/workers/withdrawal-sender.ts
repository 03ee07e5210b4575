// The withdrawal sender: live withdrawals on every network with an RPC (CARDRAIL_RPC_URL_<NETWORK>) become ERC-20
// transfers signed by the treasury and are followed to the end. Each pass, per network: sign what is queued (nonce
// and raw transaction stored in one database transaction, nothing broadcast yet), then for everything in flight read
// the receipt, (re)broadcast the stored bytes when needed, and act on src/domain/withdrawal-sends.ts's decision —
// confirm, fail (the hold released), or cancel at the nonce. A crash anywhere leaves a state the next pass resumes
// from: the same bytes are broadcast again, never a second signature. Runs inside `cardrail serve`.
import { BaseError, type Hex } from 'viem';
import type { AppContext } from '../app-context.js';
import { CallReverted, chainTokenAddress, isUnreachable, JsonRpcChain, nodeMessage, transferCallData, type EvmAddress, type EvmChain, type FeesPerGas } from '../chain/evm.js';
import { treasuryAccount } from '../chain/treasury.js';
import { findFundingMethod, type FundingToken } from '../domain/funding-networks.js';
import { nextSendStep } from '../domain/withdrawal-sends.js';
import {
  failUnsentWithdrawal,
  finishWithdrawalSend,
  getWithdrawalSend,
  queuedWithdrawals,
  recordBroadcast,
  recordBroadcastProblem,
  signCancellation,
  signWithdrawal,
  unfinishedSends,
  withdrawalBaseUnits,
  type WithdrawalSend,
} from '../modules/withdrawals/chain-sends.js';

export type WithdrawalSenderContext = Pick<AppContext, 'db' | 'clock' | 'logger' | 'secrets' | 'config'>;

/** Withdrawals signed per network and pass at most, and sends followed: a backlog drains over several passes. */
const signedPerPassMax = 25;
const followedPerPassMax = 200;
/** A transaction in flight and not yet in a block is broadcast again this often (a node may have dropped it). */
const rebroadcastIntervalMs = 30_000;
/** Gas above the estimate: a transfer's cost can move between estimation and inclusion; what is unused is not paid. */
const gasMarginDivisor = 4n;

/**
 * What a log line may carry of an error: a client error's full text names the RPC URL, which often holds the
 * provider's API key, so only the node's own words go out; other errors keep their stack.
 */
function loggable(error: unknown): Record<string, unknown> {
  return error instanceof BaseError ? { error: nodeMessage(error) } : { err: error };
}

export interface WithdrawalSenderOptions {
  /** One per network with an RPC; by default JSON-RPC clients of the configured networks. */
  chains?: EvmChain[];
  /** After a withdrawal's transaction is signed and stored, before anything is broadcast (tests act out a crash here). */
  afterSigned?: (send: WithdrawalSend) => void | Promise<void>;
}

export interface SenderPassReport {
  signed: number;
  broadcast: number;
  confirmed: number;
  failed: number;
  cancelled: number;
}

function emptyReport(): SenderPassReport {
  return { signed: 0, broadcast: 0, confirmed: 0, failed: 0, cancelled: 0 };
}

export class WithdrawalSender {
  readonly chains: EvmChain[];
  private readonly afterSigned?: WithdrawalSenderOptions['afterSigned'];
  /** Networks whose node reported the configured chain id; checked until it does. */
  private readonly verifiedChains = new Set<string>();
  /** Tokens whose contract reported the decimals cardrail converts with. */
  private readonly verifiedTokens = new Set<string>();
  /** The last problem logged per network, so a node that stays down is not logged every pass. */
  private readonly lastProblem = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private currentPass: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly app: WithdrawalSenderContext,
    options: WithdrawalSenderOptions = {},
  ) {
    this.chains = options.chains ?? app.config.chains.map((settings) => new JsonRpcChain(settings));
    this.afterSigned = options.afterSigned;
  }

  private get treasury() {
    return treasuryAccount(this.app.secrets);
  }

  /** One pass over every network, awaited to the end. Tests drive the sender with this. */
  async runOnce(): Promise<SenderPassReport> {
    const total = emptyReport();
    for (const chain of this.chains) {
      if (this.stopped) break;
      const report = await this.runNetwork(chain);
      for (const key of Object.keys(total) as Array<keyof SenderPassReport>) total[key] += report[key];
    }
    return total;
  }

  /** Runs in the background, one pass every poll interval (a pass never overlaps the previous one). */
  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setInterval(() => this.requestPass(), this.app.config.withdrawals.pollIntervalMs);
    this.timer.unref();
    this.requestPass();
  }

  private requestPass(): void {
    if (this.stopped || this.currentPass !== undefined) return;
    this.currentPass = this.runOnce()
      .catch((error: unknown) => this.app.logger.warn(loggable(error), 'withdrawal sender pass failed'))
      .finally(() => {
        this.currentPass = undefined;
      });
  }

  /** Stops taking work and waits for the pass under way (its database transactions are short; RPCs time out). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.currentPass;
  }

  private problem(network: string, message: string, error?: unknown): void {
    if (this.lastProblem.get(network) === message) return;
    this.lastProblem.set(network, message);
    this.app.logger.warn({ network, ...(error === undefined ? {} : loggable(error)) }, message);
  }

  private async runNetwork(chain: EvmChain): Promise<SenderPassReport> {
    const report = emptyReport();
    const network = chain.settings.network;
    try {
      // First, and without the node: a node that stays unreachable must not keep holds for ever.
      await this.failExpiredUnsent(network, report);
      if (!(await this.chainVerified(chain))) return report;
      await this.signQueued(chain, report);
      await this.followInFlight(chain, report);
      this.lastProblem.delete(network);
    } catch (error) {
      this.problem(network, isUnreachable(error) ? `withdrawals on ${network}: the RPC node cannot be reached; retrying` : `withdrawals on ${network}: pass failed: ${nodeMessage(error)}`, error);
    }
    return report;
  }

  /** Signing for another chain would be refused at best: the node must be the configured chain. */
  private async chainVerified(chain: EvmChain): Promise<boolean> {
    const network = chain.settings.network;
    if (this.verifiedChains.has(network)) return true;
    const reported = await chain.chainId();
    if (reported !== chain.settings.chainId) {
      this.problem(network, `withdrawals on ${network} are not sent: the RPC node is chain ${reported}, not ${chain.settings.chainId} (CARDRAIL_CHAIN_ID_${network.toUpperCase()})`);
      return false;
    }
    this.verifiedChains.add(network);
    return true;
  }

  private async tokenVerified(chain: EvmChain, token: FundingToken, tokenAddress: EvmAddress): Promise<boolean> {
    const key = `${chain.settings.network}:${tokenAddress.toLowerCase()}`;
    if (this.verifiedTokens.has(key)) return true;
    const expected = findFundingMethod(chain.settings.network, token)!.decimals;
    const decimals = await chain.tokenDecimals(tokenAddress);
    if (decimals !== expected) {
      this.problem(chain.settings.network, `${token} withdrawals on ${chain.settings.network} are not sent: the contract ${tokenAddress} has ${decimals} decimals, not ${expected}`);
      return false;
    }
    this.verifiedTokens.add(key);
    return true;
  }

  /** Withdrawals that waited longer than the timeout without being signed fail, their holds released. */
  private async failExpiredUnsent(network: string, report: SenderPassReport): Promise<void> {
    const { db, clock } = this.app;
    const timeoutMs = this.app.config.withdrawals.timeoutMs;
    for (const { withdrawal, scope } of await queuedWithdrawals(db, network, signedPerPassMax)) {
      const nowMs = clock.nowMs();
      if (nowMs - withdrawal.createdAtMs < timeoutMs) break;
      const last = this.lastProblem.get(network);
      const reason = `not sent within ${Math.round(timeoutMs / 1000)} s${last === undefined ? '' : `: ${last}`}`.slice(0, 200);
      if (await db.transaction((tx) => failUnsentWithdrawal(tx, scope, withdrawal.id, reason, nowMs))) report.failed += 1;
    }
  }

  private async signQueued(chain: EvmChain, report: SenderPassReport): Promise<void> {
    const { db, clock } = this.app;
    const network = chain.settings.network;
    const queued = await queuedWithdrawals(db, network, signedPerPassMax);
    if (queued.length === 0) return;
    const treasury = this.treasury;
    let fees: FeesPerGas | undefined;
    let chainNonceFloor: number | undefined;
    for (const { withdrawal, scope } of queued) {
      if (this.stopped) return;
      const token = withdrawal.token as FundingToken;
      const tokenAddress = chainTokenAddress(chain.settings, token);
      if (tokenAddress === undefined || !(await this.tokenVerified(chain, token, tokenAddress))) continue;
      const data = transferCallData(withdrawal.address as EvmAddress, withdrawalBaseUnits(withdrawal));
      let gas: bigint;
      try {
        gas = await chain.estimateGas({ from: treasury.address, to: tokenAddress, data });
      } catch (error) {
        if (isUnreachable(error)) throw error;
        if (!(error instanceof CallReverted)) {
          // Most often the treasury has no native token for gas: nothing more is signed until it has; in flight goes on.
          this.problem(network, `withdrawals on ${network} wait: ${nodeMessage(error)}`, error);
          return;
        }
        // The token would revert it (the treasury lacks tokens, the recipient is refused): nothing is signed.
        const reason = `the token refuses the transfer: ${error.message}`.slice(0, 200);
        if (await db.transaction((tx) => failUnsentWithdrawal(tx, scope, withdrawal.id, reason, clock.nowMs()))) report.failed += 1;
        continue;
      }
      fees ??= await chain.feesPerGas();
      chainNonceFloor ??= await chain.transactionCount(treasury.address, 'pending');
      const floor = chainNonceFloor;
      const send = await db.transaction((tx) =>
        signWithdrawal(tx, { withdrawalId: withdrawal.id, account: treasury, chainId: chain.settings.chainId, tokenAddress, gas: gas + gas / gasMarginDivisor, fees: fees!, chainNonceFloor: floor, nowMs: clock.nowMs() }),
      );
      if (send === undefined) continue;
      report.signed += 1;
      this.app.logger.info({ withdrawalId: send.withdrawalId, network, nonce: send.nonce, txHash: send.txHash }, 'withdrawal signed');
      await this.afterSigned?.(send);
    }
  }

  private async followInFlight(chain: EvmChain, report: SenderPassReport): Promise<void> {
    const { db } = this.app;
    const network = chain.settings.network;
    const sends = await unfinishedSends(db, network, followedPerPassMax);
    if (sends.length === 0) return;
    const minConfirmations = chain.settings.minConfirmations;
    // Read before any receipt: a transfer mined after this block is found by its receipt, never taken for a spent nonce.
    const latest = await chain.blockNumber();
    const depthBlock = latest - BigInt(minConfirmations - 1);
    const spentCounts = new Map<string, number>();
    for (const send of sends) {
      if (!spentCounts.has(send.fromAddress)) spentCounts.set(send.fromAddress, depthBlock < 0n ? 0 : await chain.transactionCount(send.fromAddress, depthBlock));
    }
    for (const send of sends) {
      if (this.stopped) return;
      try {
        await this.follow(chain, send, latest, spentCounts.get(send.fromAddress)!, report);
      } catch (error) {
        if (isUnreachable(error)) throw error;
        this.app.logger.warn({ ...loggable(error), withdrawalId: send.withdrawalId, network }, 'withdrawal send could not be followed');
      }
    }
  }

  private async follow(chain: EvmChain, send: WithdrawalSend, latest: bigint, spentCount: number, report: SenderPassReport): Promise<void> {
    const { db, clock } = this.app;
    const receipt = await chain.receipt(send.txHash);
    let current = send;
    if (receipt === undefined && this.broadcastDue(current, clock.nowMs())) {
      current = await this.broadcast(chain, current, report);
    }
    const step = nextSendStep({
      transferReceipt: receipt === undefined ? undefined : { status: receipt.status, confirmations: Number(latest - receipt.blockNumber + 1n) },
      nonceSpentAtDepth: spentCount > current.nonce,
      minConfirmations: chain.settings.minConfirmations,
      nowMs: clock.nowMs(),
      signedAtMs: current.signedAtMs,
      timeoutMs: this.app.config.withdrawals.timeoutMs,
      cancellationSigned: current.cancellation !== null,
      broadcastRefusals: current.broadcastRefusals,
    });
    if (step.kind === 'confirm' || step.kind === 'fail') {
      if (await db.transaction((tx) => finishWithdrawalSend(tx, current.withdrawalId, step, clock.nowMs()))) {
        if (step.kind === 'confirm') report.confirmed += 1;
        else report.failed += 1;
        this.app.logger.info({ withdrawalId: current.withdrawalId, network: chain.settings.network, txHash: current.txHash, outcome: step.kind, reason: step.kind === 'fail' ? step.reason : undefined }, 'withdrawal finished');
      }
    } else if (step.kind === 'cancel') {
      const fees = await chain.feesPerGas();
      if (await db.transaction((tx) => signCancellation(tx, current.withdrawalId, this.treasury, fees, step.reason, clock.nowMs()))) {
        report.cancelled += 1;
        this.app.logger.warn({ withdrawalId: current.withdrawalId, network: chain.settings.network, nonce: current.nonce, reason: step.reason }, 'withdrawal cancelled at its nonce');
        const cancelling = await getWithdrawalSend(db, current.withdrawalId);
        if (cancelling !== undefined) await this.broadcast(chain, cancelling, report);
      }
    }
  }

  private broadcastDue(send: WithdrawalSend, nowMs: number): boolean {
    const inForceBroadcastAtMs = send.cancellation === null ? send.broadcastAtMs : send.cancellation.broadcastAtMs;
    if (inForceBroadcastAtMs === null) return true;
    return send.lastBroadcastAtMs === null || nowMs - send.lastBroadcastAtMs >= rebroadcastIntervalMs;
  }

  /** Broadcasts the stored bytes of the transaction in force and records the node's answer; answers the send as now stored. */
  private async broadcast(chain: EvmChain, send: WithdrawalSend, report: SenderPassReport): Promise<WithdrawalSend> {
    const { db, clock } = this.app;
    const rawTransaction: Hex = send.cancellation?.rawTransaction ?? send.rawTransaction;
    let result;
    try {
      result = await chain.sendRawTransaction(rawTransaction);
    } catch (error) {
      await db.transaction((tx) => recordBroadcastProblem(tx, send, `the RPC node could not be reached: ${nodeMessage(error)}`, false, clock.nowMs()));
      throw error;
    }
    if (result.outcome === 'accepted') {
      await db.transaction((tx) => recordBroadcast(tx, send, clock.nowMs()));
      report.broadcast += 1;
    } else {
      // An empty treasury (no gas) is waited out; a transaction the node will never take counts towards cancelling it.
      const refusal = result.outcome === 'refused' && !/insufficient funds/i.test(result.message);
      await db.transaction((tx) => recordBroadcastProblem(tx, send, result.message, refusal, clock.nowMs()));
      this.app.logger.warn({ withdrawalId: send.withdrawalId, network: chain.settings.network, nonce: send.nonce, answer: result.outcome, message: result.message }, 'withdrawal broadcast not taken');
    }
    return (await getWithdrawalSend(db, send.withdrawalId)) ?? send;
  }
}

/** Starts the sender when at least one network has an RPC; answers the function that stops it. */
export function startWithdrawalSender(app: WithdrawalSenderContext): () => Promise<void> {
  if (app.config.chains.length === 0) return async () => {};
  const sender = new WithdrawalSender(app);
  sender.start();
  return () => sender.stop();
}
