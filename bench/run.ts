// `npm run bench`: the figures of SPEC §9 — engine, hot account, HTTP and list latency, PostgreSQL, memory — each with
// its ratio to the target, from one run on this machine. What each figure measures: docs/benchmarks.md. Every loop
// is bounded by count and by time, all traffic stays on 127.0.0.1, and temporary databases are removed at the end.
// The whole run takes 3–4 minutes.
import BetterSqlite3 from 'better-sqlite3';
import { cpus, loadavg, tmpdir } from 'node:os';
import type { RiskPresetName } from '../src/domain/risk-rules.js';
import { verifyLedger, type LedgerReport } from '../src/ledger/verify.js';
import { cardsFollowAgentStatus } from '../src/modules/cards/service.js';
import { applyRiskPreset } from '../src/modules/risk/settings.js';
import { rawTransferCeiling, type CeilingResult } from './ceiling.js';
import { describeDeclines, engineLatency, engineThroughput, meanAmountCents, type EngineTarget } from './engine.js';
import { engineWriteCeiling, type WriteCeilingResult } from './write-ceiling.js';
import { hotAccount, type HotAccountResult } from './hot-account.js';
import { httpTarget, runHttpLoad, startBenchServer } from './http.js';
import { benchLists, type ListSeries, type ListsResult } from './lists.js';
import { benchPostgres, type PostgresResult } from './postgres.js';
import { benchIssuer, type IssuerBenchResult } from './issuer.js';
import type { HttpLoadAnswer } from './http-load.js';
import { commitsSoFar, countCommits } from './lib/commits.js';
import type { ClosedLoopResult, OpenLoopResult } from './lib/open-loop.js';
import { arrangePopulation, benchSecrets, openTempDatabase, type TempDatabase } from './lib/population.js';
import { installSqlProfile, resetSqlProfile, sqlProfileReport } from './lib/sql-profile.js';
import { formatCount, formatMs, formatRate, progress } from './lib/stats.js';

/** SPEC §9. */
const targets = {
  enginePerSecond: 20_000,
  engineP99Ms: 5,
  engineOfferedPerSecond: 5_000,
  httpPerSecond: 5_000,
  httpP99Ms: 20,
  httpOfferedPerSecond: 5_000,
  /** A page with 1 M transactions stored at most this many times the page with 10 k. */
  listLargeToSmall: 1.5,
  serverRssMb: 200,
  postgresToPgbench: 1,
  postgresHotToPgbench: 0.5,
  asaP99Ms: 50,
  asaOfferedPerSecond: 500,
};

/** Sizes and bounds: a run takes 3–4 minutes on 2 cores (filling 1 M transactions about one of them). */
const plan = {
  population: { users: 2_000, cardsPerUser: 5, fundsPerUserCents: 10_000_000, cardMaxAmountCents: 50_000 },
  ceiling: { accounts: 10_000, batchSize: 256, durationMs: 3_000, maxTransfers: 3_000_000 },
  closedLoopMs: 5_000,
  closedLoopMaxCount: 500_000,
  concurrencies: [64, 256],
  openLoopMs: 5_000,
  openLoopMaxOutstanding: 2_000,
  openLoopDrainMs: 10_000,
  /** The second open loop, at half the measured throughput: latency when not saturated. */
  halfLoadMs: 3_000,
  hot: { cards: 100, concurrency: 100, cardMaxAmountCents: 10_000, durationMs: 10_000, minAttempts: 2_000, maxAttempts: 200_000, fundedShare: 0.6 },
  http: { connections: 64, durationMs: 5_000, maxCount: 200_000, openConnections: 128, childTimeoutMs: 90_000 },
  /** PostgreSQL: two API processes over HTTP against pgbench (bench/postgres.ts), on many users' cards, then on one user's. */
  postgres: {
    users: 500,
    cardsPerUser: 4,
    connectionsPerServer: 32,
    durationMs: 5_000,
    childTimeoutMs: 90_000,
    hot: { cards: 100, cardMaxAmountCents: 10_000, fundedShare: 0.6, minAttempts: 1_000 },
  },
  /** List latency and the server's memory with 10 k, then 1 M transactions stored (bench/lists.ts). */
  lists: { users: 100, cardsPerUser: 5, smallCount: 10_000, largeCount: 1_000_000, fillMaxMs: 180_000, requests: 200, seriesMaxMs: 10_000, warmupRequests: 10, deepPage: 10 },
  /** The cost of the risk rules: the engine's closed loop again under each preset. */
  risk: { concurrency: 64, durationMs: 3_000 },
  /** Lithic's Auth Stream Access over loopback (bench/issuer.ts): 100 cards at Lithic's stand-in, signed requests at 500/s. */
  issuer: { users: 20, cardsPerUser: 5, durationMs: 10_000, maxOutstanding: 2_000, drainTimeoutMs: 10_000 },
};

interface Row {
  label: string;
  measured: string;
  target?: string;
  /** measured ÷ target: ≥ 1 meets a throughput target, ≤ 1 meets a latency target. */
  ratio?: number;
  meets?: boolean;
}

const rows: Array<Row | string> = [];
/** `npm run bench -- --json`: the figures as one JSON object on stdout (the table and notes go to stderr). */
const json = process.argv.includes('--json');
/** `npm run bench -- --issuer-only`: only the ASA figure (about 20 s). */
const issuerOnly = process.argv.includes('--issuer-only');
const out = (text: string) => (json ? process.stderr : process.stdout).write(text);
/** Every figure, for --json (docs/benchmarks.md lists them). */
const figures = {
  engine: { decisionsPerSecond: 0, ceilingPerSecond: 0, ceilingRatio: 0, p99MsAt5000: 0, writeCeilingPerSecond: 0, writeCeilingRatio: 0 },
  hotAccount: { decisionsPerSecond: 0, ratioToSpread: 0, lastFifthToFirstFifth: 0, overspend: false },
  http: { requestsPerSecond: 0, healthPerSecond: 0, healthRatio: 0, p99MsAtHalf: 0 },
  risk: { permissivePerSecond: 0, moderatePerSecond: 0, moderateToPermissive: 0 },
  postgres: null as null | Omit<Extract<PostgresResult, { measured: true }>, 'measured' | 'notes'>,
  lists: { pageMsAt10k: 0, pageMsAt1m: 0 },
  memory: null as null | { rssMbAt1m: number },
  issuer: null as null | { asaOfferedPerSecond: number; asaP50Ms: number; asaP99Ms: number; asaMaxMs: number; completed: number; failed: number; dropped: number },
};
const notes: string[] = [];
/** CARDRAIL_BENCH_SQL_PROFILE=1: time every SQLite call and print the costliest statements of each closed-loop engine run. */
const sqlProfile = process.env.CARDRAIL_BENCH_SQL_PROFILE === '1';
const profileReports: string[] = [];

function throughputRow(label: string, perSecond: number, target: number): Row {
  return { label, measured: formatRate(perSecond), target: `≥ ${formatRate(target)}`, ratio: perSecond / target, meets: perSecond >= target };
}

function latencyRow(label: string, ms: number, target: number | undefined, lowerBound: boolean): Row {
  const measured = `${lowerBound ? '≥ ' : ''}${formatMs(ms)}`;
  if (target === undefined) return { label, measured };
  return { label, measured, target: `≤ ${formatMs(target)}`, ratio: ms / target, meets: !lowerBound && ms <= target };
}

function openLoopNote(name: string, result: OpenLoopResult): string {
  const parts = [`${name}: ${formatCount(result.scheduled)} arrivals at ${formatRate(result.offeredPerSecond)}, ${formatCount(result.completed)} answered (${formatRate(result.completedPerSecond)})`];
  if (result.dropped > 0) parts.push(`${formatCount(result.dropped)} dropped because ${formatCount(plan.openLoopMaxOutstanding)} were already waiting (saturated)`);
  if (result.unfinished > 0) parts.push(`${formatCount(result.unfinished)} unanswered at the drain deadline (their age counted: percentiles are lower bounds)`);
  if (result.failed > 0) parts.push(`${formatCount(result.failed)} failed`);
  parts.push(`p90 ${formatMs(result.latency.p90)}, max ${formatMs(result.latency.max)}`);
  return parts.join('; ');
}

function printTable(): void {
  const header = ['figure', 'measured', 'target', 'ratio', 'meets'];
  const lines = rows.map((row) =>
    typeof row === 'string'
      ? row
      : [`  ${row.label}`, row.measured, row.target ?? '', row.ratio === undefined ? '' : `${row.ratio < 0.1 ? row.ratio.toFixed(3) : row.ratio.toFixed(2)}×`, row.meets === undefined ? '' : row.meets ? 'yes' : 'NO'],
  );
  const widths = header.map((title, column) => Math.max(title.length, ...lines.filter((line): line is string[] => Array.isArray(line)).map((line) => line[column]!.length)));
  const format = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('   ');
  const rule = '─'.repeat(widths.reduce((sum, width) => sum + width, 0) + 3 * (widths.length - 1));
  out(`${format(header)}\n${rule}\n`);
  for (const line of lines) out(`${typeof line === 'string' ? line : format(line)}\n`);
  out(`${rule}\n`);
}

function machineLine(): string {
  const sqlite = new BetterSqlite3(':memory:');
  const version = (sqlite.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version;
  sqlite.close();
  const [one, five] = loadavg();
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, SQLite ${version}, temp files in ${tmpdir()}, load average ${one!.toFixed(1)} (1 min) / ${five!.toFixed(1)} (5 min) at start`;
}

async function benchEngine(target: EngineTarget, databasePath: string): Promise<number> {
  rows.push('Authorization engine, in process, SQLite durable (WAL, synchronous=FULL, group commit)');
  let best = 0;
  let writeCeiling: { result: WriteCeilingResult; enginePerSecond: number } | undefined;
  for (const concurrency of plan.concurrencies) {
    progress(`engine: ${concurrency} callers in flight for ${plan.closedLoopMs / 1000} s`);
    resetSqlProfile();
    const measure = async () => {
      const commitsBefore = commitsSoFar();
      const measured = await engineThroughput(target, { concurrency, durationMs: plan.closedLoopMs, maxCount: plan.closedLoopMaxCount, seed: concurrency });
      return { result: measured, commits: commitsSoFar() - commitsBefore };
    };
    let run: Awaited<ReturnType<typeof measure>> | undefined;
    if (concurrency === plan.concurrencies.at(-1)) {
      // The last closed loop's rows are written again alone: the engine's write ceiling (bench/write-ceiling.ts).
      const ceiling = await engineWriteCeiling(databasePath, async () => {
        run = await measure();
        return { decisions: run.result.completed, commits: run.commits };
      });
      writeCeiling = { result: ceiling, enginePerSecond: run!.result.perSecond };
    } else {
      run = await measure();
    }
    const { result, commits } = run!;
    if (sqlProfile) profileReports.push(`engine, ${concurrency} in flight — ${sqlProfileReport(result.completed, result.elapsedMs)}`);
    best = Math.max(best, result.perSecond);
    rows.push(throughputRow(`throughput, ${concurrency} in flight`, result.perSecond, targets.enginePerSecond));
    notes.push(
      `engine ${concurrency} in flight: ${formatCount(result.completed)} decisions in ${(result.elapsedMs / 1000).toFixed(1)} s (approved ${formatCount(result.counts.approved)}, declined: ${describeDeclines(result.counts)}); ` +
        `${(result.completed / Math.max(1, commits)).toFixed(1)} decisions per commit; closed-loop latency p50 ${formatMs(result.latency.p50)}, p99 ${formatMs(result.latency.p99)}`,
    );
  }
  progress(`engine: open loop at ${formatRate(targets.engineOfferedPerSecond)} for ${plan.openLoopMs / 1000} s`);
  const open = await engineLatency(target, {
    ratePerSecond: targets.engineOfferedPerSecond,
    durationMs: plan.openLoopMs,
    maxOutstanding: plan.openLoopMaxOutstanding,
    drainTimeoutMs: plan.openLoopDrainMs,
    seed: 5_000,
  });
  const saturated = open.dropped > 0 || open.unfinished > 0;
  rows.push(latencyRow(`p50 decision latency at ${formatRate(targets.engineOfferedPerSecond)} offered`, open.latency.p50, undefined, open.unfinished > 0));
  rows.push(latencyRow(`p99 decision latency at ${formatRate(targets.engineOfferedPerSecond)} offered`, open.latency.p99, targets.engineP99Ms, open.unfinished > 0));
  figures.engine.p99MsAt5000 = open.latency.p99;
  notes.push(openLoopNote('engine open loop', open) + (saturated ? ' — the engine cannot sustain the offered rate on this machine, so the latency is queueing time' : ''));

  if (writeCeiling !== undefined) writeCeilingRows(writeCeiling.result, writeCeiling.enginePerSecond);

  const halfRate = halfOf(best);
  progress(`engine: open loop at ${formatRate(halfRate)} (half the measured throughput) for ${plan.halfLoadMs / 1000} s`);
  const half = await engineLatency(target, { ratePerSecond: halfRate, durationMs: plan.halfLoadMs, maxOutstanding: plan.openLoopMaxOutstanding, drainTimeoutMs: plan.openLoopDrainMs, seed: 2_500 });
  rows.push(halfLoadRow(halfRate, half));
  notes.push(openLoopNote('engine open loop at half the throughput', half));
  return best;
}

/**
 * The engine's closed loop under each preset (docs/risk.md), the permissive one first as the baseline. `strict` in
 * dry run evaluates every rule and records every firing without declining, so its approvals take the full path;
 * enforced, its declines are cheaper decisions than approvals. The preset stays moderate (the default) afterwards.
 */
async function benchRiskCost(target: EngineTarget): Promise<void> {
  const runs: Array<{ label: string; preset: RiskPresetName; dryRun: boolean }> = [
    { label: 'permissive (drift and intent mismatch only)', preset: 'permissive', dryRun: false },
    { label: 'moderate (default: every rule alerts)', preset: 'moderate', dryRun: false },
    { label: 'strict, dry run (every rule evaluated and recorded, none acts)', preset: 'strict', dryRun: true },
    { label: 'strict, enforced', preset: 'strict', dryRun: false },
  ];
  rows.push(`Risk rules: engine throughput under each preset, ${plan.risk.concurrency} in flight, ${plan.risk.durationMs / 1000} s each`);
  let baseline = 0;
  for (const run of runs) {
    await target.db.transaction((tx) => applyRiskPreset(tx, target.scope, run.preset, run.dryRun, Date.now()));
    progress(`risk cost: ${run.preset}${run.dryRun ? ' (dry run)' : ''}`);
    const result = await engineThroughput(target, { concurrency: plan.risk.concurrency, durationMs: plan.risk.durationMs, maxCount: plan.closedLoopMaxCount, seed: 9 });
    if (baseline === 0) baseline = result.perSecond;
    if (run.preset === 'permissive') figures.risk.permissivePerSecond = result.perSecond;
    if (run.preset === 'moderate') {
      figures.risk.moderatePerSecond = result.perSecond;
      figures.risk.moderateToPermissive = result.perSecond / baseline;
    }
    rows.push({ label: run.label, measured: `${formatRate(result.perSecond)} (${((100 * result.perSecond) / baseline).toFixed(0)} % of permissive)` });
    const alerts = await target.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM risk_alerts');
    notes.push(
      `risk ${run.preset}${run.dryRun ? ' dry run' : ''}: ${formatCount(result.completed)} decisions (approved ${formatCount(result.counts.approved)}, declined: ${describeDeclines(result.counts)}); ` +
        `closed-loop p50 ${formatMs(result.latency.p50)}, p99 ${formatMs(result.latency.p99)}; ${formatCount(Number(alerts?.count ?? 0))} alerts stored so far`,
    );
  }
  await target.db.transaction((tx) => applyRiskPreset(tx, target.scope, 'moderate', false, Date.now()));
}

/** Half a measured throughput, rounded down to a multiple of 50 (at least 50/s). */
function halfOf(perSecond: number): number {
  return Math.max(50, Math.floor(perSecond / 2 / 50) * 50);
}

function halfLoadRow(rate: number, result: OpenLoopResult): Row {
  const bound = result.unfinished > 0 ? '≥ ' : '';
  return { label: `p50 / p99 at ${formatRate(rate)} offered (½ of throughput)`, measured: `${bound}${formatMs(result.latency.p50)} / ${bound}${formatMs(result.latency.p99)}` };
}

function ceilingRows(ceiling: CeilingResult, engineBest: number): void {
  figures.engine = { ...figures.engine, decisionsPerSecond: engineBest, ceilingPerSecond: ceiling.perSecond, ceilingRatio: engineBest / ceiling.perSecond };
  rows.push({ label: `raw SQLite transfer ceiling (${ceiling.batchSize} per commit)`, measured: formatRate(ceiling.perSecond) });
  rows.push({ label: 'engine throughput ÷ raw ceiling', measured: `${((100 * engineBest) / ceiling.perSecond).toFixed(1)} %`, ratio: engineBest / ceiling.perSecond });
  notes.push(`raw ceiling: ${formatCount(ceiling.transfers)} transfers (each 1 INSERT + 2 UPDATEs) in ${formatCount(ceiling.commits)} commits over ${(ceiling.elapsedMs / 1000).toFixed(1)} s`);
}

function writeCeilingRows(ceiling: WriteCeilingResult, enginePerSecond: number): void {
  figures.engine.writeCeilingPerSecond = ceiling.perSecond;
  figures.engine.writeCeilingRatio = enginePerSecond / ceiling.perSecond;
  rows.push({ label: `engine's write ceiling (its last run's rows written alone, ${formatCount(ceiling.commits)} commits)`, measured: formatRate(ceiling.perSecond) });
  rows.push({ label: 'engine throughput ÷ its write ceiling', measured: `${((100 * enginePerSecond) / ceiling.perSecond).toFixed(0)} %`, ratio: enginePerSecond / ceiling.perSecond });
  const perDecision = Object.entries(ceiling.insertedPerDecision).map(([table, count]) => `${table} ${count.toFixed(2)}`).join(', ');
  const perCommit = Object.entries(ceiling.rewrittenPerCommit).map(([table, count]) => `${table} ${count.toFixed(0)}`).join(', ');
  notes.push(
    `engine's write ceiling: ${formatCount(ceiling.decisions)} decisions' rows in ${(ceiling.elapsedMs / 1000).toFixed(2)} s; rows inserted per decision: ${perDecision}; rows rewritten per commit: ${perCommit}`,
  );
}

function hotRows(hot: HotAccountResult, engineBest: number): void {
  figures.hotAccount = {
    decisionsPerSecond: hot.perSecond,
    ratioToSpread: hot.perSecond / engineBest,
    lastFifthToFirstFifth: hot.lastFifthPerSecond / Math.max(1, hot.firstFifthPerSecond),
    overspend: hot.problems.length > 0,
  };
  rows.push(`Hot account: 1 user, ${plan.hot.cards} multi-use cards, ${plan.hot.concurrency} authorizing at once`);
  rows.push(throughputRow('throughput', hot.perSecond, targets.enginePerSecond));
  rows.push({ label: 'hot account ÷ engine throughput', measured: `${((100 * hot.perSecond) / engineBest).toFixed(0)} %`, ratio: hot.perSecond / engineBest });
  rows.push({ label: 'overspend (verifyLedger + balance checks)', measured: hot.problems.length === 0 ? 'none — OK' : `${hot.problems.length} PROBLEM(S)`, meets: hot.problems.length === 0 });
  const ranOut = hot.counts.declined.get('insufficient_funds') ?? 0;
  notes.push(
    `hot account: ${formatCount(hot.completed)} attempts in ${(hot.elapsedMs / 1000).toFixed(1)} s, approved ${formatCount(hot.counts.approved)} for $${(hot.approvedCents / 100).toFixed(2)} of $${(hot.fundedCents / 100).toFixed(2)} funded, ` +
      `declined: ${describeDeclines(hot.counts)}${ranOut === 0 ? ' (funds did not run out within the time bound)' : ''}; ` +
      `balances available $${(hot.balances.available / 100).toFixed(2)}, reserved $${(hot.balances.reserved / 100).toFixed(2)}, held $${(hot.balances.held / 100).toFixed(2)}; ` +
      `throughput first fifth ${formatRate(hot.firstFifthPerSecond)} → last fifth ${formatRate(hot.lastFifthPerSecond)}`,
  );
  for (const problem of hot.problems) notes.push(`hot account PROBLEM: ${problem}`);
}

function httpRows(closed: HttpLoadAnswer, health: HttpLoadAnswer, open: HttpLoadAnswer, half: HttpLoadAnswer, halfRate: number, commits: number): void {
  const closedResult = closed.closed as ClosedLoopResult;
  const healthResult = health.closed as ClosedLoopResult;
  const openResult = open.open as OpenLoopResult;
  figures.http = {
    requestsPerSecond: closedResult.perSecond,
    healthPerSecond: healthResult.perSecond,
    healthRatio: closedResult.perSecond / healthResult.perSecond,
    p99MsAtHalf: (half.open as OpenLoopResult).latency.p99,
  };
  rows.push('HTTP: POST /v1/sandbox/authorizations over loopback (cardId form, sandbox key)');
  rows.push(throughputRow(`throughput, ${plan.http.connections} connections`, closedResult.perSecond, targets.httpPerSecond));
  rows.push({ label: `GET /health, ${plan.http.connections} connections (same server, same run)`, measured: formatRate(healthResult.perSecond) });
  rows.push({ label: 'authorizations ÷ /health', measured: `${((100 * closedResult.perSecond) / healthResult.perSecond).toFixed(1)} %`, target: '≥ 25 %', ratio: closedResult.perSecond / healthResult.perSecond / 0.25, meets: closedResult.perSecond / healthResult.perSecond >= 0.25 });
  rows.push(latencyRow(`p50 latency at ${formatRate(targets.httpOfferedPerSecond)} offered`, openResult.latency.p50, undefined, openResult.unfinished > 0));
  rows.push(latencyRow(`p99 latency at ${formatRate(targets.httpOfferedPerSecond)} offered`, openResult.latency.p99, targets.httpP99Ms, openResult.unfinished > 0));
  rows.push(halfLoadRow(halfRate, half.open as OpenLoopResult));
  const errors = (answer: HttpLoadAnswer) => (Object.keys(answer.errors).length === 0 ? 'no errors' : `errors ${JSON.stringify(answer.errors)}`);
  notes.push(
    `HTTP closed loop: ${formatCount(closedResult.completed)} requests in ${(closedResult.elapsedMs / 1000).toFixed(1)} s, approved ${formatCount(closed.approved)}, declined ${formatCount(closed.declined)}, ${errors(closed)}; ` +
      `${(closedResult.completed / Math.max(1, commits)).toFixed(1)} requests per commit; closed-loop latency p50 ${formatMs(closedResult.latency.p50)}, p99 ${formatMs(closedResult.latency.p99)}`,
  );
  notes.push(`${openLoopNote('HTTP open loop', openResult)}; ${errors(open)}`);
  notes.push(`${openLoopNote('HTTP open loop at half the throughput', half.open as OpenLoopResult)}; ${errors(half)}`);
}

function postgresRows(postgres: PostgresResult): void {
  rows.push('PostgreSQL: two API processes, POST /v1/sandbox/authorizations over HTTP, against pgbench on the same server');
  if (!postgres.measured) {
    rows.push({ label: 'not measured', measured: postgres.reason.slice(0, 60) });
    notes.push(`PostgreSQL not measured: ${postgres.reason}`);
    return;
  }
  figures.postgres = {
    decisionsPerSecond: postgres.decisionsPerSecond,
    pgbenchPerSecond: postgres.pgbenchPerSecond,
    pgbenchRatio: postgres.pgbenchRatio,
    overspend: postgres.overspend,
    hotDecisionsPerSecond: postgres.hotDecisionsPerSecond,
    hotRatio: postgres.hotRatio,
    hotOverspend: postgres.hotOverspend,
  };
  const ratioRow = (label: string, ratio: number, target: number): Row => ({ label, measured: `${ratio.toFixed(2)}×`, target: `≥ ${target.toFixed(1)}×`, ratio: ratio / target, meets: ratio >= target });
  const overspendRow = (label: string, overspend: boolean): Row => ({ label, measured: overspend ? 'PROBLEM' : 'none — OK', meets: !overspend });
  rows.push({ label: 'authorizations, two processes', measured: formatRate(postgres.decisionsPerSecond) });
  rows.push({ label: 'pgbench tpcb-like, same connections', measured: formatRate(postgres.pgbenchPerSecond) });
  rows.push(ratioRow('authorizations ÷ pgbench', postgres.pgbenchRatio, targets.postgresToPgbench));
  rows.push(overspendRow('overspend (verifyLedger + balances)', postgres.overspend));
  rows.push({ label: `hot account (1 user, ${plan.postgres.hot.cards} cards), two processes`, measured: formatRate(postgres.hotDecisionsPerSecond) });
  rows.push(ratioRow('hot account ÷ pgbench', postgres.hotRatio, targets.postgresHotToPgbench));
  rows.push(overspendRow('hot account overspend (verifyLedger + balance checks)', postgres.hotOverspend));
  notes.push(...postgres.notes);
  if (postgres.overspend || postgres.hotOverspend) process.exitCode = 1;
}

function listSeriesNote(series: ListSeries): string {
  const { latency } = series;
  return `${series.label}${series.page > 1 ? ` page ${series.page}` : ''} p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}, max ${formatMs(latency.max)} (${latency.count} requests)`;
}

function listsRows(lists: ListsResult): void {
  const { small, large } = lists;
  const ratio = large.firstPage.latency.p50 / small.firstPage.latency.p50;
  figures.lists = { pageMsAt10k: small.firstPage.latency.p50, pageMsAt1m: large.firstPage.latency.p50 };
  rows.push(
    `Lists: GET /v1/transactions (default page, newest first, sandbox key), cardrail serve on SQLite with ${formatCount(small.stored)} and with ${formatCount(large.stored)} stored, ` +
      `${plan.lists.requests} sequential requests each, alternating`,
  );
  rows.push({ label: `first page, ${formatCount(small.stored)} stored (p50)`, measured: formatMs(small.firstPage.latency.p50) });
  rows.push({ label: `first page, ${formatCount(large.stored)} stored (p50)`, measured: formatMs(large.firstPage.latency.p50) });
  rows.push({ label: `first page: ${formatCount(large.stored)} ÷ ${formatCount(small.stored)} stored`, measured: `${ratio.toFixed(2)}×`, target: `≤ ${targets.listLargeToSmall}×`, ratio: ratio / targets.listLargeToSmall, meets: ratio <= targets.listLargeToSmall });
  for (const series of large.filtered) rows.push({ label: `${series.label} page ${series.page}, ${formatCount(large.stored)} stored (p50)`, measured: formatMs(series.latency.p50) });
  for (const size of [small, large]) notes.push(`lists with ${formatCount(size.stored)} stored: ${[size.firstPage, ...size.filtered].map(listSeriesNote).join('; ')}`);
  notes.push(
    `lists population: ${plan.lists.users} users, ${plan.lists.users * plan.lists.cardsPerUser} cards arranged through the services in ${(lists.arrangeMs / 1000).toFixed(1)} s; ` +
      `${formatCount(large.stored)} transactions inserted in ${(lists.fillMs / 1000).toFixed(1)} s${large.stored < plan.lists.largeCount ? ` (filling stopped at its ${plan.lists.fillMaxMs / 1000} s bound)` : ''}`,
  );

  rows.push(`Memory: the cardrail serve process with ${formatCount(large.stored)} stored, after its list requests`);
  if (lists.memory === undefined) {
    rows.push({ label: 'RSS', measured: 'not measured (no /proc)' });
    return;
  }
  figures.memory = { rssMbAt1m: lists.memory.rssMb };
  rows.push({ label: 'RSS', measured: `${lists.memory.rssMb.toFixed(0)} MB`, target: `≤ ${targets.serverRssMb} MB`, ratio: lists.memory.rssMb / targets.serverRssMb, meets: lists.memory.rssMb <= targets.serverRssMb });
  notes.push(`server memory: RSS ${lists.memory.startRssMb.toFixed(0)} MB once listening, ${lists.memory.rssMb.toFixed(0)} MB after the list requests, peak ${lists.memory.peakMb.toFixed(0)} MB (VmHWM)`);
}

function issuerRows(issuer: IssuerBenchResult): void {
  const { latency } = issuer;
  figures.issuer = { asaOfferedPerSecond: issuer.offeredPerSecond, asaP50Ms: latency.p50, asaP99Ms: latency.p99, asaMaxMs: latency.max, completed: issuer.completed, failed: issuer.failed, dropped: issuer.dropped };
  rows.push({
    label: `ASA p99 at ${formatRate(issuer.offeredPerSecond)}`,
    measured: formatMs(latency.p99),
    target: `≤ ${targets.asaP99Ms} ms`,
    ratio: latency.p99 / targets.asaP99Ms,
    meets: latency.p99 <= targets.asaP99Ms && issuer.failed === 0 && issuer.dropped === 0,
  });
  notes.push(
    `issuer: ${formatCount(issuer.completed)} signed ASA requests at ${formatRate(issuer.offeredPerSecond)} over loopback (open loop, latency from the scheduled time): p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}, max ${formatMs(latency.max)}; ${formatCount(issuer.approved)} approved, ${formatCount(issuer.declined)} declined, ${issuer.failed} failed, ${issuer.dropped} dropped`,
  );
  if (issuer.ledgerProblems.length > 0) {
    notes.push(`verifyLedger (issuer database): ${issuer.ledgerProblems.length} PROBLEM(S): ${issuer.ledgerProblems.slice(0, 10).join('; ')}`);
    process.exitCode = 1;
  }
}

async function runIssuerBench(secrets: ReturnType<typeof benchSecrets>): Promise<void> {
  progress(`issuer: Lithic ASA requests at ${formatRate(targets.asaOfferedPerSecond)} for ${plan.issuer.durationMs / 1000} s on ${plan.issuer.users * plan.issuer.cardsPerUser} cards issued at the Lithic stand-in`);
  issuerRows(await benchIssuer(secrets, { ...plan.issuer, ratePerSecond: targets.asaOfferedPerSecond }));
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  countCommits();
  if (sqlProfile) installSqlProfile();
  out(`cardrail benchmark — ${machineLine()}\n\n`);
  const secrets = benchSecrets();
  if (issuerOnly) {
    await runIssuerBench(secrets);
    finish(startedAt);
    return;
  }

  progress(`raw SQLite transfer ceiling for ${plan.ceiling.durationMs / 1000} s`);
  const ceiling = rawTransferCeiling(plan.ceiling);

  const engineStore = await openTempDatabase('engine');
  let hotStore: TempDatabase | undefined;
  try {
    const { users, cardsPerUser } = plan.population;
    progress(`arranging ${formatCount(users)} approved, funded users with one agent and ${cardsPerUser} multi-use cards each (${formatCount(users * cardsPerUser)} cards)`);
    const arrangeStart = performance.now();
    const population = await arrangePopulation(engineStore.db, secrets, { ...plan.population, nowMs: Date.now() });
    notes.unshift(`population: ${formatCount(population.userIds.length)} users, ${formatCount(population.cards.length)} cards arranged through the services in ${((performance.now() - arrangeStart) / 1000).toFixed(1)} s`);
    const target: EngineTarget = { db: engineStore.db, scope: population.scope, settings: { secrets, settlementDelayMs: 86_400_000, followAgentStatus: cardsFollowAgentStatus }, cards: population.cards, form: 'pan' };
    const engineBest = await benchEngine(target, engineStore.path);
    ceilingRows(ceiling, engineBest);
    await benchRiskCost(target);

    progress('HTTP: starting the server on 127.0.0.1 and the load generator (child process)');
    const server = await startBenchServer(engineStore, secrets);
    let closed: HttpLoadAnswer;
    let health: HttpLoadAnswer;
    let open: HttpLoadAnswer;
    let half: HttpLoadAnswer;
    let halfRate: number;
    let httpCommits: number;
    try {
      const loadTarget = httpTarget(server, population);
      // The server's commits, the engine thread's included (announced to the server's database as they happen).
      let commitsHeard = 0;
      const stopCounting = engineStore.db.onCommit(() => (commitsHeard += 1));
      const closedJob = { mode: 'closed' as const, concurrency: plan.http.connections, connections: plan.http.connections, ratePerSecond: 0, durationMs: plan.http.durationMs, maxCount: plan.http.maxCount };
      [closed] = (await runHttpLoad(loadTarget, [{ ...closedJob, seed: 1 }], plan.http.childTimeoutMs)) as [HttpLoadAnswer];
      stopCounting();
      httpCommits = commitsHeard;
      progress(`HTTP: GET /health, ${plan.http.connections} connections for ${plan.http.durationMs / 1000} s (the yardstick)`);
      [health] = (await runHttpLoad(loadTarget, [{ ...closedJob, seed: 4, request: 'health' }], plan.http.childTimeoutMs)) as [HttpLoadAnswer];
      halfRate = halfOf(closed.closed!.perSecond);
      progress(`HTTP: open loops at ${formatRate(targets.httpOfferedPerSecond)} and at ${formatRate(halfRate)} (half the measured throughput)`);
      const openJob = { mode: 'open' as const, concurrency: 0, connections: plan.http.openConnections, maxCount: plan.openLoopMaxOutstanding };
      [open, half] = (await runHttpLoad(
        loadTarget,
        [
          { ...openJob, ratePerSecond: targets.httpOfferedPerSecond, durationMs: plan.http.durationMs, seed: 2 },
          { ...openJob, ratePerSecond: halfRate, durationMs: plan.halfLoadMs, seed: 3 },
        ],
        plan.http.childTimeoutMs,
      )) as [HttpLoadAnswer, HttpLoadAnswer];
    } finally {
      await server.close();
    }
    httpRows(closed, health, open, half, halfRate, httpCommits);
    await runIssuerBench(secrets);

    hotStore = await openTempDatabase('hot');
    const attempts = Math.round(Math.min(plan.hot.maxAttempts, Math.max(plan.hot.minAttempts, engineBest * 6)));
    const fundsCents = Math.round(plan.hot.fundedShare * attempts * meanAmountCents);
    progress(`hot account: ${formatCount(attempts)} authorizations on ${plan.hot.cards} cards of one user funded for about ${Math.round(plan.hot.fundedShare * 100)} % of them (at most ${plan.hot.durationMs / 1000} s)`);
    const hot = await hotAccount(hotStore, secrets, { ...plan.hot, attempts, fundsCents, seed: 7 });
    hotRows(hot, engineBest);

    progress("PostgreSQL: two cardrail serve processes on one database, on many users' cards then on one user's, then pgbench tpcb-like on the same server");
    postgresRows(await benchPostgres(secrets, plan.postgres));

    progress(`lists: ${plan.lists.users} users with ${plan.lists.cardsPerUser} cards each, then ${formatCount(plan.lists.smallCount)} and ${formatCount(plan.lists.largeCount)} transactions stored`);
    listsRows(await benchLists(secrets, plan.lists));

    progress('verifying the ledger of the engine and HTTP database');
    const report: LedgerReport = await verifyLedger(engineStore.db);
    notes.push(
      report.ok
        ? `verifyLedger (engine + HTTP database): OK — ${formatCount(report.accounts)} accounts, ${formatCount(report.transfers)} transfers, all seven invariants hold`
        : `verifyLedger (engine + HTTP database): ${report.problems.length} PROBLEM(S): ${report.problems.slice(0, 10).join('; ')}`,
    );
    if (!report.ok) process.exitCode = 1;
    if (hot.problems.length > 0) process.exitCode = 1;
  } finally {
    await engineStore.dispose();
    await hotStore?.dispose();
  }

  finish(startedAt);
}

function finish(startedAt: number): void {
  out('\n');
  printTable();
  out('\n');
  for (const note of notes) out(`- ${note}\n`);
  for (const report of profileReports) out(`\n${report}\n`);
  out(`\nratio = measured ÷ target (throughput meets at ≥ 1, latency at ≤ 1). Total ${((performance.now() - startedAt) / 1000).toFixed(0)} s. See docs/benchmarks.md.\n`);
  if (json) process.stdout.write(`${JSON.stringify({ loadAverage: loadavg()[0], ...figures })}\n`);
}

await main();
