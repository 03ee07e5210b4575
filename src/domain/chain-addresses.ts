// Whether a string is a well-formed address on a chain family: EIP-55/lower-case hex for EVM (checked by viem),
// a base58 32-byte public key for Solana.
import { base58 } from '@scure/base';
import { isAddress } from 'viem';
import type { ChainFamily } from './funding-networks.js';

export function isValidChainAddress(family: ChainFamily, address: string): boolean {
  if (family === 'evm') return isAddress(address, { strict: true });
  try {
    return /^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(address) && base58.decode(address).length === 32;
  } catch {
    return false;
  }
}
