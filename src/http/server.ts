// Assembles the Fastify server: logging, request ids, body parsing, errors, health, OpenAPI, docs and routes.
import Fastify, { type FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { AppContext } from '../app-context.js';
import { newId } from '../domain/ids.js';
import { registerApprovalJwksRoute } from '../modules/approvals/jwks-route.js';
import { registerVerificationPages } from '../modules/verification/page-routes.js';
import { registerPasskeyPages } from '../modules/passkeys/page-routes.js';
import { registerApprovalPages } from '../modules/approvals/page-routes.js';
import { registerLithicCallbacks } from '../network/issuers/lithic/routes.js';
import { installMcpEndpoint } from '../mcp/http.js';
import { installDashboard } from './dashboard.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandling, installJsonBodyParsing, maxPathParameterLength } from './errors.js';
import { maxHeaderSize as maxHeaderBytes } from 'node:http';
import { installChainMetrics, installHealthRoutes, installMetrics, installWithdrawalQueueMetric } from './observability.js';
import { buildOpenApiDocument, docsInitScript, docsPage } from './openapi.js';
import type { AnyRouteDefinition } from './route-definition.js';
import { registerRoute } from './route-pipeline.js';
import { allRoutes } from './all-routes.js';

export interface ServerOptions {
  /** Extra routes (tests use this to reach the 5xx path). */
  extraRoutes?: (server: FastifyInstance) => void;
  /** Where the built dashboard is (default dist/dashboard); tests point it at a missing directory. */
  dashboardDirectory?: string;
}

const swaggerFiles: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
};

function swaggerUiDirectory(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve('swagger-ui-dist/package.json'), '..');
}

export async function buildServer(app: AppContext, options: ServerOptions = {}): Promise<FastifyInstance> {
  const server: FastifyInstance = Fastify({
    loggerInstance: app.logger,
    genReqId: () => newId('req'),
    bodyLimit: app.config.bodyLimitBytes,
    trustProxy: app.config.trustProxy,
    return503OnClosing: true,
    routerOptions: { maxParamLength: maxPathParameterLength },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(maxHeaderBytes, app.logger),
  }) as unknown as FastifyInstance;

  server.addHook('onRequest', async (request, reply) => {
    reply.header('Request-Id', request.id);
  });
  installJsonBodyParsing(server);
  installErrorHandling(server, app.config.bodyLimitBytes);
  const registry = installMetrics(server);
  installChainMetrics(registry, app.db, app.chainWatch);
  installWithdrawalQueueMetric(registry, app.db, app.config.chains.map((chain) => chain.network));
  installHealthRoutes(server, app.db, registry, app.config.metricsToken);

  const routes: AnyRouteDefinition[] = [...allRoutes];
  for (const route of routes) registerRoute(server, app, route);

  const openApiDocument = buildOpenApiDocument(routes, app.config.publicUrl);
  server.get('/openapi.json', async () => openApiDocument);
  registerVerificationPages(server, app);
  registerApprovalJwksRoute(server, app);
  registerPasskeyPages(server, app);
  registerApprovalPages(server, app);
  // Lithic's signed callbacks (docs/issuers.md): the processor's signature, not an API key.
  registerLithicCallbacks(server, app);
  // MCP over Streamable HTTP (SPEC §7): its tools call the routes above in process.
  installMcpEndpoint(server, app);
  server.get('/docs', async (_request, reply) => reply.header('content-type', 'text/html; charset=utf-8').send(docsPage()));
  server.get('/docs/static/docs-init.js', async (_request, reply) => reply.header('content-type', 'application/javascript; charset=utf-8').send(docsInitScript));
  const swaggerDirectory = swaggerUiDirectory();
  server.get<{ Params: { file: string } }>('/docs/static/:file', async (request, reply) => {
    const contentType = swaggerFiles[request.params.file];
    if (contentType === undefined) return reply.callNotFound();
    return reply.header('content-type', contentType).header('cache-control', 'public, max-age=86400').send(await readFile(join(swaggerDirectory, request.params.file)));
  });

  // The operator dashboard (SPEC §8), a single-page app over the public API above.
  installDashboard(server, options.dashboardDirectory);

  options.extraRoutes?.(server);
  return server;
}
