// `cardrail serve` as a child process (bench/serve.ts) on 127.0.0.1 and a free port, for the figures that need the
// server in a process of its own: the PostgreSQL figures (two of them on one database) and the list and memory figures
// (on a SQLite file the bench filled). It runs the sources through tsx, or the same sources compiled to plain
// JavaScript (`compileServer`) where its memory is measured. Its request logs are written at `info` (their cost is
// paid) and dropped.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Secrets } from '../../src/secrets.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const startTimeoutMs = 60_000;

export interface ServeProcess {
  origin: string;
  pid: number;
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Removed when the process stops: a data directory of its own (PostgreSQL), none when it serves a bench's file. */
  ownDataDir: string | undefined;
}

export type ServeDatabase =
  /** PostgreSQL: the server's data directory (where it keeps its secrets) is a temporary one of its own. */
  | { databaseUrl: string }
  /** SQLite: `cardrail.db` in this directory, served with the bench's secrets. */
  | { dataDir: string; secrets: Secrets };

/** bench/serve.ts and the sources it imports, compiled: `entry` is run with plain `node`. */
export interface CompiledServer {
  entry: string;
  dispose(): void;
}

/**
 * The sources as plain JavaScript, one file per module (esbuild: no bundling, no type check; about half a second), in
 * a temporary directory beside a copy of package.json and a link to the project's node_modules, so that it runs as
 * tsc's build under `npm start` does. Run through tsx instead, a server's resident set is about 55 MB larger (the
 * loader's own thread and the transformed sources it keeps), which is tsx's memory, not cardrail's.
 */
export async function compileServer(): Promise<CompiledServer> {
  const directory = mkdtempSync(join(tmpdir(), 'cardrail-bench-compiled-'));
  try {
    await build({ absWorkingDir: projectRoot, entryPoints: ['src/**/*.ts', 'bench/serve.ts'], outbase: '.', outdir: directory, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });
    copyFileSync(join(projectRoot, 'package.json'), join(directory, 'package.json'));
    symlinkSync(join(projectRoot, 'node_modules'), join(directory, 'node_modules'), 'dir');
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return { entry: join(directory, 'bench', 'serve.js'), dispose: () => rmSync(directory, { recursive: true, force: true }) };
}

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

function serveEnvironment(database: ServeDatabase, dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CARDRAIL_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  delete env.REDIS_URL;
  delete env.CARDRAIL_PUBLIC_URL;
  delete env.DATABASE_URL;
  if ('databaseUrl' in database) env.DATABASE_URL = database.databaseUrl;
  else {
    env.CARDRAIL_HD_SEED = Buffer.from(database.secrets.hdSeed).toString('hex');
    env.CARDRAIL_MASTER_KEY = Buffer.from(database.secrets.masterKey).toString('hex');
  }
  return env;
}

/** Resolves once the server prints its API address; rejects if it exits first or takes over a minute. */
export async function startServeProcess(database: ServeDatabase, compiled?: CompiledServer): Promise<ServeProcess> {
  const port = await freePort();
  const ownDataDir = 'databaseUrl' in database ? mkdtempSync(join(tmpdir(), 'cardrail-bench-server-')) : undefined;
  const env = serveEnvironment(database, 'dataDir' in database ? database.dataDir : ownDataDir!, port);
  const program = compiled === undefined ? ['--import', 'tsx', join(projectRoot, 'bench', 'serve.ts')] : [compiled.entry];
  const child = spawn(process.execPath, [...program, 'serve'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cardrail serve did not start within ${startTimeoutMs / 1000} s: ${output.slice(-2_000)}`)), startTimeoutMs);
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
  child.stdout.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.resume();
  return { origin: `http://127.0.0.1:${port}`, pid: child.pid!, child, ownDataDir };
}

export async function stopServeProcess(server: ServeProcess): Promise<void> {
  if (server.child.exitCode === null) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
  }
  if (server.ownDataDir !== undefined) rmSync(server.ownDataDir, { recursive: true, force: true });
}

/** The process's resident set and its peak so far, in MB (Linux: /proc/<pid>/status), or undefined elsewhere. */
export function residentSetMb(pid: number): { rssMb: number; peakMb: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kilobytes('VmRSS') / 1024, peakMb: kilobytes('VmHWM') / 1024 };
}
