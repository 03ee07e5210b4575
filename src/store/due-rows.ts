// Paging through due rows: the sweeps of due work (src/workers/due-work.ts) read the rows whose time has come a
// bounded page at a time, in id order, and handle each page in the caller's transaction before reading the next.

/** The most rows a sweep reads at once: memory stays bounded however many fall due together. */
export const dueRowsPageSizeMax = 500;

/**
 * Reads pages with `readPage(afterId, limit)` — the due rows with an id above `afterId` ('' at first), in id order,
 * at most `limit` — and hands each to `handlePage`, which answers how many rows it changed; stops after a short page.
 * Answers the total changed. A sweep whose handled rows leave its filter may ignore `afterId`; one that can leave a
 * row due (not yet confirmed, say) must use it, or it would read that row again forever.
 */
export async function sweepDueRows<Row extends { id: string }>(
  readPage: (afterId: string, limit: number) => Promise<readonly Row[]>,
  handlePage: (rows: readonly Row[]) => Promise<number>,
): Promise<number> {
  let changed = 0;
  let afterId = '';
  for (;;) {
    const rows = await readPage(afterId, dueRowsPageSizeMax);
    if (rows.length > dueRowsPageSizeMax) throw new Error(`a due-row page has ${rows.length} rows, above its limit of ${dueRowsPageSizeMax}`);
    changed += await handlePage(rows);
    if (rows.length < dueRowsPageSizeMax) return changed;
    afterId = rows[rows.length - 1]!.id;
  }
}
