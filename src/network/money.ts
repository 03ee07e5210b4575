// Shared by the network flows that clear, void, increment or force-post: the ledger accounts of a card's user and the
// network's, locked together in the fixed order. Authorizations lock fewer (authorization-batch.ts): only available,
// reserved and held of a whole batch's users in one statement, never the network's account, which every
// authorization of an environment would otherwise wait on.
import { externalAccountId, userAccountId } from '../ledger/accounts.js';
import { lockAccounts } from '../ledger/transfers.js';
import type { Scope } from '../domain/scope.js';
import type { Sql } from '../store/database.js';

export interface CardholderAccounts {
  available: string;
  reserved: string;
  held: string;
  debt: string;
  network: string;
  availableCents: number;
}

function cardholderAccountIds(scope: Scope, userId: string): Omit<CardholderAccounts, 'availableCents'> {
  return {
    available: userAccountId(userId, 'available'),
    reserved: userAccountId(userId, 'reserved'),
    held: userAccountId(userId, 'held'),
    debt: userAccountId(userId, 'debt'),
    network: externalAccountId(scope, 'external:network'),
  };
}

export async function lockCardholderAccounts(tx: Sql, scope: Scope, userId: string): Promise<CardholderAccounts> {
  const ids = cardholderAccountIds(scope, userId);
  const locked = await lockAccounts(tx, Object.values(ids));
  return { ...ids, availableCents: locked.get(ids.available)!.balance };
}

/** The same accounts of several cardholders, locked in one statement: due work settles or voids a page at once. */
export async function lockAccountsOfCardholders(tx: Sql, scope: Scope, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await lockAccounts(tx, userIds.flatMap((userId) => Object.values(cardholderAccountIds(scope, userId))));
}
