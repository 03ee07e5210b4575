// The due work (scheduled settlement and the expiry of authorizations, src/network/due.ts) runs every second on the
// writer: its reads must find the due rows through an index, not read every transaction of the organization (0.4 s a
// pass with a million stored). Checked on SQLite's plans of the statements it actually runs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expireDueAuthorizations, settleDueTransactions } from '../../src/network/due.js';
import type { Scope } from '../../src/domain/scope.js';
import type { Sql, SqlValue } from '../../src/store/database.js';
import { openTestDatabase, type TestDatabase } from '../helpers/stores.js';

describe('due work query plans (sqlite)', () => {
  let store: TestDatabase;
  before(async () => {
    store = await openTestDatabase('sqlite', { migrated: true });
  });
  after(() => store.close());

  for (const [name, work] of [
    ['scheduled settlement', settleDueTransactions],
    ['expiry of authorizations', expireDueAuthorizations],
  ] as const) {
    it(`${name} reads transactions through an index`, async () => {
      const reads: Array<{ sql: string; params: readonly SqlValue[] }> = [];
      const scope: Scope = { organizationId: 'org_none', environment: 'sandbox' };
      await store.db.transaction(async (tx) => {
        const recording: Sql = {
          dialect: tx.dialect,
          all: (sql, params) => (reads.push({ sql, params: params ?? [] }), tx.all(sql, params)),
          get: (sql, params) => (reads.push({ sql, params: params ?? [] }), tx.get(sql, params)),
          run: (sql, params) => tx.run(sql, params),
        };
        await work(recording, scope, Date.UTC(2027, 0, 1));
      });
      const dueReads = reads.flatMap((read) => {
        const column = /\bFROM transactions\b.*\b(settle_at|expires_at) <= \?/s.exec(read.sql)?.[1];
        return column === undefined ? [] : [{ ...read, column }];
      });
      assert.ok(dueReads.length > 0, 'the due work reads the due transactions');
      for (const read of dueReads) {
        const plan = await store.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${read.sql}`, read.params);
        const details = plan.map((step) => step.detail);
        // A search bounded by the due time, not one that reads the organization's transactions to filter them.
        assert.ok(details.some((detail) => detail.startsWith('SEARCH transactions USING') && detail.includes(`${read.column}<`)), `${read.sql}\n${details.join('\n')}`);
      }
    });
  }
});
