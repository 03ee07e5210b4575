// The deployment's treasury account on EVM networks: it signs withdrawals and pays their gas. Derived from the HD
// seed like the deposit addresses (never stored), on an account branch of its own: m/44'/60'/2'/0/0. Branches 0'
// (live) and 1' (sandbox) hold users' deposit addresses from index 0 up, so the treasury must not sit in either.
import type { HDAccount } from 'viem/accounts';
import { evmAccountAt } from '../modules/funding/addresses.js';
import type { Secrets } from '../secrets.js';

export const treasuryDerivationPath = "m/44'/60'/2'/0/0" as const;

const accountBySeed = new WeakMap<Uint8Array, HDAccount>();

/** The treasury's viem account (address and signer); derived once per seed. */
export function treasuryAccount(secrets: Pick<Secrets, 'hdSeed'>): HDAccount {
  const cached = accountBySeed.get(secrets.hdSeed);
  if (cached !== undefined) return cached;
  const account = evmAccountAt(secrets.hdSeed, treasuryDerivationPath);
  accountBySeed.set(secrets.hdSeed, account);
  return account;
}
