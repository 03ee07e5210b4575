// What every module and route receives: the database, the wall clock, configuration and shared services.
import type { Authorizer } from './network/engine.js';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Clock } from './domain/clock.js';
import type { Database } from './store/database.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { Secrets } from './secrets.js';
import type { EventStreamHub } from './modules/events/stream.js';
import type { ChainWatchStatus } from './chain/watch-status.js';
import type { CardIssuers } from './network/issuer.js';
import type { AgentStatusFollower } from './modules/agents/service.js';

export interface AppContext {
  db: Database;
  clock: Clock;
  config: Config;
  logger: Logger;
  rateLimiter: RateLimiter;
  secrets: Secrets;
  /** The open event streams of this process (GET /v1/events/stream). */
  eventStreams: EventStreamHub;
  /** Decides the sandbox network's authorizations in batches (src/network/engine.ts). */
  authorizations: Authorizer;
  /** What this process's chain watchers last saw, for /metrics. */
  chainWatch: ChainWatchStatus;
  /** The issuer-processors configured for this deployment (none: every card is the sandbox simulator's). */
  issuers: CardIssuers;
  /** What an agent's status change also does in its transaction: its cards follow (src/app.ts wires it). */
  followAgentStatus: AgentStatusFollower;
}
