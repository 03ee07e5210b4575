// GET /v1/transactions narrowed to a card, agent or user: newest first, every transaction once across pages (several
// made in the same millisecond among them), in the order of the unfiltered list; and on SQLite, through the card's,
// agent's or user's own index rather than a walk of the organization's transactions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listTransactions } from '../../../src/modules/transactions/service.js';
import type { Sql, SqlValue } from '../../../src/store/database.js';
import { useTestApp, type TestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { authorizeAt, fundedCardholder, issueCard } from '../../network/arrange.js';

async function everyPage(testApp: TestApp, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page += 1) {
    const response = await testApp.request('GET', `/v1/transactions?limit=3&${query}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    assert.equal(response.statusCode, 200, response.body);
    ids.push(...response.json.data.map((transaction: { id: string }) => transaction.id));
    cursor = response.json.nextCursor ?? undefined;
    if (cursor === undefined) return ids;
  }
  throw new Error('more pages than expected');
}

for (const kind of storeKinds) {
  describe(`transaction lists narrowed to a card, agent or user (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('pages through every transaction once, newest first, as the unfiltered list orders them', async () => {
      const holder = await fundedCardholder(testApp, 500_000);
      const other = await fundedCardholder(testApp, 500_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const sibling = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const elsewhere = await issueCard(testApp, other, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      // Several in the same millisecond (the test clock stands still between advances), several milliseconds apart.
      for (let round = 0; round < 4; round += 1) {
        for (const cardId of [card.id, sibling.id, elsewhere.id, card.id]) await authorizeAt(testApp, { cardId }, 100 + round, 'Amazon');
        testApp.clock.advanceMs(1);
      }
      const all = await everyPage(testApp, '');
      const ofCard = await everyPage(testApp, `cardId=${card.id}`);
      const ofAgent = await everyPage(testApp, `agentId=${holder.agentId}`);
      const ofUser = await everyPage(testApp, `userId=${other.userId}`);
      assert.equal(ofCard.length, 8);
      assert.equal(ofAgent.length, 12);
      assert.equal(ofUser.length, 4);
      for (const narrowed of [ofCard, ofAgent, ofUser]) {
        assert.equal(new Set(narrowed).size, narrowed.length);
        assert.deepEqual(narrowed, all.filter((id) => narrowed.includes(id)));
        assert.deepEqual(narrowed, [...narrowed].sort().reverse());
      }
    });

    if (kind === 'sqlite') {
      it("reads the card's, agent's or user's index, not the organization's rows", async () => {
        const holder = await fundedCardholder(testApp, 50_000);
        const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000 });
        const first = await authorizeAt(testApp, { cardId: card.id }, 100, 'Amazon');
        const scope = { organizationId: testApp.organizationId, environment: 'sandbox' as const };
        const cursorPage = (await testApp.request('GET', `/v1/transactions?limit=1&cardId=${card.id}`)).json;
        assert.equal(cursorPage.data[0].id, first.id);
        for (const [filters, cursor] of [
          [{ cardId: card.id }, undefined],
          [{ cardId: card.id }, cursorPage.nextCursor ?? undefined],
          [{ agentId: holder.agentId }, undefined],
          [{ userId: holder.userId }, undefined],
        ] as const) {
          const reads: Array<{ sql: string; params: readonly SqlValue[] }> = [];
          const db = testApp.store.db;
          const recording: Sql = {
            dialect: db.dialect,
            all: (sql, params) => (reads.push({ sql, params: params ?? [] }), db.all(sql, params)),
            get: (sql, params) => db.get(sql, params),
            run: (sql, params) => db.run(sql, params),
          };
          await listTransactions(recording, scope, { kind: 'apiKey' } as never, filters, { limit: 20, cursor } as never);
          const page = reads.find((read) => read.sql.startsWith('SELECT * FROM transactions'))!;
          const plan = (await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${page.sql}`, page.params)).map((step) => step.detail);
          const label = `${JSON.stringify(filters)}\n${page.sql}\n${plan.join('\n')}`;
          assert.ok(plan.some((detail) => /^SEARCH transactions USING INDEX transactions_by_(card_time|agent_time|user) /.test(detail)), label);
          // At most the ties of one millisecond are sorted, never the whole history.
          assert.ok(!plan.includes('USE TEMP B-TREE FOR ORDER BY'), label);
        }
      });
    }
  });
}
