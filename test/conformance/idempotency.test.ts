// Idempotency-Key (SPEC §3) through HTTP on SQLite and PostgreSQL alike, with `POST /v1/api-keys` as the effect:
// replay, reuse with another request, twins in flight, lapsed claims, released claims, the stored response,
// retention sweeps and (organization, environment) scoping.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { idempotencyLockMs, requestFingerprint, sweepIdempotencyKeys } from '../../src/http/idempotency.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { startTestApp, type TestApp, type TestResponse } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';

const hourMs = 3_600_000;

interface IdempotencyRow {
  organization_id: string;
  environment: string;
  idempotency_key: string;
  fingerprint: string;
  method: string;
  path: string;
  state: string;
  status_code: number | null;
  response_body: string | null;
  created_at: number;
  locked_until: number;
}

function assertError(response: TestResponse, statusCode: number, type: string, code: string): void {
  assert.equal(response.statusCode, statusCode, response.body);
  assert.equal(response.json?.status, 'error');
  assert.equal(response.json?.error?.type, type);
  assert.equal(response.json?.error?.code, code);
  assert.match(String(response.json?.requestId), /^req_/);
}

for (const kind of storeKinds) {
  describe(`idempotency over HTTP (${kind})`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ store: kind });
    });
    after(async () => {
      await app.close();
    });

    const createKey = (idempotencyKey: string, body: unknown, key?: string) =>
      app.request('POST', '/v1/api-keys', { body, headers: { 'Idempotency-Key': idempotencyKey }, ...(key === undefined ? {} : { key }) });

    async function keysNamed(name: string): Promise<Array<{ id: string; environment: string; organization_id: string }>> {
      return app.store.db.all('SELECT id, environment, organization_id FROM api_keys WHERE name = ? ORDER BY id', [name]);
    }

    async function createdEventsNamed(name: string): Promise<number> {
      const events = await app.store.db.all<{ data: string }>("SELECT data FROM events WHERE type = 'api_key.created'");
      return events.filter((event) => (JSON.parse(event.data) as { object: { name: string | null } }).object.name === name).length;
    }

    async function idempotencyRow(idempotencyKey: string, environment = 'sandbox'): Promise<IdempotencyRow | undefined> {
      return app.store.db.get<IdempotencyRow>('SELECT * FROM idempotency_keys WHERE organization_id = ? AND environment = ? AND idempotency_key = ?', [
        app.organizationId,
        environment,
        idempotencyKey,
      ]);
    }

    async function insertClaim(idempotencyKey: string, fingerprint: string, lockedUntilMs: number): Promise<void> {
      await app.store.db.run(
        `INSERT INTO idempotency_keys (organization_id, environment, idempotency_key, fingerprint, method, path, state, created_at, locked_until)
         VALUES (?, 'sandbox', ?, ?, 'POST', '/v1/api-keys', 'processing', ?, ?)`,
        [app.organizationId, idempotencyKey, fingerprint, app.clock.nowMs(), lockedUntilMs],
      );
    }

    it('replays the same request: same status, byte-identical body, Idempotent-Replayed, one effect', async () => {
      const first = await createKey('replay-1', { name: 'replayed' });
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      assert.equal(first.json.object, 'api_key');
      assert.match(first.json.key, /^lk_dev_/);

      const second = await createKey('replay-1', { name: 'replayed' });
      assert.equal(second.statusCode, 200);
      assert.equal(second.headers['idempotent-replayed'], 'true');
      assert.equal(second.body, first.body);
      assert.equal(second.headers['content-type'], first.headers['content-type']);
      assert.match(String(second.headers['content-type']), /^application\/json/);

      // The same JSON written with other whitespace is the same request.
      const respaced = await app.request('POST', '/v1/api-keys', {
        rawBody: '{\n  "name" : "replayed"\n}',
        headers: { 'Idempotency-Key': 'replay-1', 'content-type': 'application/json' },
      });
      assert.equal(respaced.statusCode, 200);
      assert.equal(respaced.headers['idempotent-replayed'], 'true');
      assert.equal(respaced.body, first.body);

      assert.deepEqual(
        (await keysNamed('replayed')).map((row) => row.id),
        [first.json.id],
      );
      assert.equal(await createdEventsNamed('replayed'), 1);
      const listed = await app.request('GET', '/v1/api-keys?limit=100');
      assert.equal(listed.json.data.filter((item: { name: string }) => item.name === 'replayed').length, 1);

      // The replayed secret still authenticates: it is the one key that was created.
      const withNewKey = await app.request('GET', '/v1/api-keys?limit=1', { key: second.json.key });
      assert.equal(withNewKey.statusCode, 200);
    });

    it('without an Idempotency-Key every request is a new effect', async () => {
      const first = await app.request('POST', '/v1/api-keys', { body: { name: 'no idempotency key' } });
      const second = await app.request('POST', '/v1/api-keys', { body: { name: 'no idempotency key' } });
      assert.equal(first.statusCode, 200);
      assert.equal(second.statusCode, 200);
      assert.notEqual(first.json.id, second.json.id);
      assert.equal(second.headers['idempotent-replayed'], undefined);
      assert.equal((await keysNamed('no idempotency key')).length, 2);
    });

    it('refuses the same key with a different body, method or path: 422 idempotency_key_reused, no effect', async () => {
      const original = await createKey('reuse-1', { name: 'reuse original' });
      assert.equal(original.statusCode, 200);

      const otherBody = await createKey('reuse-1', { name: 'reuse other body' });
      assertError(otherBody, 422, 'idempotency_error', 'idempotency_key_reused');
      assert.equal(otherBody.headers['idempotent-replayed'], undefined);
      assert.deepEqual(await keysNamed('reuse other body'), []);

      const otherPath = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 60 }, headers: { 'Idempotency-Key': 'reuse-1' } });
      assertError(otherPath, 422, 'idempotency_error', 'idempotency_key_reused');
      const clock = await app.request('GET', '/v1/sandbox/clock');
      assert.equal(clock.json.offsetSeconds, 0);

      const otherMethod = await app.request('DELETE', `/v1/api-keys/${original.json.id}`, { headers: { 'Idempotency-Key': 'reuse-1' } });
      assertError(otherMethod, 422, 'idempotency_error', 'idempotency_key_reused');
      const stillActive = await app.request('GET', `/v1/api-keys/${original.json.id}`);
      assert.equal(stillActive.json.revokedAt, null);

      // The stored answer is untouched by the refused attempts.
      const replay = await createKey('reuse-1', { name: 'reuse original' });
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body, original.body);
      assert.equal((await keysNamed('reuse original')).length, 1);
    });

    it('answers 409 idempotency_key_in_use while a twin holds the claim, and leaves the claim alone', async () => {
      const body = { name: 'in flight' };
      const fingerprint = requestFingerprint('POST', '/v1/api-keys', body);
      const lockedUntilMs = app.clock.nowMs() + idempotencyLockMs;
      await insertClaim('in-flight-1', fingerprint, lockedUntilMs);

      const response = await createKey('in-flight-1', body);
      assertError(response, 409, 'idempotency_error', 'idempotency_key_in_use');
      assert.deepEqual(await keysNamed('in flight'), []);
      const row = await idempotencyRow('in-flight-1');
      assert.equal(row?.state, 'processing');
      assert.equal(row?.locked_until, lockedUntilMs);

      // A different request under the held key is still a reuse, not a wait.
      const different = await createKey('in-flight-1', { name: 'something else' });
      assertError(different, 422, 'idempotency_error', 'idempotency_key_reused');
    });

    it('runs the effect once when ten identical requests race: the others replay or answer 409', async () => {
      const body = { name: 'raced' };
      const responses = await Promise.all(Array.from({ length: 10 }, () => createKey('race-1', body)));
      const created = await keysNamed('raced');
      assert.equal(created.length, 1);
      assert.equal(await createdEventsNamed('raced'), 1);

      const succeeded = responses.filter((response) => response.statusCode === 200);
      const inUse = responses.filter((response) => response.statusCode === 409);
      assert.equal(succeeded.length + inUse.length, responses.length, responses.map((response) => `${response.statusCode} ${response.body}`).join('\n'));
      assert.ok(succeeded.length >= 1);
      for (const response of inUse) assertError(response, 409, 'idempotency_error', 'idempotency_key_in_use');
      const originals = succeeded.filter((response) => response.headers['idempotent-replayed'] === undefined);
      assert.equal(originals.length, 1);
      for (const response of succeeded) {
        assert.equal(response.body, originals[0]!.body);
        assert.equal(response.json.id, created[0]!.id);
      }
      // Once the original has finished, every retry is a replay.
      const retry = await createKey('race-1', body);
      assert.equal(retry.statusCode, 200);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(retry.body, originals[0]!.body);
    });

    it('takes over a lapsed claim (locked_until in the past) and runs the request', async () => {
      const body = { name: 'lapsed' };
      await insertClaim('lapsed-1', requestFingerprint('POST', '/v1/api-keys', body), app.clock.nowMs() - 1);

      const response = await createKey('lapsed-1', body);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['idempotent-replayed'], undefined);
      assert.deepEqual(
        (await keysNamed('lapsed')).map((row) => row.id),
        [response.json.id],
      );
      const row = await idempotencyRow('lapsed-1');
      assert.equal(row?.state, 'completed');
      assert.equal(row?.response_body, response.body);

      // A lapsed claim of a different request is still a reuse.
      await insertClaim('lapsed-2', requestFingerprint('POST', '/v1/api-keys', { name: 'other' }), app.clock.nowMs() - 1);
      assertError(await createKey('lapsed-2', body), 422, 'idempotency_error', 'idempotency_key_reused');
    });

    it('releases the claim when the request fails, so the same request runs again', async () => {
      const unknownId = 'key_00000000000000000000000000';
      const first = await app.request('DELETE', `/v1/api-keys/${unknownId}`, { headers: { 'Idempotency-Key': 'failing-1' } });
      assertError(first, 404, 'not_found_error', 'resource_not_found');
      assert.equal(await idempotencyRow('failing-1'), undefined);
      const second = await app.request('DELETE', `/v1/api-keys/${unknownId}`, { headers: { 'Idempotency-Key': 'failing-1' } });
      assertError(second, 404, 'not_found_error', 'resource_not_found');
      assert.equal(second.headers['idempotent-replayed'], undefined);
      assert.equal(await idempotencyRow('failing-1'), undefined);

      // A conflict inside the effect's transaction releases the claim as well.
      const created = await createKey('failing-setup', { name: 'revoked twice' });
      const revoked = await app.request('DELETE', `/v1/api-keys/${created.json.id}`);
      assert.equal(revoked.statusCode, 200);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const again = await app.request('DELETE', `/v1/api-keys/${created.json.id}`, { headers: { 'Idempotency-Key': 'failing-2' } });
        assertError(again, 409, 'conflict_error', 'api_key_already_revoked');
      }
      assert.equal(await idempotencyRow('failing-2'), undefined);
      // A released key is free for any request.
      const reused = await createKey('failing-1', { name: 'after failure' });
      assert.equal(reused.statusCode, 200);
      assert.equal((await keysNamed('after failure')).length, 1);
    });

    it('stores the response with the effect: completed, status 200, the exact body', async () => {
      const body = { name: 'stored', allowedIps: ['192.0.2.0/24'] };
      const response = await createKey('stored-1', body);
      assert.equal(response.statusCode, 200);
      const row = await idempotencyRow('stored-1');
      assert.ok(row !== undefined);
      assert.equal(row.state, 'completed');
      assert.equal(row.status_code, 200);
      assert.equal(row.response_body, response.body);
      assert.equal(row.method, 'POST');
      assert.equal(row.path, '/v1/api-keys');
      assert.equal(row.fingerprint, requestFingerprint('POST', '/v1/api-keys', body));
      assert.equal(row.created_at, app.clock.nowMs());
      assert.equal(typeof row.locked_until, 'number');
      const stored = JSON.parse(row.response_body ?? '') as { id: string };
      assert.deepEqual(
        (await keysNamed('stored')).map((each) => each.id),
        [stored.id],
      );

      // The same fields in another order are the same request and replay the stored body.
      const reordered = await app.request('POST', '/v1/api-keys', {
        rawBody: '{"allowedIps":["192.0.2.0/24"],"name":"stored"}',
        headers: { 'Idempotency-Key': 'stored-1', 'content-type': 'application/json' },
      });
      assert.equal(reordered.statusCode, 200);
      assert.equal(reordered.headers['idempotent-replayed'], 'true');
      assert.equal(reordered.body, row.response_body);
      assert.equal((await keysNamed('stored')).length, 1);
    });

    it('sweeps stored responses older than the retention (24 h by default) and keeps newer ones', async () => {
      const retentionMs = app.app.context.config.idempotencyRetentionMs;
      assert.equal(retentionMs, 24 * hourMs);

      const old = await createKey('sweep-old', { name: 'sweep old' });
      assert.equal(old.statusCode, 200);
      app.clock.advanceMs(retentionMs - hourMs);
      const recent = await createKey('sweep-recent', { name: 'sweep recent' });
      assert.equal(recent.statusCode, 200);
      app.clock.advanceMs(2 * hourMs); // 'sweep-old' is now 25 h old, 'sweep-recent' 2 h.

      const nowMs = app.clock.nowMs();
      const boundaryKey = 'sweep-boundary';
      await app.store.db.run(
        `INSERT INTO idempotency_keys (organization_id, environment, idempotency_key, fingerprint, method, path, state, status_code, response_body, created_at, locked_until)
         VALUES (?, 'sandbox', ?, 'f', 'POST', '/v1/api-keys', 'completed', 200, '{}', ?, ?)`,
        [app.organizationId, boundaryKey, nowMs - retentionMs, nowMs - retentionMs + idempotencyLockMs],
      );
      const keysBefore = (await app.store.db.all<{ idempotency_key: string }>('SELECT idempotency_key FROM idempotency_keys')).map((row) => row.idempotency_key);

      const removed = await sweepIdempotencyKeys(app.store.db, nowMs, retentionMs);
      const keysAfter = (await app.store.db.all<{ idempotency_key: string }>('SELECT idempotency_key FROM idempotency_keys')).map((row) => row.idempotency_key);
      assert.ok(keysBefore.includes('sweep-old'));
      assert.equal(removed, keysBefore.length - keysAfter.length);
      assert.ok(removed >= 1);
      assert.ok(!keysAfter.includes('sweep-old'));
      assert.ok(keysAfter.includes('sweep-recent'));
      assert.ok(keysAfter.includes(boundaryKey), 'a response exactly as old as the retention is kept');
      for (const row of await app.store.db.all<{ created_at: number }>('SELECT created_at FROM idempotency_keys')) assert.ok(row.created_at >= nowMs - retentionMs);

      // The swept key is free again; the kept one still replays.
      const reusedOld = await createKey('sweep-old', { name: 'sweep old reused' });
      assert.equal(reusedOld.statusCode, 200);
      assert.equal(reusedOld.headers['idempotent-replayed'], undefined);
      assert.equal((await keysNamed('sweep old reused')).length, 1);
      const replayedRecent = await createKey('sweep-recent', { name: 'sweep recent' });
      assert.equal(replayedRecent.headers['idempotent-replayed'], 'true');
      assert.equal(replayedRecent.body, recent.body);

      assert.equal(await sweepIdempotencyKeys(app.store.db, nowMs, retentionMs), 0);
    });

    it('scopes keys per environment and per organization: the same Idempotency-Key creates in each', async () => {
      const body = { name: 'scoped' };
      const sandbox = await createKey('scoped-1', body, app.sandboxKey);
      const live = await createKey('scoped-1', body, app.liveKey);
      const other = await initializeOrganization(app.store.db, 'Other organization', app.clock.nowMs());
      const otherSandbox = await createKey('scoped-1', body, other.sandboxKey);
      for (const response of [sandbox, live, otherSandbox]) {
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.headers['idempotent-replayed'], undefined);
      }
      assert.equal(sandbox.json.environment, 'sandbox');
      assert.equal(live.json.environment, 'live');
      assert.match(live.json.key, /^lk_live_/);
      assert.equal(new Set([sandbox.json.id, live.json.id, otherSandbox.json.id]).size, 3);

      const rows = await keysNamed('scoped');
      assert.deepEqual(
        rows.map((row) => [row.id, row.organization_id, row.environment]).sort(),
        [
          [sandbox.json.id, app.organizationId, 'sandbox'],
          [live.json.id, app.organizationId, 'live'],
          [otherSandbox.json.id, other.organization.id, 'sandbox'],
        ].sort(),
      );
      // Each environment replays its own answer.
      const liveReplay = await createKey('scoped-1', body, app.liveKey);
      assert.equal(liveReplay.headers['idempotent-replayed'], 'true');
      assert.equal(liveReplay.body, live.body);
      assert.equal((await idempotencyRow('scoped-1', 'live'))?.response_body, live.body);
      assert.equal((await idempotencyRow('scoped-1', 'sandbox'))?.response_body, sandbox.body);
    });

    it('refuses a malformed Idempotency-Key with 400 before any effect', async () => {
      const tooLong = await createKey('x'.repeat(256), { name: 'too long key' });
      assertError(tooLong, 400, 'invalid_request_error', 'invalid_idempotency_key');
      assert.deepEqual(await keysNamed('too long key'), []);
      const longest = await createKey('y'.repeat(255), { name: 'longest key' });
      assert.equal(longest.statusCode, 200);
    });
  });
}
