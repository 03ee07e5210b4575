// Runs curl command lines in bash exactly as a person would paste them. The curl home written here holds a curlrc
// with output options only (no progress meter, errors shown, a time limit, and the HTTP status written to stderr),
// so the command itself is run byte for byte as printed and its response status can still be read.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CurlResult {
  status: number;
  /** What curl wrote to stdout: the response body. */
  body: string;
  stderr: string;
}

export interface CurlRunner {
  /** Runs `command` with `bash -c`; `env` adds variables the command may expand (e.g. `$AGENT_ID`). */
  run(command: string, env?: Record<string, string>): Promise<CurlResult>;
}

/** Creates `home` (which must not exist yet) with the curlrc, and a runner that uses it as HOME and CURL_HOME. */
export function createCurlRunner(home: string): CurlRunner {
  mkdirSync(home);
  writeFileSync(join(home, '.curlrc'), 'silent\nshow-error\nmax-time = 15\nwrite-out = "%{stderr}\\ncardrail-replay-status: %{http_code}\\n"\n');
  return {
    run(command, extraEnv = {}) {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CURL_HOME: home, NO_PROXY: '*', no_proxy: '*', ...extraEnv };
      return new Promise((resolve, reject) => {
        execFile('bash', ['-c', command], { env, timeout: 20_000, maxBuffer: 10_000_000 }, (error, stdout, stderr) => {
          const status = /cardrail-replay-status: (\d{3})/.exec(stderr);
          if (status === null) {
            reject(new Error(`curl gave no status (${error?.message ?? 'no error'})\ncommand: ${command}\nstderr: ${stderr}`));
            return;
          }
          resolve({ status: Number(status[1]), body: stdout, stderr });
        });
      });
    },
  };
}
