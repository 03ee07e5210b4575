// A cardrail app on a fresh store with one organization, driven through Fastify's inject (no sockets).
import type { FastifyInstance } from 'fastify';
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import { Writable } from 'node:stream';
import { createApp, type RunningApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import type { Scope } from '../../src/domain/scope.js';
import { testSecrets } from '../../src/secrets.js';
import { openTestDatabase, type StoreKind, type TestDatabase } from './stores.js';

export interface TestResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ExpectedError {
  status: number;
  type: string;
  code: string;
  param?: string;
}

/** Status, type and code, and the SPEC §3 envelope with a requestId equal to the Request-Id header. */
export function assertError(response: TestResponse, expected: ExpectedError): void {
  assert.equal(response.statusCode, expected.status, response.body);
  const requestId = response.headers['request-id'];
  assert.equal(typeof requestId, 'string');
  assert.match(requestId as string, /^req_[0-9a-z]{26}$/);
  assert.deepEqual(Object.keys(response.json).sort(), ['error', 'requestId', 'status']);
  assert.equal(response.json.status, 'error');
  assert.equal(response.json.requestId, requestId);
  const { error } = response.json;
  for (const field of Object.keys(error)) assert.ok(['type', 'code', 'message', 'param'].includes(field), `unexpected error field ${field}`);
  assert.equal(error.type, expected.type);
  assert.equal(error.code, expected.code);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  if ('param' in expected) assert.equal(error.param, expected.param);
}

export interface RequestOptions {
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  /** A multipart/form-data body (a file upload), encoded as fetch would send it. */
  form?: FormData;
  headers?: Record<string, string>;
  remoteAddress?: string;
}

/** A FormData as fetch encodes it: the multipart body and its Content-Type with the boundary. */
export async function encodeForm(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const request = new Request('http://cardrail.test/', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type')! };
}

export interface TestApp {
  app: RunningApp;
  server: FastifyInstance;
  store: TestDatabase;
  clock: ManualClock;
  organizationId: string;
  sandboxKey: string;
  liveKey: string;
  /** Every log line the app wrote. */
  logs: string[];
  request(method: string, url: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

/** The test app's organization in `environment` (the sandbox unless said). */
export function scopeOf(testApp: TestApp, environment: Scope['environment'] = 'sandbox'): Scope {
  return { organizationId: testApp.organizationId, environment };
}

export interface TestAppOptions {
  store?: StoreKind;
  config?: Partial<Config>;
  extraRoutes?: (server: FastifyInstance) => void;
  /** Where the built dashboard is (default dist/dashboard). */
  dashboardDirectory?: string;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const store = await openTestDatabase(options.store ?? 'sqlite');
  const clock = new ManualClock(Date.now());
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const config: Config = { ...loadConfig({}), ...options.config };
  const app = await createApp({ config, db: store.db, clock, logger: createLogger('debug', destination), secrets: testSecrets(), extraRoutes: options.extraRoutes, dashboardDirectory: options.dashboardDirectory });
  const created = await initializeOrganization(store.db, 'Test organization', clock.nowMs());
  await app.server.ready();

  const request = async (method: string, url: string, requestOptions: RequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    const key = requestOptions.key === undefined ? created.sandboxKey : requestOptions.key;
    if (key !== null) headers['Api-Key'] = key;
    let payload: string | Buffer | undefined = requestOptions.rawBody;
    if (requestOptions.form !== undefined) {
      const encoded = await encodeForm(requestOptions.form);
      payload = encoded.body;
      headers['content-type'] ??= encoded.contentType;
    }
    if (payload === undefined && requestOptions.body !== undefined) {
      payload = JSON.stringify(requestOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.server.inject({
      method: method as 'GET',
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
      ...(requestOptions.remoteAddress === undefined ? {} : { remoteAddress: requestOptions.remoteAddress }),
    });
    let json: unknown;
    try {
      json = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      json = undefined;
    }
    return { statusCode: response.statusCode, headers: response.headers, body: response.body, json };
  };

  return {
    app,
    server: app.server,
    store,
    clock,
    organizationId: created.organization.id,
    sandboxKey: created.sandboxKey,
    liveKey: created.liveKey,
    logs,
    request,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/**
 * A test app for the enclosing `describe`: started in its `before` hook and closed in its `after` hook, or with
 * `perTest` a fresh one for every test (`beforeEach` / `afterEach`). The returned object is filled in when the app
 * starts, so use it inside hooks and tests, not while the suite is being defined.
 */
export function useTestApp(options: TestAppOptions = {}, { perTest = false }: { perTest?: boolean } = {}): TestApp {
  const testApp = {} as TestApp;
  (perTest ? beforeEach : before)(async () => {
    Object.assign(testApp, await startTestApp(options));
  });
  (perTest ? afterEach : after)(async () => {
    await testApp.close?.();
  });
  return testApp;
}
