// The hosted enrollment page, `/enroll/{token}`, its two JSON endpoints (the ceremony's options, its result) and the
// script they run, `/hosted/passkeys.js`: public (the token is the capability), so registered on Fastify directly
// rather than through the /v1 pipeline. The JSON endpoints answer errors in the API's envelope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { publicBaseUrl } from '../../config.js';
import { AppError } from '../../domain/errors.js';
import { passkeysBrowserScript, passkeysScriptPath } from './browser-script.js';
import { completeEnrollmentCeremony, enrollmentTokenPrefix, findEnrollmentLink, startEnrollmentCeremony } from './enrollment.js';
import { hostedPageHeaders, type RenderedPage } from '../../http/hosted-page.js';
import { renderEnrollmentPage } from './page.js';

// The page runs one script, from this server, which talks to this server only.
const pageHeaders = hostedPageHeaders(true);

const ceremonyHeaders = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

const scriptHeaders = {
  'content-type': 'text/javascript; charset=utf-8',
  // Revalidated on every use, so a deployment's new script is picked up at once.
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
};

/** What every token this server issues looks like; anything else is no link and never reaches the database. */
const tokenPattern = new RegExp(`^${enrollmentTokenPrefix}[A-Za-z0-9_-]{43}$`);

function sendPage(reply: FastifyReply, page: RenderedPage): FastifyReply {
  return reply.code(page.statusCode).headers(pageHeaders).send(page.html);
}

type TokenRequest = FastifyRequest<{ Params: { token: string } }>;

function tokenOf(request: TokenRequest): string {
  const { token } = request.params;
  if (!tokenPattern.test(token)) throw new AppError('passkey_enrollment_not_found');
  return token;
}

export function registerPasskeyPages(server: FastifyInstance, app: AppContext): void {
  server.get(passkeysScriptPath, async (_request, reply) => reply.headers(scriptHeaders).send(passkeysBrowserScript));

  server.get<{ Params: { token: string } }>('/enroll/:token', async (request, reply) => {
    const { token } = request.params;
    if (!tokenPattern.test(token)) return sendPage(reply, renderEnrollmentPage(token, { kind: 'notFound' }));
    return sendPage(reply, renderEnrollmentPage(token, await findEnrollmentLink(app.db, token, app.clock.nowMs(), false)));
  });

  server.post<{ Params: { token: string } }>('/enroll/:token/options', async (request, reply) => {
    const token = tokenOf(request);
    const baseUrl = publicBaseUrl(app.config, request);
    const options = await app.db.transaction((tx) => startEnrollmentCeremony(tx, token, baseUrl, app.clock.nowMs()));
    return reply.headers(ceremonyHeaders).send(JSON.stringify(options));
  });

  server.post<{ Params: { token: string } }>('/enroll/:token/complete', async (request, reply) => {
    const token = tokenOf(request);
    const passkey = await completeEnrollmentCeremony(app.db, token, request.body, publicBaseUrl(app.config, request), app.clock.nowMs());
    return reply.headers(ceremonyHeaders).send(JSON.stringify(passkey));
  });
}
