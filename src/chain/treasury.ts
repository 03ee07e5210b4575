// The deployment's treasury: the EVM account withdrawals are signed by, derived from the HD seed like the deposit
// addresses (BIP-44 coin 60) at m/44'/60'/1'/0/0. Funding indexes start at 1, so no user's deposit address is this one.
import { HDKey, hdKeyToAccount, type HDAccount } from 'viem/accounts';
import type { Secrets } from '../secrets.js';

export const treasuryDerivationPath = "m/44'/60'/1'/0/0";

/** Derivation costs milliseconds and the account is asked for on every withdrawal: one per seed. */
const accountBySeed = new WeakMap<Uint8Array, HDAccount>();

export function treasuryAccount(secrets: Pick<Secrets, 'hdSeed'>): HDAccount {
  const cached = accountBySeed.get(secrets.hdSeed);
  if (cached !== undefined) return cached;
  if (secrets.hdSeed.length < 16 || secrets.hdSeed.length > 64) throw new RangeError(`the HD seed must be 16 to 64 bytes, got ${secrets.hdSeed.length}`);
  const account = hdKeyToAccount(HDKey.fromMasterSeed(secrets.hdSeed), { path: treasuryDerivationPath });
  accountBySeed.set(secrets.hdSeed, account);
  return account;
}
