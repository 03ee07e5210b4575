// Optional statement profile (CARDRAIL_BENCH_SQL_PROFILE=1 npm run bench): wraps better-sqlite3's Statement#run/get/all
// and Database#exec to add up the time spent in each SQL text, then prints the statements that cost the most per
// decision. The wrapper costs two clock reads per call, so figures of a profiled run are a little lower.
import BetterSqlite3 from 'better-sqlite3';

interface Tally {
  calls: number;
  ms: number;
}

const tallies = new Map<string, Tally>();
let installed = false;

function add(key: string, ms: number): void {
  const tally = tallies.get(key);
  if (tally === undefined) tallies.set(key, { calls: 1, ms });
  else {
    tally.calls += 1;
    tally.ms += ms;
  }
}

export function installSqlProfile(): void {
  if (installed) return;
  installed = true;
  const probe = new BetterSqlite3(':memory:');
  const statementPrototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all'] as const) {
    const original = statementPrototype[method]!;
    statementPrototype[method] = function (this: { source: string }, ...args: unknown[]) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        add(`${method} ${this.source}`, performance.now() - started);
      }
    };
  }
  const databasePrototype = BetterSqlite3.prototype as unknown as { exec(this: unknown, sql: string): unknown };
  const exec = databasePrototype.exec;
  databasePrototype.exec = function (this: unknown, sql: string) {
    const started = performance.now();
    try {
      return exec.call(this, sql);
    } finally {
      add(`exec ${sql.length > 60 ? `${sql.slice(0, 60)}…` : sql}`, performance.now() - started);
    }
  };
}

export function resetSqlProfile(): void {
  tallies.clear();
}

/** The `top` most expensive statements: total ms, calls, µs per call and µs per decision. */
export function sqlProfileReport(decisions: number, elapsedMs: number, top = 25): string {
  const rows = [...tallies].sort((a, b) => b[1].ms - a[1].ms);
  const totalMs = rows.reduce((sum, [, tally]) => sum + tally.ms, 0);
  const lines = [
    `SQL profile: ${decisions} decisions in ${elapsedMs.toFixed(0)} ms; ${totalMs.toFixed(0)} ms (${((100 * totalMs) / elapsedMs).toFixed(0)} %) inside SQLite calls, ` +
      `${((1000 * totalMs) / Math.max(1, decisions)).toFixed(0)} µs per decision`,
    '     ms    calls   µs/call  µs/decision  statement',
  ];
  for (const [key, tally] of rows.slice(0, top)) {
    const sql = key.replace(/\s+/g, ' ');
    lines.push(
      `${tally.ms.toFixed(0).padStart(7)}  ${String(tally.calls).padStart(7)}  ${((1000 * tally.ms) / tally.calls).toFixed(1).padStart(8)}  ${((1000 * tally.ms) / Math.max(1, decisions)).toFixed(1).padStart(11)}  ${sql.length > 110 ? `${sql.slice(0, 110)}…` : sql}`,
    );
  }
  return lines.join('\n');
}
