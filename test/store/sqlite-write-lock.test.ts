// Another connection holding SQLite's write lock (the authorization engine's thread, a CLI command on the same file):
// a transaction waits for it on timers, so the event loop keeps running, and fails with SQLITE_BUSY only past its
// deadline.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDatabase } from '../../src/store/sqlite/database.js';

describe('SQLite write lock held by another connection', () => {
  it('a transaction waits without blocking the event loop, then commits', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cardrail-lock-'));
    const db = new SqliteDatabase(join(directory, 'cardrail.db'));
    const other = new BetterSqlite3(join(directory, 'cardrail.db'));
    try {
      await db.executeScript('CREATE TABLE notes (text TEXT NOT NULL)');
      other.exec('BEGIN IMMEDIATE');
      other.prepare("INSERT INTO notes VALUES ('first')").run();
      const written = db.run("INSERT INTO notes VALUES ('second')");
      // Timers fire while the transaction waits: the thread is not stuck in SQLite's busy handler.
      let ticks = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          ticks += 1;
          if (ticks === 20) {
            clearInterval(timer);
            resolve();
          }
        }, 2);
      });
      other.exec('COMMIT');
      await written;
      assert.deepEqual((await db.all<{ text: string }>('SELECT text FROM notes ORDER BY rowid')).map((row) => row.text), ['first', 'second']);
    } finally {
      other.close();
      await db.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
