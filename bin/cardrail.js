#!/usr/bin/env node
// Entry point of the `cardrail` command: runs the built dist/. In a checkout (src/ present) it first builds dist/
// with tsc when the sources are newer; an installed package ships dist/ only and needs no compiler at run time.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (existsSync(join(root, 'src'))) {
  const { buildIfNeeded } = await import('../scripts/build-if-needed.mjs');
  buildIfNeeded(root);
}
const entry = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`cardrail: ${entry} is missing: this copy of cardrail was packed without its build (npm pack builds it)\n`);
  process.exit(1);
}
const { runCli } = await import(pathToFileURL(entry).href);
await runCli(process.argv);
