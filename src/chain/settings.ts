// Which real EVM chains this deployment reaches, from the environment: a network is on chain when
// CARDRAIL_RPC_URL_<NETWORK> is set; its chain id, confirmation depth and token contracts default to the mainnet
// values of src/domain/funding-networks.ts and may be overridden (a local devchain, a testnet). src/config.ts reads them.
import { fundingNetworks, type FundingNetwork, type FundingToken } from '../domain/funding-networks.js';

export type EvmAddress = `0x${string}`;

export interface ChainNetworkSettings {
  network: FundingNetwork;
  /** CARDRAIL_RPC_URL_<NETWORK>: a JSON-RPC endpoint (http or https). */
  rpcUrl: string;
  /** CARDRAIL_CHAIN_ID_<NETWORK>: the EIP-155 id transactions are signed for; the RPC must report the same. */
  chainId: number;
  /** CARDRAIL_MIN_CONFIRMATIONS_<NETWORK>: blocks on top of (and including) a transaction's before it counts. */
  minConfirmations: number;
  /** CARDRAIL_TOKEN_ADDRESS_<NETWORK>_<TOKEN>: the token contracts, for the tokens supported on the network. */
  tokenAddresses: Partial<Record<FundingToken, EvmAddress>>;
}

/** The networks with an RPC configured; an empty object when none is (every withdrawal stays simulated or waits). */
export type ChainSettings = Partial<Record<FundingNetwork, ChainNetworkSettings>>;

/** The networks with an RPC, in the order of `fundingNetworks`. */
export function chainNetworks(settings: ChainSettings): ChainNetworkSettings[] {
  return fundingNetworks.flatMap((network) => (settings[network] === undefined ? [] : [settings[network]]));
}

/** The variable names' network part: CARDRAIL_RPC_URL_BASE. */
export function envSuffix(network: FundingNetwork): string {
  return network.toUpperCase();
}
