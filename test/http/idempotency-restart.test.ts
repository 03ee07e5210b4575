// SPEC §3, §10: a server killed mid-request leaves its Idempotency-Key claim `processing`. SQLite is served by one
// process, so when the server starts again on that file the claim lapses at once and the client's retry runs the
// request (instead of 409 idempotency_key_in_use for a minute); answers already stored still replay. On PostgreSQL,
// shared by several processes, a starting process cannot tell the claim's holder is gone: the claim keeps its 60 s.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createApp, type RunningApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { idempotencyLockMs, requestFingerprint } from '../../src/http/idempotency.js';
import { createLogger } from '../../src/http/logger.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { testSecrets } from '../../src/secrets.js';
import type { Database } from '../../src/store/database.js';
import { openTestDatabase, testPostgresUrl } from '../helpers/stores.js';

/** `cardrail serve`'s app on the store the configuration names (it opens and owns the database). */
async function startServing(config: Config): Promise<RunningApp> {
  const app = await createApp({ config, logger: createLogger('silent'), secrets: testSecrets() });
  await app.server.ready();
  return app;
}

function createKey(app: RunningApp, apiKey: string, idempotencyKey: string, name: string) {
  return app.server.inject({ method: 'POST', url: '/v1/api-keys', headers: { 'Api-Key': apiKey, 'Idempotency-Key': idempotencyKey, 'content-type': 'application/json' }, payload: JSON.stringify({ name }) });
}

/** The claim a process killed between claiming the key and committing the effect leaves behind. */
async function leaveClaim(db: Database, organizationId: string, idempotencyKey: string, name: string): Promise<void> {
  const nowMs = Date.now();
  await db.run(
    `INSERT INTO idempotency_keys (organization_id, environment, idempotency_key, fingerprint, method, path, state, created_at, locked_until)
     VALUES (?, 'sandbox', ?, ?, 'POST', '/v1/api-keys', 'processing', ?, ?)`,
    [organizationId, idempotencyKey, requestFingerprint('POST', '/v1/api-keys', { name }), nowMs, nowMs + idempotencyLockMs],
  );
}

describe('Idempotency-Key claims left by a killed server', () => {
  it('SQLite: lapse when the server starts again, so the retry runs at once; stored answers still replay', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-idempotency-restart-'));
    const config: Config = { ...loadConfig({}), dataDir, databaseUrl: undefined };
    try {
      const first = await startServing(config);
      const { organization, sandboxKey } = await initializeOrganization(first.context.db, 'Restart', Date.now());
      const answered = await createKey(first, sandboxKey, 'answered-before', 'answered before');
      assert.equal(answered.statusCode, 200, answered.body);
      await leaveClaim(first.context.db, organization.id, 'cut-by-crash', 'cut by the crash');
      const stillHeld = await createKey(first, sandboxKey, 'cut-by-crash', 'cut by the crash');
      assert.equal(stillHeld.statusCode, 409, 'while the process that holds it runs, the claim holds');
      assert.equal(JSON.parse(stillHeld.body).error.code, 'idempotency_key_in_use');
      await first.close();

      const second = await startServing(config);
      try {
        const retried = await createKey(second, sandboxKey, 'cut-by-crash', 'cut by the crash');
        assert.equal(retried.statusCode, 200, retried.body);
        assert.equal(retried.headers['idempotent-replayed'], undefined, 'the request ran');
        const replay = await createKey(second, sandboxKey, 'cut-by-crash', 'cut by the crash');
        assert.equal(replay.headers['idempotent-replayed'], 'true');
        assert.equal(JSON.parse(replay.body).id, JSON.parse(retried.body).id);
        // Another request under the lapsed key is still a reuse.
        const other = await createKey(second, sandboxKey, 'answered-before', 'something else');
        assert.equal(JSON.parse(other.body).error.code, 'idempotency_key_reused');

        const again = await createKey(second, sandboxKey, 'answered-before', 'answered before');
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.equal(JSON.parse(again.body).id, JSON.parse(answered.body).id);
        const named = await second.context.db.all<{ id: string }>("SELECT id FROM api_keys WHERE name IN ('cut by the crash', 'answered before')");
        assert.equal(named.length, 2, 'each request took effect once');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: a starting process leaves the claims alone (another process may hold them)', async () => {
    const store = await openTestDatabase('postgres');
    const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-idempotency-restart-'));
    const url = new URL(testPostgresUrl);
    url.searchParams.set('options', `-c search_path=${store.location}`);
    const config: Config = { ...loadConfig({}), dataDir, databaseUrl: url.toString() };
    try {
      const { organization, sandboxKey } = await initializeOrganization(store.db, 'Restart', Date.now());
      await leaveClaim(store.db, organization.id, 'held-elsewhere', 'held elsewhere');
      const app = await startServing(config);
      try {
        const response = await createKey(app, sandboxKey, 'held-elsewhere', 'held elsewhere');
        assert.equal(response.statusCode, 409, response.body);
        assert.equal(JSON.parse(response.body).error.code, 'idempotency_key_in_use');
      } finally {
        await app.close();
      }
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
