// Live withdrawals on a network with an RPC, as the database sees them: the queue, the signed transaction stored with
// its nonce before anything is broadcast, broadcasts and refusals, the cancellation, and the end (through
// applyWithdrawalOutcome, the path the sandbox uses). The only writer of withdrawal_sends. No I/O but the database:
// src/workers/withdrawal-sender.ts talks to the chain and calls these.
import type { LocalAccount } from 'viem/accounts';
import type { Hex } from 'viem';
import { plainTransferGas, signEvmTransaction, transferCallData, type EvmAddress, type FeesPerGas } from '../../chain/evm.js';
import { allocateNonce } from '../../chain/nonces.js';
import { depositedBaseUnits, findFundingMethod } from '../../domain/funding-networks.js';
import type { Environment } from '../../domain/environment.js';
import { forUpdate, type Sql } from '../../store/database.js';
import type { Scope } from '../../domain/scope.js';
import { applyWithdrawalOutcome, getWithdrawal, type Withdrawal } from './service.js';

export interface WithdrawalSend {
  withdrawalId: string;
  scope: Scope;
  network: string;
  chainId: number;
  fromAddress: EvmAddress;
  nonce: number;
  tokenAddress: EvmAddress;
  amountBaseUnits: bigint;
  txHash: Hex;
  rawTransaction: Hex;
  fees: FeesPerGas;
  signedAtMs: number;
  /** The first broadcast the node accepted; null while none was. */
  broadcastAtMs: number | null;
  /** The last broadcast attempt of the transaction in force (the cancellation once there is one). */
  lastBroadcastAtMs: number | null;
  broadcastRefusals: number;
  lastError: string | null;
  cancellation: { txHash: Hex; rawTransaction: Hex; reason: string; signedAtMs: number; broadcastAtMs: number | null } | null;
  finishedAtMs: number | null;
}

interface SendRow {
  withdrawal_id: string;
  organization_id: string;
  environment: Environment;
  network: string;
  chain_id: number;
  from_address: string;
  nonce: number;
  token_address: string;
  amount_base_units: string;
  tx_hash: string;
  raw_transaction: string;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  signed_at: number;
  broadcast_at: number | null;
  last_broadcast_at: number | null;
  broadcast_refusals: number;
  last_error: string | null;
  cancel_tx_hash: string | null;
  cancel_raw_transaction: string | null;
  cancel_reason: string | null;
  cancel_signed_at: number | null;
  cancel_broadcast_at: number | null;
  finished_at: number | null;
}

const sendColumns = `s.*, w.organization_id, w.environment`;

function fromRow(row: SendRow): WithdrawalSend {
  return {
    withdrawalId: row.withdrawal_id,
    scope: { organizationId: row.organization_id, environment: row.environment },
    network: row.network,
    chainId: Number(row.chain_id),
    fromAddress: row.from_address as EvmAddress,
    nonce: Number(row.nonce),
    tokenAddress: row.token_address as EvmAddress,
    amountBaseUnits: BigInt(row.amount_base_units),
    txHash: row.tx_hash as Hex,
    rawTransaction: row.raw_transaction as Hex,
    fees: { maxFeePerGas: BigInt(row.max_fee_per_gas), maxPriorityFeePerGas: BigInt(row.max_priority_fee_per_gas) },
    signedAtMs: Number(row.signed_at),
    broadcastAtMs: row.broadcast_at === null ? null : Number(row.broadcast_at),
    lastBroadcastAtMs: row.last_broadcast_at === null ? null : Number(row.last_broadcast_at),
    broadcastRefusals: Number(row.broadcast_refusals),
    lastError: row.last_error,
    cancellation:
      row.cancel_tx_hash === null
        ? null
        : {
            txHash: row.cancel_tx_hash as Hex,
            rawTransaction: row.cancel_raw_transaction as Hex,
            reason: row.cancel_reason ?? '',
            signedAtMs: Number(row.cancel_signed_at),
            broadcastAtMs: row.cancel_broadcast_at === null ? null : Number(row.cancel_broadcast_at),
          },
    finishedAtMs: row.finished_at === null ? null : Number(row.finished_at),
  };
}

/** Errors kept on a send are the node's words, bounded. */
const errorLengthMax = 300;

export interface QueuedWithdrawal {
  withdrawal: Withdrawal;
  scope: Scope;
}

/** Live withdrawals on `network` not yet signed, oldest first. */
export async function queuedWithdrawals(sql: Sql, network: string, limit: number): Promise<QueuedWithdrawal[]> {
  const rows = await sql.all<{ id: string; organization_id: string; environment: Environment }>(
    `SELECT w.id, w.organization_id, w.environment FROM withdrawals w
     WHERE w.status = 'pending' AND w.environment = 'live' AND w.network = ?
       AND NOT EXISTS (SELECT 1 FROM withdrawal_sends s WHERE s.withdrawal_id = w.id)
     ORDER BY w.id LIMIT ?`,
    [network, limit],
  );
  const queued: QueuedWithdrawal[] = [];
  for (const row of rows) {
    const scope: Scope = { organizationId: row.organization_id, environment: row.environment };
    queued.push({ withdrawal: await getWithdrawal(sql, scope, row.id), scope });
  }
  return queued;
}

/** The token amount of a withdrawal: its cents in the token's base units (1 token = 1 USD). */
export function withdrawalBaseUnits(withdrawal: Pick<Withdrawal, 'network' | 'token' | 'amountCents'>): bigint {
  const method = findFundingMethod(withdrawal.network, withdrawal.token);
  if (method === undefined) throw new Error(`no funding method ${withdrawal.network}/${withdrawal.token}`);
  return depositedBaseUnits(withdrawal.amountCents, 0, method.decimals);
}

/** Whether the withdrawal is still pending with nothing signed, its row locked for the rest of the transaction. */
async function lockUnsentWithdrawal(tx: Sql, withdrawalId: string): Promise<boolean> {
  const row = await tx.get<{ status: string }>(`SELECT status FROM withdrawals WHERE id = ?${forUpdate(tx)}`, [withdrawalId]);
  if (row === undefined || row.status !== 'pending') return false;
  const sent = await tx.get<{ withdrawal_id: string }>('SELECT withdrawal_id FROM withdrawal_sends WHERE withdrawal_id = ?', [withdrawalId]);
  return sent === undefined;
}

export interface SignWithdrawalInput {
  withdrawalId: string;
  account: LocalAccount;
  chainId: number;
  tokenAddress: EvmAddress;
  gas: bigint;
  fees: FeesPerGas;
  /** The treasury's transaction count (pending included) the node reported before this transaction began. */
  chainNonceFloor: number;
  nowMs: number;
}

/**
 * Allocates the treasury's next nonce, signs the ERC-20 transfer with it and stores the raw transaction, all in the
 * caller's transaction: whatever happens after it commits, the same bytes are what gets broadcast. Undefined when the
 * withdrawal was signed meanwhile (another process) or is no longer pending.
 */
export async function signWithdrawal(tx: Sql, input: SignWithdrawalInput): Promise<WithdrawalSend | undefined> {
  if (!(await lockUnsentWithdrawal(tx, input.withdrawalId))) return undefined;
  const row = await tx.get<{ organization_id: string; environment: Environment }>('SELECT organization_id, environment FROM withdrawals WHERE id = ?', [input.withdrawalId]);
  const scope: Scope = { organizationId: row!.organization_id, environment: row!.environment };
  const withdrawal = await getWithdrawal(tx, scope, input.withdrawalId);
  const amountBaseUnits = withdrawalBaseUnits(withdrawal);
  if (amountBaseUnits <= 0n) throw new Error(`withdrawal ${withdrawal.id} has no amount`);
  const fromAddress = input.account.address;
  const nonce = await allocateNonce(tx, withdrawal.network, fromAddress, input.chainNonceFloor, input.nowMs);
  const signed = await signEvmTransaction(input.account, {
    chainId: input.chainId,
    nonce,
    to: input.tokenAddress,
    data: transferCallData(withdrawal.address as EvmAddress, amountBaseUnits),
    gas: input.gas,
    fees: input.fees,
  });
  await tx.run(
    `INSERT INTO withdrawal_sends (withdrawal_id, network, chain_id, from_address, nonce, token_address, amount_base_units, tx_hash, raw_transaction,
       max_fee_per_gas, max_priority_fee_per_gas, signed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      withdrawal.id,
      withdrawal.network,
      input.chainId,
      fromAddress.toLowerCase(),
      nonce,
      input.tokenAddress,
      amountBaseUnits.toString(),
      signed.hash,
      signed.rawTransaction,
      input.fees.maxFeePerGas.toString(),
      input.fees.maxPriorityFeePerGas.toString(),
      input.nowMs,
    ],
  );
  return getWithdrawalSend(tx, withdrawal.id);
}

/** Fails a withdrawal that was never signed (it waited too long, or the token refuses the transfer): its hold is released. */
export async function failUnsentWithdrawal(tx: Sql, scope: Scope, withdrawalId: string, reason: string, nowMs: number): Promise<boolean> {
  if (!(await lockUnsentWithdrawal(tx, withdrawalId))) return false;
  await applyWithdrawalOutcome(tx, scope, withdrawalId, 'fail', nowMs, { failureReason: reason });
  return true;
}

export async function getWithdrawalSend(sql: Sql, withdrawalId: string): Promise<WithdrawalSend | undefined> {
  const row = await sql.get<SendRow>(`SELECT ${sendColumns} FROM withdrawal_sends s JOIN withdrawals w ON w.id = s.withdrawal_id WHERE s.withdrawal_id = ?`, [withdrawalId]);
  return row === undefined ? undefined : fromRow(row);
}

/** Sends on `network` not finished yet, by nonce. */
export async function unfinishedSends(sql: Sql, network: string, limit: number): Promise<WithdrawalSend[]> {
  const rows = await sql.all<SendRow>(
    `SELECT ${sendColumns} FROM withdrawal_sends s JOIN withdrawals w ON w.id = s.withdrawal_id
     WHERE s.finished_at IS NULL AND s.network = ? ORDER BY s.nonce LIMIT ?`,
    [network, limit],
  );
  return rows.map(fromRow);
}

/**
 * The node took the transaction in force (the transfer, or the cancellation once signed). The first time the transfer
 * is taken, the withdrawal becomes `submitted` with its hash (withdrawal.submitted).
 */
export async function recordBroadcast(tx: Sql, send: WithdrawalSend, nowMs: number): Promise<void> {
  if (send.cancellation === null) {
    await tx.run('UPDATE withdrawal_sends SET broadcast_at = COALESCE(broadcast_at, ?), last_broadcast_at = ?, broadcast_refusals = 0, last_error = NULL WHERE withdrawal_id = ?', [nowMs, nowMs, send.withdrawalId]);
    await submitIfPending(tx, send, nowMs);
  } else {
    await tx.run('UPDATE withdrawal_sends SET cancel_broadcast_at = COALESCE(cancel_broadcast_at, ?), last_broadcast_at = ?, last_error = NULL WHERE withdrawal_id = ?', [nowMs, nowMs, send.withdrawalId]);
  }
}

async function submitIfPending(tx: Sql, send: WithdrawalSend, nowMs: number): Promise<void> {
  const withdrawal = await getWithdrawal(tx, send.scope, send.withdrawalId);
  if (withdrawal.status === 'pending') await applyWithdrawalOutcome(tx, send.scope, send.withdrawalId, 'submit', nowMs, { txHash: send.txHash });
}

/** The node refused the transaction in force, or could not be reached; `refusal` counts it towards cancelling. */
export async function recordBroadcastProblem(tx: Sql, send: WithdrawalSend, message: string, refusal: boolean, nowMs: number): Promise<void> {
  await tx.run('UPDATE withdrawal_sends SET last_broadcast_at = ?, last_error = ?, broadcast_refusals = broadcast_refusals + ? WHERE withdrawal_id = ?', [
    nowMs,
    message.slice(0, errorLengthMax),
    refusal && send.cancellation === null ? 1 : 0,
    send.withdrawalId,
  ]);
}

/** Fees that replace a transaction in a node's pool: at least a quarter above the old ones (nodes ask 10 %), and today's. */
export function replacementFees(old: FeesPerGas, current: FeesPerGas): FeesPerGas {
  const bump = (value: bigint) => value + value / 4n + 1n;
  const maxPriorityFeePerGas = [bump(old.maxPriorityFeePerGas), current.maxPriorityFeePerGas].reduce((a, b) => (a > b ? a : b));
  const maxFeePerGas = [bump(old.maxFeePerGas), current.maxFeePerGas, maxPriorityFeePerGas].reduce((a, b) => (a > b ? a : b));
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/**
 * Signs and stores a zero-value transfer from the treasury to itself at the withdrawal's nonce, with fees that replace
 * the transfer: once it is mined the transfer never can be, and the withdrawal fails. Stored before it is broadcast,
 * like the transfer. False when a cancellation exists already or the send has finished.
 */
export async function signCancellation(tx: Sql, withdrawalId: string, account: LocalAccount, currentFees: FeesPerGas, reason: string, nowMs: number): Promise<boolean> {
  const row = await tx.get<SendRow>(`SELECT * FROM withdrawal_sends WHERE withdrawal_id = ?${forUpdate(tx)}`, [withdrawalId]);
  if (row === undefined || row.finished_at !== null || row.cancel_tx_hash !== null) return false;
  if (row.from_address !== account.address.toLowerCase()) throw new Error(`withdrawal ${withdrawalId} was signed by ${row.from_address}, not the treasury ${account.address}`);
  const fees = replacementFees({ maxFeePerGas: BigInt(row.max_fee_per_gas), maxPriorityFeePerGas: BigInt(row.max_priority_fee_per_gas) }, currentFees);
  const signed = await signEvmTransaction(account, { chainId: Number(row.chain_id), nonce: Number(row.nonce), to: account.address, value: 0n, gas: plainTransferGas, fees });
  await tx.run('UPDATE withdrawal_sends SET cancel_tx_hash = ?, cancel_raw_transaction = ?, cancel_reason = ?, cancel_signed_at = ? WHERE withdrawal_id = ?', [
    signed.hash,
    signed.rawTransaction,
    reason,
    nowMs,
    withdrawalId,
  ]);
  return true;
}

/**
 * The end of a send: `confirm` pays the withdrawal out (submitting it first if the node's acceptance was never
 * recorded), `fail` releases its hold. Once per send, whichever process gets there first.
 */
export async function finishWithdrawalSend(tx: Sql, withdrawalId: string, step: { kind: 'confirm' } | { kind: 'fail'; reason: string }, nowMs: number): Promise<boolean> {
  const row = await tx.get<SendRow>(`SELECT ${sendColumns} FROM withdrawal_sends s JOIN withdrawals w ON w.id = s.withdrawal_id WHERE s.withdrawal_id = ?${forUpdate(tx)}`, [withdrawalId]);
  if (row === undefined || row.finished_at !== null) return false;
  const send = fromRow(row);
  if (step.kind === 'confirm') {
    await submitIfPending(tx, send, nowMs);
    await applyWithdrawalOutcome(tx, send.scope, withdrawalId, 'confirm', nowMs);
  } else {
    await applyWithdrawalOutcome(tx, send.scope, withdrawalId, 'fail', nowMs, { failureReason: step.reason });
  }
  await tx.run('UPDATE withdrawal_sends SET finished_at = ? WHERE withdrawal_id = ?', [nowMs, withdrawalId]);
  return true;
}

export interface WithdrawalQueueCount {
  network: string;
  /** waiting: not signed yet; inFlight: signed, not confirmed or failed yet. */
  state: 'waiting' | 'inFlight';
  count: number;
}

/** Live withdrawals waiting to be sent and in flight, per network (the withdrawal queue metric). */
export async function withdrawalQueueCounts(sql: Sql): Promise<WithdrawalQueueCount[]> {
  const rows = await sql.all<{ network: string; signed: number; count: number }>(
    `SELECT w.network, CASE WHEN s.withdrawal_id IS NULL THEN 0 ELSE 1 END AS signed, COUNT(*) AS count
     FROM withdrawals w LEFT JOIN withdrawal_sends s ON s.withdrawal_id = w.id
     WHERE w.status IN ('pending', 'submitted') AND w.environment = 'live'
     GROUP BY w.network, CASE WHEN s.withdrawal_id IS NULL THEN 0 ELSE 1 END`,
  );
  return rows.map((row) => ({ network: row.network, state: Number(row.signed) === 1 ? 'inFlight' : 'waiting', count: Number(row.count) }));
}
