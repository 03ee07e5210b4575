// The error envelope of SPEC §3 on every failure: AppErrors as they are, framework errors mapped to catalogue
// codes, anything else logged in full and answered as `internal_error` with no internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '../domain/errors.js';

export interface ErrorBody {
  status: 'error';
  error: { type: string; code: string; message: string; param?: string };
  requestId: string;
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  return {
    status: 'error',
    error: { type: error.type, code: error.code, message: error.message, ...(error.param === undefined ? {} : { param: error.param }) },
    requestId,
  };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: AppError): FastifyReply {
  return reply.code(error.status).headers(error.headers).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(errorBody(error, request.id)));
}

function fromFrameworkError(error: FastifyError, bodyLimitBytes: number): AppError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', { limitBytes: bodyLimitBytes });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', { contentType: 'unknown' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return undefined;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('invalid_json', { reason: 'the Content-Length does not match the body' });
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('invalid_json', { reason: 'it could not be parsed' });
  }
  return undefined;
}

export function installErrorHandling(server: FastifyInstance, bodyLimitBytes: number): void {
  server.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return sendError(reply, request, error);
    }
    const mapped = fromFrameworkError(error, bodyLimitBytes);
    if (mapped !== undefined) return sendError(reply, request, mapped);
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, request, new AppError('internal_error'));
  });
  server.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return sendError(reply, request, new AppError('route_not_found', { method: request.method, path }));
  });
}

/**
 * Bodies are JSON whatever the Content-Type says: the seed documents' `curl -d '{…}'` sends
 * application/x-www-form-urlencoded. An empty body is no body. A form-encoded body that does not look like JSON is
 * what a browser's form sends (the hosted verification page): it becomes a plain object of strings.
 */
export function installJsonBodyParsing(server: FastifyInstance): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // An unknown endpoint answers 404 route_not_found whatever its body; its body is never read.
    if (text.trim() === '' || request.is404) {
      done(null, undefined);
      return;
    }
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType === 'application/x-www-form-urlencoded' && !/^\s*[{[]/.test(text)) {
      done(null, Object.fromEntries(new URLSearchParams(text)));
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'it could not be parsed';
      done(new AppError('invalid_json', { reason }) as unknown as FastifyError, undefined);
    }
  });
}
