// Counts SQLite COMMITs (by wrapping better-sqlite3's Database#exec, which the store uses for BEGIN/COMMIT), so the
// benchmark can show how many decisions each group commit carried. Costs one string comparison per exec call.
import BetterSqlite3 from 'better-sqlite3';

let commitCount = 0;
let installed = false;

export function countCommits(): void {
  if (installed) return;
  installed = true;
  const prototype = BetterSqlite3.prototype as unknown as { exec(this: unknown, sql: string): unknown };
  const exec = prototype.exec;
  prototype.exec = function (this: unknown, sql: string) {
    if (sql === 'COMMIT') commitCount += 1;
    return exec.call(this, sql);
  };
}

export function commitsSoFar(): number {
  return commitCount;
}
