// The sandbox API key of the commands that call a running server (`demo`, `simulate`) when none is passed: --key,
// else CARDRAIL_API_KEY, else the file the server writes into its data directory at its first start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const sandboxKeyFileName = 'sandbox.key';

/** No key was passed and the data directory holds none. */
export class SandboxKeyMissing extends Error {}

export function sandboxKeyFor(option: string | undefined, dataDir: string): string {
  if (option !== undefined && option !== '') return option;
  const fromEnv = process.env.CARDRAIL_API_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const path = join(dataDir, sandboxKeyFileName);
  let fromFile = '';
  try {
    fromFile = readFileSync(path, 'utf8').trim();
  } catch {
    // Reported below, with what to do.
  }
  if (fromFile === '') {
    throw new SandboxKeyMissing(
      `no sandbox API key: pass --key lk_dev_…, set CARDRAIL_API_KEY, or run where the server keeps its data (${path} is written at its first start; CARDRAIL_DATA_DIR names the directory)`,
    );
  }
  return fromFile;
}
