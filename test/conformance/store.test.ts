// The Database contract, run against SQLite and PostgreSQL alike: migrations, all-or-nothing transactions (the
// outbox included), concurrent and group-committed transactions, integer round-trips, `get` and `run` results.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newId } from '../../src/domain/ids.js';
import { recordEvent } from '../../src/modules/events/service.js';
import { createOrganization } from '../../src/modules/organizations/service.js';
import { appliedVersion, isFullyMigrated, migrate } from '../../src/store/migrate.js';
import { latestMigrationVersion, migrations } from '../../src/store/migrations/index.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const nowMs = Date.UTC(2026, 0, 5, 12, 0, 0);

class DeliberateFailure extends Error {
  constructor(readonly index: number) {
    super(`deliberate failure ${index}`);
  }
}

for (const kind of storeKinds) {
  describe(`store: migrations (${kind})`, () => {
    const opened: TestDatabase[] = [];
    after(async () => {
      for (const store of opened) await store.close();
    });

    it('applies every migration on a fresh store, and a second run applies nothing', async () => {
      const store = await openTestDatabase(kind, { migrated: false });
      opened.push(store);
      assert.equal(await isFullyMigrated(store.db), false);

      const first = await migrate(store.db, nowMs);
      assert.deepEqual(
        first.applied.map((migration) => migration.version),
        migrations.map((migration) => migration.version),
      );
      assert.equal(first.currentVersion, latestMigrationVersion);

      const second = await migrate(store.db, nowMs + 1);
      assert.deepEqual(second.applied, []);
      assert.equal(second.currentVersion, latestMigrationVersion);
      assert.equal(await isFullyMigrated(store.db), true);

      const rows = await store.db.all<{ version: number; name: string; applied_at: number }>('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        rows,
        migrations.map((migration) => ({ version: migration.version, name: migration.name, applied_at: nowMs })),
      );
      assert.equal(await appliedVersion(store.db), latestMigrationVersion);
    });

    it('is not fully migrated while a version below the latest is missing (versions may be appended with a gap filled later)', async () => {
      const store = await openTestDatabase(kind);
      opened.push(store);
      assert.equal(await isFullyMigrated(store.db), true);
      const middle = migrations[Math.floor(migrations.length / 2)]!;
      await store.db.run('DELETE FROM schema_migrations WHERE version = ?', [middle.version]);
      assert.equal(await appliedVersion(store.db), latestMigrationVersion);
      assert.equal(await isFullyMigrated(store.db), false);
    });

    it('applies each migration once when two migrations start together', async () => {
      const store = await openTestDatabase(kind, { migrated: false });
      opened.push(store);
      const results = await Promise.all([migrate(store.db, nowMs), migrate(store.db, nowMs)]);
      const appliedVersions = results.flatMap((result) => result.applied.map((migration) => migration.version)).sort((a, b) => a - b);
      assert.deepEqual(
        appliedVersions,
        migrations.map((migration) => migration.version),
      );
      const count = await store.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM schema_migrations');
      assert.equal(count?.count, migrations.length);
    });
  });

  describe(`store: transactions and results (${kind})`, () => {
    let store: TestDatabase;
    before(async () => {
      store = await openTestDatabase(kind);
    });
    after(async () => {
      await store.close();
    });

    async function organizationExists(id: string): Promise<boolean> {
      return (await store.db.get<{ id: string }>('SELECT id FROM organizations WHERE id = ?', [id])) !== undefined;
    }

    async function eventsOf(organizationId: string): Promise<Array<{ type: string; data: string }>> {
      return store.db.all<{ type: string; data: string }>('SELECT type, data FROM events WHERE organization_id = ? ORDER BY id', [organizationId]);
    }

    it('commits every write of a transaction together', async () => {
      const organization = await store.db.transaction(async (tx) => {
        const created = await createOrganization(tx, { name: 'committed', nowMs });
        await recordEvent(tx, { organizationId: created.id, environment: 'sandbox' }, 'test.committed', { id: created.id }, nowMs);
        return created;
      });
      assert.equal(await organizationExists(organization.id), true);
      const clocks = await store.db.all<{ environment: string }>('SELECT environment FROM environment_clocks WHERE organization_id = ? ORDER BY environment', [organization.id]);
      assert.deepEqual(
        clocks.map((row) => row.environment),
        ['live', 'sandbox'],
      );
      const events = await eventsOf(organization.id);
      assert.deepEqual(
        events.map((event) => event.type),
        ['test.committed'],
      );
      assert.deepEqual(JSON.parse(events[0]!.data), { object: { id: organization.id } });
    });

    it('rolls back every write, the outbox event included, when the transaction throws', async () => {
      let organizationId: string | undefined;
      await assert.rejects(
        store.db.transaction(async (tx) => {
          const created = await createOrganization(tx, { name: 'rolled back', nowMs });
          organizationId = created.id;
          await recordEvent(tx, { organizationId: created.id, environment: 'sandbox' }, 'test.rolled_back', { id: created.id }, nowMs);
          // Inside the transaction its own writes are visible.
          const seen = await tx.get<{ id: string }>('SELECT id FROM organizations WHERE id = ?', [created.id]);
          assert.equal(seen?.id, created.id);
          throw new DeliberateFailure(0);
        }),
        DeliberateFailure,
      );
      assert.ok(organizationId !== undefined);
      assert.equal(await organizationExists(organizationId), false);
      assert.deepEqual(await eventsOf(organizationId), []);
      const clocks = await store.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM environment_clocks WHERE organization_id = ?', [organizationId]);
      assert.equal(clocks?.count, 0);
      const events = await store.db.get<{ count: number }>("SELECT COUNT(*) AS count FROM events WHERE type = 'test.rolled_back'");
      assert.equal(events?.count, 0);
    });

    it('rolls back earlier writes when a later statement violates a constraint', async () => {
      const id = newId('org', nowMs);
      await assert.rejects(
        store.db.transaction(async (tx) => {
          await tx.run('INSERT INTO organizations (id, name, require_ip_allowlist, created_at) VALUES (?, ?, 0, ?)', [id, 'first', nowMs]);
          await recordEvent(tx, { organizationId: id, environment: 'live' }, 'test.constraint', { id }, nowMs);
          await tx.run('INSERT INTO organizations (id, name, require_ip_allowlist, created_at) VALUES (?, ?, 0, ?)', [id, 'duplicate', nowMs]);
        }),
      );
      assert.equal(await organizationExists(id), false);
      assert.deepEqual(await eventsOf(id), []);
    });

    it('gives concurrent transactions their own writes and makes every commit visible after', async () => {
      const count = 20;
      const results = await Promise.all(
        Array.from({ length: count }, (_, index) =>
          store.db.transaction(async (tx) => {
            const organization = await createOrganization(tx, { name: `concurrent ${index}`, nowMs: nowMs + index });
            const own = await tx.get<{ name: string; created_at: number }>('SELECT name, created_at FROM organizations WHERE id = ?', [organization.id]);
            assert.deepEqual(own, { name: `concurrent ${index}`, created_at: nowMs + index });
            const ownClocks = await tx.get<{ count: number }>('SELECT COUNT(*) AS count FROM environment_clocks WHERE organization_id = ?', [organization.id]);
            assert.equal(ownClocks?.count, 2);
            return organization.id;
          }),
        ),
      );
      assert.equal(new Set(results).size, count);
      const placeholders = results.map(() => '?').join(', ');
      const rows = await store.db.all<{ id: string; name: string }>(`SELECT id, name FROM organizations WHERE id IN (${placeholders})`, results);
      assert.equal(rows.length, count);
      const nameById = new Map(rows.map((row) => [row.id, row.name]));
      results.forEach((id, index) => assert.equal(nameById.get(id), `concurrent ${index}`));
    });

    it('persists exactly the concurrent transactions that did not throw', async () => {
      const count = 60;
      const fails = (index: number) => index % 3 === 1 || index % 7 === 0;
      const ids = Array.from({ length: count }, () => newId('org', nowMs));
      const outcomes = await Promise.allSettled(
        ids.map((id, index) =>
          store.db.transaction(async (tx) => {
            await tx.run('INSERT INTO organizations (id, name, require_ip_allowlist, created_at) VALUES (?, ?, 0, ?)', [id, `batch ${index}`, nowMs]);
            await recordEvent(tx, { organizationId: id, environment: 'sandbox' }, 'test.batch', { index }, nowMs);
            if (fails(index)) {
              // Half the failures are ours, half are the database refusing a duplicate key.
              if (index % 2 === 0) throw new DeliberateFailure(index);
              await tx.run('INSERT INTO organizations (id, name, require_ip_allowlist, created_at) VALUES (?, ?, 0, ?)', [id, 'duplicate', nowMs]);
            }
            return index;
          }),
        ),
      );
      outcomes.forEach((outcome, index) => {
        if (fails(index)) {
          assert.equal(outcome.status, 'rejected', `transaction ${index} should have failed`);
          if (index % 2 === 0) {
            assert.ok(outcome.status === 'rejected' && outcome.reason instanceof DeliberateFailure && outcome.reason.index === index);
          }
        } else {
          assert.deepEqual(outcome, { status: 'fulfilled', value: index });
        }
      });

      const placeholders = ids.map(() => '?').join(', ');
      const organizations = await store.db.all<{ id: string; name: string }>(`SELECT id, name FROM organizations WHERE id IN (${placeholders}) ORDER BY name`, ids);
      const expected = ids.flatMap((id, index) => (fails(index) ? [] : [{ id, name: `batch ${index}` }]));
      assert.deepEqual(
        organizations.sort((a, b) => a.id.localeCompare(b.id)),
        expected.sort((a, b) => a.id.localeCompare(b.id)),
      );
      const events = await store.db.all<{ organization_id: string; data: string }>(`SELECT organization_id, data FROM events WHERE type = 'test.batch'`);
      assert.deepEqual(
        events.map((event) => (JSON.parse(event.data) as { object: { index: number } }).object.index).sort((a, b) => a - b),
        ids.flatMap((_, index) => (fails(index) ? [] : [index])),
      );
    });

    it('keeps committing after a failed transaction', async () => {
      await assert.rejects(
        store.db.transaction(async () => {
          throw new DeliberateFailure(1);
        }),
        DeliberateFailure,
      );
      const organization = await store.db.transaction((tx) => createOrganization(tx, { name: 'after failure', nowMs }));
      assert.equal(await organizationExists(organization.id), true);
    });

    it('returns BIGINT and INTEGER values as JS numbers, exactly, up to Number.MAX_SAFE_INTEGER', async () => {
      const organizationId = newId('org', nowMs);
      await store.db.transaction((tx) => tx.run('INSERT INTO organizations (id, name, require_ip_allowlist, created_at) VALUES (?, ?, 1, ?)', [organizationId, 'integers', nowMs]));
      const values = [0, 1, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, nowMs, 2 ** 52 + 1, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
      const ids = values.map(() => newId('evt', nowMs));
      await store.db.transaction(async (tx) => {
        for (const [index, value] of values.entries()) {
          await tx.run('INSERT INTO events (id, organization_id, environment, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)', [ids[index]!, organizationId, 'sandbox', 'test.integer', '{}', value]);
        }
      });
      for (const [index, value] of values.entries()) {
        const row = await store.db.get<{ created_at: unknown }>('SELECT created_at FROM events WHERE id = ?', [ids[index]!]);
        assert.equal(typeof row?.created_at, 'number', `created_at ${value}`);
        assert.equal(row?.created_at, value);
        // The value also works as a bound parameter in a comparison.
        const matched = await store.db.get<{ id: string }>('SELECT id FROM events WHERE created_at = ? AND organization_id = ?', [value, organizationId]);
        assert.equal(matched?.id, ids[index]);
      }
      const aggregate = await store.db.get<{ largest: unknown; count: unknown }>('SELECT MAX(created_at) AS largest, COUNT(*) AS count FROM events WHERE organization_id = ?', [organizationId]);
      assert.deepEqual(aggregate, { largest: Number.MAX_SAFE_INTEGER, count: values.length });

      const flag = await store.db.get<{ require_ip_allowlist: unknown }>('SELECT require_ip_allowlist FROM organizations WHERE id = ?', [organizationId]);
      assert.deepEqual(flag, { require_ip_allowlist: 1 });

      // An offset (BIGINT) updated in place through arithmetic stays an exact number too.
      await store.db.run('INSERT INTO environment_clocks (organization_id, environment, offset_ms) VALUES (?, ?, ?)', [organizationId, 'sandbox', Number.MAX_SAFE_INTEGER - 10]);
      await store.db.run('UPDATE environment_clocks SET offset_ms = offset_ms + ? WHERE organization_id = ?', [10, organizationId]);
      const clock = await store.db.get<{ offset_ms: unknown }>('SELECT offset_ms FROM environment_clocks WHERE organization_id = ?', [organizationId]);
      assert.deepEqual(clock, { offset_ms: Number.MAX_SAFE_INTEGER });
    });

    it('`get` answers undefined when there is no row, and `all` an empty list', async () => {
      assert.equal(await store.db.get('SELECT id FROM organizations WHERE id = ?', ['org_missing']), undefined);
      assert.deepEqual(await store.db.all('SELECT id FROM organizations WHERE id = ?', ['org_missing']), []);
      const inside = await store.db.transaction((tx) => tx.get('SELECT id FROM organizations WHERE id = ?', ['org_missing']));
      assert.equal(inside, undefined);
    });

    it('`run` answers how many rows changed', async () => {
      const organizationIds = [newId('org', nowMs), newId('org', nowMs), newId('org', nowMs)];
      for (const id of organizationIds) {
        const inserted = await store.db.run('INSERT INTO organizations (id, name, require_ip_allowlist, created_at) VALUES (?, ?, 0, ?)', [id, 'changes', nowMs]);
        assert.deepEqual(inserted, { changes: 1 });
      }
      const updated = await store.db.run("UPDATE organizations SET require_ip_allowlist = 1 WHERE name = 'changes'");
      assert.deepEqual(updated, { changes: 3 });
      const none = await store.db.run("UPDATE organizations SET require_ip_allowlist = 1 WHERE name = 'no such name'");
      assert.deepEqual(none, { changes: 0 });
      const insideTransaction = await store.db.transaction(async (tx) => {
        const first = await tx.run('UPDATE organizations SET name = ? WHERE id = ?', ['changes renamed', organizationIds[0]!]);
        const conflict = await tx.run('INSERT INTO organizations (id, name, require_ip_allowlist, created_at) VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING', [organizationIds[1]!, 'dup', nowMs]);
        return [first.changes, conflict.changes];
      });
      assert.deepEqual(insideTransaction, [1, 0]);
      const deleted = await store.db.run("DELETE FROM organizations WHERE name IN ('changes', 'changes renamed')");
      assert.deepEqual(deleted, { changes: 3 });
    });

    it('answers ping', async () => {
      await store.db.ping();
      assert.equal(store.db.dialect, kind);
    });
  });

  describe(`store: isolation between stores (${kind})`, () => {
    const opened: TestDatabase[] = [];
    after(async () => {
      for (const store of opened) await store.close();
    });

    it('two Postgres schemas opened at once do not see each other’s rows', async () => {
      if (kind !== 'postgres') return;
      const first = await openTestDatabase(kind);
      opened.push(first);
      const second = await openTestDatabase(kind);
      opened.push(second);
      assert.notEqual(first.location, second.location);

      const inFirst = await first.db.transaction((tx) => createOrganization(tx, { name: 'first schema', nowMs }));
      const inSecond = await second.db.transaction((tx) => createOrganization(tx, { name: 'second schema', nowMs }));
      const firstRows = await first.db.all<{ id: string }>('SELECT id FROM organizations');
      const secondRows = await second.db.all<{ id: string }>('SELECT id FROM organizations');
      assert.deepEqual(
        firstRows.map((row) => row.id),
        [inFirst.id],
      );
      assert.deepEqual(
        secondRows.map((row) => row.id),
        [inSecond.id],
      );
    });
  });
}
