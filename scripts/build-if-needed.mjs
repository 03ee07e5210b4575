// Builds what is missing or older than its sources (used by `npm start`, `npm pack` and bin/): dist/ with tsc when
// any file under src/ is newer, the dashboard (dist/dashboard) when any file under dashboard/ or src/sdk/ is, and the
// filler extension (dist/extension) when any file under extension/ or src/filler/ is.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function newestMtimeMs(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    const mtime = entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function isOlderThan(marker, sourceMtimeMs) {
  return !existsSync(marker) || statSync(marker).mtimeMs < sourceMtimeMs;
}

const lockStaleMs = 10 * 60 * 1000;
const lockPollMs = 200;

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs `work` holding a lock directory, so servers started at once (tests) do not build over each other; a process
 * that waited for the lock checks `stillNeeded` again, since the holder has usually built it by then.
 */
function withBuildLock(lockPath, stillNeeded, work) {
  for (;;) {
    try {
      mkdirSync(lockPath);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      if (Date.now() - statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs > lockStaleMs) rmSync(lockPath, { recursive: true, force: true });
      else sleepSync(lockPollMs);
    }
  }
  try {
    if (stillNeeded()) work();
  } finally {
    rmSync(lockPath, { recursive: true, force: true });
  }
}

function buildServerIfNeeded(root) {
  const marker = join(root, 'dist', 'cli', 'main.js');
  const sourceMtime = Math.max(newestMtimeMs(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs);
  if (!isOlderThan(marker, sourceMtime)) return;
  process.stderr.write('cardrail: building (tsc)…\n');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // The compiler's messages go to stderr: stdout may be a protocol stream (`cardrail mcp` speaks MCP over stdio).
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: ['ignore', 2, 'inherit'], cwd: root });
}

function buildDashboardIfNeeded(root) {
  const sources = join(root, 'dashboard');
  // An installed package ships the built dashboard and not its sources.
  if (!existsSync(sources)) return;
  const marker = join(root, 'dist', 'dashboard', 'index.html');
  const sourceMtime = () => Math.max(newestMtimeMs(sources), newestMtimeMs(join(root, 'src', 'sdk')));
  if (!isOlderThan(marker, sourceMtime())) return;
  mkdirSync(join(root, 'dist'), { recursive: true });
  withBuildLock(
    join(root, 'dist', '.dashboard-build.lock'),
    () => isOlderThan(marker, sourceMtime()),
    () => {
      process.stderr.write('cardrail: building the dashboard (vite)…\n');
      // Its output goes to stderr too, for the same reason.
      execFileSync(process.execPath, [join(root, 'scripts', 'build-dashboard.mjs')], { stdio: ['ignore', 2, 'inherit'], cwd: root });
    },
  );
}

function buildExtensionIfNeeded(root) {
  const sources = join(root, 'extension');
  // An installed package ships the built extension and not its sources.
  if (!existsSync(sources)) return;
  const marker = join(root, 'dist', 'extension', 'manifest.json');
  const sourceMtime = () => Math.max(newestMtimeMs(sources), newestMtimeMs(join(root, 'src', 'filler')));
  if (!isOlderThan(marker, sourceMtime())) return;
  mkdirSync(join(root, 'dist'), { recursive: true });
  withBuildLock(
    join(root, 'dist', '.extension-build.lock'),
    () => isOlderThan(marker, sourceMtime()),
    () => {
      process.stderr.write('cardrail: building the filler extension (esbuild)…\n');
      // Its one line of success is left out; the compiler's messages and failures go to stderr.
      execFileSync(process.execPath, [join(root, 'scripts', 'build-extension.mjs')], { stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
    },
  );
}

export function buildIfNeeded(root) {
  buildServerIfNeeded(root);
  buildDashboardIfNeeded(root);
  buildExtensionIfNeeded(root);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildIfNeeded(join(dirname(fileURLToPath(import.meta.url)), '..'));
}
