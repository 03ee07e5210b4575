// Builds a running cardrail from configuration: store (migrated), clock, logger, rate limiter, HTTP server and
// background sweepers. `npm start`, the CLI and the tests all come through here.
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppContext } from './app-context.js';
import { systemClock } from './clock.js';
import type { Config } from './config.js';
import type { Clock } from './domain/clock.js';
import { lapseClaimsOfEndedProcess } from './http/idempotency.js';
import { createLogger } from './http/logger.js';
import type { NetworkSettings } from './network/authorize.js';
import { AuthorizationEngine, type Authorizer } from './network/engine.js';
import { ThreadedAuthorizationEngine } from './network/engine-thread.js';
import type { AgentStatusFollower } from './modules/agents/service.js';
import { cardsFollowAgentStatus } from './modules/cards/service.js';
import { EventStreamHub } from './modules/events/stream.js';
import { recordUserBalanceUpdates } from './modules/users/balance-events.js';
import { RateLimiter } from './http/rate-limit.js';
import { buildServer, type ServerOptions } from './http/server.js';
import type { Database } from './store/database.js';
import { migrate } from './store/migrate.js';
import { openDatabase } from './store/open.js';
import { SqliteDatabase } from './store/sqlite/database.js';
import { startIdempotencySweeper } from './http/idempotency-sweeper.js';
import { startDueWorkTimer } from './workers/due-work.js';
import { startChainWatchers } from './workers/chain-watcher.js';
import { ChainWatchStatus } from './chain/watch-status.js';
import { startWithdrawalSender } from './workers/withdrawal-sender.js';
import { startIssuerCardUpdates } from './workers/issuer-card-updates.js';
import { LithicCardIssuer } from './network/issuers/lithic/card-issuer.js';
import type { CardIssuers } from './network/issuer.js';
import { loadSecrets, type Secrets } from './secrets.js';

const redisReadyTimeoutMs = 5_000;

export interface CreateAppOptions extends ServerOptions {
  config: Config;
  db?: Database;
  clock?: Clock;
  logger?: Logger;
  secrets?: Secrets;
  /** Run background sweepers (off in most tests, which drive them directly). */
  workers?: boolean;
}

/** The authorization engine: on its own thread for a SQLite file, so HTTP and the batches' commits use both cores. */
function authorizerFor(db: Database, settings: NetworkSettings): Authorizer {
  if (db instanceof SqliteDatabase && db.location !== ':memory:') return new ThreadedAuthorizationEngine(db, settings);
  return new AuthorizationEngine(db, settings);
}

export interface RunningApp {
  context: AppContext;
  server: FastifyInstance;
  close(): Promise<void>;
}

export async function createApp(options: CreateAppOptions): Promise<RunningApp> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const ownsDatabase = options.db === undefined;
  const db = options.db ?? (await openDatabase(config));
  await migrate(db, clock.nowMs());
  // One user.balance.updated per user and transaction that moved their balance, recorded before it commits.
  const removeBalanceEvents = db.addCommitStep(recordUserBalanceUpdates);
  // An agent's cards follow its status, in the transaction of every change (the API, MCP, the limit and risk rules):
  // suspending freezes them, activating unfreezes them, deregistering closes them. The engine thread wires the same.
  const followAgentStatus: AgentStatusFollower = cardsFollowAgentStatus;
  if (ownsDatabase && db.dialect === 'sqlite') {
    // One process serves an SQLite store: claims left in flight belong to a process that ended (a crash, kill -9).
    const lapsed = await lapseClaimsOfEndedProcess(db);
    if (lapsed > 0) logger.warn({ lapsed }, 'idempotency claims left by an ended process lapsed; their retries run again');
  }

  let redis: Redis | undefined;
  if (config.redisUrl !== undefined) {
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
    // Serve only once the shared buckets are reachable (or after a short wait, failing open with a warning).
    const connection = redis;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn('redis not ready after 5 s; starting without shared rate limits until it connects');
        resolve();
      }, redisReadyTimeoutMs);
      connection.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  const rateLimiter = new RateLimiter(config.rateLimits, redis, (error) => logger.warn({ err: error }, 'rate limiter store unavailable; request allowed'));
  const secrets = options.secrets ?? loadSecrets(config.dataDir);
  const eventStreams = new EventStreamHub(db, config.eventStream);
  const authorizations = authorizerFor(db, { secrets, settlementDelayMs: config.settlementDelayMs, followAgentStatus });
  // A serving process starts the engine's thread now, so its first authorizations do not wait for it.
  if (options.workers === true && authorizations instanceof ThreadedAuthorizationEngine) await authorizations.start();
  const chainWatch = new ChainWatchStatus();
  const issuers: CardIssuers = config.lithic === undefined ? {} : { lithic: new LithicCardIssuer(config.lithic) };
  const context: AppContext = { db, clock, config, logger, rateLimiter, secrets, eventStreams, authorizations, chainWatch, followAgentStatus, issuers };
  const server = await buildServer(context, options);
  const stopSweeper = options.workers === true ? startIdempotencySweeper(context) : () => {};
  const stopDueWork = options.workers === true ? startDueWorkTimer(context) : () => {};
  // One deposit watcher per chain with an RPC URL (docs/funding.md).
  const stopChainWatchers = options.workers === true ? startChainWatchers(context) : async () => {};
  // Live withdrawals on the networks with an RPC (CARDRAIL_RPC_URL_<NETWORK>); nothing runs when none has one.
  const stopWithdrawalSender = options.workers === true ? startWithdrawalSender(context) : async () => {};
  // Card freezes, unfreezes and closures of processors' cards, mirrored there (nothing runs without a processor).
  const stopIssuerCardUpdates = options.workers === true && Object.keys(issuers).length > 0 ? startIssuerCardUpdates(context) : async () => {};

  return {
    context,
    server,
    async close() {
      stopSweeper();
      stopDueWork();
      await stopChainWatchers();
      await stopWithdrawalSender();
      await stopIssuerCardUpdates();
      // Open event streams would hold the server open: they end first, and their clients reconnect elsewhere.
      await eventStreams.close();
      await server.close();
      await authorizations.close();
      redis?.disconnect();
      removeBalanceEvents();
      if (ownsDatabase) await db.close();
    },
  };
}
