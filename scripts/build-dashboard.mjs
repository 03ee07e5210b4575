// Builds the operator dashboard (dashboard/, React + Vite) into dist/dashboard: type-checks it, bundles it into a
// staging directory, measures its JavaScript gzipped (SPEC §9: at most 350 KB) and prints the figure, then swaps the
// staging directory in, so a server never sees half a build. Fails, leaving the previous build, above the budget.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** SPEC §9: the dashboard's JavaScript, gzipped, in bytes (1 KB = 1,000 bytes). */
export const dashboardJavaScriptBudgetBytes = 350_000;

function filesUnder(directory) {
  const found = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else found.push(path);
  }
  return found;
}

/** Every .js file of a build with its gzipped size, largest first, and the total. */
export function measureJavaScript(directory) {
  const files = filesUnder(directory)
    .filter((path) => path.endsWith('.js'))
    .map((path) => ({ path: relative(directory, path), gzipBytes: gzipSync(readFileSync(path), { level: 9 }).length }))
    .sort((a, b) => b.gzipBytes - a.gzipBytes);
  return { files, totalGzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}

const kilobytes = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;

export async function buildDashboard(root) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'dashboard', 'tsconfig.json')], { stdio: 'inherit', cwd: root });

  const outDir = join(root, 'dist', 'dashboard');
  const staging = join(root, 'dist', `.dashboard-build-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const { build } = await import('vite');
  try {
    await build({ configFile: join(root, 'dashboard', 'vite.config.ts'), logLevel: 'warn', build: { outDir: staging, emptyOutDir: true } });
    const { files, totalGzipBytes } = measureJavaScript(staging);
    for (const file of files) process.stdout.write(`  ${file.path}  ${kilobytes(file.gzipBytes)} gzipped\n`);
    const verdict = totalGzipBytes <= dashboardJavaScriptBudgetBytes ? 'within' : 'OVER';
    process.stdout.write(`dashboard: ${kilobytes(totalGzipBytes)} of JavaScript gzipped (${verdict} the ${kilobytes(dashboardJavaScriptBudgetBytes)} budget)\n`);
    if (totalGzipBytes > dashboardJavaScriptBudgetBytes) {
      throw new Error(`the dashboard's JavaScript is ${kilobytes(totalGzipBytes)} gzipped, above the ${kilobytes(dashboardJavaScriptBudgetBytes)} budget (SPEC §9)`);
    }
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await buildDashboard(join(dirname(fileURLToPath(import.meta.url)), '..'));
  } catch (error) {
    process.stderr.write(`cardrail: dashboard build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
