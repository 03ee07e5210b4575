// `cardrail devchain`: a local EVM chain with a 6-decimal test token for developing against real deposits. It prints
// the lines that point a server's deposit watcher at it and runs until Ctrl-C (docs/funding.md has the walkthrough).
import { Option, type Command } from 'commander';
import { formatEther, formatUnits, isAddress, parseUnits, type Address, type Hex } from 'viem';
import { loadConfig } from '../config.js';
import { evmFundingNetworks, fundingMethods, type EvmFundingNetwork, type FundingToken } from '../domain/funding-networks.js';
import { loadSecrets } from '../secrets.js';

/** A problem with the options or the port: printed alone, without a stack trace. */
export class DevchainError extends Error {}

interface DevchainCommandOptions {
  port: string;
  host: string;
  chainId: string;
  network: EvmFundingNetwork;
  token: FundingToken;
  blockTime: string;
  minConfirmations: string;
  testWalletKey?: string;
  json?: boolean;
}

function wholeNumber(option: string, value: string, min: number, max: number): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) throw new DevchainError(`${option} must be an integer from ${min} to ${max}, got "${value}"`);
  return parsed;
}

async function runDevchain(options: DevchainCommandOptions): Promise<void> {
  const port = wholeNumber('--port', options.port, 0, 65_535);
  const chainId = wholeNumber('--chain-id', options.chainId, 1, Number.MAX_SAFE_INTEGER);
  const blockTimeMs = Math.round(Number(options.blockTime) * 1000);
  if (!Number.isSafeInteger(blockTimeMs) || blockTimeMs < 0 || blockTimeMs > 3_600_000) throw new DevchainError(`--block-time must be 0 to 3600 seconds, got "${options.blockTime}"`);
  const minConfirmations = wholeNumber('--min-confirmations', options.minConfirmations, 1, 1_000);
  if (!fundingMethods.some((method) => method.network === options.network && method.token === options.token)) {
    throw new DevchainError(`--token ${options.token} is not accepted on ${options.network}`);
  }
  if (options.testWalletKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(options.testWalletKey)) throw new DevchainError('--test-wallet-key must be a 0x-prefixed 32-byte private key');
  // The data directory (or CARDRAIL_HD_SEED) the server uses: the treasury funded here is the server's.
  const secrets = loadSecrets(loadConfig().dataDir);
  // Loaded here: the devchain pulls in Hardhat, which no other command needs.
  const { startDevchain, devchainTokenBaseUnitsEach, testWalletEther, treasuryEther } = await import('../chain/devchain.js');
  let devchain;
  try {
    devchain = await startDevchain({
      port,
      host: options.host,
      chainId,
      secrets,
      network: options.network,
      token: options.token,
      blockTimeMs,
      minConfirmations,
      ...(options.testWalletKey === undefined ? {} : { testWalletPrivateKey: options.testWalletKey as Hex }),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new DevchainError(`port ${port} on ${options.host} is already in use: stop what listens there or pass --port (0 picks a free one)`);
    if (code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new DevchainError(`cannot listen on ${options.host}:${port} (${code})`);
    throw error;
  }
  if (options.json === true) {
    const summary = {
      rpcUrl: devchain.rpcUrl,
      chainId: devchain.chainId,
      tokenAddress: devchain.tokenAddress,
      testWalletAddress: devchain.testWallet.address,
      testWalletPrivateKey: devchain.testWallet.privateKey,
      treasuryAddress: devchain.treasuryAddress,
      env: devchain.env,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const tokens = `${formatUnits(devchainTokenBaseUnitsEach, devchain.tokenDecimals)} ${devchain.token}`;
    const lines = [
      `cardrail devchain is running (Hardhat network; ${blockTimeMs === 0 ? 'a block per transaction' : `a block every ${blockTimeMs / 1000} s and per transaction`})`,
      `  RPC URL          ${devchain.rpcUrl}`,
      `  Chain id         ${devchain.chainId}`,
      `  Test token       ${devchain.tokenAddress}  (stands in for ${devchain.token} on ${devchain.network}; ${devchain.tokenDecimals} decimals)`,
      `  Test wallet      ${devchain.testWallet.address}  (holds ${tokens} and ${formatEther(testWalletEther)} ETH less gas; may mint more)`,
      `  Test wallet key  ${devchain.testWallet.privateKey}`,
      `  Treasury         ${devchain.treasuryAddress}  (holds ${tokens} and ${formatEther(treasuryEther)} ETH)`,
      '',
      'Point a server at it (same CARDRAIL_DATA_DIR or CARDRAIL_HD_SEED as this command), e.g.:',
      ...Object.entries(devchain.env).map(([name, value]) => `  ${name}=${value}`),
      '',
      `  ${Object.entries(devchain.env)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ')} npx cardrail serve`,
      '',
      'Ctrl-C stops it (the chain is in memory: it starts afresh each time).',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await devchain.stop();
  if (options.json !== true) process.stdout.write('Stopped.\n');
}

interface SendOptions {
  rpcUrl: string;
  key: string;
  tokenAddress: string;
  to: string;
  amount: string;
}

/** `cardrail devchain send`: the test wallet (or any key) sends test tokens, as a user's wallet would. */
async function sendTokens(options: SendOptions): Promise<void> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(options.key)) throw new DevchainError('--key must be a 0x-prefixed 32-byte private key (the test wallet key devchain printed)');
  for (const [option, value] of [['--token-address', options.tokenAddress], ['--to', options.to]] as const) {
    if (!isAddress(value, { strict: false })) throw new DevchainError(`${option} must be an address, got "${value}"`);
  }
  if (!/^\d+(\.\d+)?$/.test(options.amount)) throw new DevchainError(`--amount must be a number of tokens such as 12.345678, got "${options.amount}"`);
  const [{ createPublicClient, createWalletClient, http }, { privateKeyToAccount }, { testTokenAbi }, { devchainDefinition }] = await Promise.all([
    import('viem'),
    import('viem/accounts'),
    import('../chain/test-token/artifact.js'),
    import('../chain/devchain.js'),
  ]);
  const probe = createPublicClient({ transport: http(options.rpcUrl), cacheTime: 0 });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch {
    throw new DevchainError(`no chain answers at ${options.rpcUrl}: is cardrail devchain running?`);
  }
  const chain = devchainDefinition(options.rpcUrl, chainId);
  const client = createPublicClient({ chain, transport: http(options.rpcUrl), cacheTime: 0 });
  const wallet = createWalletClient({ account: privateKeyToAccount(options.key as Hex), chain, transport: http(options.rpcUrl) });
  const token = options.tokenAddress as Address;
  const decimals = await client.readContract({ address: token, abi: testTokenAbi, functionName: 'decimals' });
  const amount = parseUnits(options.amount, decimals);
  const hash = await wallet.writeContract({ address: token, abi: testTokenAbi, functionName: 'transfer', args: [options.to as Address, amount] });
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
  if (receipt.status !== 'success') throw new DevchainError(`the transfer ${hash} failed`);
  process.stdout.write(`Sent ${formatUnits(amount, decimals)} (${amount} base units) to ${options.to}\n  transaction  ${hash}\n  block        ${receipt.blockNumber}\n`);
}

export function registerDevchainCommand(program: Command): void {
  const devchain = program
    .command('devchain')
    .description('Run a local EVM chain with a 6-decimal test token and a funded test wallet, and print the variables that point a server at it')
    .option('--port <port>', 'JSON-RPC port (0 picks a free one)', '8545')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--chain-id <id>', 'chain id the node answers', '31337')
    .addOption(new Option('--network <network>', 'the network whose watcher the printed variables point here').choices([...evmFundingNetworks]).default('base'))
    .addOption(new Option('--token <token>', 'the token the test token stands in for').choices(['USDC', 'USDT']).default('USDC'))
    .option('--block-time <seconds>', 'also mine a block this often (0: only one per transaction)', '2')
    .option('--min-confirmations <n>', 'confirmations the printed variables ask the watcher for', '3')
    .option('--test-wallet-key <privateKey>', 'the test wallet (default: a new one); the same key deploys the token at the same address after a restart')
    .option('--json', 'print one JSON line {rpcUrl, chainId, tokenAddress, testWalletAddress, testWalletPrivateKey, treasuryAddress, env}')
    .action(runDevchain);
  devchain
    .command('send')
    .description('Send test tokens from a wallet on a running devchain (a deposit, as a user would make it)')
    .requiredOption('--rpc-url <url>', 'the devchain RPC URL')
    .requiredOption('--key <privateKey>', 'the sending wallet key (the test wallet key devchain printed)')
    .requiredOption('--token-address <address>', 'the token contract (devchain printed it)')
    .requiredOption('--to <address>', 'where to send: a deposit address from GET /v1/users/{id}/funding')
    .requiredOption('--amount <tokens>', 'how many tokens, e.g. 12.345678')
    .action(sendTokens);
}
