// Paging through due rows (src/store/due-rows.ts): every due row is handled once, a bounded page at a time, however
// many there are; the sweep stops after a short page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueRowsPageSizeMax, sweepDueRows } from '../../src/store/due-rows.js';

const idsUpTo = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `row_${String(index).padStart(6, '0')}` }));

describe('sweepDueRows', () => {
  for (const count of [0, 1, dueRowsPageSizeMax - 1, dueRowsPageSizeMax, dueRowsPageSizeMax + 1, 2 * dueRowsPageSizeMax + 7]) {
    it(`${count} due rows: each handled once, in id order, pages of at most ${dueRowsPageSizeMax}`, async () => {
      const rows = idsUpTo(count);
      const reads: Array<{ afterId: string; limit: number }> = [];
      const handled: string[] = [];
      const changed = await sweepDueRows(
        async (afterId, limit) => {
          reads.push({ afterId, limit });
          return rows.filter((row) => row.id > afterId).slice(0, limit);
        },
        async (page) => {
          assert.ok(page.length <= dueRowsPageSizeMax);
          handled.push(...page.map((row) => row.id));
          return page.length;
        },
      );
      assert.equal(changed, count);
      assert.deepEqual(handled, rows.map((row) => row.id));
      assert.equal(reads.length, Math.floor(count / dueRowsPageSizeMax) + 1);
      assert.ok(reads.every((read) => read.limit === dueRowsPageSizeMax));
    });
  }

  it('a sweep whose handled rows leave the filter may read from the start each time', async () => {
    const pending = new Set(idsUpTo(dueRowsPageSizeMax + 3).map((row) => row.id));
    const changed = await sweepDueRows(
      async (_afterId, limit) => [...pending].sort().slice(0, limit).map((id) => ({ id })),
      async (page) => {
        for (const row of page) pending.delete(row.id);
        return page.length;
      },
    );
    assert.equal(changed, dueRowsPageSizeMax + 3);
    assert.equal(pending.size, 0);
  });

  it('answers what the pages changed, not what they read', async () => {
    const rows = idsUpTo(dueRowsPageSizeMax + 10);
    const changed = await sweepDueRows(
      async (afterId, limit) => rows.filter((row) => row.id > afterId).slice(0, limit),
      async (page) => page.filter((_, index) => index % 2 === 0).length,
    );
    assert.equal(changed, dueRowsPageSizeMax / 2 + 5);
  });

  it('refuses a page above the limit', async () => {
    await assert.rejects(
      sweepDueRows(
        async () => idsUpTo(dueRowsPageSizeMax + 1),
        async () => 0,
      ),
      /above its limit/,
    );
  });
});
