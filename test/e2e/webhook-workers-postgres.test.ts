// SPEC §6: "several processes never send the same attempt twice concurrently". Two `cardrail worker` processes on
// one PostgreSQL database (this test's own schema) deliver many events to a receiver that always answers 2xx at
// once: each (endpoint, event) arrives exactly once, and both processes took part.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { recordEvent } from '../../src/modules/events/service.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import type { Scope } from '../../src/domain/scope.js';
import { createEndpoint } from '../../src/modules/webhooks/service.js';
import { testSecrets } from '../../src/secrets.js';
import { openTestDatabase, testPostgresUrl, type TestDatabase } from '../helpers/stores.js';
import { startWebhookReceiver, verifyBoth, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const binPath = fileURLToPath(new URL('../../bin/cardrail.js', import.meta.url));
const eventCount = 400;

interface WorkerProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stop(): Promise<void>;
}

function databaseUrlWithSchema(schema: string): string {
  const url = new URL(testPostgresUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function startWorker(schema: string, dataDir: string): Promise<WorkerProcess> {
  const secrets = testSecrets();
  const child = spawn(process.execPath, [binPath, 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrlWithSchema(schema),
      CARDRAIL_DATA_DIR: dataDir,
      CARDRAIL_MASTER_KEY: Buffer.from(secrets.masterKey).toString('hex'),
      CARDRAIL_HD_SEED: Buffer.from(secrets.hdSeed).toString('hex'),
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  while (!/is delivering webhooks/.test(stdout)) {
    if (child.exitCode !== null) throw new Error(`cardrail worker exited\nstdout: ${stdout}\nstderr: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`cardrail worker did not start\nstdout: ${stdout}\nstderr: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    stdout: () => stdout,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
    },
  };
}

describe('two cardrail worker processes on one PostgreSQL database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-workers-'));
  const workers: WorkerProcess[] = [];
  let store: TestDatabase | undefined;
  let receiver: WebhookReceiver | undefined;

  after(async () => {
    for (const worker of workers) await worker.stop();
    await receiver?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('deliver each event to each endpoint exactly once under load', async (context) => {
    store = await openTestDatabase('postgres');
    const db = store.db;
    receiver = await startWebhookReceiver(() => 200);
    const created = await initializeOrganization(db, 'Workers', Date.now());
    const scope: Scope = { organizationId: created.organization.id, environment: 'sandbox' };
    const policy = { secrets: testSecrets(), allowPrivateNetworksInLive: false };
    const endpoints = await db.transaction(async (tx) => [
      await createEndpoint(tx, scope, { url: `${receiver!.url}/a`, events: ['user.*'] }, Date.now(), policy),
      await createEndpoint(tx, scope, { url: `${receiver!.url}/b`, events: ['user.created'] }, Date.now(), policy),
    ]);

    workers.push(await startWorker(store.location, dataDir));
    workers.push(await startWorker(store.location, dataDir));

    // Many events, committed by several concurrent transactions while both workers run.
    const eventIds: string[] = [];
    const producers = Array.from({ length: 8 }, async (_, producer) => {
      for (let batch = 0; batch < eventCount / 8 / 10; batch += 1) {
        const ids = await db.transaction(async (tx) => {
          const inBatch: string[] = [];
          for (let index = 0; index < 10; index += 1) inBatch.push((await recordEvent(tx, scope, 'user.created', { object: 'user', id: `user_${producer}_${batch}_${index}` }, Date.now())).id);
          return inBatch;
        });
        eventIds.push(...ids);
      }
    });
    await Promise.all(producers);
    assert.equal(eventIds.length, eventCount);

    const expected = eventIds.length * endpoints.length;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const open = await db.get<{ count: number }>("SELECT COUNT(*) AS count FROM webhook_deliveries WHERE status = 'pending'");
      const done = await db.get<{ count: number }>("SELECT COUNT(*) AS count FROM webhook_deliveries WHERE status = 'succeeded'");
      if (Number(open?.count) === 0 && Number(done?.count) === expected) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const worker of workers) await worker.stop();

    const keys = receiver.received.map((webhook) => `${webhook.path} ${webhook.headers['webhook-id']}`);
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    assert.deepEqual([...counts].filter(([, count]) => count > 1), [], 'an event reached an endpoint twice');
    assert.equal(counts.size, expected, 'every event reached every endpoint');
    for (const id of eventIds) {
      assert.ok(counts.has(`/webhooks/a ${id}`) && counts.has(`/webhooks/b ${id}`), `event ${id} delivered to both endpoints`);
    }
    const attempts = await db.all<{ attempt_count: number; status: string }>('SELECT attempt_count, status FROM webhook_deliveries');
    assert.ok(attempts.every((row) => row.attempt_count === 1 && row.status === 'succeeded'));
    for (const webhook of receiver.received.slice(0, 20)) verifyBoth(webhook, webhook.path.endsWith('/a') ? endpoints[0]!.secret : endpoints[1]!.secret);

    const attemptsBy = workers.map((worker) => worker.stdout().split('\n').filter((line) => line.includes('"msg":"webhook attempt"')).length);
    context.diagnostic(`attempts per worker: ${attemptsBy.join(', ')}`);
    assert.equal(attemptsBy[0]! + attemptsBy[1]!, expected);
    assert.ok(attemptsBy.every((count) => count > 0), `both workers delivered (${attemptsBy.join(', ')})`);
  });
});
