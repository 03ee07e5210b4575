// Arranging money for tests: an approved user, and funds posted straight through the ledger (as a completed
// deposit would), so tests of other modules do not depend on the deposit flow.
import { externalAccountId, userAccountId } from '../../src/ledger/accounts.js';
import { postTransfers } from '../../src/ledger/transfers.js';
import type { Scope } from '../../src/domain/scope.js';
import { createUser, getUser, setApplicationStatus } from '../../src/modules/users/service.js';
import type { Database } from '../../src/store/database.js';

let fundingSequence = 0;

export async function createApprovedUser(db: Database, scope: Scope, nowMs: number, lastName = 'Doe'): Promise<string> {
  return db.transaction(async (tx) => {
    const user = await createUser(tx, scope, { firstName: 'Jane', lastName, email: 'jane@example.com' }, nowMs);
    await setApplicationStatus(tx, scope, user, 'approved', null, nowMs);
    return user.id;
  });
}

export async function fundUser(db: Database, scope: Scope, userId: string, amountCents: number, nowMs: number): Promise<void> {
  fundingSequence += 1;
  const reference = `test_funding_${process.pid}_${fundingSequence}`;
  await db.transaction(async (tx) => {
    await getUser(tx, scope, userId);
    await postTransfers(
      tx,
      scope,
      [{ debitAccount: externalAccountId(scope, 'external:deposits'), creditAccount: userAccountId(userId, 'available'), amountCents, kind: 'deposit.credit', reference }],
      nowMs,
    );
  });
}
