// A challenge's one-time passcode and OTP token, derived like the CVV (src/modules/cards/vault.ts): HMAC-SHA256 of
// the master key over the challenge id, so neither is ever stored. The database keeps only the token's SHA-256, to
// find the challenge a token names; without the master key nothing in it gives the passcode or the token away.
import crypto from 'node:crypto';
import { hashCredential } from '../../domain/credentials.js';
import { masterKeyDigest } from '../../secrets.js';
import type { VaultSecrets } from '../cards/vault.js';

export const otpDigits = 6;
const otpModulus = 10 ** otpDigits;
const otpTokenPrefix = 'otp_';

function hmac(secrets: VaultSecrets, label: string, challengeId: string): Buffer {
  return masterKeyDigest(secrets, label, challengeId);
}

/** Six digits from HMAC-SHA256(masterKey, "3ds-otp:" + challengeId); 2^48 mod 10^6 makes the bias below 10^-8. */
export function challengeOtp(secrets: VaultSecrets, challengeId: string): string {
  return String(hmac(secrets, '3ds-otp', challengeId).readUIntBE(0, 6) % otpModulus).padStart(otpDigits, '0');
}

/** Compared in constant time: one `timingSafeEqual` of two 6-byte buffers whatever is presented. */
export function otpMatches(secrets: VaultSecrets, challengeId: string, presented: unknown): boolean {
  const expected = Buffer.from(challengeOtp(secrets, challengeId), 'utf8');
  const wellFormed = typeof presented === 'string' && /^\d{6}$/.test(presented);
  const candidate = wellFormed ? Buffer.from(presented, 'utf8') : Buffer.alloc(expected.length);
  return crypto.timingSafeEqual(expected, candidate) && wellFormed;
}

/** `otp_` + base64url(HMAC-SHA256(masterKey, "3ds-otp-token:" + challengeId)): a bearer secret for /v1/otp/{token}. */
export function challengeOtpToken(secrets: VaultSecrets, challengeId: string): string {
  return otpTokenPrefix + hmac(secrets, '3ds-otp-token', challengeId).toString('base64url');
}

/** What the database keeps of an OTP token (SHA-256, as for API keys and agent tokens: 256 bits need no slow hash). */
export function otpTokenHash(token: string): string {
  return hashCredential(token);
}
