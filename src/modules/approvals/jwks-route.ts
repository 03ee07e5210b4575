// The public key set that verifies approval records, `/.well-known/jwks.json`: public (it holds public keys only),
// so registered on Fastify directly rather than through the /v1 pipeline, and not part of the API's OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.js';
import { approvalJwks, approvalJwksPath } from './record.js';

export function registerApprovalJwksRoute(server: FastifyInstance, app: AppContext): void {
  server.get(approvalJwksPath, async (_request, reply) =>
    reply
      .headers({
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'public, max-age=300',
        // Verifiers may run in a browser on another origin (the SDK's verifyApprovalRecord does).
        'access-control-allow-origin': '*',
      })
      .send(JSON.stringify(approvalJwks(app.secrets))),
  );
}
