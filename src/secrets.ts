// Deployment secrets that must survive restarts: the HD seed funding addresses derive from and the master key that
// protects card numbers. Taken from the
// environment when set (required when several hosts share one database), else from a file created 0600 under the
// data directory on first start.
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDirectory, ensurePrivateFile } from './private-files.js';

export interface Secrets {
  /** 64-byte BIP-32 master seed for deposit addresses. */
  hdSeed: Uint8Array;
  /** 32-byte key: encrypts card numbers at rest (AES-256-GCM) and derives CVVs and PAN fingerprints (HMAC). */
  masterKey: Uint8Array;
}

function fromHex(name: string, value: string, bytes: number): Uint8Array {
  const text = value.trim();
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(text)) throw new Error(`${name} must be ${bytes * 2} hexadecimal characters`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function loadOrCreate(path: string, bytes: number): Uint8Array {
  ensurePrivateDirectory(dirname(path));
  if (!existsSync(path)) {
    try {
      writeFileSync(path, `${randomBytes(bytes).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process (a worker starting beside the server) created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  ensurePrivateFile(path);
  return fromHex(path, readFileSync(path, 'utf8'), bytes);
}

export function loadSecrets(dataDir: string, env: NodeJS.ProcessEnv = process.env): Secrets {
  const hdSeed = env.CARDRAIL_HD_SEED ? fromHex('CARDRAIL_HD_SEED', env.CARDRAIL_HD_SEED, 64) : loadOrCreate(join(dataDir, 'hd-seed'), 64);
  const masterKey = env.CARDRAIL_MASTER_KEY ? fromHex('CARDRAIL_MASTER_KEY', env.CARDRAIL_MASTER_KEY, 32) : loadOrCreate(join(dataDir, 'master.key'), 32);
  return { hdSeed, masterKey };
}

/** Fixed secrets for tests: deterministic addresses, nothing written to disk. */
export function testSecrets(): Secrets {
  return { hdSeed: new Uint8Array(64).fill(42), masterKey: new Uint8Array(32).fill(7) };
}

const masterKeyLength = 32;

/**
 * HMAC-SHA256(masterKey, label + ":" + subject): a secret derived for one purpose and one subject, so that it need
 * never be stored — 3-D Secure passcodes and OTP tokens, verification links. The label keeps the uses apart.
 */
export function masterKeyDigest(secrets: Pick<Secrets, 'masterKey'>, label: string, subject: string): Buffer {
  if (secrets.masterKey.length !== masterKeyLength) throw new Error(`the master key must be ${masterKeyLength} bytes`);
  return createHmac('sha256', Buffer.from(secrets.masterKey)).update(`${label}:${subject}`, 'utf8').digest();
}
