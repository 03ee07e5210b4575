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
  const rows = await sql.all<{ kind: UserAccountKind; balance: number }>('SELECT kind, balance FROM ledger_accounts WHERE user_id = ?', [userId]);
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
