#!/usr/bin/env node
// Entry point of the `cardrail` command. In a checkout it builds dist/ first when the sources are newer.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildIfNeeded } from '../scripts/build-if-needed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (existsSync(join(root, 'src'))) buildIfNeeded(root);
const { runCli } = await import(pathToFileURL(join(root, 'dist', 'cli', 'main.js')).href);
await runCli(process.argv);
