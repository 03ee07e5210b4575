// The sandbox clock through HTTP on SQLite and PostgreSQL alike: advancing moves GET /v1/sandbox/clock, offsets
// accumulate, belong to one organization, and live credentials are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { useTestApp } from '../helpers/app.js';
import { storeKinds } from '../helpers/stores.js';

for (const kind of storeKinds) {
  describe(`sandbox clock over HTTP (${kind})`, () => {
    const app = useTestApp({ store: kind });

    const expectedClock = (offsetSeconds: number) => ({
      object: 'sandbox_clock',
      now: new Date(app.clock.nowMs() + offsetSeconds * 1000).toISOString(),
      offsetSeconds,
    });

    it('starts at the wall clock and moves forward by each advance', async () => {
      const initial = await app.request('GET', '/v1/sandbox/clock');
      assert.equal(initial.statusCode, 200, initial.body);
      assert.deepEqual(initial.json, expectedClock(0));

      const advanced = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 3600 } });
      assert.equal(advanced.statusCode, 200, advanced.body);
      assert.deepEqual(advanced.json, expectedClock(3600));
      assert.deepEqual((await app.request('GET', '/v1/sandbox/clock')).json, expectedClock(3600));

      const again = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 90 } });
      assert.deepEqual(again.json, expectedClock(3690));
      assert.deepEqual((await app.request('GET', '/v1/sandbox/clock')).json, expectedClock(3690));

      // The offset rides on the wall clock: moving the wall clock moves sandbox time with it.
      app.clock.advanceMs(5000);
      assert.deepEqual((await app.request('GET', '/v1/sandbox/clock')).json, expectedClock(3690));
    });

    it('advances once for an idempotent retry', async () => {
      const before = (await app.request('GET', '/v1/sandbox/clock')).json.offsetSeconds as number;
      const headers = { 'Idempotency-Key': 'clock-advance-1' };
      const first = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 60 }, headers });
      const retry = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 60 }, headers });
      assert.equal(first.json.offsetSeconds, before + 60);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(retry.body, first.body);
      assert.equal((await app.request('GET', '/v1/sandbox/clock')).json.offsetSeconds, before + 60);
    });

    it('keeps offsets per organization', async () => {
      const mine = (await app.request('GET', '/v1/sandbox/clock')).json.offsetSeconds as number;
      assert.ok(mine > 0);
      const other = await initializeOrganization(app.store.db, 'Clock neighbour', app.clock.nowMs());
      assert.deepEqual((await app.request('GET', '/v1/sandbox/clock', { key: other.sandboxKey })).json, expectedClock(0));

      const advanced = await app.request('POST', '/v1/sandbox/clock/advance', { key: other.sandboxKey, body: { seconds: 7 * 86_400 } });
      assert.deepEqual(advanced.json, expectedClock(7 * 86_400));
      assert.deepEqual((await app.request('GET', '/v1/sandbox/clock', { key: other.sandboxKey })).json, expectedClock(7 * 86_400));
      assert.deepEqual((await app.request('GET', '/v1/sandbox/clock')).json, expectedClock(mine));
    });

    it('refuses live credentials and out-of-range advances without moving the clock', async () => {
      const before = (await app.request('GET', '/v1/sandbox/clock')).json.offsetSeconds as number;
      const live = await app.request('POST', '/v1/sandbox/clock/advance', { key: app.liveKey, body: { seconds: 60 } });
      assert.equal(live.statusCode, 403);
      assert.equal(live.json.error.code, 'sandbox_only');
      assert.equal((await app.request('GET', '/v1/sandbox/clock', { key: app.liveKey })).json.error.code, 'sandbox_only');
      const liveClock = await app.store.db.get<{ offset_ms: number }>("SELECT offset_ms FROM environment_clocks WHERE organization_id = ? AND environment = 'live'", [
        app.organizationId,
      ]);
      assert.deepEqual(liveClock, { offset_ms: 0 });

      for (const seconds of [0, -60]) {
        const refused = await app.request('POST', '/v1/sandbox/clock/advance', { body: { seconds } });
        assert.equal(refused.statusCode, 422, refused.body);
        assert.equal(refused.json.error.type, 'validation_error');
      }
      assert.equal((await app.request('GET', '/v1/sandbox/clock')).json.offsetSeconds, before);
    });
  });
}
