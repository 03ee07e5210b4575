// Random sequences of money operations against a simple reference model, on both stores: after every step the
// balances equal the model's and every SPEC §5 invariant holds (verifyLedger).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../../src/domain/errors.js';
import { readUserBalances } from '../../src/ledger/balances.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { observeDeposit } from '../../src/modules/funding/service.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import type { Scope } from '../../src/modules/scope.js';
import { applyWithdrawalOutcome, createWithdrawal } from '../../src/modules/withdrawals/service.js';
import { testSecrets } from '../../src/secrets.js';
import { runDueWork } from '../../src/workers/due-work.js';
import { createApprovedUser } from '../helpers/money.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

type Command =
  | { kind: 'deposit'; user: number; cents: number; extraBaseUnits: number; confirmed: boolean; supported: boolean; repeatOf: number | null }
  | { kind: 'advance' }
  | { kind: 'withdraw'; user: number; cents: number }
  | { kind: 'outcome'; withdrawal: number; outcome: 'submit' | 'confirm' | 'fail' };

const userCount = 3;

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('deposit' as const),
    user: fc.nat(userCount - 1),
    cents: fc.integer({ min: 0, max: 50_000 }),
    extraBaseUnits: fc.integer({ min: 0, max: 9_999 }),
    confirmed: fc.boolean(),
    supported: fc.integer({ min: 0, max: 9 }).map((value) => value < 8),
    repeatOf: fc.option(fc.nat(10), { nil: null }),
  }),
  fc.constant({ kind: 'advance' as const }),
  fc.record({ kind: fc.constant('withdraw' as const), user: fc.nat(userCount - 1), cents: fc.integer({ min: 1, max: 40_000 }) }),
  fc.record({ kind: fc.constant('outcome' as const), withdrawal: fc.nat(10), outcome: fc.constantFrom('submit' as const, 'confirm' as const, 'fail' as const) }),
);

interface ModelUser {
  available: number;
  held: number;
}

interface ModelWithdrawal {
  id: string;
  user: number;
  cents: number;
  status: 'pending' | 'submitted' | 'confirmed' | 'failed';
}

for (const kind of storeKinds) {
  describe(`ledger property (${kind})`, () => {
    let store: TestDatabase;
    before(async () => {
      store = await openTestDatabase(kind);
    });
    after(async () => store.close());

    it('balances follow the reference model and the invariants hold after every step', async () => {
      const secrets = testSecrets();
      await fc.assert(
        fc.asyncProperty(fc.array(commandArbitrary, { minLength: 1, maxLength: 30 }), async (commands) => {
          let nowMs = Date.UTC(2026, 0, 5);
          const organization = await initializeOrganization(store.db, 'property', nowMs);
          const scope: Scope = { organizationId: organization.organization.id, environment: 'sandbox' };
          const userIds: string[] = [];
          for (let index = 0; index < userCount; index += 1) userIds.push(await createApprovedUser(store.db, scope, nowMs));
          const model: ModelUser[] = userIds.map(() => ({ available: 0, held: 0 }));
          const pendingDeposits: Array<{ user: number; cents: number }> = [];
          const txHashes: Array<{ hash: string; user: number; cents: number; supported: boolean; credited: boolean }> = [];
          const withdrawals: ModelWithdrawal[] = [];

          for (const command of commands) {
            nowMs += 1_000;
            if (command.kind === 'deposit') {
              const repeated = command.repeatOf === null ? undefined : txHashes[command.repeatOf];
              const user = repeated?.user ?? command.user;
              const supported = repeated?.supported ?? command.supported;
              const txHash = repeated?.hash ?? `0x${(txHashes.length + 1).toString(16).padStart(64, '0')}`;
              const amount = (BigInt(command.cents) * 10_000n + BigInt(command.extraBaseUnits)).toString();
              await store.db.transaction((tx) =>
                observeDeposit(
                  tx,
                  scope,
                  { userId: userIds[user]!, network: supported ? 'base' : 'bitcoin', token: 'USDC', amount, txHash, confirmations: command.confirmed ? 12 : 0 },
                  secrets,
                  nowMs,
                ),
              );
              if (repeated === undefined) {
                txHashes.push({ hash: txHash, user, cents: command.cents, supported: command.supported, credited: false });
                if (command.supported) {
                  if (command.confirmed) model[user]!.available += command.cents;
                  else pendingDeposits.push({ user, cents: command.cents });
                }
              }
            } else if (command.kind === 'advance') {
              nowMs += 3_600_000;
              await store.db.transaction((tx) => runDueWork(tx, scope, nowMs));
              for (const deposit of pendingDeposits.splice(0)) model[deposit.user]!.available += deposit.cents;
            } else if (command.kind === 'withdraw') {
              const expectApproved = command.cents <= model[command.user]!.available;
              try {
                const withdrawal = await store.db.transaction((tx) =>
                  createWithdrawal(tx, scope, userIds[command.user]!, { network: 'base', token: 'USDC', amount: command.cents, address: '0x52908400098527886E0F7030069857D2E4169EE7' }, nowMs),
                );
                assert.ok(expectApproved, 'a withdrawal beyond available was approved');
                withdrawals.push({ id: withdrawal.id, user: command.user, cents: command.cents, status: 'pending' });
                model[command.user]!.available -= command.cents;
                model[command.user]!.held += command.cents;
              } catch (error) {
                if (!(isAppError(error) && error.code === 'insufficient_balance')) throw error;
                assert.ok(!expectApproved, 'a covered withdrawal was refused');
              }
            } else {
              const withdrawal = withdrawals[command.withdrawal];
              if (withdrawal === undefined) continue;
              const allowed = command.outcome === 'submit' ? withdrawal.status === 'pending' : command.outcome === 'confirm' ? withdrawal.status === 'submitted' : withdrawal.status === 'pending' || withdrawal.status === 'submitted';
              try {
                await store.db.transaction((tx) => applyWithdrawalOutcome(tx, scope, withdrawal.id, command.outcome, nowMs));
                assert.ok(allowed, `${command.outcome} of a ${withdrawal.status} withdrawal was applied`);
                const user = model[withdrawal.user]!;
                if (command.outcome === 'submit') withdrawal.status = 'submitted';
                if (command.outcome === 'confirm') {
                  withdrawal.status = 'confirmed';
                  user.held -= withdrawal.cents;
                }
                if (command.outcome === 'fail') {
                  withdrawal.status = 'failed';
                  user.held -= withdrawal.cents;
                  user.available += withdrawal.cents;
                }
              } catch (error) {
                if (!(isAppError(error) && error.code === 'invalid_status_transition')) throw error;
                assert.ok(!allowed, `${command.outcome} of a ${withdrawal.status} withdrawal was refused`);
              }
            }

            for (const [index, userId] of userIds.entries()) {
              const balances = await readUserBalances(store.db, userId);
              assert.equal(balances.availableCents, model[index]!.available, `available of user ${index}`);
              assert.equal(balances.heldCents, model[index]!.held, `held of user ${index}`);
              assert.equal(balances.reservedCents, 0);
            }
            const report = await verifyLedger(store.db);
            assert.deepEqual(report.problems, []);
          }
        }),
        { numRuns: kind === 'sqlite' ? 40 : 15 },
      );
    });
  });
}
