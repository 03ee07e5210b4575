// GET /v1/events/stream (server-sent events) on SQLite and PostgreSQL, over real HTTP on 127.0.0.1: the wire format,
// tenant isolation (another organization, the live environment), agent tokens, type filters, resuming with
// Last-Event-ID without gap or repeat, events whose transaction commits after a later one, the bound on streams per
// key, heartbeats, events committed by another process, and cleanup when the client goes away.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { recordEvent } from '../../../src/modules/events/service.js';
import { PostgresDatabase } from '../../../src/store/postgres/database.js';
import { assertError, startTestApp, type TestApp } from '../../helpers/app.js';
import { listenOnLoopback, openEventStream, type OpenedStream } from '../../helpers/event-stream.js';
import { storeKinds, testPostgresUrl } from '../../helpers/stores.js';
import { createUser } from '../webhooks/arrange.js';
import { agentWithCard } from '../intents/arrange.js';

const streamsPerKey = 3;

for (const kind of storeKinds) {
  describe(`GET /v1/events/stream (${kind})`, () => {
    let testApp: TestApp;
    let baseUrl: string;
    let other: { sandboxKey: string; organizationId: string };
    const open: OpenedStream[] = [];

    async function stream(key: string, query?: string, headers?: Record<string, string>): Promise<OpenedStream> {
      const opened = await openEventStream(baseUrl, { key, ...(query === undefined ? {} : { query }), ...(headers === undefined ? {} : { headers }) });
      open.push(opened);
      return opened;
    }

    /** Closes every stream a test opened and waits until the server has let go of them all. */
    async function closeAll(): Promise<void> {
      for (const opened of open.splice(0)) opened.close();
      const deadline = Date.now() + 5_000;
      while (testApp.app.context.eventStreams.openCount > 0) {
        if (Date.now() > deadline) throw new Error(`${testApp.app.context.eventStreams.openCount} streams still open on the server`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    before(async () => {
      testApp = await startTestApp({
        store: kind,
        config: { eventStream: { heartbeatIntervalMs: 200, pollIntervalMs: 200, streamsPerCredentialMax: streamsPerKey, streamsMax: 100 } },
      });
      baseUrl = await listenOnLoopback(testApp);
      const created = await initializeOrganization(testApp.store.db, 'Other organization', testApp.clock.nowMs());
      other = { sandboxKey: created.sandboxKey, organizationId: created.organization.id };
    });
    after(async () => {
      for (const opened of open) opened.close();
      await testApp?.close();
    });

    it('sends events committed after it opened, each as id, event and the webhook envelope, with the Request-Id', async () => {
      const events = await stream(testApp.sandboxKey);
      assert.equal(events.status, 200);
      assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.match(events.headers.get('request-id') ?? '', /^req_[0-9a-z]{26}$/);
      assert.equal(events.headers.get('cache-control'), 'no-cache, no-transform');
      await events.waitFor((current) => current.frames.some((frame) => frame.retry !== undefined), 5_000, 'the retry field');

      const userId = await createUser(testApp, 'Streamed');
      const listed = await testApp.request('GET', '/v1/events?type=user.created&limit=1');
      const eventId: string = listed.json.data[0].id;
      // Within about a second of its commit (this process's commit wakes the stream at once).
      const received = await events.waitForEvent(eventId, 1_000);
      const event = received.find((candidate) => candidate.id === eventId)!;
      assert.equal(event.type, 'user.created');
      const { object: _object, ...envelope } = (await testApp.request('GET', `/v1/events/${eventId}`)).json;
      assert.deepEqual(event.envelope, envelope);
      assert.equal(event.envelope.data.object.id, userId);
      await closeAll();
    });

    it('shows only its organization and environment: never another organization’s events or live ones', async () => {
      const sandbox = await stream(testApp.sandboxKey);
      const live = await stream(testApp.liveKey);
      const foreign = await stream(other.sandboxKey);
      await createUser(testApp, 'Foreign', other.sandboxKey);
      await createUser(testApp, 'Live', testApp.liveKey);
      await createUser(testApp, 'Own');
      const [ownId, liveId, foreignId] = await Promise.all(
        [testApp.sandboxKey, testApp.liveKey, other.sandboxKey].map(async (key) => (await testApp.request('GET', '/v1/events?limit=1', { key })).json.data[0].id as string),
      );
      await sandbox.waitForEvent(ownId!);
      await live.waitForEvent(liveId!);
      await foreign.waitForEvent(foreignId!);
      assert.deepEqual(sandbox.events().map((event) => event.envelope.data.object.lastName), ['Own']);
      assert.deepEqual(live.events().map((event) => event.envelope.data.object.lastName), ['Live']);
      assert.deepEqual(foreign.events().map((event) => event.envelope.data.object.lastName), ['Foreign']);
      for (const event of live.events()) assert.equal(event.envelope.environment, 'live');
      // Another tenant's event id does not exist here: 404, as any other id of theirs.
      const resumeForeign = await stream(testApp.sandboxKey, undefined, { 'Last-Event-ID': foreignId! });
      assertStreamError(resumeForeign, 404, 'resource_not_found', 'lastEventId');
      const resumeLive = await stream(testApp.sandboxKey, `lastEventId=${liveId}`);
      assertStreamError(resumeLive, 404, 'resource_not_found', 'lastEventId');
      await closeAll();
    });

    it('refuses agent tokens with 403 insufficient_permissions, and bad input before the stream opens', async () => {
      const { token } = await agentWithCard(testApp);
      assertStreamError(await stream(token), 403, 'insufficient_permissions');
      assertStreamError(await stream('lk_dev_unknown'), 401, 'invalid_api_key');
      assertStreamError(await stream(testApp.sandboxKey, 'type=card.nothing'), 422, 'unknown_event_type', 'type');
      assertStreamError(await stream(testApp.sandboxKey, 'type=card.*,,'), 422, 'unknown_event_type', 'type');
      assertStreamError(await stream(testApp.sandboxKey, 'typo=card.*'), 422, 'unknown_parameter');
      assertStreamError(await stream(testApp.sandboxKey, undefined, { 'Last-Event-ID': 'not-an-event' }), 422, 'invalid_parameter_value', 'Last-Event-ID');
      assertStreamError(await stream(testApp.sandboxKey, 'lastEventId=evt_01aaaaaaaaaaaaaaaaaaaaaaaa'), 404, 'resource_not_found', 'lastEventId');
      assert.equal(testApp.app.context.eventStreams.openCount, 0);
      await closeAll();
    });

    it('filters by exact type and family wildcard, comma-separated', async () => {
      const filtered = await stream(testApp.sandboxKey, `type=${encodeURIComponent('card.*,agent.created')}`);
      const everything = await stream(testApp.sandboxKey);
      const { cardId } = await agentWithCard(testApp);
      const frozen = await testApp.request('POST', `/v1/cards/${cardId}/freeze`);
      assert.equal(frozen.statusCode, 200, frozen.body);
      const lastId = (await testApp.request('GET', '/v1/events?type=card.frozen&limit=1')).json.data[0].id as string;
      await filtered.waitForEvent(lastId);
      await everything.waitForEvent(lastId);
      assert.deepEqual(
        filtered.events().map((event) => event.type),
        ['agent.created', 'card.created', 'card.frozen'],
      );
      const wanted = everything.events().filter((event) => event.type.startsWith('card.') || event.type === 'agent.created');
      assert.deepEqual(filtered.events().map((event) => event.id), wanted.map((event) => event.id));
      assert.ok(everything.events().length > wanted.length, 'the unfiltered stream also saw other types');
      await closeAll();
    });

    it('resumes after Last-Event-ID (header or ?lastEventId=) with no gap and no repeat; the header wins', async () => {
      const first = await stream(testApp.sandboxKey, 'type=user.created');
      for (const name of ['R1', 'R2', 'R3']) await createUser(testApp, name);
      const ids = (await testApp.request('GET', '/v1/events?type=user.created&limit=3')).json.data.map((event: { id: string }) => event.id).reverse() as string[];
      await first.waitForEvent(ids[2]!);
      first.close();
      // Disconnected: these commit while nobody listens.
      for (const name of ['R4', 'R5']) await createUser(testApp, name);
      const later = (await testApp.request('GET', '/v1/events?type=user.created&limit=2')).json.data.map((event: { id: string }) => event.id).reverse() as string[];

      const fromHeader = await stream(testApp.sandboxKey, 'type=user.created', { 'Last-Event-ID': ids[0]! });
      await fromHeader.waitForEvent(later[1]!);
      assert.deepEqual(fromHeader.events().map((event) => event.id), [ids[1], ids[2], ...later]);

      const fromQuery = await stream(testApp.sandboxKey, `type=user.created&lastEventId=${ids[2]}`);
      await fromQuery.waitForEvent(later[1]!);
      assert.deepEqual(fromQuery.events().map((event) => event.id), later);

      // A reconnecting EventSource keeps its first URL and sends the newer id in the header.
      const both = await stream(testApp.sandboxKey, `type=user.created&lastEventId=${ids[0]}`, { 'Last-Event-ID': later[0]! });
      await both.waitForEvent(later[1]!);
      assert.deepEqual(both.events().map((event) => event.id), [later[1]]);
      await closeAll();
    });

    it('still sends an event whose transaction commits after a later one was sent (commit order, not id order)', async () => {
      const events = await stream(testApp.sandboxKey);
      const startedEarlierMs = testApp.clock.nowMs() - 5_000;
      await createUser(testApp, 'Later');
      const laterId = (await testApp.request('GET', '/v1/events?limit=1')).json.data[0].id as string;
      await events.waitForEvent(laterId);
      // A request that started 5 s ago (its event id sorts before laterId) commits only now.
      const late = await testApp.store.db.transaction((tx) =>
        recordEvent(tx, { organizationId: testApp.organizationId, environment: 'sandbox' }, 'user.updated', { id: 'user_late', object: 'user' }, startedEarlierMs),
      );
      assert.ok(late.id < laterId);
      await events.waitForEvent(late.id);
      // Resuming from it repeats nothing.
      const resumed = await stream(testApp.sandboxKey, undefined, { 'Last-Event-ID': late.id });
      await createUser(testApp, 'After');
      const afterId = (await testApp.request('GET', '/v1/events?limit=1')).json.data[0].id as string;
      await resumed.waitForEvent(afterId);
      assert.deepEqual(resumed.events().map((event) => event.id), [afterId]);
      await closeAll();
    });

    it(`holds at most ${streamsPerKey} streams per API key (the next answers 429 too_many_streams); closing one frees a slot`, async () => {
      const held: OpenedStream[] = [];
      for (let index = 0; index < streamsPerKey; index += 1) {
        const opened = await stream(testApp.sandboxKey);
        assert.equal(opened.status, 200);
        held.push(opened);
      }
      const refused = await stream(testApp.sandboxKey);
      assertStreamError(refused, 429, 'too_many_streams');
      assert.match(refused.json.error.message, new RegExp(`\\b${streamsPerKey}\\b`));
      assert.match(refused.headers.get('retry-after') ?? '', /^\d+$/);
      // Other keys have slots of their own.
      assert.equal((await stream(testApp.liveKey)).status, 200);

      held[0]!.close();
      const deadline = Date.now() + 5_000;
      let reopened: OpenedStream | undefined;
      for (let attempt = 0; attempt < 500 && reopened === undefined; attempt += 1) {
        const candidate = await stream(testApp.sandboxKey);
        if (candidate.status === 200) reopened = candidate;
        else assertStreamError(candidate, 429, 'too_many_streams');
        if (Date.now() > deadline) break;
        if (reopened === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok(reopened !== undefined, 'closing a stream freed no slot within 5 s');
      await closeAll();
    });

    it('says where it starts (the latest event), and with a heartbeat how far the events its filter passed over took it', async () => {
      await createUser(testApp, 'BeforeOpen');
      const latest = (await testApp.request('GET', '/v1/events?limit=1')).json.data[0].id as string;
      const filtered = await stream(testApp.sandboxKey, 'type=webhook.test');
      await filtered.waitFor((current) => current.frames.length > 0, 5_000, 'the first frame');
      assert.deepEqual(filtered.frames[0], { retry: '1000', id: latest, comments: [] });
      // A client cut off now resumes after `latest` and misses nothing: this user comes.
      await createUser(testApp, 'PassedOver');
      const passedOver = (await testApp.request('GET', '/v1/events?limit=1')).json.data[0].id as string;
      await filtered.waitFor((current) => current.frames.some((frame) => frame.id === passedOver && frame.comments.includes('heartbeat')), 5_000, 'a heartbeat naming the passed-over event');
      assert.deepEqual(filtered.events(), []);
      const resumed = await stream(testApp.sandboxKey, undefined, { 'Last-Event-ID': latest });
      await resumed.waitForEvent(passedOver);
      assert.deepEqual(resumed.events().map((event) => event.id), [passedOver]);
      await closeAll();
    });

    it('sends a heartbeat comment while idle', async () => {
      const idle = await stream(other.sandboxKey, 'type=webhook.test');
      await idle.waitFor((current) => current.frames.filter((frame) => frame.comments.includes('heartbeat')).length >= 2, 5_000, 'two heartbeats');
      assert.deepEqual(idle.events(), []);
      await closeAll();
    });

    it('lets go of a stream when its client disconnects, and ends open streams when the server stops', async () => {
      const first = await stream(testApp.sandboxKey);
      await stream(testApp.sandboxKey);
      const openCount = () => testApp.app.context.eventStreams.openCount;
      assert.equal(openCount(), 2);
      first.close();
      const deadline = Date.now() + 5_000;
      while (openCount() !== 1) {
        assert.ok(Date.now() < deadline, 'the server kept the closed stream');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }

      const stopping = await startTestApp({ store: kind });
      const stoppingUrl = await listenOnLoopback(stopping);
      const cut = await openEventStream(stoppingUrl, { key: stopping.sandboxKey });
      assert.equal(cut.status, 200);
      await stopping.close();
      await cut.waitFor((current) => current.ended(), 5_000, 'the end of the stream');
      await closeAll();
    });

    if (kind === 'postgres') {
      it('sends events another process commits (polling), and never skips one whose transaction was still open', async () => {
        const events = await stream(testApp.sandboxKey);
        const scope = { organizationId: testApp.organizationId, environment: 'sandbox' as const };
        const schema = (testApp.store.db as PostgresDatabase).schema!;
        const otherProcess = new PostgresDatabase({ connectionString: testPostgresUrl, schema, poolSize: 2 });
        try {
          // Another process: its commit wakes nothing here; the poll finds it.
          const remote = await otherProcess.transaction((tx) => recordEvent(tx, scope, 'user.updated', { id: 'user_remote', object: 'user' }, Date.now()));
          await events.waitForEvent(remote.id, 1_000);

          // A transaction opens and records an event, then waits; another commits an event meanwhile.
          let release!: () => void;
          const released = new Promise<void>((resolve) => (release = resolve));
          let recorded!: () => void;
          const isRecorded = new Promise<void>((resolve) => (recorded = resolve));
          const slow = otherProcess.transaction(async (tx) => {
            const event = await recordEvent(tx, scope, 'user.updated', { id: 'user_slow', object: 'user' }, Date.now());
            recorded();
            await released;
            return event;
          });
          await isRecorded;
          await createUser(testApp, 'Quick');
          const quickId = (await testApp.request('GET', '/v1/events?type=user.created&limit=1')).json.data[0].id as string;
          release();
          const slowEvent = await slow;
          await events.waitForEvent(quickId);
          await events.waitForEvent(slowEvent.id);
          const order = events.events().map((event) => event.id);
          assert.ok(order.indexOf(slowEvent.id) < order.indexOf(quickId), 'the event of the transaction that began first comes first');
        } finally {
          await otherProcess.close();
        }
        await closeAll();
      });
    }
  });
}

function assertStreamError(opened: OpenedStream, status: number, code: string, param?: string): void {
  assert.equal(opened.status, status, JSON.stringify(opened.json));
  assertError(
    { statusCode: opened.status, headers: { 'request-id': opened.headers.get('request-id') ?? undefined }, body: JSON.stringify(opened.json), json: opened.json },
    { status, type: opened.json.error.type, code, ...(param === undefined ? {} : { param }) },
  );
}
