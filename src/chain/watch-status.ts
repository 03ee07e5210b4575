// What the chain watchers of this process last saw, per network, for /metrics (src/http/observability.ts): written
// by the watchers, read at scrape time. Plain numbers; the watchers own the meaning.
import type { EvmFundingNetwork } from '../domain/funding-networks.js';

export interface ChainNetworkStatus {
  /** The node's head at the last poll; null before the first one answered. */
  headBlock: number | null;
  /** The last block scanned for deposits; null before the first scan. */
  scannedBlock: number | null;
  /** Transfers to deposit addresses of tokens cardrail does not accept, ignored since this process started. */
  unsupportedTransfers: number;
  /** Polls that failed (node unreachable, wrong chain id…) since this process started. */
  pollFailures: number;
}

export class ChainWatchStatus {
  readonly networks = new Map<EvmFundingNetwork, ChainNetworkStatus>();

  of(network: EvmFundingNetwork): ChainNetworkStatus {
    let status = this.networks.get(network);
    if (status === undefined) {
      status = { headBlock: null, scannedBlock: null, unsupportedTransfers: 0, pollFailures: 0 };
      this.networks.set(network, status);
    }
    return status;
  }
}
