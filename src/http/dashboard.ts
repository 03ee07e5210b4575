// Serves the operator dashboard (the built single-page app in dist/dashboard) at /dashboard: hashed assets cached
// for a year, index.html for every other path under /dashboard (deep links), a strict Content-Security-Policy on all
// of it, and a page saying how to build it when the build is missing. The app itself only calls the public /v1 API.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/dashboard of this package, from src/http (tsx) and from dist/http (built) alike. */
export function defaultDashboardDirectory(): string {
  return fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));
}

/**
 * Only this origin, no inline script or style, no plugins, no framing. The app sets element styles through the DOM
 * (React's `style` property and the chart library write CSSOM properties), which `style-src 'self'` permits; no
 * `style` attribute or `<style>` element is ever in the markup.
 */
export const dashboardContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders: Record<string, string> = {
  'content-security-policy': dashboardContentSecurityPolicy,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
};

const immutableMaxAgeMs = 365 * 24 * 3600 * 1000;

const notBuiltPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>cardrail dashboard not built</title></head>
<body>
<main>
<h1>The cardrail dashboard has not been built</h1>
<p>This server found no built dashboard (dist/dashboard/index.html). In a checkout of cardrail, run
<code>npm run build</code> (or <code>npm start</code>, which builds what is missing) and start the server again.</p>
<p>The API is available at <a href="/v1">/v1</a> and its reference at <a href="/docs">/docs</a>.</p>
</main>
</body>
</html>
`;

export function installDashboard(server: FastifyInstance, directory: string = defaultDashboardDirectory()): void {
  const indexPath = join(directory, 'index.html');
  const built = existsSync(indexPath);
  // An encapsulated context: its hook sets the headers on the dashboard's responses only.
  void server.register(async (dashboard) => {
    dashboard.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(securityHeaders);
      return payload;
    });
    // The file server refuses a bad or escaping path (`..`, a NUL) with a 4xx: to the browser that is no such file.
    dashboard.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return reply.callNotFound();
      throw error;
    });
    if (!built) {
      const sendNotBuilt = async (_request: unknown, reply: FastifyReply) =>
        reply.code(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(notBuiltPage);
      dashboard.get('/dashboard', sendNotBuilt);
      dashboard.get('/dashboard/*', sendNotBuilt);
      return;
    }
    await dashboard.register(fastifyStatic, {
      root: join(directory, 'assets'),
      prefix: '/dashboard/assets/',
      decorateReply: false,
      index: false,
      list: false,
      dotfiles: 'deny',
      // File names carry a hash of their content: a changed file is a new URL (public, max-age=31536000, immutable).
      maxAge: immutableMaxAgeMs,
      immutable: true,
    });
    const sendIndex = async (_request: unknown, reply: FastifyReply) =>
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(await readFile(indexPath));
    dashboard.get('/dashboard', sendIndex);
    // Every other path is a screen of the app (a deep link such as /dashboard/cards/card_…): the app routes it.
    dashboard.get('/dashboard/*', sendIndex);
  });
}
