// The data directory holds the database, the master key, the HD seed and the first sandbox key: it is private to the
// user who runs cardrail, the directory 0700 and its files 0600 (SPEC §10). Existing installs are tightened on start.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

export const privateDirectoryMode = 0o700;
export const privateFileMode = 0o600;
const stickyBit = 0o1000;

/**
 * Creates the directory (and missing parents) 0700, or makes an existing one 0700. A directory another user owns,
 * or a shared one (sticky bit, like /tmp), is left as it is: it is not cardrail's to close.
 */
export function ensurePrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: privateDirectoryMode });
  const stat = statSync(path);
  if ((stat.mode & stickyBit) !== 0) return;
  if (process.getuid !== undefined && stat.uid !== process.getuid()) return;
  if ((stat.mode & 0o777) !== privateDirectoryMode) chmodSync(path, privateDirectoryMode);
}

/** Makes an existing file 0600; nothing when it does not exist (SQLite may remove its -wal and -shm files at any time). */
export function ensurePrivateFile(path: string): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined || (stat.mode & 0o777) === privateFileMode) return;
  try {
    chmodSync(path, privateFileMode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Creates an empty file 0600 unless it exists, then makes it 0600 either way. */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, 'a', privateFileMode));
  ensurePrivateFile(path);
}
