// `cardrail simulate authorize|clear|void|refund|deposit`: drive the sandbox card network and chain watcher of a
// running server over HTTP (SPEC §8), with a sandbox API key. Each prints the resulting object — a readable line,
// or the API's JSON with --json — and exits 1 on an API error, printing its code and message.
import { Command } from 'commander';
import { defaultPort, loadConfig } from '../config.js';
import { findFundingMethod } from '../domain/funding-networks.js';
import { SandboxKeyMissing, sandboxKeyFileName, sandboxKeyFor } from './sandbox-key.js';

export const defaultServerUrl = `http://127.0.0.1:${defaultPort}`;
const requestTimeoutMs = 30_000;
/** USDC and USDT have 6 decimals on every supported network; an unknown pair is the server's to reject. */
const defaultTokenDecimals = 6;

interface ConnectionOptions {
  url: string;
  key?: string;
  json?: boolean;
  idempotencyKey?: string;
}

/** A problem found before or instead of an API answer (bad option, server unreachable). */
export class SimulateError extends Error {}

/** The API answered with its error envelope (SPEC §3). */
export class SimulateApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | undefined,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** `1999` → 1999 cents. Amounts of card network calls are whole cents, as in the API. */
export function parseCents(value: string, option = '--amount'): number {
  const text = value.trim();
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new SimulateError(`${option} must be a positive whole number of cents, e.g. 1999 for $19.99 (got "${value}")`);
  return Number(text);
}

/**
 * `25.00` dollars (tokens) → `"25000000"` base units of a token with `decimals` decimals, exactly (string
 * arithmetic, no floating point). At most `decimals` decimal places.
 */
export function dollarsToBaseUnits(value: string, decimals: number): string {
  const match = /^(\d{1,15})(?:\.(\d*))?$/.exec(value.trim().replace(/^\$/, ''));
  if (match === null) throw new SimulateError(`--amount must be an amount of tokens (1 token = 1 USD) such as 25 or 25.00 (got "${value}")`);
  const [, whole, fraction = ''] = match;
  if (fraction.length > decimals) throw new SimulateError(`--amount has more than ${decimals} decimal places (got "${value}")`);
  const units = `${whole}${fraction.padEnd(decimals, '0')}`.replace(/^0+(?=\d)/, '');
  if (/^0+$/.test(units)) throw new SimulateError(`--amount must be more than zero (got "${value}")`);
  return units;
}

function endpoint(base: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new SimulateError(`--url ${base} is not a URL (e.g. ${defaultServerUrl})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SimulateError(`--url must be http:// or https://, not ${url.protocol}`);
  return new URL(`${url.pathname.replace(/\/+$/, '')}${path}`, url);
}

/** POSTs `body` to the server with the API key; the parsed JSON answer, or SimulateApiError for a 4xx/5xx. */
export async function postToServer(options: ConnectionOptions, path: string, body: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
  const key = sandboxKeyFor(options.key, loadConfig().dataDir);
  const url = endpoint(options.url, path);
  const headers: Record<string, string> = { 'Api-Key': key, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(requestTimeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new SimulateError(`cannot reach ${url.origin} (${reason}); is \`cardrail serve\` running there? (--url)`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown; param?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : `http_${response.status}`;
    const message = typeof error?.message === 'string' ? error.message : text.slice(0, 200) || response.statusText;
    throw new SimulateApiError(response.status, code, message, typeof error?.param === 'string' ? error.param : undefined, parsed ?? text);
  }
  if (parsed === null || typeof parsed !== 'object') throw new SimulateError(`${url.origin} answered ${response.status} without a JSON object`);
  return parsed as Record<string, unknown>;
}

function dollars(cents: unknown): string {
  return typeof cents === 'number' ? `$${(cents / 100).toFixed(2)}` : '—';
}

/** One readable line for a transaction, e.g. `txn_… pending $19.99 USD at AMZN Mktp US (amazon), card card_…`. */
export function describeTransaction(transaction: Record<string, unknown>): string {
  const merchant = (transaction.merchant ?? {}) as { name?: string; normalizedName?: string };
  let head = `${String(transaction.id)} ${String(transaction.status)} ${dollars(transaction.amount)} ${String(transaction.currency ?? 'USD')}`;
  if (merchant.name !== undefined) head += ` at ${merchant.name}${merchant.normalizedName ? ` (${merchant.normalizedName})` : ''}`;
  if (transaction.status === 'declined') head += ` — declined: ${String(transaction.declineReason)}${transaction.declineDetail ? ` (${String(transaction.declineDetail)})` : ''}`;
  const extras: string[] = [];
  if (typeof transaction.settledAmount === 'number' && transaction.settledAmount > 0) extras.push(`settled ${dollars(transaction.settledAmount)}`);
  if (typeof transaction.refundedAmount === 'number' && transaction.refundedAmount > 0) extras.push(`refunded ${dollars(transaction.refundedAmount)}`);
  if (typeof transaction.intentMatch === 'string') extras.push(`intent ${transaction.intentMatch}`);
  if (typeof transaction.cardId === 'string') extras.push(`card ${transaction.cardId}`);
  return extras.length === 0 ? head : `${head}, ${extras.join(', ')}`;
}

/** One readable line for a deposit, e.g. `dep_… completed: 25000000 USDC base units on base, $25.00 credited to user_…`. */
export function describeDeposit(deposit: Record<string, unknown>): string {
  const head = `${String(deposit.id)} ${String(deposit.status)}: ${String(deposit.amount)} ${String(deposit.token)} base units on ${String(deposit.network)}`;
  if (deposit.status === 'rejected') return `${head} — rejected: ${String(deposit.rejectionReason)}`;
  if (deposit.status === 'pending') {
    return `${head}, ${dollars(deposit.amountCents)} for ${String(deposit.userId)} once confirmed (${String(deposit.confirmations)}/${String(deposit.minConfirmations)} confirmations; advance the sandbox clock)`;
  }
  return `${head}, ${dollars(deposit.amountCents)} credited to ${String(deposit.userId)}`;
}

function print(options: ConnectionOptions, result: Record<string, unknown>, describe: (object: Record<string, unknown>) => string): void {
  process.stdout.write(`${options.json === true ? JSON.stringify(result) : describe(result)}\n`);
}

/** Runs an action; API and usage errors print `cardrail: code: message` and set exit code 1. */
function action<Args extends unknown[]>(run: (...args: Args) => Promise<void>): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      await run(...args);
    } catch (error) {
      if (error instanceof SimulateApiError) {
        const command = args.find((arg): arg is Command => arg instanceof Command);
        if (command?.opts<ConnectionOptions>().json === true) process.stdout.write(`${JSON.stringify(error.body)}\n`);
        process.stderr.write(`cardrail: ${error.code}: ${error.message}${error.param === undefined ? '' : ` (param: ${error.param})`} [HTTP ${error.status}]\n`);
        process.exitCode = 1;
        return;
      }
      if (error instanceof SimulateError || error instanceof SandboxKeyMissing) {
        process.stderr.write(`cardrail: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  };
}

function withConnection(command: Command): Command {
  return command
    .option('--url <url>', 'the cardrail server', defaultServerUrl)
    .option('--key <key>', `a sandbox API key (default: $CARDRAIL_API_KEY, else ${sandboxKeyFileName} in the data directory)`)
    .option('--idempotency-key <key>', 'sent as Idempotency-Key: a retry with the same key answers the original result')
    .option('--json', 'print the API object as JSON');
}

function transactionPath(id: string, verb: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new SimulateError(`"${id}" is not a transaction id (txn_…)`);
  return `/v1/sandbox/transactions/${id}/${verb}`;
}

export function registerSimulateCommands(program: Command): void {
  const simulate = program
    .command('simulate')
    .description('Drive the sandbox card network and chain of a running server over HTTP (sandbox API key)')
    .addHelpText('after', `\nExamples:\n  cardrail simulate authorize --card card_… --amount 1999 --merchant "AMZN Mktp US"\n  cardrail simulate clear txn_… --amount 1500\n  cardrail simulate deposit --user user_… --amount 25.00 --network base --token USDC`);

  withConnection(
    simulate
      .command('authorize')
      .description('A merchant presents a card: answers the transaction, approved (pending) or declined')
      .option('--card <id>', 'the card by id (card_…)')
      .option('--pan <number>', 'or the card number, with --cvv and --expiry')
      .option('--cvv <cvv>', 'the card verification value')
      .option('--expiry <MM/YYYY>', 'the expiry printed on the card')
      .requiredOption('--amount <cents>', 'whole cents, e.g. 1999 for $19.99')
      .requiredOption('--merchant <name>', 'the descriptor as the network sends it, e.g. "AMZN Mktp US*2K4TY7"')
      .option('--mcc <code>', '4-digit merchant category code')
      .option('--city <city>', 'merchant city')
      .option('--country <code>', 'merchant country, ISO 3166-1 alpha-2'),
  ).action(
    action(async (options: ConnectionOptions & { card?: string; pan?: string; cvv?: string; expiry?: string; amount: string; merchant: string; mcc?: string; city?: string; country?: string }) => {
      const body: Record<string, unknown> = { amount: parseCents(options.amount), merchant: { name: options.merchant, mcc: options.mcc, city: options.city, country: options.country } };
      if (options.card !== undefined) {
        if (options.pan !== undefined) throw new SimulateError('pass --card or --pan, not both');
        body.cardId = options.card;
      } else if (options.pan !== undefined) {
        const expiry = /^(\d{1,2})\/(\d{4})$/.exec(options.expiry ?? '');
        if (options.cvv === undefined || expiry === null) throw new SimulateError('--pan needs --cvv and --expiry MM/YYYY');
        Object.assign(body, { pan: options.pan, cvv: options.cvv, expirationMonth: expiry[1]!.padStart(2, '0'), expirationYear: expiry[2] });
      } else {
        throw new SimulateError('name the card: --card card_… (or --pan with --cvv and --expiry)');
      }
      print(options, await postToServer(options, '/v1/sandbox/authorizations', body), describeTransaction);
    }),
  );

  withConnection(
    simulate
      .command('clear <transaction>')
      .description('The merchant captures a pending authorization (less releases the rest, more draws the difference)')
      .option('--amount <cents>', 'whole cents (default: the authorized amount)'),
  ).action(
    action(async (id: string, options: ConnectionOptions & { amount?: string }) => {
      const body = options.amount === undefined ? {} : { amount: parseCents(options.amount) };
      print(options, await postToServer(options, transactionPath(id, 'clear'), body), describeTransaction);
    }),
  );

  withConnection(simulate.command('void <transaction>').description('The merchant reverses a pending authorization; the hold is released')).action(
    action(async (id: string, options: ConnectionOptions) => {
      print(options, await postToServer(options, transactionPath(id, 'void'), undefined), describeTransaction);
    }),
  );

  withConnection(
    simulate
      .command('refund <transaction>')
      .description('The merchant refunds a settled transaction, fully or in part')
      .option('--amount <cents>', 'whole cents (default: all that is left to refund)'),
  ).action(
    action(async (id: string, options: ConnectionOptions & { amount?: string }) => {
      const body = options.amount === undefined ? {} : { amount: parseCents(options.amount) };
      print(options, await postToServer(options, transactionPath(id, 'refund'), body), describeTransaction);
    }),
  );

  withConnection(
    simulate
      .command('deposit')
      .description("The sandbox chain watcher sees a stablecoin transfer to a user's deposit address")
      .requiredOption('--user <id>', 'the user (user_…)')
      .requiredOption('--amount <tokens>', 'tokens, 1 token = 1 USD, e.g. 25.00 (sent as 6-decimal base units)')
      .option('--network <network>', 'base, ethereum, polygon, arbitrum, optimism or solana', 'base')
      .option('--token <token>', 'USDC or USDT', 'USDC')
      .option('--confirmations <n>', "confirmations already seen (default: the network's minimum, so it is credited at once; 0 leaves it pending)")
      .option('--tx-hash <hash>', 'the chain transaction (default: a random hash); the same hash again is the same deposit'),
  ).action(
    action(async (options: ConnectionOptions & { user: string; amount: string; network: string; token: string; confirmations?: string; txHash?: string }) => {
      const method = findFundingMethod(options.network.toLowerCase(), options.token.toUpperCase());
      let confirmations = method?.minConfirmations ?? 0;
      if (options.confirmations !== undefined) {
        if (!/^\d{1,7}$/.test(options.confirmations.trim())) throw new SimulateError(`--confirmations must be a whole number (got "${options.confirmations}")`);
        confirmations = Number(options.confirmations);
      }
      const body: Record<string, unknown> = {
        userId: options.user,
        network: options.network,
        token: options.token,
        amount: dollarsToBaseUnits(options.amount, method?.decimals ?? defaultTokenDecimals),
        confirmations,
      };
      if (options.txHash !== undefined) body.txHash = options.txHash;
      print(options, await postToServer(options, '/v1/sandbox/deposits', body), describeDeposit);
    }),
  );
}
