// `user.balance.updated` (SPEC §11, LedgerOS): one event per user and database transaction whose postings moved the
// user's balance, carrying the balance as GET /v1/balances/{userId} answers it. The ledger notes whose accounts
// each posting touched (src/ledger/transfers.ts); this commit step, wired once in src/app.ts, records the events at
// the end of the transaction, so an authorization's four transfers make one event, not four.
import { presentBalance, readBalancesOfUsers, userAccountId } from '../../ledger/balances.js';
import { userAccountKinds } from '../../ledger/accounts.js';
import { userBalanceChangeNotes, type UserBalanceChange } from '../../ledger/transfers.js';
import type { Sql } from '../../store/database.js';
import { newId } from '../../domain/ids.js';
import { recordEvents, type NewEvent } from '../events/service.js';

export async function recordUserBalanceUpdates(tx: Sql): Promise<void> {
  const notes = tx.transactionNotes?.(userBalanceChangeNotes);
  if (notes === undefined || notes.size === 0) return;
  const balancesByUser = await readBalancesOfUsers(tx, [...notes.keys()]);
  const events: NewEvent[] = [];
  for (const [userId, noted] of notes) {
    const change = noted as UserBalanceChange;
    const balances = balancesByUser.get(userId)!;
    const after = new Map<string, number>([
      [userAccountId(userId, 'available'), balances.availableCents],
      [userAccountId(userId, 'reserved'), balances.reservedCents],
      [userAccountId(userId, 'held'), balances.heldCents],
      [userAccountId(userId, 'debt'), 0 - balances.debtCents],
    ]);
    if (after.size !== userAccountKinds.length) throw new Error(`balance of ${userId} misses an account kind`);
    // Postings that cancel out within the transaction (reserve, then release the same amount) changed nothing.
    const moved = [...change.balancesBefore].some(([accountId, before]) => after.get(accountId) !== before);
    if (moved) events.push({ scope: change.scope, type: 'user.balance.updated', object: presentBalance(userId, balances), nowMs: change.nowMs, id: newId('evt', change.nowMs) });
  }
  await recordEvents(tx, events);
  notes.clear();
}
