// The error envelope of SPEC §3 on every failure: AppErrors as they are, framework errors mapped to catalogue
// codes, anything else logged in full and answered as `internal_error` with no internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppError, isAppError } from '../domain/errors.js';
import { maxJsonDepth, jsonDepthExceeds } from './validation.js';
import { mediaTypeOf, parseMultipartBody } from './multipart.js';
import { newId } from '../domain/ids.js';

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
  return reply
    .code(error.status)
    .headers(error.headers)
    .header('request-id', request.id)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(error, request.id)));
}

/** The longest path parameter routed to a handler; ids are at most 64 characters, OTP tokens 200. */
export const maxPathParameterLength = 500;

/**
 * Errors Fastify's router raises before any route runs (a path that cannot be percent-decoded, an overlong path
 * parameter): answered in the envelope like every other error.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(reply, request, new AppError('url_too_long', { limit: maxPathParameterLength }));
  if (error.code === 'FST_ERR_BAD_URL') return sendError(reply, request, new AppError('invalid_url', { reason: 'a path segment is not valid percent-encoding' }));
  request.log.error({ err: error }, 'unexpected router error');
  return sendError(reply, request, new AppError('internal_error'));
}

// llhttp's codes for what a client got wrong, in words a developer can act on.
const parserProblems: Record<string, string> = {
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length header is not a number',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length and Transfer-Encoding: chunked were both sent',
  HPE_INVALID_TRANSFER_ENCODING: 'the Transfer-Encoding header is not valid',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size of the chunked body is not valid hexadecimal',
  HPE_INVALID_METHOD: 'the request line does not start with an HTTP method',
  HPE_INVALID_URL: 'the request target is not a valid URL',
  HPE_INVALID_VERSION: 'the HTTP version is not valid',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value holds characters HTTP does not allow',
  HPE_INVALID_CONSTANT: 'the bytes received are not HTTP',
  HPE_CR_EXPECTED: 'a line of the request does not end with CRLF',
  HPE_LF_EXPECTED: 'a line of the request does not end with CRLF',
};

/**
 * What Node's HTTP parser refuses before Fastify sees a request (bad Content-Length, broken chunking, garbage on the
 * socket, oversized headers, a request that never finished): written straight to the socket, in the envelope, with a
 * Request-Id, and the connection closed (its framing can no longer be trusted).
 */
export function clientErrorHandler(maxHeaderBytes: number, log: { debug(object: object, message: string): void }) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const appError =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new AppError('headers_too_large', { limitBytes: maxHeaderBytes })
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new AppError('request_timeout')
          : new AppError('malformed_request', { reason: parserProblems[error.code ?? ''] ?? `it is not well-formed HTTP/1.1 (${error.code ?? 'unknown'})` });
    const requestId = newId('req');
    log.debug({ requestId, code: error.code }, 'malformed request refused');
    const body = JSON.stringify(errorBody(appError, requestId));
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status] ?? 'Bad Request'}\r\n` +
          `Request-Id: ${requestId}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  };
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
    // A route may set its own limit (a file upload takes more than JSON does).
    const mapped = fromFrameworkError(error, request.routeOptions.bodyLimit ?? bodyLimitBytes);
    if (mapped !== undefined) return sendError(reply, request, mapped);
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, request, new AppError('internal_error'));
  });
  server.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return sendError(reply, request, new AppError('route_not_found', { method: request.method, path }));
  });
}

/** Bytes that are not UTF-8 are refused rather than read as U+FFFD: what is stored is what was sent. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** What a route declares it takes (RouteDefinition.consumes), as the body parsers read it from the route's config. */
export interface RouteBodyConfig {
  consumes?: 'application/json' | 'multipart/form-data';
}

function consumesOf(request: FastifyRequest): RouteBodyConfig['consumes'] {
  return (request.routeOptions.config as RouteBodyConfig | undefined)?.consumes;
}

/**
 * A body as JSON (or a browser form's fields): see installBodyParsing. Throws the AppError to answer.
 */
function jsonBody(request: FastifyRequest, body: Buffer | string): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  } catch {
    throw new AppError('invalid_json', { reason: 'it is not valid UTF-8' });
  }
  // An unknown endpoint answers 404 route_not_found whatever its body; its body is never read.
  if (text.trim() === '' || request.is404) return undefined;
  const mediaType = mediaTypeOf(request.headers['content-type']);
  if (mediaType === 'application/x-www-form-urlencoded' && !/^\s*[{[]/.test(text)) return Object.fromEntries(new URLSearchParams(text));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new AppError('invalid_json', { reason: error instanceof Error ? error.message : 'it could not be parsed' });
  }
  if (jsonDepthExceeds(parsed, maxJsonDepth)) throw new AppError('invalid_json', { reason: `it nests deeper than ${maxJsonDepth} levels` });
  return parsed;
}

/**
 * Bodies are JSON whatever the Content-Type says: the seed documents' `curl -d '{…}'` sends
 * application/x-www-form-urlencoded. An empty body is no body. A form-encoded body that does not look like JSON is
 * what a browser's form sends (the hosted verification page): it becomes a plain object of strings.
 * The exception: a route that consumes multipart/form-data (a file upload) takes only that (415 otherwise), parsed
 * by src/http/multipart.ts; a multipart body sent to any other route is read as JSON, as before, and refused as such.
 */
export function installJsonBodyParsing(server: FastifyInstance): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      // No body at all is no body, for a file upload too (its schema then names what is missing).
      if (consumesOf(request) === 'multipart/form-data' && !request.is404 && body.length > 0) {
        throw new AppError('unsupported_media_type', { contentType: mediaTypeOf(request.headers['content-type']) || 'none' });
      }
      done(null, jsonBody(request, body));
    } catch (error) {
      done(error as FastifyError, undefined);
    }
  });
  server.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, async (request: FastifyRequest, body: Buffer | string) => {
    if (consumesOf(request) !== 'multipart/form-data' || request.is404) return jsonBody(request, body);
    return parseMultipartBody(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, String(request.headers['content-type']));
  });
}
