// Withdrawals: the amount is held from `available` at once (available → held), then the network's outcome either
// pays it out (held → external:withdrawals) or releases it (held → available). Status changes are conditional
// updates, so two concurrent outcomes for one withdrawal cannot both apply.
import { randomBytes } from 'node:crypto';
import { isValidChainAddress } from '../../domain/chain-addresses.js';
import { AppError } from '../../domain/errors.js';
import { findFundingMethod, findFundingMethodByContract, fundingMethods, fundingRejectionReason } from '../../domain/funding-networks.js';
import { newId } from '../../domain/ids.js';
import { externalAccountId, userAccountId } from '../../ledger/accounts.js';
import { lockAccounts, postTransfers } from '../../ledger/transfers.js';
import type { Sql } from '../../store/database.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';
import { requireApprovedUser } from '../users/service.js';
import type { CreateLedgerOsWithdrawalInput, CreateWithdrawalInput, WithdrawalStatus } from './schemas.js';

export interface Withdrawal {
  id: string;
  userId: string;
  network: string;
  token: string;
  amountCents: number;
  address: string;
  status: WithdrawalStatus;
  failureReason: string | null;
  txHash: string | null;
  createdAtMs: number;
  updatedAtMs: number;
}

interface WithdrawalRow {
  id: string;
  user_id: string;
  network: string;
  token: string;
  amount: number;
  address: string;
  status: WithdrawalStatus;
  failure_reason: string | null;
  tx_hash: string | null;
  created_at: number;
  updated_at: number;
}

function fromRow(row: WithdrawalRow): Withdrawal {
  return {
    id: row.id,
    userId: row.user_id,
    network: row.network,
    token: row.token,
    amountCents: row.amount,
    address: row.address,
    status: row.status,
    failureReason: row.failure_reason,
    txHash: row.tx_hash,
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
  };
}

export function presentWithdrawal(withdrawal: Withdrawal) {
  const method = findFundingMethod(withdrawal.network, withdrawal.token);
  return {
    object: 'withdrawal' as const,
    id: withdrawal.id,
    userId: withdrawal.userId,
    network: withdrawal.network,
    token: withdrawal.token,
    amount: withdrawal.amountCents,
    address: withdrawal.address,
    // LedgerOS's names of the same destination (POST /v1/withdrawals takes them).
    chainId: method?.chainId ?? null,
    tokenAddress: method?.tokenAddress ?? null,
    recipientAddress: withdrawal.address,
    status: withdrawal.status,
    failureReason: withdrawal.failureReason,
    txHash: withdrawal.txHash,
    createdAt: new Date(withdrawal.createdAtMs).toISOString(),
    updatedAt: new Date(withdrawal.updatedAtMs).toISOString(),
  };
}

export async function createWithdrawal(tx: Sql, scope: Scope, userId: string, input: CreateWithdrawalInput, nowMs: number): Promise<Withdrawal> {
  await requireApprovedUser(tx, scope, userId, 'withdraw');
  const method = findFundingMethod(input.network, input.token);
  if (method === undefined) {
    const reason = fundingRejectionReason(input.network, input.token)!;
    throw new AppError('invalid_parameter_value', { param: reason.startsWith('unsupported network') ? 'network' : 'token', reason });
  }
  if (!isValidChainAddress(method.family, input.address)) {
    throw new AppError('invalid_parameter_value', { param: 'address', reason: `not a valid ${input.network} address` });
  }
  const available = userAccountId(userId, 'available');
  const held = userAccountId(userId, 'held');
  const accounts = await lockAccounts(tx, [available, held]);
  const availableCents = accounts.get(available)!.balance;
  if (availableCents < input.amount) throw new AppError('insufficient_balance', { param: 'amount', availableCents, requestedCents: input.amount });

  const withdrawal: Withdrawal = {
    id: newId('wd', nowMs),
    userId,
    network: input.network,
    token: input.token,
    amountCents: input.amount,
    address: input.address,
    status: 'pending',
    failureReason: null,
    txHash: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await tx.run(
    `INSERT INTO withdrawals (id, organization_id, environment, user_id, network, token, amount, address, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    [withdrawal.id, scope.organizationId, scope.environment, userId, withdrawal.network, withdrawal.token, withdrawal.amountCents, withdrawal.address, nowMs, nowMs],
  );
  await postTransfers(tx, scope, [{ debitAccount: available, creditAccount: held, amountCents: input.amount, kind: 'withdrawal.hold', reference: withdrawal.id }], nowMs);
  await recordEvent(tx, scope, 'withdrawal.created', presentWithdrawal(withdrawal), nowMs);
  return withdrawal;
}

/** LedgerOS's shape of a withdrawal: the chain id and token contract name the (network, token) pair. */
export async function createWithdrawalByContract(tx: Sql, scope: Scope, input: CreateLedgerOsWithdrawalInput, nowMs: number): Promise<Withdrawal> {
  const method = findFundingMethodByContract(input.chainId, input.tokenAddress);
  if (method === undefined) {
    const known = fundingMethods.some((candidate) => String(candidate.chainId) === String(input.chainId));
    throw new AppError('invalid_parameter_value', {
      param: known ? 'tokenAddress' : 'chainId',
      reason: known ? `no supported token at ${input.tokenAddress} on chain ${input.chainId}; GET /v1/users/{id}/funding lists them` : `unsupported chain ${input.chainId}; GET /v1/users/{id}/funding lists the supported chains`,
    });
  }
  if (!isValidChainAddress(method.family, input.recipientAddress)) {
    throw new AppError('invalid_parameter_value', { param: 'recipientAddress', reason: `not a valid ${method.network} address` });
  }
  return createWithdrawal(tx, scope, input.userId, { network: method.network, token: method.token, amount: input.amount, address: input.recipientAddress }, nowMs);
}

export async function getWithdrawal(sql: Sql, scope: Scope, withdrawalId: string, userId?: string): Promise<Withdrawal> {
  const row = await sql.get<WithdrawalRow>('SELECT * FROM withdrawals WHERE id = ? AND organization_id = ? AND environment = ?', [withdrawalId, scope.organizationId, scope.environment]);
  if (row === undefined || (userId !== undefined && row.user_id !== userId)) {
    throw new AppError('resource_not_found', { resource: 'withdrawal', id: withdrawalId, param: 'withdrawalId' });
  }
  return fromRow(row);
}

export async function listWithdrawals(sql: Sql, scope: Scope, userId: string, query: ListQuery) {
  return listPage(sql, 'withdrawals', [columnEquals('user_id', userId), inScope(scope)], query, (row: WithdrawalRow) => presentWithdrawal(fromRow(row)));
}

export type Outcome = 'submit' | 'confirm' | 'fail';

const allowedFrom: Record<Outcome, readonly WithdrawalStatus[]> = {
  submit: ['pending'],
  confirm: ['submitted'],
  fail: ['pending', 'submitted'],
};
const resultingStatus: Record<Outcome, WithdrawalStatus> = { submit: 'submitted', confirm: 'confirmed', fail: 'failed' };

export interface OutcomeDetails {
  /** fail: why, as the withdrawal's failureReason. */
  failureReason?: string;
  /** submit: the broadcast transaction's hash; the simulated network (sandbox) makes one up when absent. */
  txHash?: string;
}

/**
 * The network's answer for a withdrawal: submitted, then confirmed or failed. The sandbox drives it through its
 * endpoints; on a real chain the withdrawal sender does (src/workers/withdrawal-sender.ts).
 */
export async function applyWithdrawalOutcome(tx: Sql, scope: Scope, withdrawalId: string, outcome: Outcome, nowMs: number, details: OutcomeDetails = {}): Promise<Withdrawal> {
  const current = await getWithdrawal(tx, scope, withdrawalId);
  const from = allowedFrom[outcome];
  const to = resultingStatus[outcome];
  const simulatedHash = () => (current.network === 'solana' ? randomBytes(32).toString('hex') : `0x${randomBytes(32).toString('hex')}`);
  const txHash = outcome === 'submit' ? (details.txHash ?? simulatedHash()) : current.txHash;
  const reason = outcome === 'fail' ? (details.failureReason ?? 'the network rejected the transfer') : null;
  const updated = await tx.run(
    `UPDATE withdrawals SET status = ?, tx_hash = ?, failure_reason = ?, updated_at = ? WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
    [to, txHash, reason, nowMs, withdrawalId, ...from],
  );
  if (updated.changes === 0) throw new AppError('invalid_status_transition', { action: outcome, resource: 'withdrawal', id: withdrawalId, status: current.status });

  const held = userAccountId(current.userId, 'held');
  if (outcome === 'confirm') {
    await postTransfers(tx, scope, [{ debitAccount: held, creditAccount: externalAccountId(scope, 'external:withdrawals'), amountCents: current.amountCents, kind: 'withdrawal.payout', reference: withdrawalId }], nowMs);
  } else if (outcome === 'fail') {
    await postTransfers(tx, scope, [{ debitAccount: held, creditAccount: userAccountId(current.userId, 'available'), amountCents: current.amountCents, kind: 'withdrawal.release', reference: withdrawalId }], nowMs);
  }
  const withdrawal: Withdrawal = { ...current, status: to, txHash, failureReason: reason, updatedAtMs: nowMs };
  await recordEvent(tx, scope, `withdrawal.${to}`, presentWithdrawal(withdrawal), nowMs);
  return withdrawal;
}
