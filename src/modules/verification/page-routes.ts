// The hosted verification page, `/verify/{token}`: public (the token is the capability), so registered on Fastify
// directly rather than through the /v1 pipeline. Browsers post the form as application/x-www-form-urlencoded.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { textProblem } from '../../domain/text.js';
import { hostedPageHeaders, type RenderedPage } from '../../http/hosted-page.js';
import { renderVerificationPage } from './page.js';
import { openVerificationPage, submitVerificationForm } from './service.js';

const pageHeaders = hostedPageHeaders(false);

function sendPage(reply: FastifyReply, page: RenderedPage): FastifyReply {
  return reply.code(page.statusCode).headers(pageHeaders).send(page.html);
}

export function registerVerificationPages(server: FastifyInstance, app: AppContext): void {
  // A token with characters no link ever has is no link (and never reaches the database, which could not store it).
  const noSuchLink = { kind: 'notFound' } as const;
  server.get<{ Params: { token: string } }>('/verify/:token', async (request, reply) => {
    const { token } = request.params;
    if (textProblem(token) !== undefined) return sendPage(reply, renderVerificationPage(token, noSuchLink));
    return sendPage(reply, renderVerificationPage(token, await openVerificationPage(app.db, token, app.clock.nowMs())));
  });
  server.post<{ Params: { token: string } }>('/verify/:token', async (request, reply) => {
    const { token } = request.params;
    if (textProblem(token) !== undefined) return sendPage(reply, renderVerificationPage(token, noSuchLink));
    const state = await app.db.transaction((tx) => submitVerificationForm(tx, token, request.body, app.clock.nowMs()));
    return sendPage(reply, renderVerificationPage(token, state));
  });
}
