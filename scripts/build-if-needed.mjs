// Builds dist/ with tsc when it is missing or older than any file under src/ (used by `npm start` and bin/).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

export function buildIfNeeded(root) {
  const marker = join(root, 'dist', 'cli', 'main.js');
  const sourceMtime = Math.max(newestMtimeMs(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs);
  if (existsSync(marker) && statSync(marker).mtimeMs >= sourceMtime) return;
  process.stderr.write('cardrail: building (tsc)…\n');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // The compiler's messages go to stderr: stdout may be a protocol stream (`cardrail mcp` speaks MCP over stdio).
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: ['ignore', 2, 'inherit'], cwd: root });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildIfNeeded(join(dirname(fileURLToPath(import.meta.url)), '..'));
}
