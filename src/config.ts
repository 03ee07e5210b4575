// Configuration from the environment, read once at start. README's configuration table lists every variable.
import { resolve } from 'node:path';
import { evmFundingNetworks, findFundingMethod, fundingTokens, networkDefinitions, type EvmFundingNetwork, type FundingToken } from './domain/funding-networks.js';

export interface RateLimitRule {
  perMinute: number;
  burst: number;
}

export type RateLimitClass = 'read' | 'write' | 'cardCreate';

export interface RateLimitConfig {
  read: RateLimitRule;
  write: RateLimitRule;
  cardCreate: RateLimitRule;
  /** Sandbox credentials get this many times the live limits (tests and load scripts create many resources). */
  sandboxMultiplier: number;
}

/** The event stream, GET /v1/events/stream (docs/webhooks.md). */
export interface EventStreamConfig {
  /** CARDRAIL_EVENT_STREAM_HEARTBEAT_SECONDS: a `: heartbeat` comment this often keeps proxies from closing an idle stream. */
  heartbeatIntervalMs: number;
  /**
   * CARDRAIL_EVENT_STREAM_POLL_MS: how often open streams look for events committed by other processes (several API
   * processes on one PostgreSQL, `cardrail keys` beside a server). This process's own commits wake them at once.
   */
  pollIntervalMs: number;
  /** CARDRAIL_EVENT_STREAMS_PER_CREDENTIAL: open streams per API key in this process; one more answers 429 too_many_streams. */
  streamsPerCredentialMax: number;
  /** CARDRAIL_EVENT_STREAMS_MAX: open streams in this process, all credentials together; one more answers 503. */
  streamsMax: number;
}

/** Webhook delivery (docs/webhooks.md): every bound the delivery worker works within. */
export interface WebhookConfig {
  /** CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS: live endpoints may reach private, loopback and link-local addresses. */
  allowPrivateNetworksInLive: boolean;
  /** CARDRAIL_WEBHOOK_TIMEOUT_SECONDS: a receiver must answer 2xx within this (SPEC §6: 30 s). */
  requestTimeoutMs: number;
  /** CARDRAIL_WEBHOOK_CONCURRENCY: requests in flight per process, all endpoints together. */
  concurrencyMax: number;
  /** CARDRAIL_WEBHOOK_ENDPOINT_CONCURRENCY: requests in flight per process to one endpoint. */
  endpointConcurrencyMax: number;
  /** How often the worker looks for new events and due deliveries when idle. */
  pollIntervalMs: number;
  /** Events fanned out per transaction. */
  fanOutBatchSize: number;
}

/** A real EVM chain the deposit watcher reads (docs/funding.md), configured by CARDRAIL_RPC_URL_<NETWORK>. */
export interface ChainConfig {
  network: EvmFundingNetwork;
  /** CARDRAIL_RPC_URL_<NETWORK>: an http(s) JSON-RPC endpoint. */
  rpcUrl: string;
  /** CARDRAIL_CHAIN_ID_<NETWORK>: the chain id the node must answer (default the network's own, e.g. 8453 for base). */
  chainId: number;
  /** CARDRAIL_TOKEN_ADDRESS_<NETWORK>_<TOKEN>: a token contract replacing the mainnet one (a development chain's). */
  tokenAddresses: Partial<Record<FundingToken, `0x${string}`>>;
  /** CARDRAIL_MIN_CONFIRMATIONS_<NETWORK>: how deep a deposit must be to be credited (default the network's own). */
  minConfirmations: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  logLevel: string;
  bodyLimitBytes: number;
  trustProxy: boolean;
  rateLimits: RateLimitConfig;
  idempotencyRetentionMs: number;
  /** How long after authorization a pending transaction settles on its own (weekends skipped); 0: never. */
  settlementDelayMs: number;
  /**
   * CARDRAIL_PUBLIC_URL: the base URL printed at start, put in the OpenAPI `servers` and in the links handed out
   * (verification, passkey enrollment and approval pages); unset, each request's own protocol and host (`publicBaseUrl`).
   */
  publicUrl: string | undefined;
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>`; when unset it is open (docs/runbook.md). */
  metricsToken: string | undefined;
  eventStream: EventStreamConfig;
  webhooks: WebhookConfig;
  /** One entry per EVM network with an RPC URL; empty: no chain is watched (sandbox deposits only). */
  chains: ChainConfig[];
  /** CARDRAIL_CHAIN_POLL_MS: how often each chain watcher asks its node for new blocks. */
  chainPollIntervalMs: number;
  /** CARDRAIL_CHAIN_BLOCKS_PER_CALL: the widest block range of one eth_getLogs call (providers cap it). */
  chainBlocksPerCall: number;
  withdrawals: WithdrawalChainConfig;
  /** The Lithic card program organizations may issue on (docs/issuers.md); undefined: only the sandbox issuer. */
  lithic: LithicConfig | undefined;
}

/** One Lithic card program for the deployment, configured by CARDRAIL_LITHIC_* (docs/issuers.md). */
export interface LithicConfig {
  /** CARDRAIL_LITHIC_API_KEY: the program's API key, for card calls. */
  apiKey: string;
  /** CARDRAIL_LITHIC_ENVIRONMENT: `sandbox` (default) or `production`: which Lithic API the key belongs to. */
  environment: 'sandbox' | 'production';
  /** CARDRAIL_LITHIC_BASE_URL: another API address (a local stand-in); default Lithic's own for the environment. */
  baseUrl: string | undefined;
  /** CARDRAIL_LITHIC_WEBHOOK_SECRET: the `whsec_…` secret Lithic signs transaction events with. */
  webhookSecret: string;
  /** CARDRAIL_LITHIC_ASA_SECRET: the `whsec_…` secret Lithic signs Auth Stream Access requests with. */
  asaSecret: string;
}

/** Live withdrawals on a network with an RPC (docs/funding.md, "Withdrawals on a real chain"). */
export interface WithdrawalChainConfig {
  /**
   * CARDRAIL_WITHDRAWAL_TIMEOUT_SECONDS: a withdrawal not sent this long after it was made fails (its hold released);
   * one sent but not mined this long after it was signed is cancelled at its nonce, and fails once the cancellation is.
   */
  timeoutMs: number;
  /** CARDRAIL_WITHDRAWAL_POLL_MS: how often the sender looks for withdrawals to send and follows those in flight. */
  pollIntervalMs: number;
}

export const defaultWithdrawalChainConfig: WithdrawalChainConfig = { timeoutMs: 3_600_000, pollIntervalMs: 2_000 };

export const defaultPort = 4010;

/**
 * Where this server is reached, for the links it hands out and the pages that check where they were opened (passkey
 * ceremonies): CARDRAIL_PUBLIC_URL, else the request's own protocol and host.
 */
export function publicBaseUrl(config: Pick<Config, 'publicUrl'>, request: { protocol: string; host: string }): string {
  return config.publicUrl ?? `${request.protocol}://${request.host}`;
}

/** A variable with a value cardrail cannot use: the CLI prints the message alone, without a stack trace. */
export class ConfigError extends Error {}

export const defaultEventStreamConfig: EventStreamConfig = {
  heartbeatIntervalMs: 15_000,
  pollIntervalMs: 1_000,
  streamsPerCredentialMax: 5,
  streamsMax: 1_000,
};

export const defaultWebhookConfig: WebhookConfig = {
  allowPrivateNetworksInLive: false,
  requestTimeoutMs: 30_000,
  concurrencyMax: 32,
  endpointConcurrencyMax: 4,
  pollIntervalMs: 250,
  fanOutBatchSize: 200,
};

export const defaultRateLimits: RateLimitConfig = {
  read: { perMinute: 100, burst: 20 },
  write: { perMinute: 30, burst: 10 },
  cardCreate: { perMinute: 10, burst: 5 },
  sandboxMultiplier: 100,
};

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

function integerInRange(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  const parsed = integer(name, value, fallback);
  if (parsed < min || parsed > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return parsed;
}

/** `CARDRAIL_RATE_LIMIT_WRITE=30/10` means 30 a minute with a burst of 10. */
function rateRule(name: string, value: string | undefined, fallback: RateLimitRule): RateLimitRule {
  if (value === undefined || value === '') return fallback;
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (match === null) throw new ConfigError(`${name} must look like PER_MINUTE/BURST (e.g. 30/10), got "${value}"`);
  return { perMinute: Number(match[1]), burst: Number(match[2]) };
}

function chainId(name: string, value: string | undefined, fallback: number): number {
  const parsed = integer(name, value, fallback);
  if (parsed < 1) throw new ConfigError(`${name} must be a positive integer, got "${value}"`);
  return parsed;
}

/** The chains configured by CARDRAIL_RPC_URL_<NETWORK>; an override for a network without an RPC URL is a mistake. */
function chainConfigs(env: NodeJS.ProcessEnv): ChainConfig[] {
  const chains: ChainConfig[] = [];
  for (const network of evmFundingNetworks) {
    const suffix = network.toUpperCase();
    const rpcName = `CARDRAIL_RPC_URL_${suffix}`;
    const rpcUrl = env[rpcName] || undefined;
    const overrideNames = Object.keys(env).filter(
      (name) => env[name] !== '' && (name === `CARDRAIL_CHAIN_ID_${suffix}` || name === `CARDRAIL_MIN_CONFIRMATIONS_${suffix}` || name.startsWith(`CARDRAIL_TOKEN_ADDRESS_${suffix}_`)),
    );
    if (rpcUrl === undefined) {
      if (overrideNames.length > 0) throw new ConfigError(`${overrideNames.sort().join(', ')} set but ${rpcName} is not: the overrides apply to a watched chain only`);
      continue;
    }
    let url: URL;
    try {
      url = new URL(rpcUrl);
    } catch {
      throw new ConfigError(`${rpcName} must be an http(s) URL, got "${rpcUrl}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${rpcName} must be an http(s) URL, got "${rpcUrl}"`);
    const tokenAddresses: Partial<Record<FundingToken, `0x${string}`>> = {};
    for (const name of overrideNames.filter((candidate) => candidate.startsWith(`CARDRAIL_TOKEN_ADDRESS_${suffix}_`))) {
      const token = name.slice(`CARDRAIL_TOKEN_ADDRESS_${suffix}_`.length);
      const known = fundingTokens.find((candidate) => candidate === token);
      if (known === undefined || findFundingMethod(network, known) === undefined) {
        throw new ConfigError(`${name}: ${token} is not a token cardrail accepts on ${network}`);
      }
      const address = env[name]!.trim();
      if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new ConfigError(`${name} must be a 0x-prefixed 20-byte hexadecimal address, got "${address}"`);
      tokenAddresses[known] = address as `0x${string}`;
    }
    const definition = networkDefinitions[network];
    chains.push({
      network,
      rpcUrl,
      chainId: chainId(`CARDRAIL_CHAIN_ID_${suffix}`, env[`CARDRAIL_CHAIN_ID_${suffix}`], Number(definition.chainId)),
      tokenAddresses,
      minConfirmations: integerInRange(`CARDRAIL_MIN_CONFIRMATIONS_${suffix}`, env[`CARDRAIL_MIN_CONFIRMATIONS_${suffix}`], definition.minConfirmations, 1, 1_000),
    });
  }
  return chains;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: integer('PORT', env.PORT, defaultPort),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.CARDRAIL_DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimitBytes: integer('CARDRAIL_BODY_LIMIT_BYTES', env.CARDRAIL_BODY_LIMIT_BYTES, 1_048_576),
    trustProxy: env.TRUST_PROXY === 'true' || env.TRUST_PROXY === '1',
    rateLimits: {
      read: rateRule('CARDRAIL_RATE_LIMIT_READ', env.CARDRAIL_RATE_LIMIT_READ, defaultRateLimits.read),
      write: rateRule('CARDRAIL_RATE_LIMIT_WRITE', env.CARDRAIL_RATE_LIMIT_WRITE, defaultRateLimits.write),
      cardCreate: rateRule('CARDRAIL_RATE_LIMIT_CARD_CREATE', env.CARDRAIL_RATE_LIMIT_CARD_CREATE, defaultRateLimits.cardCreate),
      sandboxMultiplier: integer('CARDRAIL_RATE_LIMIT_SANDBOX_MULTIPLIER', env.CARDRAIL_RATE_LIMIT_SANDBOX_MULTIPLIER, defaultRateLimits.sandboxMultiplier),
    },
    idempotencyRetentionMs: integer('CARDRAIL_IDEMPOTENCY_RETENTION_HOURS', env.CARDRAIL_IDEMPOTENCY_RETENTION_HOURS, 24) * 3_600_000,
    settlementDelayMs: integer('CARDRAIL_SETTLEMENT_DELAY_SECONDS', env.CARDRAIL_SETTLEMENT_DELAY_SECONDS, 86_400) * 1000,
    publicUrl: env.CARDRAIL_PUBLIC_URL || undefined,
    metricsToken: env.CARDRAIL_METRICS_TOKEN || undefined,
    eventStream: {
      heartbeatIntervalMs: integerInRange('CARDRAIL_EVENT_STREAM_HEARTBEAT_SECONDS', env.CARDRAIL_EVENT_STREAM_HEARTBEAT_SECONDS, 15, 1, 300) * 1000,
      pollIntervalMs: integerInRange('CARDRAIL_EVENT_STREAM_POLL_MS', env.CARDRAIL_EVENT_STREAM_POLL_MS, defaultEventStreamConfig.pollIntervalMs, 50, 60_000),
      streamsPerCredentialMax: integerInRange('CARDRAIL_EVENT_STREAMS_PER_CREDENTIAL', env.CARDRAIL_EVENT_STREAMS_PER_CREDENTIAL, defaultEventStreamConfig.streamsPerCredentialMax, 1, 100),
      streamsMax: integerInRange('CARDRAIL_EVENT_STREAMS_MAX', env.CARDRAIL_EVENT_STREAMS_MAX, defaultEventStreamConfig.streamsMax, 1, 100_000),
    },
    webhooks: {
      ...defaultWebhookConfig,
      allowPrivateNetworksInLive: env.CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true' || env.CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS === '1',
      requestTimeoutMs: integerInRange('CARDRAIL_WEBHOOK_TIMEOUT_SECONDS', env.CARDRAIL_WEBHOOK_TIMEOUT_SECONDS, defaultWebhookConfig.requestTimeoutMs / 1000, 1, 30) * 1000,
      concurrencyMax: integerInRange('CARDRAIL_WEBHOOK_CONCURRENCY', env.CARDRAIL_WEBHOOK_CONCURRENCY, defaultWebhookConfig.concurrencyMax, 1, 1_000),
      endpointConcurrencyMax: integerInRange('CARDRAIL_WEBHOOK_ENDPOINT_CONCURRENCY', env.CARDRAIL_WEBHOOK_ENDPOINT_CONCURRENCY, defaultWebhookConfig.endpointConcurrencyMax, 1, 100),
    },
    chains: chainConfigs(env),
    chainPollIntervalMs: integerInRange('CARDRAIL_CHAIN_POLL_MS', env.CARDRAIL_CHAIN_POLL_MS, 5_000, 100, 3_600_000),
    chainBlocksPerCall: integerInRange('CARDRAIL_CHAIN_BLOCKS_PER_CALL', env.CARDRAIL_CHAIN_BLOCKS_PER_CALL, 500, 1, 10_000),
    withdrawals: {
      timeoutMs: integerInRange('CARDRAIL_WITHDRAWAL_TIMEOUT_SECONDS', env.CARDRAIL_WITHDRAWAL_TIMEOUT_SECONDS, defaultWithdrawalChainConfig.timeoutMs / 1000, 1, 30 * 86_400) * 1000,
      pollIntervalMs: integerInRange('CARDRAIL_WITHDRAWAL_POLL_MS', env.CARDRAIL_WITHDRAWAL_POLL_MS, defaultWithdrawalChainConfig.pollIntervalMs, 50, 600_000),
    },
    lithic: lithicConfig(env),
  };
}

/** CARDRAIL_LITHIC_API_KEY turns the Lithic issuer on; it then needs both signing secrets, or nothing could be verified. */
function lithicConfig(env: NodeJS.ProcessEnv): LithicConfig | undefined {
  const apiKey = env.CARDRAIL_LITHIC_API_KEY || undefined;
  const others = ['CARDRAIL_LITHIC_ENVIRONMENT', 'CARDRAIL_LITHIC_BASE_URL', 'CARDRAIL_LITHIC_WEBHOOK_SECRET', 'CARDRAIL_LITHIC_ASA_SECRET'].filter((name) => (env[name] ?? '') !== '');
  if (apiKey === undefined) {
    if (others.length > 0) throw new ConfigError(`${others.join(', ')} set without CARDRAIL_LITHIC_API_KEY: set the program's API key too, or unset them`);
    return undefined;
  }
  const environment = env.CARDRAIL_LITHIC_ENVIRONMENT || 'sandbox';
  if (environment !== 'sandbox' && environment !== 'production') throw new ConfigError(`CARDRAIL_LITHIC_ENVIRONMENT must be sandbox or production, got "${environment}"`);
  const secret = (name: 'CARDRAIL_LITHIC_WEBHOOK_SECRET' | 'CARDRAIL_LITHIC_ASA_SECRET', where: string): string => {
    const value = env[name] || undefined;
    if (value === undefined) throw new ConfigError(`${name} is required with CARDRAIL_LITHIC_API_KEY: ${where}`);
    if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(value)) throw new ConfigError(`${name} must be a whsec_… secret as Lithic shows it`);
    return value;
  };
  const baseUrl = env.CARDRAIL_LITHIC_BASE_URL || undefined;
  if (baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new ConfigError(`CARDRAIL_LITHIC_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
  return {
    apiKey,
    environment,
    baseUrl,
    webhookSecret: secret('CARDRAIL_LITHIC_WEBHOOK_SECRET', "the event subscription's signing secret in Lithic's dashboard"),
    asaSecret: secret('CARDRAIL_LITHIC_ASA_SECRET', 'GET /v1/auth_stream/secret at Lithic answers it'),
  };
}
