// Funding: deposit instructions and deposits. A chain watcher (the sandbox one is POST /v1/sandbox/deposits)
// reports a transfer; a supported (network, token) pair becomes a `pending` deposit that completes, and is
// credited through the ledger, once it has enough confirmations; anything else is recorded `rejected` and never
// credited. Completion is one function, used when a deposit arrives already confirmed, by the due-work step (simulated
// deposits, confirmed as time passes) and by the EVM chain watcher (chain-deposits.ts, confirmed by real blocks).
import { randomBytes } from 'node:crypto';
import { formatUnits } from 'viem';
import { AppError } from '../../domain/errors.js';
import {
  baseUnitsToCents,
  depositedBaseUnits,
  canonicalBaseUnits,
  confirmationsAt,
  findFundingMethod,
  fundingMethods,
  fundingRejectionReason,
  type FundingMethod,
  isFundingNetwork,
  isWithinDepositLimit,
  maxDepositCents,
  networkDefinitions,
} from '../../domain/funding-networks.js';
import { newId } from '../../domain/ids.js';
import { externalAccountId, userAccountId } from '../../ledger/accounts.js';
import { lockAccounts, postTransfers, type TransferInput } from '../../ledger/transfers.js';
import type { Secrets } from '../../secrets.js';
import type { Sql } from '../../store/database.js';
import { sweepDueRows } from '../../store/due-rows.js';
import { recordEvent } from '../events/service.js';
import { columnEquals, inScope, listPage, type ListQuery } from '../pagination.js';
import type { Scope } from '../../domain/scope.js';
import { getUser, requireApprovedUser } from '../users/service.js';
import { depositAddresses, depositAddressOn } from './addresses.js';
import type { DepositStatus, SandboxDepositInput } from './schemas.js';

export interface Deposit {
  id: string;
  organizationId: string;
  environment: string;
  userId: string;
  network: string;
  token: string;
  amountBaseUnits: string;
  /** 0 for rejected deposits (their value is not assessed). */
  amountCents: number;
  remainderBaseUnits: string;
  txHash: string;
  address: string | null;
  status: DepositStatus;
  rejectionReason: string | null;
  confirmationsAtObservation: number;
  /** 0 when the network is not supported. */
  minConfirmations: number;
  observedAtMs: number;
  completedAtMs: number | null;
  createdAtMs: number;
  /** The Transfer log's index in its block; -1 for deposits reported through the sandbox endpoint. */
  logIndex: number;
  /** The block of a deposit the chain watcher saw; null for simulated ones. */
  blockNumber: number | null;
  blockHash: string | null;
}

export interface DepositRow {
  id: string;
  organization_id: string;
  environment: string;
  user_id: string;
  network: string;
  token: string;
  amount_base_units: string;
  amount_cents: number;
  remainder_base_units: string;
  tx_hash: string;
  address: string | null;
  status: DepositStatus;
  rejection_reason: string | null;
  confirmations_at_observation: number;
  min_confirmations: number;
  observed_at: number;
  completed_at: number | null;
  created_at: number;
  log_index: number;
  block_number: number | null;
  block_hash: string | null;
}

export function depositFromRow(row: DepositRow): Deposit {
  return {
    id: row.id,
    organizationId: row.organization_id,
    environment: row.environment,
    userId: row.user_id,
    network: row.network,
    token: row.token,
    amountBaseUnits: row.amount_base_units,
    amountCents: Number(row.amount_cents),
    remainderBaseUnits: row.remainder_base_units,
    txHash: row.tx_hash,
    address: row.address,
    status: row.status,
    rejectionReason: row.rejection_reason,
    confirmationsAtObservation: Number(row.confirmations_at_observation),
    minConfirmations: Number(row.min_confirmations),
    observedAtMs: Number(row.observed_at),
    completedAtMs: row.completed_at === null ? null : Number(row.completed_at),
    createdAtMs: Number(row.created_at),
    logIndex: Number(row.log_index),
    blockNumber: row.block_number === null ? null : Number(row.block_number),
    blockHash: row.block_hash,
  };
}

/**
 * Confirmations at environment time `nowMs`; a completed deposit shows at most `minConfirmations`. A deposit seen on a
 * real chain has what the watcher last counted from blocks; a simulated one gains one per block time.
 */
export function depositConfirmations(deposit: Deposit, nowMs: number): number {
  if (!isFundingNetwork(deposit.network)) return deposit.confirmationsAtObservation;
  const confirmations =
    deposit.blockHash !== null ? deposit.confirmationsAtObservation : confirmationsAt(deposit.network, deposit.observedAtMs, deposit.confirmationsAtObservation, nowMs);
  return deposit.status === 'completed' ? Math.min(confirmations, deposit.minConfirmations) : confirmations;
}

export function presentDeposit(deposit: Deposit, nowMs: number) {
  const rejected = deposit.status === 'rejected';
  return {
    object: 'deposit' as const,
    id: deposit.id,
    userId: deposit.userId,
    network: deposit.network,
    token: deposit.token,
    amount: deposit.amountBaseUnits,
    amountCents: rejected ? null : deposit.amountCents,
    remainderBaseUnits: rejected ? null : deposit.remainderBaseUnits,
    txHash: deposit.txHash,
    address: deposit.address,
    status: deposit.status,
    rejectionReason: deposit.rejectionReason,
    confirmations: depositConfirmations(deposit, nowMs),
    minConfirmations: isFundingNetwork(deposit.network) ? deposit.minConfirmations : null,
    createdAt: new Date(deposit.createdAtMs).toISOString(),
    completedAt: deposit.completedAtMs === null ? null : new Date(deposit.completedAtMs).toISOString(),
  };
}

/** `methods`: the supported pairs as this deployment watches them (fundingMethodsOn its configured chains). */
export async function fundingInstructions(sql: Sql, scope: Scope, userId: string, secrets: Secrets, methods: readonly FundingMethod[] = fundingMethods) {
  const user = await requireApprovedUser(sql, scope, userId, 'receive funding instructions');
  const addresses = depositAddresses(secrets.hdSeed, scope.environment, user.fundingIndex);
  return {
    object: 'funding_instructions' as const,
    userId: user.id,
    currency: 'USD' as const,
    methods: methods.map((method) => ({
      network: method.network,
      token: method.token,
      chainId: method.chainId,
      tokenAddress: method.tokenAddress,
      address: depositAddressOn(addresses, method.network),
      minConfirmations: method.minConfirmations,
      decimals: method.decimals,
    })),
  };
}

/**
 * LedgerOS's view of funding (`GET /v1/users/{id}/contracts`): per EVM chain the user's deposit address and each
 * token contract with what completed deposits of it add up to, in token units. One grouped read of the user's
 * deposits: cents and sub-cent remainders are summed separately (both integers on both stores) and put back together
 * exactly in base units.
 */
export async function depositContracts(sql: Sql, scope: Scope, userId: string, secrets: Secrets, methods: readonly FundingMethod[] = fundingMethods) {
  const user = await requireApprovedUser(sql, scope, userId, 'see deposit contracts');
  const addresses = depositAddresses(secrets.hdSeed, scope.environment, user.fundingIndex);
  const sums = await sql.all<{ network: string; token: string; cents: number | null; remainder: number | null }>(
    `SELECT network, token, SUM(amount_cents) AS cents, SUM(CAST(remainder_base_units AS BIGINT)) AS remainder
     FROM deposits WHERE user_id = ? AND organization_id = ? AND environment = ? AND status = 'completed' GROUP BY network, token`,
    [user.id, scope.organizationId, scope.environment],
  );
  const sumOf = (network: string, token: string) => sums.find((row) => row.network === network && row.token === token);
  const evmMethods = methods.filter((method) => method.family === 'evm');
  const networks = [...new Set(evmMethods.map((method) => method.network))];
  return {
    object: 'deposit_contracts' as const,
    userId: user.id,
    contracts: networks.map((network) => ({
      chainId: Number(evmMethods.find((method) => method.network === network)!.chainId),
      network,
      depositAddress: depositAddressOn(addresses, network),
      tokens: evmMethods
        .filter((method) => method.network === network)
        .map((method) => {
          const sum = sumOf(method.network, method.token);
          const baseUnits = depositedBaseUnits(Number(sum?.cents ?? 0), Number(sum?.remainder ?? 0), method.decimals);
          return { address: method.tokenAddress, symbol: method.token, decimals: method.decimals, balance: formatUnits(baseUnits, method.decimals) };
        }),
    })),
  };
}

export async function getDeposit(sql: Sql, scope: Scope, depositId: string): Promise<Deposit> {
  const row = await sql.get<DepositRow>('SELECT * FROM deposits WHERE id = ? AND organization_id = ? AND environment = ?', [depositId, scope.organizationId, scope.environment]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'deposit', id: depositId, param: 'id' });
  return depositFromRow(row);
}

export async function listUserDeposits(sql: Sql, scope: Scope, userId: string, query: ListQuery, nowMs: number) {
  const user = await getUser(sql, scope, userId);
  return listPage(sql, 'deposits', [columnEquals('user_id', user.id), inScope(scope)], query, (row: DepositRow) => presentDeposit(depositFromRow(row), nowMs));
}

async function findByTransaction(sql: Sql, scope: Scope, network: string, txHash: string): Promise<Deposit | undefined> {
  const row = await sql.get<DepositRow>('SELECT * FROM deposits WHERE organization_id = ? AND environment = ? AND network = ? AND tx_hash = ?', [
    scope.organizationId,
    scope.environment,
    network,
    txHash,
  ]);
  return row === undefined ? undefined : depositFromRow(row);
}

/** EVM transaction hashes are hex, so case does not distinguish them; other formats (base58) are case-sensitive. */
function canonicalTxHash(txHash: string): string {
  return /^0x[0-9a-fA-F]{64}$/.test(txHash) ? txHash.toLowerCase() : txHash;
}

function randomTxHash(): string {
  return `0x${randomBytes(32).toString('hex')}`;
}

/**
 * Inserts a new deposit; false when one for the same transfer exists already (a twin that committed first): once per
 * (scope, network, txHash, logIndex), deposits rejected as reorged left out (migration 25).
 */
export async function insertDeposit(tx: Sql, deposit: Deposit): Promise<boolean> {
  const inserted = await tx.run(
    `INSERT INTO deposits (id, organization_id, environment, user_id, network, token, amount_base_units, amount_cents, remainder_base_units, tx_hash, address,
       status, rejection_reason, confirmations_at_observation, min_confirmations, observed_at, completed_at, created_at, log_index, block_number, block_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
     ON CONFLICT (organization_id, environment, network, tx_hash, log_index) WHERE status <> 'rejected' OR rejection_reason <> 'reorged' DO NOTHING`,
    [
      deposit.id,
      deposit.organizationId,
      deposit.environment,
      deposit.userId,
      deposit.network,
      deposit.token,
      deposit.amountBaseUnits,
      deposit.amountCents,
      deposit.remainderBaseUnits,
      deposit.txHash,
      deposit.address,
      deposit.status,
      deposit.rejectionReason,
      deposit.confirmationsAtObservation,
      deposit.minConfirmations,
      deposit.observedAtMs,
      deposit.createdAtMs,
      deposit.logIndex,
      deposit.blockNumber,
      deposit.blockHash,
    ],
  );
  return inserted.changes > 0;
}

/**
 * A transfer the sandbox chain watcher reported. The same transaction hash on the same network again answers the deposit
 * already recorded, unchanged (so it is credited once). Deposits to users who are not approved are accepted and
 * credited: the money arrived and must be accounted for (docs/decisions.md, Funding).
 */
export async function observeDeposit(tx: Sql, scope: Scope, input: SandboxDepositInput, secrets: Secrets, nowMs: number): Promise<Deposit> {
  const user = await getUser(tx, scope, input.userId);
  const network = input.network.toLowerCase();
  const token = input.token.toUpperCase();
  const txHash = input.txHash === undefined ? randomTxHash() : canonicalTxHash(input.txHash);
  const amountBaseUnits = canonicalBaseUnits(input.amount);

  const existing = await findByTransaction(tx, scope, network, txHash);
  if (existing !== undefined) return existing;

  const method = findFundingMethod(network, token);
  if (method !== undefined && !isWithinDepositLimit(amountBaseUnits, method.decimals)) {
    throw new AppError('invalid_parameter_value', { param: 'amount', reason: `a single deposit may be at most ${maxDepositCents} cents` });
  }
  // The user's address on a known network, even for a token it does not accept: that is where the funds went.
  const address = isFundingNetwork(network) ? depositAddressOn(depositAddresses(secrets.hdSeed, scope.environment, user.fundingIndex), network) : null;
  const value = method === undefined ? { cents: 0, remainderBaseUnits: '0' } : baseUnitsToCents(amountBaseUnits, method.decimals);
  const deposit: Deposit = {
    id: newId('dep', nowMs),
    organizationId: scope.organizationId,
    environment: scope.environment,
    userId: user.id,
    network,
    token,
    amountBaseUnits,
    amountCents: value.cents,
    remainderBaseUnits: value.remainderBaseUnits,
    txHash,
    address,
    status: method === undefined ? 'rejected' : 'pending',
    rejectionReason: method === undefined ? (fundingRejectionReason(network, token) ?? null) : null,
    confirmationsAtObservation: input.confirmations,
    minConfirmations: isFundingNetwork(network) ? networkDefinitions[network].minConfirmations : 0,
    observedAtMs: nowMs,
    completedAtMs: null,
    createdAtMs: nowMs,
    logIndex: -1,
    blockNumber: null,
    blockHash: null,
  };
  if (!(await insertDeposit(tx, deposit))) {
    // A twin observation committed between the lookup and the insert (PostgreSQL): answer the one that won.
    const winner = await findByTransaction(tx, scope, network, txHash);
    if (winner === undefined) throw new Error(`deposit ${network}/${txHash} conflicted but cannot be read`);
    return winner;
  }

  if (deposit.status === 'rejected') {
    await recordEvent(tx, scope, 'deposit.rejected', presentDeposit(deposit, nowMs), nowMs);
    return deposit;
  }
  if (deposit.confirmationsAtObservation >= deposit.minConfirmations) {
    // Already deep enough: it was never pending, so only deposit.completed is recorded.
    const completed = await completeDeposit(tx, scope, deposit, nowMs);
    if (completed === undefined) throw new Error(`deposit ${deposit.id} was inserted in this transaction but could not be completed`);
    return completed;
  }
  await recordEvent(tx, scope, 'deposit.pending', presentDeposit(deposit, nowMs), nowMs);
  return deposit;
}

/**
 * Completes a pending deposit and credits it: external:deposits → available, then available → debt for what the
 * user owes, up to the credit (deposits repay debt first, SPEC §5). A deposit below one cent completes with nothing
 * posted. Returns undefined when the deposit was no longer pending (another worker completed it first).
 */
export async function completeDeposit(tx: Sql, scope: Scope, deposit: Deposit, nowMs: number): Promise<Deposit | undefined> {
  // Claim first: the row lock orders concurrent completers, and only the one that moved it from pending posts.
  const claimed = await tx.run(`UPDATE deposits SET status = 'completed', completed_at = ? WHERE id = ? AND organization_id = ? AND environment = ? AND status = 'pending'`, [
    nowMs,
    deposit.id,
    scope.organizationId,
    scope.environment,
  ]);
  if (claimed.changes === 0) return undefined;
  const completed: Deposit = { ...deposit, status: 'completed', completedAtMs: nowMs };

  if (completed.amountCents > 0) {
    const available = userAccountId(completed.userId, 'available');
    const debt = userAccountId(completed.userId, 'debt');
    const deposits = externalAccountId(scope, 'external:deposits');
    // Every account this posting touches, locked at once in the ledger's fixed order, before reading the debt.
    const accounts = await lockAccounts(tx, [deposits, available, debt]);
    const owedCents = Math.max(0, -accounts.get(debt)!.balance);
    const repaymentCents = Math.min(completed.amountCents, owedCents);
    if (repaymentCents < 0 || repaymentCents > completed.amountCents) throw new Error(`debt repayment ${repaymentCents} outside 0..${completed.amountCents}`);
    const transfers: TransferInput[] = [{ debitAccount: deposits, creditAccount: available, amountCents: completed.amountCents, kind: 'deposit.credit', reference: completed.id }];
    if (repaymentCents > 0) transfers.push({ debitAccount: available, creditAccount: debt, amountCents: repaymentCents, kind: 'deposit.debt_repayment', reference: completed.id });
    await postTransfers(tx, scope, transfers, nowMs);
  }
  await recordEvent(tx, scope, 'deposit.completed', presentDeposit(completed, nowMs), nowMs);
  return completed;
}

/**
 * The due-work step: completes every pending simulated deposit of the scope with enough confirmations at `nowMs`, page
 * by page so memory stays bounded however many are pending. Returns how many it completed. Deposits seen on a real
 * chain are left to its watcher: only blocks confirm them, never time.
 */
export async function completeConfirmedDeposits(tx: Sql, scope: Scope, nowMs: number): Promise<number> {
  return sweepDueRows(
    // Deposits short of their confirmations stay pending: the id cursor steps past them.
    (afterId, limit) =>
      tx.all<DepositRow>(`SELECT * FROM deposits WHERE status = 'pending' AND block_hash IS NULL AND organization_id = ? AND environment = ? AND id > ? ORDER BY id LIMIT ?`, [
        scope.organizationId,
        scope.environment,
        afterId,
        limit,
      ]),
    async (rows) => {
      let completedCount = 0;
      for (const row of rows) {
        const deposit = depositFromRow(row);
        if (!isFundingNetwork(deposit.network)) throw new Error(`pending deposit ${deposit.id} is on unsupported network ${deposit.network}`);
        if (confirmationsAt(deposit.network, deposit.observedAtMs, deposit.confirmationsAtObservation, nowMs) < deposit.minConfirmations) continue;
        if ((await completeDeposit(tx, scope, deposit, nowMs)) !== undefined) completedCount += 1;
      }
      return completedCount;
    },
  );
}
