// Request ids, Prometheus metrics and the health endpoints (SPEC §3); docs/runbook.md describes them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChainWatchStatus } from '../chain/watch-status.js';
import { AppError } from '../domain/errors.js';
import { withdrawalQueueCounts } from '../modules/withdrawals/chain-sends.js';
import { isFullyMigrated } from '../store/migrate.js';
import type { Database } from '../store/database.js';
import { sendError } from './errors.js';

export function installMetrics(server: FastifyInstance): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'cardrail_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'cardrail_http_errors_total',
    help: 'HTTP error responses by status',
    labelNames: ['status_code'],
    registers: [registry],
  });
  server.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const statusCode = String(reply.statusCode);
    duration.observe({ method: request.method, route, status_code: statusCode }, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400) errors.inc({ status_code: statusCode });
  });
  return registry;
}

/**
 * The deposit watchers' figures (docs/runbook.md): per watched network the head, how far the scan is behind it and
 * the ignored transfers of tokens cardrail does not accept; and pending deposits per network, read from the database
 * at scrape time (every organization and environment).
 */
export function installChainMetrics(registry: Registry, db: Database, chainWatch: ChainWatchStatus): void {
  new Gauge({
    name: 'cardrail_chain_head_block',
    help: 'The chain head the deposit watcher last read, per network',
    labelNames: ['network'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [network, status] of chainWatch.networks) if (status.headBlock !== null) this.set({ network }, status.headBlock);
    },
  });
  new Gauge({
    name: 'cardrail_chain_head_lag_blocks',
    help: 'Blocks between the chain head and the last block scanned for deposits, per network',
    labelNames: ['network'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [network, status] of chainWatch.networks) {
        if (status.headBlock !== null && status.scannedBlock !== null) this.set({ network }, Math.max(0, status.headBlock - status.scannedBlock));
      }
    },
  });
  new Counter({
    name: 'cardrail_chain_unsupported_transfers_total',
    help: 'Transfers of tokens cardrail does not accept to deposit addresses, ignored (not credited), per network',
    labelNames: ['network'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [network, status] of chainWatch.networks) this.inc({ network }, status.unsupportedTransfers);
    },
  });
  new Counter({
    name: 'cardrail_chain_poll_failures_total',
    help: 'Deposit watcher polls that failed (node unreachable, wrong chain id), per network',
    labelNames: ['network'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [network, status] of chainWatch.networks) this.inc({ network }, status.pollFailures);
    },
  });
  new Gauge({
    name: 'cardrail_deposits_pending',
    help: 'Deposits waiting for confirmations, per network',
    labelNames: ['network'],
    registers: [registry],
    async collect() {
      this.reset();
      let rows;
      try {
        rows = await db.all<{ network: string; pending: number }>(`SELECT network, COUNT(*) AS pending FROM deposits WHERE status = 'pending' GROUP BY network`);
      } catch {
        // The database is unreachable (GET /ready says so): the other metrics are still served.
        return;
      }
      for (const row of rows) this.set({ network: row.network }, Number(row.pending));
    },
  });
}

/**
 * `cardrail_withdrawal_queue{network, state}`: live withdrawals waiting to be sent (`waiting`) and sent but neither
 * confirmed nor failed yet (`in_flight`), counted from the database when scraped, so every process reports the same.
 * The networks with an RPC are always present, at 0 when idle.
 */
export function installWithdrawalQueueMetric(registry: Registry, db: Database, chainNetworks: readonly string[]): void {
  new Gauge({
    name: 'cardrail_withdrawal_queue',
    help: 'Live withdrawals waiting to be sent (state="waiting") and in flight on chain (state="in_flight"), per network',
    labelNames: ['network', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      let counts;
      try {
        counts = await withdrawalQueueCounts(db);
      } catch {
        // The database is unreachable (GET /ready says so): the other metrics are still served.
        return;
      }
      for (const network of chainNetworks) {
        this.set({ network, state: 'waiting' }, 0);
        this.set({ network, state: 'in_flight' }, 0);
      }
      for (const row of counts) this.set({ network: row.network, state: row.state === 'inFlight' ? 'in_flight' : 'waiting' }, row.count);
    },
  });
}

/**
 * Whether the request carries `Authorization: Bearer <metricsToken>`. The digests are compared, so the comparison
 * takes the same time whatever is presented, its length included.
 */
function presentsMetricsToken(request: FastifyRequest, metricsToken: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  const equal = timingSafeEqual(digest(match?.[1] ?? ''), digest(metricsToken));
  return match !== null && equal;
}

/** `metricsToken`: when set, `/metrics` answers only requests that present it (CARDRAIL_METRICS_TOKEN). */
export function installHealthRoutes(server: FastifyInstance, db: Database, registry: Registry, metricsToken: string | undefined): void {
  server.get('/health', async () => ({ status: 'ok' }));
  server.get('/ready', async (request, reply) => {
    try {
      await db.ping();
      if (!(await isFullyMigrated(db))) throw new Error('migrations are not applied');
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      return sendError(reply, request, new AppError('service_unavailable'));
    }
    return { status: 'ready', database: db.dialect };
  });
  server.get('/metrics', async (request, reply) => {
    if (metricsToken !== undefined) {
      const challenge = { 'WWW-Authenticate': 'Bearer realm="cardrail metrics"' };
      if (request.headers.authorization === undefined) return sendError(reply, request, new AppError('missing_metrics_token', {}, challenge));
      if (!presentsMetricsToken(request, metricsToken)) return sendError(reply, request, new AppError('invalid_metrics_token', {}, challenge));
    }
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
