// The spend-spike baseline reads the agent's running daily activity (migration 19) for whole days and the
// transactions for the partial first day. Against the direct sum over the agent's transactions, on both stores:
// random transactions over 40 days (some declined, some incremented), read at random moments.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { riskPresets, type RiskSettings } from '../../../src/domain/risk-rules.js';
import { readAgentBaseline } from '../../../src/modules/risk/facts.js';
import { merchantOf, newTransaction } from '../../../src/network/authorize.js';
import type { Scope } from '../../../src/domain/scope.js';
import type { Transaction } from '../../../src/modules/transactions/service.js';
import { changeTransactionAmount, insertTransactions } from '../../../src/modules/transactions/store.js';
import { migrate } from '../../../src/store/migrate.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../../helpers/stores.js';

const dayMs = 86_400_000;
const startMs = Date.UTC(2027, 2, 1);
const scope: Scope = { organizationId: 'org_activity', environment: 'sandbox' };

function transactionAt(agentId: string, createdAtMs: number, amountCents: number, status: Transaction['status']): Transaction {
  const base = newTransaction(createdAtMs, merchantOf({ amountCents, currency: 'USD', merchant: { name: 'Acme' } }), { amountCents, currency: 'USD', merchant: { name: 'Acme' } }, undefined);
  return { ...base, agentId, status, authorizedAmountCents: status === 'declined' ? null : amountCents, declineReason: status === 'declined' ? 'insufficient_funds' : null };
}

for (const kind of storeKinds) {
  describe(`agent daily activity (${kind})`, () => {
    let store: TestDatabase;
    before(async () => {
      store = await openTestDatabase(kind);
      await migrate(store.db, startMs);
    });
    after(() => store.close());

    it("reads the spend-spike baseline as the direct sum over the agent's transactions does", async () => {
      const settings: RiskSettings = { dryRun: false, rules: riskPresets.moderate };
      const baselineMs = riskPresets.moderate.spendSpike.baselineDays * dayMs;
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ atMs: fc.integer({ min: 0, max: 40 * dayMs }), cents: fc.integer({ min: 1, max: 10_000 }), status: fc.constantFrom('pending', 'settled', 'voided', 'declined') as fc.Arbitrary<Transaction['status']>, increment: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }) }), { maxLength: 40 }),
          fc.array(fc.integer({ min: 0, max: 45 * dayMs }), { minLength: 1, maxLength: 5 }),
          async (drafts, readsAt) => {
            run += 1;
            const agentId = `agent_activity_${run}`;
            await store.db.transaction(async (tx) => {
              const transactions = drafts.map((draft) => transactionAt(agentId, startMs + draft.atMs, draft.cents, draft.status));
              await insertTransactions(tx, transactions.map((transaction) => ({ scope, transaction })));
              for (const [index, draft] of drafts.entries()) {
                if (draft.increment !== undefined && draft.status !== 'declined') await changeTransactionAmount(tx, transactions[index]!, draft.cents + draft.increment, 1, startMs);
              }
            });
            for (const offsetMs of readsAt) {
              const nowMs = startMs + offsetMs;
              const agentBaseline = await readAgentBaseline(store.db, settings, { cardId: 'card_none', agentId, merchantNormalizedName: 'acme', amountCents: 1, nowMs });
              const direct = await store.db.get<{ count: number | string; total: number | string | null }>(
                "SELECT COUNT(*) AS count, SUM(amount) AS total FROM transactions WHERE agent_id = ? AND created_at > ? AND status <> 'declined'",
                [agentId, nowMs - baselineMs],
              );
              assert.deepEqual(agentBaseline, { count: Number(direct?.count ?? 0), totalCents: Number(direct?.total ?? 0) });
            }
          },
        ),
        { numRuns: 30 },
      );
    });
  });
}
