// Deposits seen on a real EVM chain (the watcher is src/workers/chain-watcher.ts): a Transfer log to a user's deposit
// address is recorded `pending` at first sight, counts confirmations from blocks (head − block + 1), completes and is
// credited at the chain's minConfirmations, and is rejected as `reorged` if its block leaves the chain before that.
// Once per (network, txHash, logIndex). Also each chain's scan cursor: the first block not yet scanned.
import type { Environment } from '../../domain/environment.js';
import { baseUnitsToCents, isWithinDepositLimit, maxDepositCents, type EvmFundingNetwork, type FundingToken } from '../../domain/funding-networks.js';
import { newId } from '../../domain/ids.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import type { Scope } from '../../domain/scope.js';
import { completeDeposit, depositFromRow, insertDeposit, presentDeposit, type Deposit, type DepositRow } from './service.js';

/** Why a deposit whose block left the canonical chain before it was credited is rejected. */
export const reorgedRejectionReason = 'reorged';

/** A Transfer log of an accepted token to a user's deposit address, as the watcher read it. */
export interface ChainTransfer {
  network: EvmFundingNetwork;
  token: FundingToken;
  decimals: number;
  userId: string;
  /** The deposit address (the log's `to`). */
  address: string;
  amountBaseUnits: bigint;
  txHash: string;
  logIndex: number;
  blockNumber: number;
  blockHash: string;
  /** head − blockNumber + 1 when the log was read. */
  confirmations: number;
  minConfirmations: number;
}

function scopeOf(deposit: Deposit): Scope {
  return { organizationId: deposit.organizationId, environment: deposit.environment as Environment };
}

async function findChainDeposit(tx: Sql, scope: Scope, network: string, txHash: string, logIndex: number): Promise<Deposit | undefined> {
  const row = await tx.get<DepositRow>(
    `SELECT * FROM deposits WHERE organization_id = ? AND environment = ? AND network = ? AND tx_hash = ? AND log_index = ?
       AND (status <> 'rejected' OR rejection_reason <> ?)`,
    [scope.organizationId, scope.environment, network, txHash, logIndex, reorgedRejectionReason],
  );
  return row === undefined ? undefined : depositFromRow(row);
}

/**
 * Records a transfer the watcher read. Seen before (the same network, transaction and log, not reorged): answers that
 * deposit unchanged, so a re-scan credits nothing twice. Deep enough already: completed and credited at once (only
 * `deposit.completed`). A single transfer above the deposit limit is recorded rejected, never credited automatically.
 */
export async function recordChainDeposit(tx: Sql, scope: Scope, transfer: ChainTransfer, nowMs: number): Promise<{ deposit: Deposit; created: boolean }> {
  if (transfer.amountBaseUnits <= 0n) throw new RangeError(`a chain deposit must move a positive amount, got ${transfer.amountBaseUnits}`);
  if (!Number.isSafeInteger(transfer.logIndex) || transfer.logIndex < 0) throw new RangeError(`log index must be a non-negative integer, got ${transfer.logIndex}`);
  if (!Number.isSafeInteger(transfer.confirmations) || transfer.confirmations < 1) throw new RangeError(`a mined log has at least one confirmation, got ${transfer.confirmations}`);
  const txHash = transfer.txHash.toLowerCase();
  const existing = await findChainDeposit(tx, scope, transfer.network, txHash, transfer.logIndex);
  if (existing !== undefined) return { deposit: existing, created: false };

  const amountBaseUnits = transfer.amountBaseUnits.toString();
  const withinLimit = isWithinDepositLimit(amountBaseUnits, transfer.decimals);
  const value = withinLimit ? baseUnitsToCents(amountBaseUnits, transfer.decimals) : { cents: 0, remainderBaseUnits: '0' };
  const deposit: Deposit = {
    id: newId('dep', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    userId: transfer.userId,
    network: transfer.network,
    token: transfer.token,
    amountBaseUnits,
    amountCents: value.cents,
    remainderBaseUnits: value.remainderBaseUnits,
    txHash,
    address: transfer.address,
    status: withinLimit ? 'pending' : 'rejected',
    rejectionReason: withinLimit ? null : `a single deposit may be at most ${maxDepositCents} cents: not credited automatically, contact support`,
    confirmationsAtObservation: transfer.confirmations,
    minConfirmations: transfer.minConfirmations,
    observedAtMs: nowMs,
    completedAtMs: null,
    createdAtMs: nowMs,
    logIndex: transfer.logIndex,
    blockNumber: transfer.blockNumber,
    blockHash: transfer.blockHash.toLowerCase(),
  };
  if (!(await insertDeposit(tx, deposit))) {
    // Another watcher process recorded it between the lookup and the insert: answer theirs.
    const winner = await findChainDeposit(tx, scope, transfer.network, txHash, transfer.logIndex);
    if (winner === undefined) throw new Error(`deposit ${transfer.network}/${txHash}/${transfer.logIndex} conflicted but cannot be read`);
    return { deposit: winner, created: false };
  }
  if (deposit.status === 'rejected') {
    await recordEvent(tx, scope, 'deposit.rejected', presentDeposit(deposit, nowMs), nowMs);
    return { deposit, created: true };
  }
  if (deposit.confirmationsAtObservation >= deposit.minConfirmations) {
    const completed = await completeDeposit(tx, scope, deposit, nowMs);
    if (completed === undefined) throw new Error(`deposit ${deposit.id} was inserted in this transaction but could not be completed`);
    return { deposit: completed, created: true };
  }
  await recordEvent(tx, scope, 'deposit.pending', presentDeposit(deposit, nowMs), nowMs);
  return { deposit, created: true };
}

/** Pending deposits seen on `network`, every organization and environment, in id order after `afterId`. */
export async function pendingChainDeposits(sql: Sql, network: EvmFundingNetwork, afterId: string, limit: number): Promise<Deposit[]> {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_000) throw new RangeError(`page size must be 1 to 1000, got ${limit}`);
  const rows = await sql.all<DepositRow>(`SELECT * FROM deposits WHERE network = ? AND status = 'pending' AND block_hash IS NOT NULL AND id > ? ORDER BY id LIMIT ?`, [
    network,
    afterId,
    limit,
  ]);
  return rows.map(depositFromRow);
}

/**
 * A pending deposit whose block is still on the chain with `confirmations`: completed and credited once they reach
 * its minConfirmations, else its count is brought up to date. Answers the deposit as it now is, or undefined when it
 * was no longer pending (another process completed or rejected it).
 */
export async function confirmChainDeposit(tx: Sql, deposit: Deposit, confirmations: number, nowMs: number): Promise<Deposit | undefined> {
  if (deposit.blockHash === null) throw new Error(`deposit ${deposit.id} was not seen on a chain`);
  if (!Number.isSafeInteger(confirmations) || confirmations < 1) throw new RangeError(`confirmations must be a positive integer, got ${confirmations}`);
  const scope = scopeOf(deposit);
  const updated = await tx.run(`UPDATE deposits SET confirmations_at_observation = ? WHERE id = ? AND status = 'pending'`, [confirmations, deposit.id]);
  if (updated.changes === 0) return undefined;
  const current: Deposit = { ...deposit, confirmationsAtObservation: confirmations };
  if (confirmations < deposit.minConfirmations) return current;
  return completeDeposit(tx, scope, current, nowMs);
}

/**
 * A pending deposit whose block left the canonical chain: rejected as `reorged`, never credited. Answers undefined
 * when it was no longer pending.
 */
export async function rejectReorgedDeposit(tx: Sql, deposit: Deposit, nowMs: number): Promise<Deposit | undefined> {
  const scope = scopeOf(deposit);
  const claimed = await tx.run(`UPDATE deposits SET status = 'rejected', rejection_reason = ? WHERE id = ? AND status = 'pending'`, [reorgedRejectionReason, deposit.id]);
  if (claimed.changes === 0) return undefined;
  const rejected: Deposit = { ...deposit, status: 'rejected', rejectionReason: reorgedRejectionReason };
  await recordEvent(tx, scope, 'deposit.rejected', presentDeposit(rejected, nowMs), nowMs);
  return rejected;
}

export interface ChainCursor {
  network: EvmFundingNetwork;
  chainId: number;
  /** Block 0's hash: the same chain id with another genesis is another chain (a development chain started afresh). */
  genesisHash: string;
  /** The first block not yet scanned. */
  nextBlock: number;
  updatedAtMs: number;
}

export async function readChainCursor(sql: Sql, network: EvmFundingNetwork): Promise<ChainCursor | undefined> {
  const row = await sql.get<{ chain_id: number; genesis_hash: string; next_block: number; updated_at: number }>('SELECT * FROM chain_cursors WHERE network = ?', [network]);
  if (row === undefined) return undefined;
  return { network, chainId: Number(row.chain_id), genesisHash: row.genesis_hash, nextBlock: Number(row.next_block), updatedAtMs: Number(row.updated_at) };
}

/** Starts (or restarts, on another chain) the scan of `network` at `nextBlock`. */
export async function startChainCursor(tx: Sql, cursor: Omit<ChainCursor, 'updatedAtMs'>, nowMs: number): Promise<void> {
  await tx.run(
    `INSERT INTO chain_cursors (network, chain_id, genesis_hash, next_block, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (network) DO UPDATE SET chain_id = excluded.chain_id, genesis_hash = excluded.genesis_hash, next_block = excluded.next_block, updated_at = excluded.updated_at`,
    [cursor.network, cursor.chainId, cursor.genesisHash, cursor.nextBlock, nowMs],
  );
}

/**
 * Moves the cursor forward to `nextBlock` once every block before it is recorded. Never backwards: another process
 * watching the same chain may be ahead. Only on the chain the cursor is for.
 */
export async function advanceChainCursor(tx: Sql, cursor: Omit<ChainCursor, 'updatedAtMs' | 'nextBlock'>, nextBlock: number, nowMs: number): Promise<void> {
  await tx.run(`UPDATE chain_cursors SET next_block = ?, updated_at = ? WHERE network = ? AND chain_id = ? AND genesis_hash = ? AND next_block < ?`, [
    nextBlock,
    nowMs,
    cursor.network,
    cursor.chainId,
    cursor.genesisHash,
    nextBlock,
  ]);
}
