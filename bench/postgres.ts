// PostgreSQL: two `cardrail serve` processes on one database (a schema of their own), each loaded by its own load
// generator over HTTP, against the yardstick of `pgbench`'s built-in tpcb-like transaction on the same server with as
// many client connections as the two processes' pools hold, in the same run. Afterwards the ledger is verified.
// Needs a PostgreSQL that answers (CARDRAIL_BENCH_DATABASE_URL, else the local one the tests use) and `pgbench` on the
// PATH; without them the figures are reported as not measured.
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { verifyLedger } from '../src/ledger/verify.js';
import type { Secrets } from '../src/secrets.js';
import { migrate } from '../src/store/migrate.js';
import { PostgresDatabase } from '../src/store/postgres/database.js';
import { runHttpLoad } from './http.js';
import type { HttpLoadAnswer, HttpLoadJob } from './http-load.js';
import { arrangePopulation } from './lib/population.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
/** Each server's pool (PostgresDatabase's default): pgbench gets as many connections as both together. */
const poolSizePerServer = 10;

export interface PostgresPlan {
  users: number;
  cardsPerUser: number;
  connectionsPerServer: number;
  durationMs: number;
  childTimeoutMs: number;
}

export type PostgresResult =
  | { measured: false; reason: string }
  | {
      measured: true;
      decisionsPerSecond: number;
      pgbenchPerSecond: number;
      pgbenchRatio: number;
      overspend: boolean;
      notes: string[];
    };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface ServerChild {
  origin: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  dataDir: string;
}

async function startServer(databaseUrl: string): Promise<ServerChild> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-bench-pg-server-'));
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, CARDRAIL_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  delete env.REDIS_URL;
  delete env.CARDRAIL_PUBLIC_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'bench', 'serve.ts'), 'serve'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cardrail serve did not start within 60 s: ${output.slice(-2_000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/^ {2}API {8}http:\/\//m.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cardrail serve exited with ${code}: ${output.slice(-2_000)}`));
    });
  });
  // Its request logs are written (their cost is paid) and dropped.
  child.stdout.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.resume();
  return { origin: `http://127.0.0.1:${port}`, child, dataDir };
}

async function stopServer(server: ServerChild): Promise<void> {
  if (server.child.exitCode === null) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
  rmSync(server.dataDir, { recursive: true, force: true });
}

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
  const servers: ServerChild[] = [];
  try {
    await db.prepareSchema();
    await migrate(db, Date.now());
    const population = await arrangePopulation(db, secrets, { users: plan.users, cardsPerUser: plan.cardsPerUser, fundsPerUserCents: 10_000_000, cardMaxAmountCents: 50_000, nowMs: Date.now(), concurrency: 16 });
    const serverUrl = new URL(connectionString);
    serverUrl.searchParams.set('options', `-c search_path=${schema}`);
    servers.push(await startServer(serverUrl.toString()), await startServer(serverUrl.toString()));

    const job: HttpLoadJob = { mode: 'closed', concurrency: plan.connectionsPerServer, connections: plan.connectionsPerServer, ratePerSecond: 0, durationMs: plan.durationMs, maxCount: 1_000_000, seed: 11 };
    const cards = population.cards.map((card) => ({ id: card.id, merchant: card.merchant }));
    const answers = await Promise.all(
      servers.map(async (server, index) => (await runHttpLoad({ origin: server.origin, apiKey: population.sandboxKey, cards }, [{ ...job, seed: 11 + index }], plan.childTimeoutMs))[0] as HttpLoadAnswer),
    );
    const decisionsPerSecond = answers.reduce((sum, answer) => sum + answer.closed!.perSecond, 0);
    const errors = answers.flatMap((answer) => Object.entries(answer.errors).map(([key, count]) => `${key} ×${count}`));
    for (const server of servers.splice(0)) await stopServer(server);

    const report = await verifyLedger(db);
    const negative = await db.get<{ count: number | string }>("SELECT COUNT(*) AS count FROM ledger_accounts WHERE balance < 0 AND kind IN ('available', 'reserved', 'held')");
    const overspend = !report.ok || Number(negative?.count ?? 0) > 0;

    const pgbench = pgbenchTps(new URL(connectionString), 2 * poolSizePerServer, Math.round(plan.durationMs / 1000));
    return {
      measured: true,
      decisionsPerSecond,
      pgbenchPerSecond: pgbench.tps,
      pgbenchRatio: decisionsPerSecond / pgbench.tps,
      overspend,
      notes: [
        `PostgreSQL: ${population.cards.length} cards of ${population.userIds.length} users; two cardrail serve processes (pools of ${poolSizePerServer}), ${plan.connectionsPerServer} HTTP connections each for ${plan.durationMs / 1000} s: ` +
          answers.map((answer, index) => `server ${index + 1} ${answer.closed!.perSecond.toFixed(0)}/s (approved ${answer.approved}, declined ${answer.declined})`).join(', ') +
          (errors.length === 0 ? ', no errors' : `, errors ${errors.join(', ')}`),
        `PostgreSQL verifyLedger: ${report.ok ? `OK — ${report.accounts} accounts, ${report.transfers} transfers` : report.problems.slice(0, 5).join('; ')}`,
        pgbench.note,
      ],
    };
  } finally {
    for (const server of servers) await stopServer(server);
    await db.dropSchema().catch(() => {});
    await db.close();
  }
}

