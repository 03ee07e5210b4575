// Credential formats: API keys `lk_dev_…` / `lk_live_…`, agent tokens `at_dev_…` / `at_live_…`, filler keys
// `fk_dev_…` / `fk_live_…` (they may only redeem details tokens), each carrying
// 32 random bytes. Only a SHA-256 hash is stored; with 256 bits of entropy a slow hash adds nothing.
import { createHash, randomBytes } from 'node:crypto';
import type { Environment } from './environment.js';
import { AppError } from './errors.js';

export type CredentialKind = 'apiKey' | 'agentToken' | 'fillerKey';

const kindPrefix: Record<CredentialKind, string> = { apiKey: 'lk', agentToken: 'at', fillerKey: 'fk' };
const environmentPrefix: Record<Environment, string> = { sandbox: 'dev', live: 'live' };

export const secretRandomBytes = 32;

export function credentialPrefix(kind: CredentialKind, environment: Environment): string {
  return `${kindPrefix[kind]}_${environmentPrefix[environment]}_`;
}

export function generateCredential(kind: CredentialKind, environment: Environment): string {
  return credentialPrefix(kind, environment) + randomBytes(secretRandomBytes).toString('base64url');
}

export function hashCredential(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * When a new credential stops working, from the `expiresAt` its creator sent (ISO 8601): it must lie after `nowMs`, the
 * environment's time; null when none was sent (it never expires).
 */
export function credentialExpiryMs(expiresAt: string | undefined, nowMs: number): number | null {
  if (expiresAt === undefined) return null;
  const expiresAtMs = Date.parse(expiresAt);
  if (!Number.isSafeInteger(expiresAtMs)) throw new AppError('invalid_parameter_value', { param: 'expiresAt', reason: 'not a valid time' });
  if (expiresAtMs <= nowMs) throw new AppError('invalid_parameter_value', { param: 'expiresAt', reason: `must be in the future (now is ${new Date(nowMs).toISOString()})` });
  return expiresAtMs;
}

export interface ParsedCredential {
  kind: CredentialKind;
  environment: Environment;
}

const credentialPattern = /^(lk|at|fk)_(dev|live)_[A-Za-z0-9_-]{20,}$/;
const kindOfPrefix: Record<string, CredentialKind> = { lk: 'apiKey', at: 'agentToken', fk: 'fillerKey' };

/** Reads the kind and environment a credential claims; its validity is decided by looking up its hash. */
export function parseCredential(secret: string): ParsedCredential | undefined {
  const match = credentialPattern.exec(secret);
  if (match === null) return undefined;
  return {
    kind: kindOfPrefix[match[1]!]!,
    environment: match[2] === 'dev' ? 'sandbox' : 'live',
  };
}

/** Patterns of every secret this product issues, for log scrubbing. */
export const secretPatterns: readonly RegExp[] = [
  /\b(?:lk|at|fk)_(?:dev|live)_[A-Za-z0-9_-]{8,}/g,
  /\bdtk_[A-Za-z0-9_-]{8,}/g,
  /\bwhsec_[A-Za-z0-9+/=]{8,}/g,
  // Passkey enrollment link tokens: whoever holds one may enroll a passkey for the cardholder.
  /\bpke_[A-Za-z0-9_-]{8,}/g,
  // Approval link tokens: with approvalMethod cardholder, whoever holds one may approve the intent.
  /\bapl_[A-Za-z0-9_-]{8,}/g,
];
