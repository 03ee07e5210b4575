// A cardrail app on a fresh store with one organization, driven through Fastify's inject (no sockets).
import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { createApp, type RunningApp } from '../../src/app.js';
import { ManualClock } from '../../src/clock.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/http/logger.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { testSecrets } from '../../src/secrets.js';
import { openTestDatabase, type StoreKind, type TestDatabase } from './stores.js';

export interface TestResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  remoteAddress?: string;
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

export interface TestAppOptions {
  store?: StoreKind;
  config?: Partial<Config>;
  extraRoutes?: (server: FastifyInstance) => void;
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
  const app = await createApp({ config, db: store.db, clock, logger: createLogger('debug', destination), secrets: testSecrets(), extraRoutes: options.extraRoutes });
  const created = await initializeOrganization(store.db, 'Test organization', clock.nowMs());
  await app.server.ready();

  const request = async (method: string, url: string, requestOptions: RequestOptions = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    const key = requestOptions.key === undefined ? created.sandboxKey : requestOptions.key;
    if (key !== null) headers['Api-Key'] = key;
    let payload: string | undefined = requestOptions.rawBody;
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
