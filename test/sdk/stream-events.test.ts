// streamEvents (cardrail/sdk) against a server on 127.0.0.1: events as they happen with a type filter, reconnecting
// with Last-Event-ID after a dropped connection (no gap, no repeat), waiting out a 429, ending with the API's error
// when retrying cannot help, ending quietly on abort; and the parser on line endings and chunks split anywhere.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CardrailApiError, streamEvents, type StreamedEvent } from '../../src/sdk/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { listenOnLoopback, openEventStream } from '../helpers/event-stream.js';
import { agentWithCard } from '../modules/intents/arrange.js';
import { createUser } from '../modules/webhooks/arrange.js';

/** Takes events from `iterator` into `into` until `done` holds over them or `timeoutMs` passes. */
async function collect(iterator: AsyncIterator<StreamedEvent>, done: (events: StreamedEvent[]) => boolean, into: StreamedEvent[] = [], timeoutMs = 10_000): Promise<StreamedEvent[]> {
  const deadline = Date.now() + timeoutMs;
  while (!done(into)) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw new Error(`only ${into.length} events within ${timeoutMs} ms: ${into.map((event) => event.type).join(', ')}`);
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), remainingMs))),
    ]);
    clearTimeout(timer);
    if (next === 'timeout') continue;
    if (next.done === true) throw new Error(`the stream ended after ${into.length} events`);
    into.push(next.value);
  }
  return into;
}

async function latestEventIds(testApp: TestApp, count: number, type = 'user.created'): Promise<string[]> {
  const response = await testApp.request('GET', `/v1/events?type=${type}&limit=${count}`);
  return (response.json.data as Array<{ id: string }>).map((event) => event.id).reverse();
}

describe('streamEvents (SDK)', () => {
  let testApp: TestApp;
  let baseUrl: string;

  before(async () => {
    testApp = await startTestApp({ config: { eventStream: { heartbeatIntervalMs: 200, pollIntervalMs: 200, streamsPerCredentialMax: 1, streamsMax: 100 } } });
    baseUrl = await listenOnLoopback(testApp);
  });
  after(async () => testApp?.close());

  it('yields the events of the types asked for, in order, and ends quietly when aborted', async () => {
    const controller = new AbortController();
    const iterator = streamEvents({ baseUrl, credential: testApp.sandboxKey, types: ['user.created'], signal: controller.signal })[Symbol.asyncIterator]();
    const first = iterator.next();
    // The stream opens with the first next(); events committed from then on arrive.
    await waitForOpenStreams(testApp, 1);
    for (const name of ['S1', 'S2']) await createUser(testApp, name);
    // Its agent.created, card.created… are left out; its user's user.created is not.
    await agentWithCard(testApp);
    const ids = await latestEventIds(testApp, 3);
    const events = [(await first).value as StreamedEvent, ...(await collect(iterator, (received) => received.length >= 2))];
    assert.deepEqual(events.map((event) => event.id), ids);
    assert.deepEqual(events.map((event) => event.data.object.lastName), ['S1', 'S2', 'Doe']);
    assert.equal(events[0]!.environment, 'sandbox');
    const pending = iterator.next();
    controller.abort();
    assert.deepEqual(await pending, { value: undefined, done: true });
    await waitForOpenStreams(testApp, 0);
  });

  it('reconnects after a dropped connection and resumes with Last-Event-ID: no gap, no repeat', async () => {
    const sentLastEventIds: Array<string | null> = [];
    let connections = 0;
    // The first connection is cut once two events went through it, as a flaky network would (what was still in
    // flight with the second is lost with the connection).
    const flakyFetch = async (request: Request): Promise<Response> => {
      sentLastEventIds.push(request.headers.get('last-event-id'));
      connections += 1;
      const response = await fetch(request);
      if (connections > 1 || response.body === null) return response;
      let events = 0;
      const cut = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          controller.enqueue(chunk);
          events += (new TextDecoder().decode(chunk).match(/^data: /gm) ?? []).length;
          if (events >= 2) controller.error(new Error('connection reset'));
        },
      });
      return new Response(response.body.pipeThrough(cut), { status: response.status, headers: response.headers });
    };
    const received: StreamedEvent[] = [];
    const receivedAtReconnect: number[] = [];
    const reconnectDelays: number[] = [];
    const controller = new AbortController();
    const iterator = streamEvents({
      baseUrl,
      credential: testApp.sandboxKey,
      types: ['user.created'],
      signal: controller.signal,
      fetch: flakyFetch,
      onReconnect: ({ delayMs }) => {
        reconnectDelays.push(delayMs);
        receivedAtReconnect.push(received.length);
      },
    })[Symbol.asyncIterator]();
    const before = (await testApp.request('GET', '/v1/events?limit=1')).json.data[0].id as string;
    const collecting = collect(iterator, (events) => events.length >= 4, received);
    await waitForOpenStreams(testApp, 1);
    for (const name of ['D1', 'D2']) await createUser(testApp, name);
    const deadline = Date.now() + 10_000;
    while (reconnectDelays.length === 0) {
      assert.ok(Date.now() < deadline, 'the cut connection was never noticed');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Committed while the client is between two connections.
    for (const name of ['D3', 'D4']) await createUser(testApp, name);
    const ids = await latestEventIds(testApp, 4);
    await collecting;
    assert.deepEqual(received.map((event) => event.id), ids, 'every event once, in order');
    assert.equal(connections, 2);
    assert.equal(reconnectDelays.length, 1);
    assert.ok(reconnectDelays[0]! >= 800 && reconnectDelays[0]! <= 1_000, `the first pause is the server's retry of 1 s, less jitter: ${reconnectDelays[0]}`);
    // The second connection resumed after the last event the first one delivered (or, when it delivered none, after
    // the event the stream said it started from).
    const deliveredBeforeCut = receivedAtReconnect[0]!;
    assert.deepEqual(sentLastEventIds, [null, deliveredBeforeCut === 0 ? before : ids[deliveredBeforeCut - 1]]);
    controller.abort();
    await iterator.return?.();
    await waitForOpenStreams(testApp, 0);
  });

  it('waits out 429 too_many_streams (Retry-After) and connects once a slot is free', async () => {
    const holder = await openEventStream(baseUrl, { key: testApp.sandboxKey });
    assert.equal(holder.status, 200);
    const refusals: unknown[] = [];
    const controller = new AbortController();
    const iterator = streamEvents({
      baseUrl,
      credential: testApp.sandboxKey,
      types: ['user.created'],
      signal: controller.signal,
      onReconnect: ({ error, delayMs }) => {
        refusals.push(error);
        assert.equal(delayMs, 1_000, 'Retry-After is the heartbeat interval, rounded up to a second');
        holder.close();
      },
    })[Symbol.asyncIterator]();
    const first = iterator.next();
    const deadline = Date.now() + 10_000;
    while (refusals.length === 0 || testApp.app.context.eventStreams.openCount !== 0) {
      assert.ok(Date.now() < deadline, 'no refusal, or the held stream was never let go');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitForOpenStreams(testApp, 1);
    await createUser(testApp, 'AfterWait');
    const [id] = await latestEventIds(testApp, 1);
    assert.equal(((await first).value as StreamedEvent).id, id);
    assert.ok(refusals[0] instanceof CardrailApiError && refusals[0].code === 'too_many_streams');
    controller.abort();
    await iterator.return?.();
    await waitForOpenStreams(testApp, 0);
  });

  it('ends with a CardrailApiError when retrying cannot help (403 for an agent token, 404 for an unknown Last-Event-ID)', async () => {
    const { token } = await agentWithCard(testApp);
    await assert.rejects(
      async () => {
        for await (const _event of streamEvents({ baseUrl, credential: token })) assert.fail('no event expected');
      },
      (error: unknown) => error instanceof CardrailApiError && error.status === 403 && error.code === 'insufficient_permissions' && /^req_/.test(error.requestId ?? ''),
    );
    await assert.rejects(
      async () => {
        for await (const _event of streamEvents({ baseUrl, credential: testApp.sandboxKey, lastEventId: 'evt_01aaaaaaaaaaaaaaaaaaaaaaaa' })) assert.fail('no event expected');
      },
      (error: unknown) => error instanceof CardrailApiError && error.status === 404 && error.code === 'resource_not_found' && error.param === 'lastEventId',
    );
  });
});

describe('streamEvents parser', () => {
  it('reads CRLF, CR and LF line endings, comments, multi-line data and chunks split anywhere', async () => {
    const envelope = (id: string) => JSON.stringify({ id, type: 'card.frozen', createdAt: '2026-01-05T12:00:00.000Z', environment: 'sandbox', data: { object: { id: 'card_1' } } });
    const text =
      `retry: 500\r\n\r\n: heartbeat\r\n\r\nid: evt_1\r\nevent: card.frozen\r\ndata: ${envelope('evt_1')}\r\n\r\n` +
      `id: evt_2\revent: card.frozen\rdata: ${envelope('evt_2')}\r\r` +
      `id: evt_3\nevent: card.frozen\ndata: ${envelope('evt_3').slice(0, 20)}\ndata: ${envelope('evt_3').slice(20)}\n\n`;
    const bytes = new TextEncoder().encode(text);
    const requests: Request[] = [];
    // One byte per chunk: every boundary, CRLF halves included, falls between two reads.
    const fakeFetch = async (request: Request): Promise<Response> => {
      requests.push(request);
      let index = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (index < bytes.length) controller.enqueue(bytes.subarray(index, (index += 1)));
          else controller.close();
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
    };
    const controller = new AbortController();
    const received: StreamedEvent[] = [];
    for await (const event of streamEvents({ baseUrl: 'http://127.0.0.1:9/', credential: 'lk_dev_x', types: ['card.*', 'user.created'], signal: controller.signal, fetch: fakeFetch })) {
      received.push(event);
      if (received.length === 3) controller.abort();
    }
    assert.deepEqual(received.map((event) => event.id), ['evt_1', 'evt_2', 'evt_3']);
    assert.deepEqual(received[2]!.data.object, { id: 'card_1' });
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.url, 'http://127.0.0.1:9/v1/events/stream?type=card.*%2Cuser.created');
    assert.equal(requests[0]!.headers.get('api-key'), 'lk_dev_x');
  });
});

async function waitForOpenStreams(testApp: TestApp, count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (testApp.app.context.eventStreams.openCount !== count) {
    if (Date.now() > deadline) throw new Error(`${testApp.app.context.eventStreams.openCount} streams open, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
