// API keys and organizations at the service level, on SQLite and PostgreSQL alike: hashed storage, lookup by
// secret, cursor pagination, (organization, environment) scoping, revocation, outbox events and sandbox clocks.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/domain/errors.js';
import { hashCredential } from '../../src/domain/credentials.js';
import { listEventsOfScope } from '../../src/modules/events/service.js';
import { createApiKey, findApiKeyBySecret, getApiKey, listApiKeys, revokeApiKey } from '../../src/modules/keys/service.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { createOrganization, getOrganization } from '../../src/modules/organizations/service.js';
import { advanceSandboxClock, sandboxOffsetMs } from '../../src/modules/sandbox/clock.js';
import type { Scope } from '../../src/domain/scope.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const startMs = Date.UTC(2026, 0, 5, 12, 0, 0);

function isAppErrorWithCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

/** Resolves every caller once `parties` callers are waiting. */
function barrier(parties: number): () => Promise<void> {
  let waiting = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async () => {
    waiting += 1;
    if (waiting === parties) release();
    await released;
  };
}

for (const kind of storeKinds) {
  describe(`keys and organizations (${kind})`, () => {
    let store: TestDatabase;
    let nowMs = startMs;
    const tick = () => (nowMs += 1000);

    before(async () => {
      store = await openTestDatabase(kind);
    });
    after(async () => {
      await store.close();
    });

    async function newOrganization(name: string) {
      const organization = await store.db.transaction((tx) => createOrganization(tx, { name, nowMs: tick() }));
      return {
        organization,
        sandbox: { organizationId: organization.id, environment: 'sandbox' } as Scope,
        live: { organizationId: organization.id, environment: 'live' } as Scope,
      };
    }

    async function eventsOfType(scope: Scope, type: string) {
      return (await listEventsOfScope(store.db, scope)).filter((event) => event.type === type);
    }

    it('createOrganization stores the organization with a zero clock per environment', async () => {
      const { organization } = await newOrganization('Acme');
      assert.match(organization.id, /^org_[0-9a-z]{26}$/);
      const stored = await getOrganization(store.db, organization.id);
      assert.deepEqual(stored, { id: organization.id, name: 'Acme', requireIpAllowlist: false, defaultCredentialExposure: 'rawPan', createdAtMs: nowMs });
      const clocks = await store.db.all<{ environment: string; offset_ms: number }>(
        'SELECT environment, offset_ms FROM environment_clocks WHERE organization_id = ? ORDER BY environment',
        [organization.id],
      );
      assert.deepEqual(clocks, [
        { environment: 'live', offset_ms: 0 },
        { environment: 'sandbox', offset_ms: 0 },
      ]);
      await assert.rejects(getOrganization(store.db, 'org_00000000000000000000000000'), isAppErrorWithCode('resource_not_found'));
    });

    it('initializeOrganization creates one sandbox and one live key that authenticate in their own environment', async () => {
      const initialized = await initializeOrganization(store.db, 'Initialized', tick());
      assert.match(initialized.sandboxKey, /^lk_dev_[A-Za-z0-9_-]{43}$/);
      assert.match(initialized.liveKey, /^lk_live_[A-Za-z0-9_-]{43}$/);
      const sandbox = await findApiKeyBySecret(store.db, initialized.sandboxKey);
      const live = await findApiKeyBySecret(store.db, initialized.liveKey);
      assert.equal(sandbox?.apiKey.organizationId, initialized.organization.id);
      assert.equal(sandbox?.apiKey.environment, 'sandbox');
      assert.equal(live?.apiKey.organizationId, initialized.organization.id);
      assert.equal(live?.apiKey.environment, 'live');
      assert.equal(sandbox?.organizationRequiresIpAllowlist, false);
      const count = await store.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM api_keys WHERE organization_id = ?', [initialized.organization.id]);
      assert.equal(count?.count, 2);
    });

    it('createApiKey stores only a SHA-256 hash of the secret, never the secret', async () => {
      const { sandbox } = await newOrganization('Hashing');
      const { apiKey, secret } = await store.db.transaction((tx) => createApiKey(tx, sandbox, { name: 'hashed', allowedIps: ['10.0.0.0/8'] }, tick()));
      assert.match(secret, /^lk_dev_/);
      const body = secret.slice('lk_dev_'.length);
      assert.equal(apiKey.last4, secret.slice(-4));

      const row = await store.db.get<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = ?', [apiKey.id]);
      assert.ok(row !== undefined);
      assert.match(String(row.key_hash), /^[0-9a-f]{64}$/);
      assert.equal(row.key_hash, hashCredential(secret));
      assert.equal(row.key_prefix, 'lk_dev_');
      for (const [column, value] of Object.entries(row)) {
        const text = String(value);
        assert.ok(!text.includes(secret), `column ${column} holds the secret`);
        assert.ok(!text.includes(body), `column ${column} holds the secret's random part`);
        assert.ok(!text.includes(body.slice(0, 16)), `column ${column} holds part of the secret`);
      }
      // No row anywhere in the table (and no event) carries it either.
      const everyKey = await store.db.all<Record<string, unknown>>('SELECT * FROM api_keys');
      assert.ok(everyKey.every((each) => !JSON.stringify(each).includes(body)));
      const events = await store.db.all<{ data: string }>('SELECT data FROM events');
      assert.ok(events.every((event) => !event.data.includes(body)));
    });

    it('findApiKeyBySecret finds the key with its sandbox clock offset, and nothing for an unknown secret', async () => {
      const { sandbox } = await newOrganization('Lookup');
      const { apiKey, secret } = await store.db.transaction((tx) => createApiKey(tx, sandbox, { name: 'lookup' }, tick()));
      const before = await findApiKeyBySecret(store.db, secret);
      assert.equal(before?.apiKey.id, apiKey.id);
      assert.equal(before?.apiKey.name, 'lookup');
      assert.equal(before?.apiKey.revokedAtMs, null);
      assert.equal(before?.sandboxOffsetMs, 0);

      await store.db.transaction((tx) => advanceSandboxClock(tx, sandbox, 3600));
      const after = await findApiKeyBySecret(store.db, secret);
      assert.equal(after?.sandboxOffsetMs, 3_600_000);

      assert.equal(await findApiKeyBySecret(store.db, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`), undefined);
      assert.equal(await findApiKeyBySecret(store.db, 'lk_dev_unknown'), undefined);
    });

    it('listApiKeys pages newest first with cursors, without gaps or repeats', async () => {
      const { sandbox } = await newOrganization('Paging');
      const createdIds: string[] = [];
      for (let index = 0; index < 25; index += 1) {
        const { apiKey } = await store.db.transaction((tx) => createApiKey(tx, sandbox, { name: `key ${index}` }, tick()));
        createdIds.push(apiKey.id);
      }
      const pages = [];
      let cursor: string | undefined;
      for (let page = 0; page < 5; page += 1) {
        const result = await listApiKeys(store.db, sandbox, { limit: 10, cursor });
        pages.push(result);
        if (!result.hasMore) break;
        assert.ok(result.nextCursor !== null);
        cursor = result.nextCursor;
      }
      assert.deepEqual(
        pages.map((page) => [page.data.length, page.hasMore, page.nextCursor === null]),
        [
          [10, true, false],
          [10, true, false],
          [5, false, true],
        ],
      );
      const listedIds = pages.flatMap((page) => page.data.map((item) => item.id));
      assert.deepEqual(listedIds, [...createdIds].reverse());
      assert.deepEqual(
        pages[0]!.data.slice(0, 2).map((item) => item.name),
        ['key 24', 'key 23'],
      );
      assert.ok(pages.every((page) => page.object === 'list' && page.data.every((item) => item.object === 'api_key' && !('key' in item))));

      const exact = await listApiKeys(store.db, sandbox, { limit: 25 });
      assert.equal(exact.data.length, 25);
      assert.equal(exact.hasMore, false);
      assert.equal(exact.nextCursor, null);
    });

    it('never lists or finds another organization’s or the other environment’s keys', async () => {
      const first = await newOrganization('Tenant one');
      const second = await newOrganization('Tenant two');
      const sandboxKey = await store.db.transaction((tx) => createApiKey(tx, first.sandbox, { name: 'one sandbox' }, tick()));
      const liveKey = await store.db.transaction((tx) => createApiKey(tx, first.live, { name: 'one live' }, tick()));
      const otherKey = await store.db.transaction((tx) => createApiKey(tx, second.sandbox, { name: 'two sandbox' }, tick()));

      const listed = async (scope: Scope) => (await listApiKeys(store.db, scope, { limit: 100 })).data.map((item) => item.id);
      assert.deepEqual(await listed(first.sandbox), [sandboxKey.apiKey.id]);
      assert.deepEqual(await listed(first.live), [liveKey.apiKey.id]);
      assert.deepEqual(await listed(second.sandbox), [otherKey.apiKey.id]);
      assert.deepEqual(await listed(second.live), []);

      assert.equal((await getApiKey(store.db, first.sandbox, sandboxKey.apiKey.id)).id, sandboxKey.apiKey.id);
      for (const [scope, id] of [
        [first.sandbox, liveKey.apiKey.id],
        [first.live, sandboxKey.apiKey.id],
        [first.sandbox, otherKey.apiKey.id],
        [second.sandbox, sandboxKey.apiKey.id],
        [second.live, liveKey.apiKey.id],
      ] as const) {
        await assert.rejects(getApiKey(store.db, scope, id), (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, 'resource_not_found');
          assert.equal(error.status, 404);
          assert.equal(error.type, 'not_found_error');
          return true;
        });
        await assert.rejects(
          store.db.transaction((tx) => revokeApiKey(tx, scope, id, tick())),
          isAppErrorWithCode('resource_not_found'),
        );
      }
      // The failed foreign revocations changed nothing.
      const untouched = await store.db.all<{ revoked_at: number | null }>('SELECT revoked_at FROM api_keys WHERE id IN (?, ?, ?)', [
        sandboxKey.apiKey.id,
        liveKey.apiKey.id,
        otherKey.apiKey.id,
      ]);
      assert.deepEqual(untouched, [{ revoked_at: null }, { revoked_at: null }, { revoked_at: null }]);
      assert.deepEqual(await eventsOfType(second.sandbox, 'api_key.revoked'), []);
    });

    it('revokes a key once; revoking again is api_key_already_revoked', async () => {
      const { sandbox } = await newOrganization('Revocation');
      const { apiKey, secret } = await store.db.transaction((tx) => createApiKey(tx, sandbox, { name: 'to revoke' }, tick()));
      const revokedAtMs = tick();
      const revoked = await store.db.transaction((tx) => revokeApiKey(tx, sandbox, apiKey.id, revokedAtMs));
      assert.equal(revoked.revokedAtMs, revokedAtMs);
      assert.equal((await getApiKey(store.db, sandbox, apiKey.id)).revokedAtMs, revokedAtMs);
      assert.equal((await findApiKeyBySecret(store.db, secret))?.apiKey.revokedAtMs, revokedAtMs);

      await assert.rejects(
        store.db.transaction((tx) => revokeApiKey(tx, sandbox, apiKey.id, tick())),
        (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, 'api_key_already_revoked');
          assert.equal(error.status, 409);
          return true;
        },
      );
      assert.equal((await getApiKey(store.db, sandbox, apiKey.id)).revokedAtMs, revokedAtMs);
      assert.equal((await eventsOfType(sandbox, 'api_key.revoked')).length, 1);
    });

    it('revokes once when revocations race: one succeeds, the others are api_key_already_revoked, one event', async () => {
      const { sandbox } = await newOrganization('Racing revocation');
      const { apiKey } = await store.db.transaction((tx) => createApiKey(tx, sandbox, { name: 'raced revoke' }, tick()));
      const attempts = Array.from({ length: 8 }, (_, index) => startMs + 10_000_000 + index);
      // On PostgreSQL every attempt first opens its transaction and waits for the others, so all of them race for
      // real; SQLite's single writer runs them one after another (waiting there would never end).
      const allStarted = kind === 'postgres' ? barrier(attempts.length) : async () => {};
      const outcomes = await Promise.allSettled(
        attempts.map((atMs) =>
          store.db.transaction(async (tx) => {
            await tx.get('SELECT 1');
            await allStarted();
            return revokeApiKey(tx, sandbox, apiKey.id, atMs);
          }),
        ),
      );
      const succeeded = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      assert.equal(succeeded.length, 1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') isAppErrorWithCode('api_key_already_revoked')(outcome.reason);
      }
      // The stored revocation time is the one the winner reported, and one event says so.
      assert.equal((await getApiKey(store.db, sandbox, apiKey.id)).revokedAtMs, succeeded[0]!.revokedAtMs);
      const revokedEvents = await eventsOfType(sandbox, 'api_key.revoked');
      assert.equal(revokedEvents.length, 1);
      assert.equal(revokedEvents[0]!.data.object.revokedAt, new Date(succeeded[0]!.revokedAtMs!).toISOString());
    });

    it('records api_key.created and api_key.revoked events in the same transaction as the change', async () => {
      const { sandbox, live } = await newOrganization('Events');
      const createdAtMs = tick();
      const { apiKey } = await store.db.transaction((tx) => createApiKey(tx, sandbox, { name: 'evented' }, createdAtMs));
      const created = await eventsOfType(sandbox, 'api_key.created');
      assert.equal(created.length, 1);
      assert.match(created[0]!.id, /^evt_/);
      assert.equal(created[0]!.createdAtMs, createdAtMs);
      assert.equal(created[0]!.environment, 'sandbox');
      assert.deepEqual(created[0]!.data.object, {
        object: 'api_key',
        id: apiKey.id,
        name: 'evented',
        environment: 'sandbox',
        redactedKey: `lk_dev_…${apiKey.last4}`,
        allowedIps: null,
        createdAt: new Date(createdAtMs).toISOString(),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });

      const revokedAtMs = tick();
      await store.db.transaction((tx) => revokeApiKey(tx, sandbox, apiKey.id, revokedAtMs));
      const revoked = await eventsOfType(sandbox, 'api_key.revoked');
      assert.equal(revoked.length, 1);
      assert.equal(revoked[0]!.data.object.id, apiKey.id);
      assert.equal(revoked[0]!.data.object.revokedAt, new Date(revokedAtMs).toISOString());
      assert.deepEqual(await listEventsOfScope(store.db, live), []);

      // A creation that rolls back leaves neither the key nor its event.
      let rolledBackId: string | undefined;
      await assert.rejects(
        store.db.transaction(async (tx) => {
          const { apiKey: doomed } = await createApiKey(tx, live, { name: 'doomed' }, tick());
          rolledBackId = doomed.id;
          throw new Error('abort after create');
        }),
        /abort after create/,
      );
      assert.ok(rolledBackId !== undefined);
      assert.equal(await store.db.get('SELECT id FROM api_keys WHERE id = ?', [rolledBackId]), undefined);
      assert.deepEqual(await listEventsOfScope(store.db, live), []);

      // So does a revocation that rolls back.
      const { apiKey: kept } = await store.db.transaction((tx) => createApiKey(tx, live, { name: 'kept' }, tick()));
      await assert.rejects(
        store.db.transaction(async (tx) => {
          await revokeApiKey(tx, live, kept.id, tick());
          throw new Error('abort after revoke');
        }),
        /abort after revoke/,
      );
      assert.equal((await getApiKey(store.db, live, kept.id)).revokedAtMs, null);
      assert.deepEqual(
        (await listEventsOfScope(store.db, live)).map((event) => [event.type, event.data.object.id]),
        [['api_key.created', kept.id]],
      );
    });

    it('advanceSandboxClock accumulates offsets per organization and environment', async () => {
      const first = await newOrganization('Clock one');
      const second = await newOrganization('Clock two');
      assert.equal(await store.db.transaction((tx) => advanceSandboxClock(tx, first.sandbox, 60)), 60_000);
      assert.equal(await store.db.transaction((tx) => advanceSandboxClock(tx, first.sandbox, 3600)), 3_660_000);
      assert.equal(await store.db.transaction((tx) => advanceSandboxClock(tx, first.sandbox, 86_400)), 90_060_000);
      assert.equal(await sandboxOffsetMs(store.db, first.sandbox), 90_060_000);
      assert.equal(await sandboxOffsetMs(store.db, first.live), 0);
      assert.equal(await sandboxOffsetMs(store.db, second.sandbox), 0);

      // A scope without a clock row yet gets one on its first advance.
      await store.db.run('DELETE FROM environment_clocks WHERE organization_id = ? AND environment = ?', [second.organization.id, 'sandbox']);
      assert.equal(await store.db.transaction((tx) => advanceSandboxClock(tx, second.sandbox, 5)), 5000);
      assert.equal(await sandboxOffsetMs(store.db, first.sandbox), 90_060_000);

      const { secret } = await store.db.transaction((tx) => createApiKey(tx, second.sandbox, {}, tick()));
      assert.equal((await findApiKeyBySecret(store.db, secret))?.sandboxOffsetMs, 5000);
    });
  });
}
