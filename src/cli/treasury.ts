// `cardrail treasury`: the deployment's treasury address (it signs withdrawals on real chains and pays their gas) and,
// for each network with an RPC (CARDRAIL_RPC_URL_<NETWORK>), its native and token balances, so an operator can see
// what to top up before withdrawals wait for gas or fail for want of tokens.
import type { Command } from 'commander';
import { formatEther, formatUnits } from 'viem';
import { chainTokenAddress, JsonRpcChain, nodeMessage } from '../chain/evm.js';
import { treasuryAccount, treasuryDerivationPath } from '../chain/treasury.js';
import { loadConfig } from '../config.js';
import { fundingMethods } from '../domain/funding-networks.js';
import { loadSecrets } from '../secrets.js';

interface TokenBalance {
  token: string;
  contract: string;
  /** Whole tokens as a decimal string; null when the contract could not be read. */
  balance: string | null;
  error?: string;
}

interface NetworkBalances {
  network: string;
  chainId: number;
  /** The native token (ETH) that pays gas, as a decimal string; null when the node could not be read. */
  native: string | null;
  tokens: TokenBalance[];
  error?: string;
}

async function balancesOn(chain: JsonRpcChain, address: `0x${string}`): Promise<NetworkBalances> {
  const { network, chainId } = chain.settings;
  const result: NetworkBalances = { network, chainId, native: null, tokens: [] };
  try {
    const reported = await chain.chainId();
    if (reported !== chainId) return { ...result, error: `the node is chain ${reported}, not ${chainId}` };
    result.native = formatEther(await chain.balance(address));
  } catch (error) {
    return { ...result, error: nodeMessage(error) };
  }
  for (const method of fundingMethods.filter((candidate) => candidate.network === network)) {
    const contract = chainTokenAddress(chain.settings, method.token)!;
    try {
      result.tokens.push({ token: method.token, contract, balance: formatUnits(await chain.tokenBalance(contract, address), method.decimals) });
    } catch (error) {
      result.tokens.push({ token: method.token, contract, balance: null, error: nodeMessage(error) });
    }
  }
  return result;
}

async function runTreasury(options: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  // The same data directory (or CARDRAIL_HD_SEED) as the server: the treasury is derived from its seed.
  const address = treasuryAccount(loadSecrets(config.dataDir)).address;
  const networks = await Promise.all(config.chains.map((settings) => balancesOn(new JsonRpcChain(settings), address)));
  if (networks.some((entry) => entry.error !== undefined)) process.exitCode = 1;
  if (options.json === true) {
    process.stdout.write(`${JSON.stringify({ address, derivationPath: treasuryDerivationPath, networks })}\n`);
    return;
  }
  const lines = [`Treasury  ${address}  (${treasuryDerivationPath} under the HD seed; signs withdrawals and pays their gas)`];
  if (networks.length === 0) lines.push('  No network has an RPC: set CARDRAIL_RPC_URL_<NETWORK> to see its balances here.');
  for (const entry of networks) {
    if (entry.error !== undefined) {
      lines.push(`  ${entry.network.padEnd(9)} chain ${entry.chainId}: cannot read balances: ${entry.error}`);
      continue;
    }
    const tokens = entry.tokens.map((token) => (token.balance === null ? `${token.token} unreadable (${token.contract})` : `${token.balance} ${token.token}`));
    lines.push(`  ${entry.network.padEnd(9)} chain ${entry.chainId}: ${entry.native} ETH, ${tokens.join(', ')}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerTreasuryCommand(program: Command): void {
  program
    .command('treasury')
    .description("Print the treasury's address and, for each network with an RPC (CARDRAIL_RPC_URL_<NETWORK>), its ETH and token balances; exits 1 if a node cannot be read")
    .option('--json', 'print one JSON line {address, derivationPath, networks: [{network, chainId, native, tokens: [{token, contract, balance}]}]}')
    .action(runTreasury);
}
