import { countCommits, commitsSoFar as commits } from './lib/commits.js';
countCommits();
import { arrangePopulation, benchSecrets, openTempDatabase } from './lib/population.js';
import { engineThroughput, engineLatency } from './engine.js';
import { startBenchServer, runHttpLoad, httpTarget } from './http.js';
import { loadavg } from 'node:os';
const secrets = benchSecrets();
const temp = await openTempDatabase('engine');
const pop = await arrangePopulation(temp.db, secrets, { users: 1000, cardsPerUser: 5, fundsPerUserCents: 10_000_000, cardMaxAmountCents: 50_000, nowMs: Date.now() });
const target = { db: temp.db, scope: pop.scope, settings: { secrets, settlementDelayMs: 86_400_000 }, cards: pop.cards, form: 'pan' as const };
const out: string[] = [`impl ${process.env.AB_ORIG === '1' ? 'ORIG' : 'NEW'} load ${loadavg()[0]!.toFixed(1)}`];
let last = 0;
const note = (line: string, n: number) => { const c = commits() - last; last = commits(); out.push(`${line}  [${c} commits, ${(n / c).toFixed(1)}/commit]`); };
const only = (process.env.ONLY ?? 'engine,open,http').split(',');
if (only.includes('engine')) for (const c of [64, 256]) {
  const r = await engineThroughput(target, { concurrency: c, durationMs: 4000, maxCount: 400_000, seed: c });
  note(`engine closed ${c}: ${r.perSecond.toFixed(0)}/s p50 ${r.latency.p50.toFixed(1)} p99 ${r.latency.p99.toFixed(1)}`, r.completed);
}
if (only.includes('open')) for (const rate of [500]) {
  const l = await engineLatency(target, { ratePerSecond: rate, durationMs: 3000, maxOutstanding: 2000, drainTimeoutMs: 10000, seed: 9 });
  note(`engine open ${rate}/s: done ${l.completedPerSecond.toFixed(0)}/s p50 ${l.latency.p50.toFixed(2)} p99 ${l.latency.p99.toFixed(2)}`, l.completed);
}
if (only.includes('http')) {
  const server = await startBenchServer(temp, secrets);
  last = commits();
  const [closed] = await runHttpLoad(httpTarget(server, pop), [{ mode: 'closed', concurrency: 64, connections: 64, ratePerSecond: 0, durationMs: 4000, maxCount: 200_000, seed: 1 }], 60_000);
  note(`http closed 64: ${closed!.closed!.perSecond.toFixed(0)}/s p50 ${closed!.closed!.latency.p50.toFixed(1)} p99 ${closed!.closed!.latency.p99.toFixed(1)} ${JSON.stringify(closed!.errors)}`, closed!.closed!.completed);
  await server.close();
}
await temp.dispose();
out.push(`load ${loadavg()[0]!.toFixed(1)}`);
console.log(out.join('\n'));
