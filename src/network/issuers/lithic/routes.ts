// Lithic's callbacks: `POST /v1/issuers/lithic/asa` (Auth Stream Access) and `POST /v1/issuers/lithic/events`
// (transaction events). They carry no API key: each is signed the Standard Webhooks way with its own secret
// (CARDRAIL_LITHIC_ASA_SECRET, CARDRAIL_LITHIC_WEBHOOK_SECRET), verified over the raw bytes with the official SDK
// before anything is read; a request that does not verify is refused (401 invalid_signature) and logged. Registered on
// Fastify in a context of their own, whose body parser keeps those raw bytes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Lithic from 'lithic';
import type { AppContext } from '../../../app-context.js';
import type { LithicConfig } from '../../../config.js';
import { AppError } from '../../../domain/errors.js';
import { parseInput } from '../../../http/validation.js';
import { answerAuthorizationRequest, asaRequestSchema } from './asa.js';
import { receiveTransactionEvents, transactionEventSchema } from './events.js';

export const lithicAsaPath = '/v1/issuers/lithic/asa';
export const lithicEventsPath = '/v1/issuers/lithic/events';

type Signed = 'asa' | 'events';

function headerText(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The body, once its signature verifies with the secret of `signed`; throws 401 invalid_signature otherwise. */
function verifiedBody(request: FastifyRequest, verifier: Lithic | undefined, config: LithicConfig | undefined, signed: Signed): unknown {
  const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  const headers = { 'webhook-id': headerText(request, 'webhook-id'), 'webhook-timestamp': headerText(request, 'webhook-timestamp'), 'webhook-signature': headerText(request, 'webhook-signature') };
  const refuse = (reason: string): AppError => {
    request.log.warn({ issuer: 'lithic', callback: signed, webhookId: headers['webhook-id'] ?? null, reason }, 'refused an unverified Lithic callback');
    return new AppError('invalid_signature', { issuer: 'Lithic' });
  };
  if (verifier === undefined || config === undefined) throw refuse('no Lithic program is configured');
  if (headers['webhook-id'] === undefined || headers['webhook-timestamp'] === undefined || headers['webhook-signature'] === undefined) throw refuse('signature headers missing');
  try {
    verifier.webhooks.verifySignature(raw, headers as Record<string, string>, signed === 'asa' ? config.asaSecret : config.webhookSecret);
  } catch (error) {
    // The verifier parses the body once the signature holds: a SyntaxError is a signed body that is not JSON.
    if (error instanceof SyntaxError) throw new AppError('invalid_json', { reason: 'it could not be parsed' });
    throw refuse('signature does not verify, or its timestamp is outside the tolerance');
  }
  return JSON.parse(raw) as unknown;
}

function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

export function registerLithicCallbacks(server: FastifyInstance, app: AppContext): void {
  const config = app.config.lithic;
  // The SDK's verifier (standardwebhooks underneath); its API key is never used for these checks.
  const verifier = config === undefined ? undefined : new Lithic({ apiKey: config.apiKey, environment: config.environment, baseURL: null });
  const settings = { secrets: app.secrets, settlementDelayMs: 0, followAgentStatus: app.followAgentStatus };
  void server.register(async (callbacks) => {
    callbacks.removeAllContentTypeParsers();
    callbacks.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    callbacks.post(lithicAsaPath, async (request, reply) => {
      const body = parseInput(asaRequestSchema, verifiedBody(request, verifier, config, 'asa'), 'body');
      const answer = await answerAuthorizationRequest(app.db, app.authorizations, settings, body, app.clock.nowMs());
      request.log.info({ issuer: 'lithic', asaToken: body.token, result: answer.result }, 'answered an authorization request');
      return sendJson(reply, answer);
    });
    callbacks.post(lithicEventsPath, async (request, reply) => {
      const body = parseInput(transactionEventSchema, verifiedBody(request, verifier, config, 'events'), 'body');
      const receipt = await receiveTransactionEvents(app.db, body, app.clock.nowMs());
      request.log.info({ issuer: 'lithic', eventType: body.event_type, transactionToken: body.token ?? null, ...receipt }, 'received Lithic events');
      return sendJson(reply, receipt);
    });
  });
}
