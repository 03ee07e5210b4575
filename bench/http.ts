// HTTP: a cardrail server in this process (createApp + listen on 127.0.0.1, request logs at info level written to
// a null stream so their cost is paid) and the load generator in a child process (bench/http-load.ts).
import { fork } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createApp, type RunningApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/http/logger.js';
import type { Secrets } from '../src/secrets.js';
import type { HttpLoadAnswer, HttpLoadJob, HttpLoadTarget } from './http-load.js';
import type { Population, TempDatabase } from './lib/population.js';

const loadScript = fileURLToPath(new URL('./http-load.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('..', import.meta.url));

export interface BenchServer {
  app: RunningApp;
  origin: string;
  close(): Promise<void>;
}

export async function startBenchServer(temp: TempDatabase, secrets: Secrets): Promise<BenchServer> {
  const nullStream = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const config = { ...loadConfig({}), dataDir: temp.directory, host: '127.0.0.1', port: 0, logLevel: 'info' };
  const app = await createApp({ config, db: temp.db, secrets, logger: createLogger('info', nullStream), workers: true });
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { app, origin: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

/** Runs the jobs in turn in one fresh child process; it is killed if it overruns `timeoutMs`. */
export async function runHttpLoad(target: HttpLoadTarget, jobs: HttpLoadJob[], timeoutMs: number): Promise<HttpLoadAnswer[]> {
  const child = fork(loadScript, [], { cwd: projectRoot, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<HttpLoadAnswer[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`HTTP load generator did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (message: { ok: boolean; answers?: HttpLoadAnswer[]; error?: string }) => {
      clearTimeout(timer);
      if (message.ok) resolve(message.answers!);
      else reject(new Error(`HTTP load generator failed: ${message.error}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`HTTP load generator exited with ${code} before answering`));
    });
    child.send({ target, jobs });
  });
}

export function httpTarget(server: BenchServer, population: Population): HttpLoadTarget {
  return { origin: server.origin, apiKey: population.sandboxKey, cards: population.cards.map((card) => ({ id: card.id, merchant: card.merchant })) };
}
