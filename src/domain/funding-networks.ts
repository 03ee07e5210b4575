// The stablecoin deposit methods cardrail accepts (SPEC §4): which (network, token) pairs, their mainnet token
// contracts, confirmation depths and block times, and the pure money rules of a deposit: base units → cents
// (1 token = 1 USD, floored, the remainder kept) and how many confirmations a deposit has at a given time.

export const fundingNetworks = ['base', 'ethereum', 'polygon', 'arbitrum', 'optimism', 'solana'] as const;
export type FundingNetwork = (typeof fundingNetworks)[number];

/** The networks read through an EVM JSON-RPC node (a chain watcher each, where one is configured). */
export const evmFundingNetworks = ['base', 'ethereum', 'polygon', 'arbitrum', 'optimism'] as const;
export type EvmFundingNetwork = (typeof evmFundingNetworks)[number];

export const fundingTokens = ['USDC', 'USDT'] as const;
export type FundingToken = (typeof fundingTokens)[number];

export type ChainFamily = 'evm' | 'solana';

export interface NetworkDefinition {
  readonly network: FundingNetwork;
  readonly family: ChainFamily;
  /** EIP-155 chain id for EVM networks; the CAIP-2 chain id for Solana. */
  readonly chainId: number | string;
  /** How deep a deposit must be before it is credited. */
  readonly minConfirmations: number;
  /** Average block (slot) time: the sandbox watcher adds one confirmation per block as environment time passes. */
  readonly blockTimeMs: number;
}

export interface FundingMethod {
  readonly network: FundingNetwork;
  readonly token: FundingToken;
  readonly family: ChainFamily;
  readonly chainId: number | string;
  /** The token's mainnet contract (EVM, EIP-55 checksummed) or mint (Solana, base58). */
  readonly tokenAddress: string;
  readonly decimals: number;
  readonly minConfirmations: number;
}

export const networkDefinitions: Readonly<Record<FundingNetwork, NetworkDefinition>> = {
  base: { network: 'base', family: 'evm', chainId: 8453, minConfirmations: 12, blockTimeMs: 2_000 },
  ethereum: { network: 'ethereum', family: 'evm', chainId: 1, minConfirmations: 12, blockTimeMs: 12_000 },
  polygon: { network: 'polygon', family: 'evm', chainId: 137, minConfirmations: 64, blockTimeMs: 2_000 },
  arbitrum: { network: 'arbitrum', family: 'evm', chainId: 42161, minConfirmations: 12, blockTimeMs: 250 },
  optimism: { network: 'optimism', family: 'evm', chainId: 10, minConfirmations: 12, blockTimeMs: 2_000 },
  solana: { network: 'solana', family: 'solana', chainId: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp', minConfirmations: 32, blockTimeMs: 400 },
};

/** Mainnet token contracts (native Circle USDC where it exists; Tether's USDT, bridged USDT on Base). */
const tokenAddresses: ReadonlyArray<readonly [FundingNetwork, FundingToken, string]> = [
  ['base', 'USDC', '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913'],
  ['base', 'USDT', '0xfde4C96c8593536E31F229EA8f37b2ADa2699bb2'],
  ['ethereum', 'USDC', '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'],
  ['ethereum', 'USDT', '0xdAC17F958D2ee523a2206206994597C13D831ec7'],
  ['polygon', 'USDC', '0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359'],
  ['polygon', 'USDT', '0xc2132D05D31c914a87C6611C10748AEb04B58e8F'],
  ['arbitrum', 'USDC', '0xaf88d065e77c8cC2239327C5EDb3A432268e5831'],
  ['arbitrum', 'USDT', '0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9'],
  ['optimism', 'USDC', '0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85'],
  ['optimism', 'USDT', '0x94b008aA00579c1307B0EF2c499aD98a8ce58e58'],
  ['solana', 'USDC', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'],
];

const stablecoinDecimals = 6;

/** Every supported (network, token) pair, in the order the funding instructions list them. */
export const fundingMethods: readonly FundingMethod[] = tokenAddresses.map(([network, token, tokenAddress]) => {
  const definition = networkDefinitions[network];
  return {
    network,
    token,
    family: definition.family,
    chainId: definition.chainId,
    tokenAddress,
    decimals: stablecoinDecimals,
    minConfirmations: definition.minConfirmations,
  };
});

/** A watched chain's own values where they differ from mainnet's (a development chain: config CARDRAIL_*_<NETWORK>). */
export interface ChainOverrides {
  readonly network: FundingNetwork;
  readonly chainId: number;
  readonly tokenAddresses: Partial<Record<FundingToken, string>>;
  readonly minConfirmations: number;
}

/** The funding methods with each watched chain's chain id, token contracts and confirmations in place of mainnet's. */
export function fundingMethodsOn(chains: readonly ChainOverrides[]): readonly FundingMethod[] {
  if (chains.length === 0) return fundingMethods;
  return fundingMethods.map((method) => {
    const chain = chains.find((candidate) => candidate.network === method.network);
    if (chain === undefined) return method;
    return { ...method, chainId: chain.chainId, tokenAddress: chain.tokenAddresses[method.token] ?? method.tokenAddress, minConfirmations: chain.minConfirmations };
  });
}

export function isFundingNetwork(value: string): value is FundingNetwork {
  return (fundingNetworks as readonly string[]).includes(value);
}

export function findFundingMethod(network: string, token: string): FundingMethod | undefined {
  return fundingMethods.find((method) => method.network === network && method.token === token);
}

/**
 * The (network, token) a chain id and token contract name, as LedgerOS's withdrawal names them. EVM contracts compare
 * without regard to case (EIP-55 checksums only change letters' case); a chain id may come as a number or a string.
 */
export function findFundingMethodByContract(chainId: number | string, tokenAddress: string): FundingMethod | undefined {
  return fundingMethods.find(
    (method) =>
      String(method.chainId) === String(chainId) &&
      (method.family === 'evm' ? method.tokenAddress.toLowerCase() === tokenAddress.toLowerCase() : method.tokenAddress === tokenAddress),
  );
}

/**
 * Why a deposit of `token` on `network` cannot be credited, or undefined when the pair is supported. The reason
 * names the problem and what would have worked, so the developer can tell the user.
 */
export function fundingRejectionReason(network: string, token: string): string | undefined {
  if (!isFundingNetwork(network)) {
    return `unsupported network: ${network} (supported networks: ${fundingNetworks.join(', ')})`;
  }
  if (findFundingMethod(network, token) !== undefined) return undefined;
  const tokensThere = fundingMethods.filter((method) => method.network === network).map((method) => method.token);
  return `unsupported token on ${network}: ${token} (supported on ${network}: ${tokensThere.join(', ')})`;
}

/**
 * Confirmations a deposit has at `nowMs`: what it had when observed plus one per block since. Time before the
 * observation (a clock that moved back) counts as none.
 */
export function confirmationsAt(network: FundingNetwork, observedAtMs: number, confirmationsAtObservation: number, nowMs: number): number {
  if (!Number.isSafeInteger(confirmationsAtObservation) || confirmationsAtObservation < 0) {
    throw new RangeError(`confirmationsAtObservation must be a non-negative integer, got ${confirmationsAtObservation}`);
  }
  const elapsedMs = Math.max(0, nowMs - observedAtMs);
  const confirmations = confirmationsAtObservation + Math.floor(elapsedMs / networkDefinitions[network].blockTimeMs);
  if (!Number.isSafeInteger(confirmations)) throw new RangeError(`confirmations overflow: ${confirmations}`);
  return confirmations;
}

export interface DepositValue {
  /** Whole cents credited: 1 token = 1 USD, floored. */
  cents: number;
  /** Base units below one cent, kept on the deposit record and never credited (a digit string). */
  remainderBaseUnits: string;
}

const digitsOnly = /^[0-9]+$/;

function parseBaseUnits(amountBaseUnits: string): bigint {
  if (!digitsOnly.test(amountBaseUnits)) throw new RangeError(`amount in base units must be a string of digits, got ${JSON.stringify(amountBaseUnits)}`);
  return BigInt(amountBaseUnits);
}

function assertDecimals(decimals: number): void {
  if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > 36) throw new RangeError(`decimals must be an integer from 0 to 36, got ${decimals}`);
}

/** Base units → cents, exact with BigInt: "1234567" at 6 decimals is 123 cents and a remainder of "4567". */
export function baseUnitsToCents(amountBaseUnits: string, decimals: number): DepositValue {
  assertDecimals(decimals);
  const amount = parseBaseUnits(amountBaseUnits);
  let cents: bigint;
  let remainder: bigint;
  if (decimals >= 2) {
    const baseUnitsPerCent = 10n ** BigInt(decimals - 2);
    cents = amount / baseUnitsPerCent;
    remainder = amount % baseUnitsPerCent;
  } else {
    cents = amount * 10n ** BigInt(2 - decimals);
    remainder = 0n;
  }
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${amountBaseUnits} base units is ${cents} cents, beyond the safe integer range`);
  const result = { cents: Number(cents), remainderBaseUnits: remainder.toString() };
  // The split is exact: cents and remainder put back together are the amount.
  if (decimals >= 2 && BigInt(result.cents) * 10n ** BigInt(decimals - 2) + remainder !== amount) throw new Error('baseUnitsToCents lost base units');
  return result;
}

/** The largest single deposit credited: one billion dollars, so balances stay far inside the safe integer range. */
export const maxDepositCents = 100_000_000_000;

/** Whether a deposit's value is within `maxDepositCents` (checked before converting, so giant inputs never throw). */
export function isWithinDepositLimit(amountBaseUnits: string, decimals: number): boolean {
  assertDecimals(decimals);
  const amount = parseBaseUnits(amountBaseUnits);
  const cents = decimals >= 2 ? amount / 10n ** BigInt(decimals - 2) : amount * 10n ** BigInt(2 - decimals);
  return cents <= BigInt(maxDepositCents);
}

/** The canonical form of a digit string: no leading zeros ("007" → "7", "000" → "0"). */
export function canonicalBaseUnits(amountBaseUnits: string): string {
  return parseBaseUnits(amountBaseUnits).toString();
}

/**
 * Base units of deposits summed as whole cents plus sub-cent remainders (how deposits are stored): the exact inverse
 * of baseUnitsToCents over a sum of deposits.
 */
export function depositedBaseUnits(cents: number, remainderBaseUnits: number, decimals: number): bigint {
  assertDecimals(decimals);
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`cents must be a non-negative safe integer, got ${cents}`);
  if (!Number.isSafeInteger(remainderBaseUnits) || remainderBaseUnits < 0) throw new RangeError(`remainder must be a non-negative safe integer, got ${remainderBaseUnits}`);
  if (decimals < 2) {
    if (remainderBaseUnits !== 0) throw new RangeError(`a token of ${decimals} decimals has no sub-cent remainder`);
    return BigInt(cents) / 10n ** BigInt(2 - decimals);
  }
  return BigInt(cents) * 10n ** BigInt(decimals - 2) + BigInt(remainderBaseUnits);
}
