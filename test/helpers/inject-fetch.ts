// A fetch for the SDK client in tests that answers through the app's own request pipeline (Fastify inject): no
// sockets, and every request runs authentication, validation and the handlers as over HTTP.
import type { TestApp } from './app.js';

export function injectFetch(testApp: TestApp) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    // Bytes, not text: a multipart upload may carry a binary file.
    const body = request.method === 'GET' ? undefined : Buffer.from(await request.arrayBuffer());
    const answer = await testApp.server.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers.entries()),
      ...(body === undefined || body.length === 0 ? {} : { payload: body }),
    });
    return new Response(answer.body === '' ? null : answer.body, { status: answer.statusCode, headers: answer.headers as Record<string, string> });
  };
}
