// SPEC §2, §10: a `cardrail serve` process killed with SIGKILL while it produces and delivers events, then started
// again on the same data directory: every committed event reaches the receiver at least once, and nothing reaches it
// that did not commit (receiver ⊆ events table, and every event recorded after the endpoint ⊆ receiver).
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verifyWebhook } from '../../src/sdk/webhooks.js';
import { bannerPatterns, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const workerEnv = { CARDRAIL_WEBHOOK_TIMEOUT_SECONDS: '2' };

async function api(server: ServerProcess, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { 'Api-Key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

function eventIdsInTable(dataDir: string): string[] {
  const db = new BetterSqlite3(join(dataDir, 'cardrail.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT id FROM events WHERE environment = 'sandbox' ORDER BY id").all() as Array<{ id: string }>).map((row) => row.id);
  } finally {
    db.close();
  }
}

describe('webhooks survive a crash of the server (SIGKILL under load)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-webhook-crash-'));
  const dataDir = join(workDir, 'data');
  const servers: ServerProcess[] = [];
  let receiver: WebhookReceiver | undefined;

  after(async () => {
    for (const server of servers) await server.stop();
    await receiver?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('delivers every committed event at least once after a restart, and no event of an uncommitted change', async (context) => {
    receiver = await startWebhookReceiver(() => 200);
    const first = await startServerProcess({ dataDir, logLevel: 'warn', env: workerEnv });
    servers.push(first);
    const { sandboxKey } = await first.waitForKeys(120_000);

    const endpoint = await api(first, sandboxKey, 'POST', '/v1/webhooks', { url: receiver.url });
    assert.equal(endpoint.status, 200, JSON.stringify(endpoint.json));
    const secret: string = endpoint.json.secret;
    const before = new Set(eventIdsInTable(dataDir));

    // Producers: users created, approved and funded, as fast as four loops go, until the kill cuts them off.
    let killed = false;
    let calls = 0;
    const producer = async (loop: number) => {
      for (let index = 0; !killed; index += 1) {
        try {
          const user = await api(first, sandboxKey, 'POST', '/v1/users', { firstName: 'Crash', lastName: `L${loop}x${index}`, email: 'crash@example.com' });
          calls += 1;
          if (user.status !== 200 || index % 2 === 1) continue;
          await api(first, sandboxKey, 'POST', `/v1/sandbox/users/${user.json.id}/verification`, { outcome: 'approved' });
          await api(first, sandboxKey, 'POST', '/v1/sandbox/deposits', { userId: user.json.id, network: 'base', token: 'USDC', amount: '2500000', confirmations: 12 });
          calls += 2;
        } catch {
          // The connection died with the process.
        }
      }
    };
    const producers = [0, 1, 2, 3].map((loop) => producer(loop));

    // Kill while events are being produced and delivered.
    const deadline = Date.now() + 60_000;
    while ((receiver.received.length < 30 || calls < 60) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(receiver.received.length >= 30, `deliveries were flowing before the kill (${receiver.received.length})`);
    first.child.kill('SIGKILL');
    killed = true;
    await first.stop();
    await Promise.all(producers);
    const receivedAtKill = receiver.received.length;

    const second = await startServerProcess({ dataDir, logLevel: 'warn', env: workerEnv });
    servers.push(second);
    await second.waitForOutput(bannerPatterns.api, 120_000);

    // Drain: every event recorded after the endpoint was registered reaches the receiver (leases of requests cut
    // by the kill expire after 4 s, then they are sent again).
    let table: string[] = [];
    let missing: string[] = [];
    const drainDeadline = Date.now() + 60_000;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      table = eventIdsInTable(dataDir);
      const received = new Set(receiver.ids());
      missing = table.filter((id) => !before.has(id) && !received.has(id));
    } while (missing.length > 0 && Date.now() < drainDeadline);
    assert.deepEqual(missing, [], 'committed events never delivered');

    const inTable = new Set(table);
    const phantom = receiver.ids().filter((id) => !inTable.has(id));
    assert.deepEqual(phantom, [], 'events delivered that are not in the events table (an uncommitted change)');
    for (const webhook of receiver.received) assert.equal(verifyWebhook(webhook.rawBody, webhook.headers, secret).id, webhook.headers['webhook-id']);
    assert.ok(table.length - before.size >= 30, `events produced: ${table.length - before.size}`);
    assert.ok(receiver.received.length > receivedAtKill, 'the restarted server delivered what was left');
    const duplicates = receiver.received.length - new Set(receiver.ids()).size;
    context.diagnostic(`events ${table.length - before.size}, received ${receivedAtKill} before the kill and ${receiver.received.length} in all (${duplicates} again after the crash)`);
  });
});
