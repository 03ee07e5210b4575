// List latency and memory with many transactions stored: `GET /v1/transactions` (the API's default page, newest
// first, the organization's sandbox key) answered by `cardrail serve` (compiled to plain JavaScript, as `npm start`
// runs it) on a SQLite file holding 10,000 and then 1,000,000 transactions, and that process's resident memory after
// it served them. The population is arranged through the services, the transactions are inserted in bulk
// (bench/lib/transaction-fill.ts). The file at 10,000 is copied before it grows, and one server on each file answers
// the same requests alternately, so the two sizes are compared under the same load of this shared machine (measured a
// minute apart, their ratio swung from 0.7× to 1.6× between runs). Requests are sequential, on one keep-alive
// connection per server from this process; each series is bounded by count and by time.
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import type { Secrets } from '../src/secrets.js';
import { arrangePopulation, openTempDatabase, type Population } from './lib/population.js';
import { compileServer, residentSetMb, startServeProcess, stopServeProcess, type CompiledServer, type ServeProcess } from './lib/serve-process.js';
import { LatencyRecorder, formatCount, progress, type LatencySummary } from './lib/stats.js';
import { transactionFill } from './lib/transaction-fill.js';

export interface ListsPlan {
  users: number;
  cardsPerUser: number;
  /** Transactions stored when the file is copied, then when it is full. */
  smallCount: number;
  largeCount: number;
  /** Filling stops after the database transaction during which this passes (the figures then say how many are stored). */
  fillMaxMs: number;
  /** Timed requests on each server per series, and the time bound of a series. */
  requests: number;
  seriesMaxMs: number;
  /** Untimed requests first, so the series measures a warm server. */
  warmupRequests: number;
  /** The page a filtered series reads, following `nextCursor` from the first. */
  deepPage: number;
}

export interface ListSeries {
  label: string;
  /** The page the series read (the filter's last page when it has fewer than the plan's). */
  page: number;
  latency: LatencySummary;
}

export interface ListsAtSize {
  stored: number;
  firstPage: ListSeries;
  filtered: ListSeries[];
}

export interface ListsResult {
  small: ListsAtSize;
  large: ListsAtSize;
  /** The large store's server: its resident set after the series, and once it listened; undefined without /proc. */
  memory: { rssMb: number; peakMb: number; startRssMb: number } | undefined;
  fillMs: number;
  arrangeMs: number;
}

interface ListPage {
  data: unknown[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** One keep-alive connection to the server, authenticated with the sandbox key. */
function listClient(server: ServeProcess, apiKey: string) {
  const client = new Client(server.origin, { keepAliveTimeout: 30_000, pipelining: 1 });
  const get = async (path: string): Promise<ListPage> => {
    const response = await client.request({ path, method: 'GET', headers: { 'api-key': apiKey } });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`GET ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as ListPage;
  };
  return { get, close: () => client.close() };
}

type ListClient = ReturnType<typeof listClient>;

/**
 * One request on each target in turn, round after round, so that every target is measured under the same load of this
 * shared machine: the latencies of each target's requests.
 */
async function alternatingSeries(targets: ReadonlyArray<{ client: ListClient; path: string }>, plan: ListsPlan): Promise<LatencySummary[]> {
  for (const { client, path } of targets) for (let index = 0; index < plan.warmupRequests; index += 1) await client.get(path);
  const recorders = targets.map(() => new LatencyRecorder(plan.requests));
  const deadline = performance.now() + plan.seriesMaxMs;
  for (let round = 0; round < plan.requests && performance.now() < deadline; round += 1) {
    for (const [index, { client, path }] of targets.entries()) {
      const started = performance.now();
      await client.get(path);
      recorders[index]!.record(performance.now() - started);
    }
  }
  return recorders.map((recorder) => recorder.summary());
}

/** The path of page `page` of a filtered list (or of its last page), found by following `nextCursor` from the first. */
async function deepPagePath(client: ListClient, filter: string, page: number): Promise<{ path: string; page: number }> {
  let path = `/v1/transactions?${filter}`;
  let reached = 1;
  while (reached < page) {
    const answer = await client.get(path);
    if (!answer.hasMore || answer.nextCursor === null) break;
    path = `/v1/transactions?${filter}&cursor=${answer.nextCursor}`;
    reached += 1;
  }
  return { path, page: reached };
}

/**
 * The filters read deep: a card and the agent of the user in the middle of the activity ranking (the fill gives the
 * i-th user weight 1 / (i + 1)), so neither is the busiest nor a card with a handful of rows.
 */
function filtersOf(population: Population): Array<{ label: string; filter: string }> {
  const userId = population.userIds[Math.floor(population.userIds.length / 2)]!;
  const card = population.cards.find((candidate) => candidate.userId === userId)!;
  return [
    { label: '?cardId=', filter: `cardId=${card.id}` },
    { label: '?agentId=', filter: `agentId=${card.agentId}` },
  ];
}

/** The same requests on the server with the small and with the large store, alternately. */
async function measureLists(servers: { small: ServeProcess; large: ServeProcess }, population: Population, stored: { small: number; large: number }, plan: ListsPlan) {
  const small = listClient(servers.small, population.sandboxKey);
  const large = listClient(servers.large, population.sandboxKey);
  try {
    progress(`lists: ${plan.requests} GET /v1/transactions on each server, alternately, then filtered pages ${plan.deepPage} deep`);
    const [smallFirst, largeFirst] = await alternatingSeries(
      [
        { client: small, path: '/v1/transactions' },
        { client: large, path: '/v1/transactions' },
      ],
      plan,
    );
    const atSmall: ListsAtSize = { stored: stored.small, firstPage: { label: 'first page', page: 1, latency: smallFirst! }, filtered: [] };
    const atLarge: ListsAtSize = { stored: stored.large, firstPage: { label: 'first page', page: 1, latency: largeFirst! }, filtered: [] };
    for (const { label, filter } of filtersOf(population)) {
      const smallDeep = await deepPagePath(small, filter, plan.deepPage);
      const largeDeep = await deepPagePath(large, filter, plan.deepPage);
      const [smallLatency, largeLatency] = await alternatingSeries(
        [
          { client: small, path: smallDeep.path },
          { client: large, path: largeDeep.path },
        ],
        plan,
      );
      atSmall.filtered.push({ label, page: smallDeep.page, latency: smallLatency! });
      atLarge.filtered.push({ label, page: largeDeep.page, latency: largeLatency! });
    }
    return { small: atSmall, large: atLarge };
  } finally {
    await small.close();
    await large.close();
  }
}

/** A copy of the database as it is now (`VACUUM INTO`, from a read-only connection of its own), in a new directory. */
function snapshotDatabase(path: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'cardrail-bench-lists-snapshot-'));
  const source = new BetterSqlite3(path, { readonly: true });
  try {
    source.prepare('VACUUM INTO ?').run(join(directory, 'cardrail.db'));
  } finally {
    source.close();
  }
  return directory;
}

export async function benchLists(secrets: Secrets, plan: ListsPlan): Promise<ListsResult> {
  const temp = await openTempDatabase('lists');
  let compiled: CompiledServer | undefined;
  let snapshotDirectory: string | undefined;
  const servers: ServeProcess[] = [];
  try {
    compiled = await compileServer();
    const arrangeStart = performance.now();
    const nowMs = Date.now();
    const population = await arrangePopulation(temp.db, secrets, { users: plan.users, cardsPerUser: plan.cardsPerUser, fundsPerUserCents: 10_000_000, cardMaxAmountCents: 50_000, nowMs });
    const arrangeMs = performance.now() - arrangeStart;
    const fill = transactionFill(temp.db, population, nowMs, 17);
    let fillMs = 0;
    const fillTo = async (total: number) => {
      const started = performance.now();
      await fill.fillTo(total, started + plan.fillMaxMs, (stored) => progress(`lists: ${formatCount(stored)} transactions stored (${((performance.now() - started) / 1000).toFixed(1)} s)`));
      fillMs += performance.now() - started;
    };

    await fillTo(plan.smallCount);
    const smallCount = fill.stored;
    snapshotDirectory = snapshotDatabase(temp.path);
    await fillTo(plan.largeCount);

    const small = await startServeProcess({ dataDir: snapshotDirectory, secrets }, compiled);
    servers.push(small);
    const large = await startServeProcess({ dataDir: temp.directory, secrets }, compiled);
    servers.push(large);
    const startMemory = residentSetMb(large.pid);
    const measured = await measureLists({ small, large }, population, { small: smallCount, large: fill.stored }, plan);
    const memory = residentSetMb(large.pid);
    return { ...measured, memory: memory === undefined || startMemory === undefined ? undefined : { ...memory, startRssMb: startMemory.rssMb }, fillMs, arrangeMs };
  } finally {
    for (const server of servers) await stopServeProcess(server);
    compiled?.dispose();
    if (snapshotDirectory !== undefined) rmSync(snapshotDirectory, { recursive: true, force: true });
    await temp.dispose();
  }
}
