// Ledger accounts (SPEC §5). Ids are derived, never looked up: a user's `available`, `reserved`, `held` and `debt`,
// and each environment's external accounts. Balance = credits − debits, so money a user holds is positive and the
// external accounts carry the opposite sign; all balances of an environment sum to zero.
import type { Sql } from '../store/database.js';
import type { Scope } from '../domain/scope.js';

export type UserAccountKind = 'available' | 'reserved' | 'held' | 'debt';
export type ExternalAccountKind = 'external:deposits' | 'external:network' | 'external:withdrawals';
export type AccountKind = UserAccountKind | ExternalAccountKind;

export const userAccountKinds: readonly UserAccountKind[] = ['available', 'reserved', 'held', 'debt'];
export const externalAccountKinds: readonly ExternalAccountKind[] = ['external:deposits', 'external:network', 'external:withdrawals'];
/** Accounts that may never go below zero (invariant 2). */
export const nonNegativeKinds: ReadonlySet<AccountKind> = new Set(['available', 'reserved', 'held']);

export const ledgerCurrency = 'USD';

export function userAccountId(userId: string, kind: UserAccountKind): string {
  return `${userId}:${kind}`;
}

export function externalAccountId(scope: Scope, kind: ExternalAccountKind): string {
  return `${scope.organizationId}:${scope.environment}:${kind}`;
}

export async function openUserAccounts(tx: Sql, scope: Scope, userId: string): Promise<void> {
  for (const kind of userAccountKinds) {
    await tx.run('INSERT INTO ledger_accounts (id, organization_id, environment, user_id, kind, currency) VALUES (?, ?, ?, ?, ?, ?)', [
      userAccountId(userId, kind),
      scope.organizationId,
      scope.environment,
      userId,
      kind,
      ledgerCurrency,
    ]);
  }
}

export async function openExternalAccounts(tx: Sql, scope: Scope): Promise<void> {
  for (const kind of externalAccountKinds) {
    await tx.run('INSERT INTO ledger_accounts (id, organization_id, environment, user_id, kind, currency) VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING', [
      externalAccountId(scope, kind),
      scope.organizationId,
      scope.environment,
      kind,
      ledgerCurrency,
    ]);
  }
}
