// The pure funding rules: the supported (network, token) table, base units → cents, confirmations over time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base58 } from '@scure/base';
import fc from 'fast-check';
import { isAddress } from 'viem';
import {
  baseUnitsToCents,
  depositedBaseUnits,
  canonicalBaseUnits,
  confirmationsAt,
  findFundingMethod,
  fundingMethods,
  fundingRejectionReason,
  isWithinDepositLimit,
  maxDepositCents,
  networkDefinitions,
} from '../../src/domain/funding-networks.js';

describe('funding networks table', () => {
  it('lists USDC and USDT on the five EVM networks and USDC on Solana, nothing else', () => {
    const pairs = fundingMethods.map((method) => `${method.network}/${method.token}`).sort();
    assert.deepEqual(pairs, [
      'arbitrum/USDC',
      'arbitrum/USDT',
      'base/USDC',
      'base/USDT',
      'ethereum/USDC',
      'ethereum/USDT',
      'optimism/USDC',
      'optimism/USDT',
      'polygon/USDC',
      'polygon/USDT',
      'solana/USDC',
    ]);
  });

  it('carries the chain ids, confirmation depths and block times of each network', () => {
    const summary = Object.fromEntries(
      Object.values(networkDefinitions).map((definition) => [definition.network, [definition.chainId, definition.minConfirmations, definition.blockTimeMs]]),
    );
    assert.deepEqual(summary, {
      base: [8453, 12, 2000],
      ethereum: [1, 12, 12000],
      polygon: [137, 64, 2000],
      arbitrum: [42161, 12, 250],
      optimism: [10, 12, 2000],
      solana: ['solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp', 32, 400],
    });
    for (const method of fundingMethods) {
      assert.equal(method.chainId, networkDefinitions[method.network].chainId);
      assert.equal(method.minConfirmations, networkDefinitions[method.network].minConfirmations);
      assert.equal(method.decimals, 6);
    }
  });

  it('uses the real mainnet token contracts: checksummed EVM addresses and a 32-byte Solana mint', () => {
    assert.equal(findFundingMethod('ethereum', 'USDC')?.tokenAddress, '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48');
    assert.equal(findFundingMethod('ethereum', 'USDT')?.tokenAddress, '0xdAC17F958D2ee523a2206206994597C13D831ec7');
    assert.equal(findFundingMethod('base', 'USDC')?.tokenAddress, '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913');
    assert.equal(findFundingMethod('solana', 'USDC')?.tokenAddress, 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v');
    for (const method of fundingMethods) {
      if (method.family === 'evm') {
        // strict: a mixed-case address must carry a valid EIP-55 checksum, which catches a mistyped character
        assert.equal(isAddress(method.tokenAddress, { strict: true }), true, `${method.network}/${method.token}`);
        assert.notEqual(method.tokenAddress, method.tokenAddress.toLowerCase(), 'stored in checksummed form');
        assert.equal(typeof method.chainId, 'number');
      } else {
        assert.equal(base58.decode(method.tokenAddress).length, 32);
      }
    }
    const addresses = fundingMethods.map((method) => method.tokenAddress.toLowerCase());
    assert.equal(new Set(addresses).size, addresses.length, 'no two pairs share a contract');
  });

  it('names the problem when a pair is not supported', () => {
    assert.equal(fundingRejectionReason('base', 'USDC'), undefined);
    assert.match(fundingRejectionReason('bitcoin', 'USDC') ?? '', /unsupported network: bitcoin/);
    assert.match(fundingRejectionReason('solana', 'USDT') ?? '', /unsupported token on solana: USDT \(supported on solana: USDC\)/);
    assert.match(fundingRejectionReason('base', 'DAI') ?? '', /unsupported token on base: DAI \(supported on base: USDC, USDT\)/);
    assert.equal(findFundingMethod('solana', 'USDT'), undefined);
    assert.equal(findFundingMethod('Base', 'USDC'), undefined, 'the table is exact; callers normalise case');
  });
});

describe('depositedBaseUnits', () => {
  it('puts summed cents and remainders back together as base units, the inverse of baseUnitsToCents over any deposits', () => {
    assert.equal(depositedBaseUnits(373, 4574, 6), 3_734_574n);
    assert.equal(depositedBaseUnits(0, 0, 6), 0n);
    assert.equal(depositedBaseUnits(5, 0, 2), 5n);
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 15n }), { maxLength: 20 }), (amounts) => {
        const parts = amounts.map((amount) => baseUnitsToCents(amount.toString(), 6));
        const cents = parts.reduce((sum, part) => sum + part.cents, 0);
        const remainder = parts.reduce((sum, part) => sum + Number(part.remainderBaseUnits), 0);
        assert.equal(depositedBaseUnits(cents, remainder, 6), amounts.reduce((sum, amount) => sum + amount, 0n));
      }),
    );
  });

  it('refuses negative or unsafe inputs', () => {
    assert.throws(() => depositedBaseUnits(-1, 0, 6), RangeError);
    assert.throws(() => depositedBaseUnits(1, -1, 6), RangeError);
    assert.throws(() => depositedBaseUnits(1.5, 0, 6), RangeError);
    assert.throws(() => depositedBaseUnits(1, 1, 1), RangeError);
  });
});

describe('baseUnitsToCents', () => {
  it('floors to cents and keeps the remainder in base units', () => {
    assert.deepEqual(baseUnitsToCents('1234567', 6), { cents: 123, remainderBaseUnits: '4567' });
    assert.deepEqual(baseUnitsToCents('1000000', 6), { cents: 100, remainderBaseUnits: '0' });
    assert.deepEqual(baseUnitsToCents('9999', 6), { cents: 0, remainderBaseUnits: '9999' });
    assert.deepEqual(baseUnitsToCents('10000', 6), { cents: 1, remainderBaseUnits: '0' });
    assert.deepEqual(baseUnitsToCents('0', 6), { cents: 0, remainderBaseUnits: '0' });
    assert.deepEqual(baseUnitsToCents('1999999999', 6), { cents: 199999, remainderBaseUnits: '9999' });
    assert.deepEqual(baseUnitsToCents('123', 2), { cents: 123, remainderBaseUnits: '0' });
    assert.deepEqual(baseUnitsToCents('7', 0), { cents: 700, remainderBaseUnits: '0' });
    assert.deepEqual(baseUnitsToCents('1234567890123456789', 18), { cents: 123, remainderBaseUnits: '4567890123456789' });
  });

  it('is exact beyond the precision of a double', () => {
    // 2^53 + 1 cents' worth would not survive Number(); the largest safe amount of cents does.
    const safeCents = Number.MAX_SAFE_INTEGER;
    assert.deepEqual(baseUnitsToCents(`${safeCents}0001`, 6), { cents: safeCents, remainderBaseUnits: '1' });
    assert.throws(() => baseUnitsToCents(`${BigInt(safeCents) + 1n}0000`, 6), RangeError);
    assert.throws(() => baseUnitsToCents('9'.repeat(78), 6), RangeError);
  });

  it('rejects anything that is not a string of digits', () => {
    for (const bad of ['', '-1', '1.5', ' 1', '1 ', '1e6', '0x10', '+1', '１２', '1_000']) {
      assert.throws(() => baseUnitsToCents(bad, 6), RangeError, JSON.stringify(bad));
    }
    assert.throws(() => baseUnitsToCents('1', -1), RangeError);
    assert.throws(() => baseUnitsToCents('1', 1.5), RangeError);
  });

  it('splits every amount exactly: cents × 10^4 + remainder = amount, remainder < 10^4', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 19n }), (amount) => {
        const { cents, remainderBaseUnits } = baseUnitsToCents(amount.toString(), 6);
        const remainder = BigInt(remainderBaseUnits);
        assert.ok(remainder >= 0n && remainder < 10_000n);
        assert.equal(BigInt(cents) * 10_000n + remainder, amount);
      }),
    );
  });

  it('bounds a single deposit at maxDepositCents', () => {
    assert.equal(isWithinDepositLimit(`${maxDepositCents}9999`, 6), true);
    assert.equal(isWithinDepositLimit(`${maxDepositCents + 1}0000`, 6), false);
    assert.equal(isWithinDepositLimit('9'.repeat(78), 6), false);
    assert.equal(canonicalBaseUnits('000120'), '120');
    assert.equal(canonicalBaseUnits('0000'), '0');
  });
});

describe('confirmationsAt', () => {
  const observedAtMs = Date.UTC(2026, 0, 5, 12, 0, 0);

  it('adds one confirmation per block of the network since the observation', () => {
    assert.equal(confirmationsAt('base', observedAtMs, 0, observedAtMs), 0);
    assert.equal(confirmationsAt('base', observedAtMs, 0, observedAtMs + 1_999), 0);
    assert.equal(confirmationsAt('base', observedAtMs, 0, observedAtMs + 2_000), 1);
    assert.equal(confirmationsAt('base', observedAtMs, 0, observedAtMs + 24_000), 12);
    assert.equal(confirmationsAt('ethereum', observedAtMs, 3, observedAtMs + 12_000 * 9), 12);
    assert.equal(confirmationsAt('arbitrum', observedAtMs, 0, observedAtMs + 3_000), 12);
    assert.equal(confirmationsAt('polygon', observedAtMs, 0, observedAtMs + 127_999), 63);
    assert.equal(confirmationsAt('solana', observedAtMs, 30, observedAtMs + 800), 32);
  });

  it('never counts time before the observation, and refuses a negative starting count', () => {
    assert.equal(confirmationsAt('base', observedAtMs, 5, observedAtMs - 60_000), 5);
    assert.throws(() => confirmationsAt('base', observedAtMs, -1, observedAtMs), RangeError);
  });

  it('never decreases as time passes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(networkDefinitions).map((definition) => definition.network)), fc.nat(1_000), fc.nat(10 ** 9), fc.nat(10 ** 9), (network, start, a, b) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        assert.ok(confirmationsAt(network, observedAtMs, start, observedAtMs + earlier) <= confirmationsAt(network, observedAtMs, start, observedAtMs + later));
      }),
    );
  });
});
