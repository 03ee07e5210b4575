// Deposit addresses, derived from the deployment's HD seed (never stored, never random): one EVM address per user
// shared by every EVM network (BIP-44 coin 60, m/44'/60'/<environment account>'/0/<fundingIndex>) and one Solana
// address (SLIP-0010 ed25519, m/44'/501'/<fundingIndex>'/<environment account>'). The environment account keeps
// sandbox and live addresses apart: 0 for live, 1 for sandbox. Derivation costs milliseconds, so results are cached.
import { base58 } from '@scure/base';
import { HDKey as Ed25519HDKey } from 'micro-ed25519-hdkey';
import { HDKey, hdKeyToAccount, type HDAccount } from 'viem/accounts';
import type { Environment } from '../../domain/environment.js';
import { networkDefinitions, type FundingNetwork } from '../../domain/funding-networks.js';

export interface DepositAddresses {
  /** EIP-55 checksummed; the same on base, ethereum, polygon, arbitrum and optimism. */
  evm: `0x${string}`;
  /** Base58 of the 32-byte ed25519 public key. */
  solana: string;
}

export const environmentAccounts: Readonly<Record<Environment, number>> = { live: 0, sandbox: 1 };

/** BIP-32 non-hardened indexes stop below 2^31. */
const maxFundingIndex = 2 ** 31 - 1;

export function evmDerivationPath(environment: Environment, fundingIndex: number): `m/44'/60'/${string}` {
  return `m/44'/60'/${environmentAccounts[environment]}'/0/${fundingIndex}`;
}

export function solanaDerivationPath(environment: Environment, fundingIndex: number): string {
  return `m/44'/501'/${fundingIndex}'/${environmentAccounts[environment]}'`;
}

function assertFundingIndex(fundingIndex: number): void {
  if (!Number.isSafeInteger(fundingIndex) || fundingIndex < 0 || fundingIndex > maxFundingIndex) {
    throw new RangeError(`funding index must be an integer from 0 to ${maxFundingIndex}, got ${fundingIndex}`);
  }
}

function assertHdSeed(hdSeed: Uint8Array): void {
  if (hdSeed.length < 16 || hdSeed.length > 64) throw new RangeError(`the HD seed must be 16 to 64 bytes, got ${hdSeed.length}`);
}

/** The EVM account (BIP-32 secp256k1) at `path` under the deployment's HD seed: deposit addresses and the treasury. */
export function evmAccountAt(hdSeed: Uint8Array, path: `m/44'/60'/${string}`): HDAccount {
  assertHdSeed(hdSeed);
  return hdKeyToAccount(HDKey.fromMasterSeed(hdSeed), { path });
}

export function deriveDepositAddresses(hdSeed: Uint8Array, environment: Environment, fundingIndex: number): DepositAddresses {
  assertFundingIndex(fundingIndex);
  const evm = evmAccountAt(hdSeed, evmDerivationPath(environment, fundingIndex)).address;
  const solanaKey = Ed25519HDKey.fromMasterSeed(hdSeed).derive(solanaDerivationPath(environment, fundingIndex));
  const solanaPublicKey = solanaKey.publicKeyRaw;
  if (solanaPublicKey.length !== 32) throw new Error(`ed25519 public key has ${solanaPublicKey.length} bytes`);
  return { evm, solana: base58.encode(solanaPublicKey) };
}

/** Bounded so a deployment with millions of users keeps a fixed memory footprint; evicts the oldest entry. */
const cacheEntriesMax = 10_000;
const cacheBySeed = new WeakMap<Uint8Array, Map<string, DepositAddresses>>();

export function depositAddresses(hdSeed: Uint8Array, environment: Environment, fundingIndex: number): DepositAddresses {
  let cache = cacheBySeed.get(hdSeed);
  if (cache === undefined) {
    cache = new Map();
    cacheBySeed.set(hdSeed, cache);
  }
  const key = `${environment}:${fundingIndex}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const derived = deriveDepositAddresses(hdSeed, environment, fundingIndex);
  if (cache.size >= cacheEntriesMax) cache.delete(cache.keys().next().value!);
  cache.set(key, derived);
  return derived;
}

export function depositAddressOn(addresses: DepositAddresses, network: FundingNetwork): string {
  return networkDefinitions[network].family === 'evm' ? addresses.evm : addresses.solana;
}
