// Builds the trusted filler (extension/, a Manifest V3 browser extension) into dist/extension: type-checks it, bundles
// its four scripts with esbuild (the service worker as an ES module, the content script, options page and popup as
// classic scripts), copies its pages and writes manifest.json with the package's version. The build goes to a staging
// directory swapped in at the end, so a browser never loads half a build. Load it unpacked from dist/extension.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entryPoints = [
  { name: 'background', format: 'esm' },
  { name: 'content', format: 'iife' },
  { name: 'options', format: 'iife' },
  { name: 'popup', format: 'iife' },
];

/**
 * Builds into `outDir` (default dist/extension). `typecheck: false` skips tsc (the tests build their own copy and
 * `npm run typecheck` checks the sources).
 */
export async function buildExtension(root, { outDir = join(root, 'dist', 'extension'), typecheck = true } = {}) {
  const sources = join(root, 'extension');
  if (typecheck) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // The compiler's messages to stderr, which build-if-needed.mjs keeps when it runs this.
    execFileSync(process.execPath, [tsc, '-p', join(sources, 'tsconfig.json')], { stdio: ['ignore', 2, 2], cwd: root });
  }
  const staging = `${outDir}.build-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const { build } = await import('esbuild');
  try {
    for (const entry of entryPoints) {
      await build({
        entryPoints: [join(sources, 'src', `${entry.name}.ts`)],
        outfile: join(staging, `${entry.name}.js`),
        bundle: true,
        format: entry.format,
        target: 'chrome116',
        platform: 'browser',
        logLevel: 'warning',
        legalComments: 'none',
      });
    }
    cpSync(join(sources, 'static'), staging, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(sources, 'manifest.json'), 'utf8'));
    manifest.version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(staging, outDir);
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const outDir = await buildExtension(join(dirname(fileURLToPath(import.meta.url)), '..'));
    process.stdout.write(`extension: built into ${outDir} (chrome://extensions → Developer mode → Load unpacked)\n`);
  } catch (error) {
    process.stderr.write(`cardrail: extension build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
