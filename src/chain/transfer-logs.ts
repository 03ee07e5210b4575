// Reading an EVM chain over JSON-RPC through viem: the head, block hashes and ERC-20 Transfer logs to given addresses.
// Logs are asked for by topic (Transfer, any sender, `to` one of the addresses) from every contract, so transfers of
// tokens cardrail does not accept are seen too; the caller decides what each is.
import { createPublicClient, http, numberToHex, pad, toEventSelector, type Hex, type PublicClient } from 'viem';

export const transferTopic = toEventSelector('Transfer(address,address,uint256)');

/** Addresses per eth_getLogs call: nodes cap the topics of one filter (geth at 1,000). */
export const addressesPerCall = 500;

export interface TransferLog {
  /** The emitting contract, lowercase. */
  contract: string;
  from: string;
  /** Lowercase. */
  to: string;
  amountBaseUnits: bigint;
  txHash: string;
  logIndex: number;
  blockNumber: number;
  blockHash: string;
}

export function chainClient(rpcUrl: string): PublicClient {
  // No response caching: the watcher must see each new head and each block hash as the node answers them now.
  return createPublicClient({ transport: http(rpcUrl, { timeout: 15_000, retryCount: 2 }), cacheTime: 0 });
}

interface RawLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  transactionHash: Hex | null;
  logIndex: Hex | null;
  blockNumber: Hex | null;
  blockHash: Hex | null;
  removed?: boolean;
}

function addressOfTopic(topic: Hex): string {
  return `0x${topic.slice(-40)}`.toLowerCase();
}

/**
 * ERC-20 Transfer logs to `toAddresses` in blocks `fromBlock`..`toBlock` (inclusive), in chain order. A log with
 * another shape under the same topic (ERC-721 puts the token id in a fourth topic) is not a token amount: skipped.
 */
export async function readTransferLogs(client: PublicClient, fromBlock: number, toBlock: number, toAddresses: readonly string[]): Promise<TransferLog[]> {
  if (!Number.isSafeInteger(fromBlock) || !Number.isSafeInteger(toBlock) || fromBlock < 0 || toBlock < fromBlock) {
    throw new RangeError(`block range ${fromBlock}..${toBlock} is not a range`);
  }
  const transfers: TransferLog[] = [];
  for (let start = 0; start < toAddresses.length; start += addressesPerCall) {
    const toTopics = toAddresses.slice(start, start + addressesPerCall).map((address) => pad(address.toLowerCase() as Hex, { size: 32 }));
    const logs = (await client.request({
      method: 'eth_getLogs',
      params: [{ fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock), topics: [transferTopic, null, toTopics] }],
    })) as RawLog[];
    for (const log of logs) {
      if (log.removed === true || log.topics.length !== 3 || log.data.length !== 66) continue;
      if (log.transactionHash === null || log.logIndex === null || log.blockNumber === null || log.blockHash === null) continue;
      transfers.push({
        contract: log.address.toLowerCase(),
        from: addressOfTopic(log.topics[1]!),
        to: addressOfTopic(log.topics[2]!),
        amountBaseUnits: BigInt(log.data),
        txHash: log.transactionHash.toLowerCase(),
        logIndex: Number(BigInt(log.logIndex)),
        blockNumber: Number(BigInt(log.blockNumber)),
        blockHash: log.blockHash.toLowerCase(),
      });
    }
  }
  return transfers.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

/** The hash of block `blockNumber` on the node's canonical chain, or undefined when the node has no such block yet. */
export async function blockHashAt(client: PublicClient, blockNumber: number): Promise<string | undefined> {
  const block = (await client.request({ method: 'eth_getBlockByNumber', params: [numberToHex(blockNumber), false] })) as { hash: Hex | null } | null;
  return block?.hash?.toLowerCase() ?? undefined;
}
