// The row-lock clauses every locking SELECT is written with (`forUpdate`, `forShare`): the words PostgreSQL gets,
// nothing for SQLite, and statements with them that both backends run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forShare, forUpdate, type Sql } from '../../src/store/database.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const dialectOnly = (dialect: Sql['dialect']) => ({ dialect }) as Sql;

describe('row-lock clauses', () => {
  it('PostgreSQL gets FOR UPDATE (OF a table, SKIP LOCKED) and FOR SHARE; SQLite gets nothing', () => {
    const postgres = dialectOnly('postgres');
    assert.equal(forUpdate(postgres), ' FOR UPDATE');
    assert.equal(forUpdate(postgres, { skipLocked: true }), ' FOR UPDATE SKIP LOCKED');
    assert.equal(forUpdate(postgres, { of: 'd', skipLocked: true }), ' FOR UPDATE OF d SKIP LOCKED');
    assert.equal(forShare(postgres), ' FOR SHARE');
    const sqlite = dialectOnly('sqlite');
    assert.equal(forUpdate(sqlite), '');
    assert.equal(forUpdate(sqlite, { of: 'd', skipLocked: true }), '');
    assert.equal(forShare(sqlite), '');
  });
});

for (const kind of storeKinds) {
  describe(`row-lock clauses in statements (${kind})`, () => {
    let store: TestDatabase;
    before(async () => {
      store = await openTestDatabase(kind, { migrated: false });
      await store.db.executeScript('CREATE TABLE lock_rows (id TEXT PRIMARY KEY, parent TEXT); CREATE TABLE lock_parents (id TEXT PRIMARY KEY)');
      await store.db.run("INSERT INTO lock_parents (id) VALUES ('p1')");
      await store.db.run("INSERT INTO lock_rows (id, parent) VALUES ('r1', 'p1'), ('r2', 'p1')");
    });
    after(async () => store.close());

    it('each clause ends a statement the backend runs', async () => {
      const ids = await store.db.transaction(async (tx) => [
        (await tx.all<{ id: string }>(`SELECT id FROM lock_rows ORDER BY id LIMIT ?${forUpdate(tx)}`, [2])).map((row) => row.id),
        (await tx.all<{ id: string }>(`SELECT id FROM lock_rows ORDER BY id LIMIT ?${forUpdate(tx, { skipLocked: true })}`, [2])).map((row) => row.id),
        (await tx.all<{ id: string }>(`SELECT r.id FROM lock_rows r JOIN lock_parents p ON p.id = r.parent ORDER BY r.id${forUpdate(tx, { of: 'r', skipLocked: true })}`)).map((row) => row.id),
        (await tx.all<{ id: string }>(`SELECT id FROM lock_rows ORDER BY id${forShare(tx)}`)).map((row) => row.id),
      ]);
      assert.deepEqual(ids, [
        ['r1', 'r2'],
        ['r1', 'r2'],
        ['r1', 'r2'],
        ['r1', 'r2'],
      ]);
    });
  });
}
