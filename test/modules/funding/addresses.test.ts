// Deposit address derivation: standard BIP-44 / SLIP-0010 paths (checked against the widely published addresses of
// the Hardhat test mnemonic), deterministic, distinct per user and per environment, valid on their chains.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base58 } from '@scure/base';
import { isAddress } from 'viem';
import { HDKey, hdKeyToAccount } from 'viem/accounts';
import { depositAddresses, depositAddressOn, deriveDepositAddresses, evmDerivationPath, solanaDerivationPath } from '../../../src/modules/funding/addresses.js';
import { testSecrets } from '../../../src/secrets.js';

// BIP-39 seed of "test test test test test test test test test test test junk" (no passphrase).
const hardhatSeed = Uint8Array.from(
  Buffer.from('9dfc3c64c2f8bede1533b6a79f8570e5943e0b8fd1cf77107adf7b72cef42185d564a3aee24cab43f80e3c4538087d70fc824eabbad596a23c97b6ee8322ccc0', 'hex'),
);

describe('deposit addresses', () => {
  it('follow the standard paths: the Hardhat mnemonic gives its well-known accounts on live', () => {
    assert.equal(evmDerivationPath('live', 0), "m/44'/60'/0'/0/0");
    assert.equal(evmDerivationPath('sandbox', 7), "m/44'/60'/1'/0/7");
    assert.equal(solanaDerivationPath('live', 0), "m/44'/501'/0'/0'");
    assert.equal(solanaDerivationPath('sandbox', 7), "m/44'/501'/7'/1'");

    const first = deriveDepositAddresses(hardhatSeed, 'live', 0);
    assert.equal(first.evm, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    assert.equal(first.solana, 'oeYf6KAJkLYhBuR8CiGc6L4D4Xtfepr85fuDgA9kq96');
    assert.equal(deriveDepositAddresses(hardhatSeed, 'live', 1).evm, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
  });

  it('are what viem derives for the documented path', () => {
    const seed = testSecrets().hdSeed;
    for (const index of [0, 1, 99]) {
      const expected = hdKeyToAccount(HDKey.fromMasterSeed(seed), { path: `m/44'/60'/1'/0/${index}` }).address;
      assert.equal(deriveDepositAddresses(seed, 'sandbox', index).evm, expected);
    }
  });

  it('are deterministic, cached, and distinct per user and per environment', () => {
    const seed = testSecrets().hdSeed;
    const derived = new Map<string, string>();
    for (const environment of ['sandbox', 'live'] as const) {
      for (const index of [0, 1, 2, 3]) {
        const addresses = depositAddresses(seed, environment, index);
        assert.deepEqual(addresses, deriveDepositAddresses(seed, environment, index), 'the cache answers what derivation answers');
        assert.equal(depositAddresses(seed, environment, index), addresses, 'the second call is served from the cache');
        // A fresh copy of the same seed (a restart) gives the same addresses.
        assert.deepEqual(depositAddresses(testSecrets().hdSeed, environment, index), addresses);
        derived.set(`${environment}/${index}/evm`, addresses.evm);
        derived.set(`${environment}/${index}/solana`, addresses.solana);
      }
    }
    assert.equal(new Set(derived.values()).size, derived.size, 'every user and environment has its own addresses');
    const otherSeed = new Uint8Array(64).fill(7);
    assert.notEqual(depositAddresses(otherSeed, 'sandbox', 0).evm, depositAddresses(seed, 'sandbox', 0).evm, 'another deployment, other addresses');
  });

  it('are valid on their chains: checksummed EVM addresses and 32-byte base58 Solana keys', () => {
    const seed = testSecrets().hdSeed;
    for (const index of [0, 5, 2 ** 31 - 1]) {
      const addresses = depositAddresses(seed, 'sandbox', index);
      assert.equal(isAddress(addresses.evm, { strict: true }), true);
      assert.notEqual(addresses.evm, addresses.evm.toLowerCase(), 'EIP-55 mixed case');
      assert.equal(base58.decode(addresses.solana).length, 32);
      assert.equal(depositAddressOn(addresses, 'base'), addresses.evm);
      assert.equal(depositAddressOn(addresses, 'polygon'), addresses.evm);
      assert.equal(depositAddressOn(addresses, 'solana'), addresses.solana);
    }
  });

  it('refuse funding indexes outside the non-hardened BIP-32 range', () => {
    const seed = testSecrets().hdSeed;
    for (const index of [-1, 1.5, 2 ** 31]) assert.throws(() => deriveDepositAddresses(seed, 'sandbox', index), RangeError);
  });
});
