// PostgreSQL: two `cardrail serve` processes on one database (a schema of their own), each loaded by its own load
// generator over HTTP, against the yardstick of `pgbench`'s built-in tpcb-like transaction on the same server with as
// many client connections as the two processes' pools hold, in the same run. Two loads: the spread one (many users'
// cards), then the hot account (one user, one agent, 100 cards: every authorization of both processes locks the same
// agent and accounts). Afterwards the ledger is verified, and the hot user checked for overspend.
// Needs a PostgreSQL that answers (CARDRAIL_BENCH_DATABASE_URL, else the local one the tests use) and `pgbench` on the
// PATH; without them the figures are reported as not measured.
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import type { Secrets } from '../src/secrets.js';
import { migrate } from '../src/store/migrate.js';
import { PostgresDatabase } from '../src/store/postgres/database.js';
import { meanAmountCents } from './engine.js';
import { overspendChecks } from './hot-account.js';
import { runHttpLoad } from './http.js';
import type { HttpLoadAnswer, HttpLoadJob } from './http-load.js';
import { arrangePopulation, type Population } from './lib/population.js';
import { startServeProcess, stopServeProcess, type ServeProcess } from './lib/serve-process.js';

/** Each server's pool (PostgresDatabase's default): pgbench gets as many connections as both together. */
const poolSizePerServer = 10;

export interface PostgresPlan {
  users: number;
  cardsPerUser: number;
  connectionsPerServer: number;
  durationMs: number;
  childTimeoutMs: number;
  /** One user's cards; funded for `fundedShare` of the authorizations the spread figure says the run will attempt. */
  hot: { cards: number; cardMaxAmountCents: number; fundedShare: number; minAttempts: number };
}

export type PostgresResult =
  | { measured: false; reason: string }
  | {
      measured: true;
      decisionsPerSecond: number;
      pgbenchPerSecond: number;
      pgbenchRatio: number;
      overspend: boolean;
      hotDecisionsPerSecond: number;
      hotRatio: number;
      hotOverspend: boolean;
      notes: string[];
    };

/** pgbench's tpcb-like transactions per second with `clients` connections for `seconds`, on a database of its own. */
function pgbenchTps(url: URL, clients: number, seconds: number): { tps: number; note: string } {
  const database = `cardrail_bench_pgbench_${process.pid}`;
  const connection = ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres')];
  const env = { ...process.env, ...(url.password ? { PGPASSWORD: decodeURIComponent(url.password) } : {}) };
  const run = (command: string, args: string[]) => spawnSync(command, args, { env, encoding: 'utf8', timeout: 120_000 });
  run('psql', [...connection, '-d', url.pathname.slice(1) || 'postgres', '-q', '-c', `DROP DATABASE IF EXISTS ${database}`, '-c', `CREATE DATABASE ${database}`]);
  try {
    const init = run('pgbench', [...connection, '-i', '-q', '-s', '4', database]);
    if (init.status !== 0) throw new Error(`pgbench -i failed: ${init.stderr}`);
    const bench = run('pgbench', [...connection, '-n', '-b', 'tpcb-like', '-c', String(clients), '-j', '2', '-T', String(seconds), database]);
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(bench.stdout);
    if (bench.status !== 0 || tps === null) throw new Error(`pgbench failed: ${bench.stderr}${bench.stdout}`);
    return { tps: Number(tps[1]), note: `pgbench tpcb-like, scale 4, ${clients} clients, 2 threads, ${seconds} s: ${Number(tps[1]).toFixed(0)} tps` };
  } finally {
    run('psql', [...connection, '-d', url.pathname.slice(1) || 'postgres', '-q', '-c', `DROP DATABASE IF EXISTS ${database}`]);
  }
}

/** Both servers loaded at once, each by its own load generator on the population's cards; the sum is the figure. */
async function loadServers(
  servers: ServeProcess[],
  population: Population,
  plan: PostgresPlan,
  seed: number,
): Promise<{ perSecond: number; approved: number; errors: number; description: string }> {
  const job: HttpLoadJob = { mode: 'closed', concurrency: plan.connectionsPerServer, connections: plan.connectionsPerServer, ratePerSecond: 0, durationMs: plan.durationMs, maxCount: 1_000_000, seed };
  const cards = population.cards.map((card) => ({ id: card.id, merchant: card.merchant }));
  const answers = await Promise.all(
    servers.map(async (server, index) => (await runHttpLoad({ origin: server.origin, apiKey: population.sandboxKey, cards }, [{ ...job, seed: seed + index }], plan.childTimeoutMs))[0] as HttpLoadAnswer),
  );
  const errors = answers.flatMap((answer) => Object.entries(answer.errors).map(([key, count]) => `${key} ×${count}`));
  const errorCount = answers.reduce((sum, answer) => sum + Object.values(answer.errors).reduce((total, count) => total + count, 0), 0);
  const description =
    `two cardrail serve processes (pools of ${poolSizePerServer}), ${plan.connectionsPerServer} HTTP connections each for ${plan.durationMs / 1000} s: ` +
    answers.map((answer, index) => `server ${index + 1} ${answer.closed!.perSecond.toFixed(0)}/s (approved ${answer.approved}, declined ${answer.declined})`).join(', ') +
    (errors.length === 0 ? ', no errors' : `, errors ${errors.join(', ')}`);
  return {
    perSecond: answers.reduce((sum, answer) => sum + answer.closed!.perSecond, 0),
    approved: answers.reduce((sum, answer) => sum + answer.approved, 0),
    errors: errorCount,
    description,
  };
}

/** What the hot user's authorizations left in the transactions table: the approved (still pending) and the declines by reason. */
async function hotOutcome(db: PostgresDatabase, userId: string): Promise<{ approvedCount: number; approvedCents: number; declines: string }> {
  const approved = await db.get<{ count: number; cents: number }>("SELECT COUNT(*) AS count, COALESCE(SUM(amount), 0) AS cents FROM transactions WHERE user_id = ? AND status = 'pending'", [userId]);
  const declines = await db.all<{ reason: string; count: number }>(
    "SELECT decline_reason AS reason, COUNT(*) AS count FROM transactions WHERE user_id = ? AND status = 'declined' GROUP BY decline_reason ORDER BY decline_reason",
    [userId],
  );
  return {
    approvedCount: Number(approved?.count ?? 0),
    approvedCents: Number(approved?.cents ?? 0),
    declines: declines.length === 0 ? 'none' : declines.map((row) => `${row.reason} ${row.count}`).join(', '),
  };
}

export async function benchPostgres(secrets: Secrets, plan: PostgresPlan): Promise<PostgresResult> {
  const connectionString = process.env.CARDRAIL_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  if (spawnSync('pgbench', ['--version']).status !== 0) return { measured: false, reason: 'pgbench is not on the PATH' };
  try {
    const probe = new pg.Client({ connectionString, connectionTimeoutMillis: 3_000 });
    await probe.connect();
    await probe.end();
  } catch (error) {
    return { measured: false, reason: `no PostgreSQL at ${connectionString.replace(/\/\/[^@]*@/, '//…@')}: ${String(error)}` };
  }

  const schema = `cardrail_bench_${process.pid}`;
  const db = new PostgresDatabase({ connectionString, schema, poolSize: 16 });
  const servers: ServeProcess[] = [];
  try {
    await db.prepareSchema();
    await migrate(db, Date.now());
    const population = await arrangePopulation(db, secrets, { users: plan.users, cardsPerUser: plan.cardsPerUser, fundsPerUserCents: 10_000_000, cardMaxAmountCents: 50_000, nowMs: Date.now(), concurrency: 16 });
    const serverUrl = new URL(connectionString);
    serverUrl.searchParams.set('options', `-c search_path=${schema}`);
    servers.push(await startServeProcess({ databaseUrl: serverUrl.toString() }), await startServeProcess({ databaseUrl: serverUrl.toString() }));
    const spread = await loadServers(servers, population, plan, 11);

    // A second organization in the same schema: one user funded for `fundedShare` of what the spread load's rate would
    // attempt, so the run crosses the point where money runs out unless the hot load is much slower than the spread one.
    const expectedAttempts = Math.max(plan.hot.minAttempts, (spread.perSecond * plan.durationMs) / 1000);
    const hotFundsCents = Math.round(plan.hot.fundedShare * expectedAttempts * meanAmountCents);
    const hotPopulation = await arrangePopulation(db, secrets, { users: 1, cardsPerUser: plan.hot.cards, fundsPerUserCents: hotFundsCents, cardMaxAmountCents: plan.hot.cardMaxAmountCents, nowMs: Date.now() });
    const hot = await loadServers(servers, hotPopulation, plan, 21);
    for (const server of servers.splice(0)) await stopServeProcess(server);

    const hotUserId = hotPopulation.userIds[0]!;
    const outcome = await hotOutcome(db, hotUserId);
    const checks = await overspendChecks(db, hotUserId, hotFundsCents, outcome.approvedCents);
    const negative = await db.get<{ count: number | string }>("SELECT COUNT(*) AS count FROM ledger_accounts WHERE balance < 0 AND kind IN ('available', 'reserved', 'held')");
    const overspend = !checks.ledger.ok || Number(negative?.count ?? 0) > 0;
    const hotProblems = [...checks.problems];
    // Without errors every stored approval was answered as one.
    if (hot.errors === 0 && hot.approved !== outcome.approvedCount) hotProblems.push(`${hot.approved} approvals answered, ${outcome.approvedCount} stored`);

    const pgbench = pgbenchTps(new URL(connectionString), 2 * poolSizePerServer, Math.round(plan.durationMs / 1000));
    const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
    return {
      measured: true,
      decisionsPerSecond: spread.perSecond,
      pgbenchPerSecond: pgbench.tps,
      pgbenchRatio: spread.perSecond / pgbench.tps,
      overspend,
      hotDecisionsPerSecond: hot.perSecond,
      hotRatio: hot.perSecond / pgbench.tps,
      hotOverspend: hotProblems.length > 0,
      notes: [
        `PostgreSQL: ${population.cards.length} cards of ${population.userIds.length} users; ${spread.description}`,
        `PostgreSQL hot account: 1 user, ${hotPopulation.cards.length} cards, funded ${dollars(hotFundsCents)}; ${hot.description}; ${hot.approved} approvals answered, ${outcome.approvedCount} stored for ${dollars(outcome.approvedCents)}, declines: ${outcome.declines}; ` +
          `balances available ${dollars(checks.balances.available)}, reserved ${dollars(checks.balances.reserved)}, held ${dollars(checks.balances.held)}`,
        `PostgreSQL verifyLedger (both loads): ${checks.ledger.ok ? `OK — ${checks.ledger.accounts} accounts, ${checks.ledger.transfers} transfers` : checks.ledger.problems.slice(0, 5).join('; ')}`,
        ...hotProblems.map((problem) => `PostgreSQL hot account PROBLEM: ${problem}`),
        pgbench.note,
      ],
    };
  } finally {
    for (const server of servers) await stopServeProcess(server);
    await db.dropSchema().catch(() => {});
    await db.close();
  }
}
