// A user's balance as the API shows it (SPEC §4), read straight from ledger accounts:
// total = available + reserved + held, pending = held, available = total − pending − reserved.
import type { Sql } from '../store/database.js';
import { userAccountId, type UserAccountKind } from './accounts.js';

export interface UserBalances {
  availableCents: number;
  reservedCents: number;
  heldCents: number;
  /** What the user owes after force posts or over-clearings exceeded their funds (≥ 0). */
  debtCents: number;
}

export async function readUserBalances(sql: Sql, userId: string): Promise<UserBalances> {
  return (await readBalancesOfUsers(sql, [userId])).get(userId)!;
}

/** Several users' balances with one statement (an unknown user reads all zero). */
export async function readBalancesOfUsers(sql: Sql, userIds: readonly string[]): Promise<Map<string, UserBalances>> {
  const ids = [...new Set(userIds)];
  const rows =
    ids.length === 0
      ? []
      : await sql.all<{ user_id: string; kind: UserAccountKind; balance: number }>(`SELECT user_id, kind, balance FROM ledger_accounts WHERE user_id IN (${ids.map(() => '?').join(', ')})`, ids);
  const byUser = new Map<string, { user_id: string; kind: UserAccountKind; balance: number }[]>(ids.map((id) => [id, []]));
  for (const row of rows) byUser.get(row.user_id)!.push(row);
  return new Map(ids.map((id) => [id, balancesFrom(byUser.get(id)!)]));
}

function balancesFrom(rows: readonly { kind: UserAccountKind; balance: number }[]): UserBalances {
  const balanceOf = (kind: UserAccountKind) => rows.find((row) => row.kind === kind)?.balance ?? 0;
  return {
    availableCents: balanceOf('available'),
    reservedCents: balanceOf('reserved'),
    heldCents: balanceOf('held'),
    // 0 − balance, not −balance: an account that owes nothing reads 0, never −0.
    debtCents: 0 - balanceOf('debt'),
  };
}

export function presentBalance(userId: string, balances: UserBalances) {
  const total = balances.availableCents + balances.reservedCents + balances.heldCents;
  return {
    object: 'balance' as const,
    userId,
    currency: 'USD' as const,
    total,
    pending: balances.heldCents,
    reserved: balances.reservedCents,
    available: balances.availableCents,
    debt: balances.debtCents,
  };
}

export { userAccountId };
