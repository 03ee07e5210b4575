// Shared by the network flows: the ledger accounts of a card's user, locked together in the fixed order.
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

export async function lockCardholderAccounts(tx: Sql, scope: Scope, userId: string): Promise<CardholderAccounts> {
  const ids = {
    available: userAccountId(userId, 'available'),
    reserved: userAccountId(userId, 'reserved'),
    held: userAccountId(userId, 'held'),
    debt: userAccountId(userId, 'debt'),
    network: externalAccountId(scope, 'external:network'),
  };
  const locked = await lockAccounts(tx, Object.values(ids));
  return { ...ids, availableCents: locked.get(ids.available)!.balance };
}
