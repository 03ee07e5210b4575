// The hosted approval page, `/approve/{token}`: public (the token is the capability), so registered on Fastify
// directly rather than through the /v1 pipeline. `cardholder`: the page's form posts the decision
// (application/x-www-form-urlencoded). `cardholderPasskey`: /hosted/approval.js asks for the WebAuthn options
// (`POST /approve/{token}/options?action=`), runs the passkey ceremony and posts the assertion with the decision
// (`POST /approve/{token}/decide`, JSON); those two answer JSON, errors in the API's envelope.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app-context.js';
import { AppError } from '../../domain/errors.js';
import { textProblem } from '../../domain/text.js';
import { hostedPageHeaders, type RenderedPage } from '../../http/hosted-page.js';
import { relyingPartyOf } from '../passkeys/service.js';
import { approvalPageScript } from './approval-script.js';
import { renderApprovalPage } from './page.js';
import { approvalPasskeyOptions, decideOnApprovalPage, openApprovalPage, type ApprovalPageState, type PasskeyOrigin } from './page-service.js';

const actionSchema = z.enum(['approve', 'reject']);
const noteSchema = z.string().trim().max(500).optional().transform((note) => (note === '' ? undefined : note));
const formSchema = z.strictObject({ action: actionSchema, note: noteSchema });
const decideSchema = z.strictObject({ action: actionSchema, note: noteSchema, credential: z.record(z.string(), z.unknown()) });

function sendPage(reply: FastifyReply, page: RenderedPage, withScripts: boolean): FastifyReply {
  return reply.code(page.statusCode).headers(hostedPageHeaders(withScripts)).send(page.html);
}

function scriptsIn(state: ApprovalPageState): boolean {
  return state.kind === 'open' && state.view.method === 'cardholderPasskey';
}

/** The relying party of a passkey: the deployment's public URL, else the host the browser reached. */
function passkeyOrigin(app: AppContext, request: FastifyRequest): PasskeyOrigin {
  return relyingPartyOf(app.config.publicUrl ?? `${request.protocol}://${request.host}`);
}

function parsed<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new AppError('invalid_parameter_value', { param: issue.path.join('.') || 'body', reason: issue.message });
  }
  return result.data;
}

export function registerApprovalPages(server: FastifyInstance, app: AppContext): void {
  const noSuchLink = { kind: 'notFound' } as const;
  const tokenProblem = (token: string) => textProblem(token) !== undefined || token.length > 100;
  server.get('/hosted/approval.js', async (_request, reply) =>
    reply.header('content-type', 'application/javascript; charset=utf-8').header('cache-control', 'no-cache').send(approvalPageScript),
  );
  server.get<{ Params: { token: string } }>('/approve/:token', async (request, reply) => {
    const { token } = request.params;
    const state = tokenProblem(token) ? noSuchLink : await openApprovalPage(app.db, token, app.clock.nowMs());
    return sendPage(reply, renderApprovalPage(token, state), scriptsIn(state));
  });
  server.post<{ Params: { token: string } }>('/approve/:token', async (request, reply) => {
    const { token } = request.params;
    if (tokenProblem(token)) return sendPage(reply, renderApprovalPage(token, noSuchLink), false);
    const form = formSchema.safeParse(request.body ?? {});
    if (!form.success) {
      const state = await openApprovalPage(app.db, token, app.clock.nowMs());
      const shown = state.kind === 'open' ? { ...state, error: 'Choose Approve or Reject (a note is at most 500 characters).' } : state;
      return sendPage(reply, renderApprovalPage(token, shown), scriptsIn(shown));
    }
    const origin = passkeyOrigin(app, request);
    const state = await app.db.transaction((tx) => decideOnApprovalPage(tx, token, { ...form.data, credential: undefined }, origin, app.clock.nowMs()));
    return sendPage(reply, renderApprovalPage(token, state), scriptsIn(state));
  });
  server.post<{ Params: { token: string }; Querystring: { action?: string } }>('/approve/:token/options', async (request) => {
    const { token } = request.params;
    if (tokenProblem(token)) throw new AppError('resource_not_found', { resource: 'approval link', id: 'token', param: 'token' });
    const action = parsed(actionSchema, request.query.action);
    return approvalPasskeyOptions(app.db, token, action, passkeyOrigin(app, request), app.clock.nowMs());
  });
  server.post<{ Params: { token: string } }>('/approve/:token/decide', async (request) => {
    const { token } = request.params;
    if (tokenProblem(token)) throw new AppError('resource_not_found', { resource: 'approval link', id: 'token', param: 'token' });
    const input = parsed(decideSchema, request.body);
    const origin = passkeyOrigin(app, request);
    const state = await app.db.transaction((tx) => decideOnApprovalPage(tx, token, input, origin, app.clock.nowMs()));
    if (state.kind === 'notFound') throw new AppError('resource_not_found', { resource: 'approval link', id: 'token', param: 'token' });
    // Decided before (an assertion replayed, a second tab) or lapsed: nothing was done.
    if (state.kind !== 'decided' || !state.justNow) throw new AppError('invalid_status_transition', { action: input.action, resource: 'intent', id: state.view.intentId, status: state.view.status });
    return { object: 'approval_page_decision', intentId: state.view.intentId, status: state.view.status };
  });
}
