// A real `node bin/cardrail.js serve` child process on a free port with its own data directory, for end-to-end
// tests: its output is collected and can be waited for (polling with a deadline), the keys of the first start are
// read from the banner, and stop() ends it with SIGTERM (SIGKILL after 10 s).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createServer } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const binPath = fileURLToPath(new URL('../../bin/cardrail.js', import.meta.url));
/** `bin/cardrail.js`, for tests that drive a long-running command themselves. */
export const cardrailBinPath = binPath;

/** The banner lines `cardrail serve` prints on start: the API URL always, the keys only on the first start. */
export const bannerPatterns = {
  api: /^ {2}API {8}http:\/\/\S+\/v1$/m,
  dashboard: /^ {2}Dashboard {2}(http:\/\/\S+\/dashboard\/)$/m,
  sandboxKey: /^ {2}sandbox key {2}(lk_dev_[A-Za-z0-9_-]+)$/m,
  liveKey: /^ {2}live key {5}(lk_live_[A-Za-z0-9_-]+)$/m,
};

export interface PrintedKeys {
  sandboxKey: string;
  liveKey: string;
}

/** A TCP port nothing listens on at the moment (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface ServerProcessOptions {
  /** CARDRAIL_DATA_DIR: the caller creates it and removes it. */
  dataDir: string;
  /** LOG_LEVEL, `info` unless given. */
  logLevel?: string;
  /** More variables, applied last. */
  env?: Record<string, string>;
}

export interface ServerProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  port: number;
  baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout, polling until `timeoutMs`; rejects if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Waits for the sandbox and live keys of the first-start banner. */
  waitForKeys(timeoutMs: number): Promise<PrintedKeys>;
  /** SIGTERM (SIGKILL after 10 s) unless it has exited already; resolves with the exit code. Safe to call again. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `cardrail serve` on a free port of 127.0.0.1, with no PostgreSQL, Redis or public URL from the
 * environment. The first start in a checkout may build dist/ with tsc, so allow a generous first wait.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [binPath, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CARDRAIL_DATA_DIR: options.dataDir,
      DATABASE_URL: '',
      REDIS_URL: '',
      CARDRAIL_PUBLIC_URL: '',
      LOG_LEVEL: options.logLevel ?? 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  // Never leave a server behind when the test process ends without stopping it (a failed `before`, a crash).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.removeListener('exit', killOnExit);
      resolve(code);
    }),
  );

  const waitForOutput = async (pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(stdout);
      if (match !== null) return match;
      if (hasExited()) throw new Error(`cardrail serve exited before printing ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`cardrail serve did not print ${pattern} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForOutput,
    async waitForKeys(timeoutMs) {
      const sandboxKey = (await waitForOutput(bannerPatterns.sandboxKey, timeoutMs))[1]!;
      const liveKey = (await waitForOutput(bannerPatterns.liveKey, timeoutMs))[1]!;
      return { sandboxKey, liveKey };
    },
    async stop() {
      if (!hasExited()) child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timeout);
      return code;
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/cardrail.js …args` to completion as a user runs it. DATABASE_URL and CARDRAIL_API_KEY are cleared
 * unless `env` sets them, so a developer's environment cannot point a run at a real database or key. Rejects when it
 * does not finish within `timeoutMs` (the process is killed).
 */
export function runCardrail(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { env: { ...process.env, DATABASE_URL: '', CARDRAIL_API_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cardrail ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
