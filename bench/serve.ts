// `cardrail serve` from the sources, for the PostgreSQL figures (bench/postgres.ts): the bench needs no build.
import { runCli } from '../src/cli/main.js';

await runCli(process.argv);
