// The HTTP load generator, run as a child process of bench/run.ts (so it has its own event loop and core):
// `POST /v1/sandbox/authorizations` with a sandbox key and the `cardId` form (or `GET /health`) over keep-alive loopback connections
// (undici Pool). Closed loop (N requests in flight) for throughput, open loop (fixed arrival rate, latency from the
// scheduled time) for latency. It receives its jobs over IPC, runs them in turn and answers with the results.
import { Pool } from 'undici';
import { closedLoop, openLoop, type ClosedLoopResult, type OpenLoopResult } from './lib/open-loop.js';
import { seededRandom } from './lib/random.js';

export interface HttpLoadTarget {
  origin: string;
  apiKey: string;
  cards: Array<{ id: string; merchant: string }>;
}

export interface HttpLoadJob {
  mode: 'closed' | 'open';
  concurrency: number;
  ratePerSecond: number;
  durationMs: number;
  /** Closed loop: the most requests sent. Open loop: the most unanswered at once (later arrivals are dropped). */
  maxCount: number;
  connections: number;
  seed: number;
  /** `health`: GET /health instead of authorizations, the yardstick of what the same server answers with no work. */
  request?: 'authorization' | 'health';
}

export interface HttpLoadAnswer {
  closed?: ClosedLoopResult;
  open?: OpenLoopResult;
  approved: number;
  declined: number;
  errors: Record<string, number>;
}

async function run(target: HttpLoadTarget, job: HttpLoadJob): Promise<HttpLoadAnswer> {
  const pool = new Pool(target.origin, { connections: job.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const random = seededRandom(job.seed);
  const answer: HttpLoadAnswer = { approved: 0, declined: 0, errors: {} };
  const headers = { 'content-type': 'application/json', 'api-key': target.apiKey };
  const health = async (): Promise<boolean> => {
    try {
      const response = await pool.request({ origin: target.origin, path: '/health', method: 'GET' });
      await response.body.text();
      if (response.statusCode === 200) return true;
      answer.errors[`HTTP ${response.statusCode}`] = (answer.errors[`HTTP ${response.statusCode}`] ?? 0) + 1;
    } catch (error) {
      const key = (error as { code?: string }).code ?? String(error);
      answer.errors[key] = (answer.errors[key] ?? 0) + 1;
    }
    return false;
  };
  const authorization = async (): Promise<boolean> => {
    const card = target.cards[Math.floor(random() * target.cards.length)]!;
    const body = JSON.stringify({ cardId: card.id, amount: 100 + Math.floor(random() * 4_900), merchant: { name: card.merchant } });
    try {
      const response = await pool.request({ origin: target.origin, path: '/v1/sandbox/authorizations', method: 'POST', headers, body });
      const text = await response.body.text();
      if (response.statusCode !== 200) {
        const key = `HTTP ${response.statusCode}`;
        answer.errors[key] = (answer.errors[key] ?? 0) + 1;
        return false;
      }
      if (text.includes('"status":"pending"')) answer.approved += 1;
      else answer.declined += 1;
      return true;
    } catch (error) {
      const key = (error as { code?: string }).code ?? String(error);
      answer.errors[key] = (answer.errors[key] ?? 0) + 1;
      return false;
    }
  };
  const fire = job.request === 'health' ? health : authorization;
  try {
    if (job.mode === 'closed') answer.closed = await closedLoop({ concurrency: job.concurrency, durationMs: job.durationMs, maxCount: job.maxCount, fire });
    else answer.open = await openLoop({ ratePerSecond: job.ratePerSecond, durationMs: job.durationMs, maxOutstanding: job.maxCount, drainTimeoutMs: 15_000, fire });
  } finally {
    await pool.close();
  }
  return answer;
}

async function runAll(target: HttpLoadTarget, jobs: HttpLoadJob[]): Promise<HttpLoadAnswer[]> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(target.origin)) throw new Error(`refusing to load ${target.origin}: loopback only`);
  const answers: HttpLoadAnswer[] = [];
  for (const job of jobs) answers.push(await run(target, job));
  return answers;
}

process.once('message', ({ target, jobs }: { target: HttpLoadTarget; jobs: HttpLoadJob[] }) => {
  runAll(target, jobs).then(
    (answers) => process.send!({ ok: true, answers }, () => process.exit(0)),
    (error: unknown) => process.send!({ ok: false, error: String(error) }, () => process.exit(1)),
  );
});
