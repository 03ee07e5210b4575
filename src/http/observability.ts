// Request ids, Prometheus metrics and the health endpoints (SPEC §3).
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppError } from '../domain/errors.js';
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

export function installHealthRoutes(server: FastifyInstance, db: Database, registry: Registry): void {
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
  server.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
