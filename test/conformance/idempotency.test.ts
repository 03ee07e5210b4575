// Idempotency-Key (SPEC §3) through HTTP on SQLite and PostgreSQL alike, with `POST /v1/api-keys` as the effect:
// replay, reuse with another request, twins in flight, lapsed claims, released claims, the stored response,
// retention sweeps and (organization, environment) scoping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idempotencyLockMs, requestFingerprint, sweepIdempotencyKeys } from '../../src/http/idempotency.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { assertError, useTestApp, type TestResponse } from '../helpers/app.js';
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

for (const kind of storeKinds) {
  describe(`idempotency over HTTP (${kind})`, () => {
    const app = useTestApp({ store: kind });

    const createKey = (idempotencyKey: string, body: unknown, key?: string) =>
      app.request('POST', '/v1/api-keys', { body, headers: { 'Idempotency-Key': idempotencyKey }, ...(key === undefined ? {} : { key }) });
    /** The body sent as written, so one request can differ from another in whitespace or field order only. */
    const createKeyFromText = (idempotencyKey: string, rawBody: string) =>
      app.request('POST', '/v1/api-keys', { rawBody, headers: { 'Idempotency-Key': idempotencyKey, 'content-type': 'application/json' } });

    /** What the store keeps of a create-key answer: the body with its one-time secret nulled (route secretFields). */
    function storedForm(body: string): string {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      if ('key' in parsed) parsed.key = null;
      return JSON.stringify(parsed);
    }

    /** A replay: 200, marked Idempotent-Replayed, and byte for byte the stored body. */
    function assertReplayOf(response: TestResponse, storedBody: string | null): void {
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['idempotent-replayed'], 'true');
      assert.equal(response.body, storedBody);
    }

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
      assertReplayOf(second, storedForm(first.body));
      assert.equal(second.json.key, null, 'a replay never repeats the secret');
      assert.ok(!((await idempotencyRow('replay-1'))?.response_body ?? '').includes(first.json.key), 'the secret is not stored');
      assert.equal(second.headers['content-type'], first.headers['content-type']);
      assert.match(String(second.headers['content-type']), /^application\/json/);

      // The same JSON written with other whitespace is the same request.
      const respaced = await createKeyFromText('replay-1', '{\n  "name" : "replayed"\n}');
      assertReplayOf(respaced, storedForm(first.body));

      assert.deepEqual(
        (await keysNamed('replayed')).map((row) => row.id),
        [first.json.id],
      );
      assert.equal(await createdEventsNamed('replayed'), 1);
      const listed = await app.request('GET', '/v1/api-keys?limit=100');
      assert.equal(listed.json.data.filter((item: { name: string }) => item.name === 'replayed').length, 1);

      // The secret from the first answer authenticates: it is the one key that was created.
      const withNewKey = await app.request('GET', '/v1/api-keys?limit=1', { key: first.json.key });
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
      assertError(otherBody, { status: 422, type: 'idempotency_error', code: 'idempotency_key_reused' });
      assert.equal(otherBody.headers['idempotent-replayed'], undefined);
      assert.deepEqual(await keysNamed('reuse other body'), []);

      const otherPath = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 60 }, headers: { 'Idempotency-Key': 'reuse-1' } });
      assertError(otherPath, { status: 422, type: 'idempotency_error', code: 'idempotency_key_reused' });
      const clock = await app.request('GET', '/v1/sandbox/clock');
      assert.equal(clock.json.offsetSeconds, 0);

      const otherMethod = await app.request('DELETE', `/v1/api-keys/${original.json.id}`, { headers: { 'Idempotency-Key': 'reuse-1' } });
      assertError(otherMethod, { status: 422, type: 'idempotency_error', code: 'idempotency_key_reused' });
      const stillActive = await app.request('GET', `/v1/api-keys/${original.json.id}`);
      assert.equal(stillActive.json.revokedAt, null);

      // The stored answer is untouched by the refused attempts.
      const replay = await createKey('reuse-1', { name: 'reuse original' });
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body, storedForm(original.body));
      assert.equal((await keysNamed('reuse original')).length, 1);
    });

    it('answers 409 idempotency_key_in_use while a twin holds the claim, and leaves the claim alone', async () => {
      const body = { name: 'in flight' };
      const fingerprint = requestFingerprint('POST', '/v1/api-keys', body);
      const lockedUntilMs = app.clock.nowMs() + idempotencyLockMs;
      await insertClaim('in-flight-1', fingerprint, lockedUntilMs);

      const response = await createKey('in-flight-1', body);
      assertError(response, { status: 409, type: 'idempotency_error', code: 'idempotency_key_in_use' });
      assert.deepEqual(await keysNamed('in flight'), []);
      const row = await idempotencyRow('in-flight-1');
      assert.equal(row?.state, 'processing');
      assert.equal(row?.locked_until, lockedUntilMs);

      // A different request under the held key is still a reuse, not a wait.
      const different = await createKey('in-flight-1', { name: 'something else' });
      assertError(different, { status: 422, type: 'idempotency_error', code: 'idempotency_key_reused' });
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
      for (const response of inUse) assertError(response, { status: 409, type: 'idempotency_error', code: 'idempotency_key_in_use' });
      const originals = succeeded.filter((response) => response.headers['idempotent-replayed'] === undefined);
      assert.equal(originals.length, 1);
      for (const response of succeeded) {
        assert.equal(storedForm(response.body), storedForm(originals[0]!.body));
        assert.equal(response.json.id, created[0]!.id);
      }
      // Once the original has finished, every retry is a replay.
      const retry = await createKey('race-1', body);
      assertReplayOf(retry, storedForm(originals[0]!.body));
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
      assert.equal(row?.response_body, storedForm(response.body));

      // A lapsed claim of a different request is still a reuse.
      await insertClaim('lapsed-2', requestFingerprint('POST', '/v1/api-keys', { name: 'other' }), app.clock.nowMs() - 1);
      assertError(await createKey('lapsed-2', body), { status: 422, type: 'idempotency_error', code: 'idempotency_key_reused' });
    });

    it('releases the claim when the request fails, so the same request runs again', async () => {
      const unknownId = 'key_00000000000000000000000000';
      const first = await app.request('DELETE', `/v1/api-keys/${unknownId}`, { headers: { 'Idempotency-Key': 'failing-1' } });
      assertError(first, { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.equal(await idempotencyRow('failing-1'), undefined);
      const second = await app.request('DELETE', `/v1/api-keys/${unknownId}`, { headers: { 'Idempotency-Key': 'failing-1' } });
      assertError(second, { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      assert.equal(second.headers['idempotent-replayed'], undefined);
      assert.equal(await idempotencyRow('failing-1'), undefined);

      // A conflict inside the effect's transaction releases the claim as well.
      const created = await createKey('failing-setup', { name: 'revoked twice' });
      const revoked = await app.request('DELETE', `/v1/api-keys/${created.json.id}`);
      assert.equal(revoked.statusCode, 200);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const again = await app.request('DELETE', `/v1/api-keys/${created.json.id}`, { headers: { 'Idempotency-Key': 'failing-2' } });
        assertError(again, { status: 409, type: 'conflict_error', code: 'api_key_already_revoked' });
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
      assert.equal(row.response_body, storedForm(response.body));
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
      const reordered = await createKeyFromText('stored-1', '{"allowedIps":["192.0.2.0/24"],"name":"stored"}');
      assertReplayOf(reordered, row.response_body);
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
      assert.equal(replayedRecent.body, storedForm(recent.body));

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
      assert.equal(liveReplay.body, storedForm(live.body));
      assert.equal((await idempotencyRow('scoped-1', 'live'))?.response_body, storedForm(live.body));
      assert.equal((await idempotencyRow('scoped-1', 'sandbox'))?.response_body, storedForm(sandbox.body));
    });

    it('refuses a malformed Idempotency-Key with 400 before any effect', async () => {
      const tooLong = await createKey('x'.repeat(256), { name: 'too long key' });
      assertError(tooLong, { status: 400, type: 'invalid_request_error', code: 'invalid_idempotency_key' });
      assert.deepEqual(await keysNamed('too long key'), []);
      const longest = await createKey('y'.repeat(255), { name: 'longest key' });
      assert.equal(longest.statusCode, 200);
    });
  });
}
