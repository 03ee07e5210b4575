// The MCP server over Streamable HTTP at /mcp (SPEC §7), stateless: every POST is authenticated like a /v1 request
// (`Api-Key`, or `Authorization: Bearer` for agent tokens; missing or wrong → 401 in the SPEC §3 envelope) and answered
// by a server and transport of its own. The tools' API calls run in process through the app's own request pipeline
// (Fastify inject) with the caller's credential and address, so authentication, scopes, IP allowlists, rate limits and
// idempotency apply exactly as over REST. GET and DELETE (server-sent streams, sessions) answer 405: there are none.
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.js';
import { AppError } from '../domain/errors.js';
import { authenticate } from '../http/auth.js';
import { createMcpServer } from './server.js';
import type { McpCredentials } from './session.js';

export const mcpPath = '/mcp';

const mcpAccess = { principals: ['apiKey', 'agentToken'] } as const;
/** The SDK client needs an origin; in-process requests never leave the server, so any name does. */
const inProcessApiUrl = 'http://cardrail.internal';
/** Headers that describe one hop's connection, not the message: never copied between requests. */
const hopByHopHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'content-length', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);

/** The credential `authenticate` accepted: the Api-Key header, else the Bearer token. */
function presentedCredential(request: FastifyRequest): string {
  const header = request.headers['api-key'];
  const apiKey = Array.isArray(header) ? header[0] : header;
  if (apiKey !== undefined && apiKey !== '') return apiKey;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (bearer === null) throw new AppError('missing_api_key');
  return bearer[1]!;
}

/**
 * A fetch for the SDK client that answers through `server.inject`: the request keeps its method, path, headers and
 * body, and comes from `remoteAddress` (the MCP caller's), so an API key's IP allowlist judges the real caller.
 */
export function inProcessFetch(server: FastifyInstance, remoteAddress: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    const payload = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      if (!hopByHopHeaders.has(name)) headers[name] = value;
    });
    const answer = await server.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers,
      remoteAddress,
      ...(payload === '' ? {} : { payload }),
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value === undefined || hopByHopHeaders.has(name)) continue;
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
      else responseHeaders.set(name, String(value));
    }
    const hasNoBody = answer.body === '' || answer.statusCode === 204 || answer.statusCode === 304;
    return new Response(hasNoBody ? null : answer.body, { status: answer.statusCode, headers: responseHeaders });
  };
}

function webRequestOf(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || hopByHopHeaders.has(name)) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return new Request(`${request.protocol}://${request.host}${request.url}`, { method: request.method, headers });
}

/** JSON-RPC's answer to a method the stateless endpoint does not serve, as the SDK's stateless examples give it. */
function methodNotAllowed(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; send JSON-RPC messages with POST.' }, id: null };
  return reply.code(405).header('allow', 'POST').header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

export function installMcpEndpoint(server: FastifyInstance, app: AppContext): void {
  // As for /v1 routes, the credential is judged on the request line and headers: an unauthenticated caller never
  // gets its body parsed.
  const callers = new WeakMap<FastifyRequest, McpCredentials>();
  server.route({
    method: 'POST',
    url: mcpPath,
    onRequest: async (request) => {
      const { principal } = await authenticate(request, app.db, mcpAccess, 'POST', mcpPath, app.clock.nowMs());
      const credential = presentedCredential(request);
      // An agent token acts for its own agent: the agent tools need no LEDGER_AGENT_ID over HTTP.
      callers.set(request, principal.kind === 'agentToken' ? { agentToken: credential, agentId: principal.agentId } : { apiKey: credential });
    },
    handler: async (request, reply) => {
      const credentials = callers.get(request)!;
      const mcpServer = createMcpServer({ apiUrl: inProcessApiUrl, credentials, fetch: inProcessFetch(server, request.ip) });
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      try {
        await mcpServer.connect(transport);
        const response = await transport.handleRequest(webRequestOf(request), { parsedBody: request.body });
        const body = await response.text();
        reply.code(response.status);
        response.headers.forEach((value, name) => {
          reply.header(name, value);
        });
        return await reply.send(body === '' ? undefined : body);
      } finally {
        await mcpServer.close();
      }
    },
  });
  server.get(mcpPath, methodNotAllowed);
  server.delete(mcpPath, methodNotAllowed);
}
