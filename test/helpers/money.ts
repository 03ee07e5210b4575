// Arranging money for tests: an approved user, and funds posted straight through the ledger (as a completed
// deposit would), so tests of other modules do not depend on the deposit flow; then what a test asserts of money: a
// user's balance as the API answers it, and the ledger's invariants.
import assert from 'node:assert/strict';
import { externalAccountId, userAccountId } from '../../src/ledger/accounts.js';
import { postTransfers } from '../../src/ledger/transfers.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import type { Scope } from '../../src/domain/scope.js';
import { createUser, getUser, setApplicationStatus } from '../../src/modules/users/service.js';
import type { Database } from '../../src/store/database.js';
import type { TestApp } from './app.js';

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

/** A new approved user of the test app's organization in `environment`, funded with `amountCents` (nothing when 0). */
export async function fundedUser(testApp: TestApp, amountCents: number, environment: Scope['environment'] = 'sandbox'): Promise<string> {
  const scope: Scope = { organizationId: testApp.organizationId, environment };
  const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
  if (amountCents > 0) await fundUser(testApp.store.db, scope, userId, amountCents, testApp.clock.nowMs());
  return userId;
}

export interface Balance {
  total: number;
  pending: number;
  reserved: number;
  available: number;
}

/** `GET /v1/balances/{userId}`, asserting 200: the four amounts every balance has. */
export async function balanceOf(testApp: TestApp, userId: string): Promise<Balance> {
  const response = await testApp.request('GET', `/v1/balances/${userId}`);
  assert.equal(response.statusCode, 200, response.body);
  const { total, pending, reserved, available } = response.json as Balance;
  return { total, pending, reserved, available };
}

/** Every invariant of the ledger (src/ledger/verify.ts) holds in the test app's store. */
export async function assertLedgerSound(testApp: TestApp): Promise<void> {
  assert.deepEqual((await verifyLedger(testApp.store.db)).problems, []);
}
