// `cardrail listen --forward-to` end to end: a real `cardrail serve` process, `cardrail listen` as a child process
// reading the sandbox key from the data directory, and a local receiver that verifies every forwarded event with the
// official `standardwebhooks` library and the secret listen printed. Events are made through the API; every one
// arrives once, verified, in order — also across a restart of the server, which listen rides out by reconnecting
// with Last-Event-ID. Ctrl-C (SIGINT) ends listen with exit code 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { eventFiltersOf } from '../../src/cli/listen.js';
import { bannerPatterns, runCardrail, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { startWebhookReceiver, verifyBoth, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const binPath = fileURLToPath(new URL('../../bin/cardrail.js', import.meta.url));

interface ListenProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  waitFor(pattern: RegExp, where: 'stdout' | 'stderr', timeoutMs: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

function startListen(args: string[], env: Record<string, string>): ListenProcess {
  const child = spawn(process.execPath, [binPath, 'listen', ...args], { env: { ...process.env, DATABASE_URL: '', CARDRAIL_API_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.removeListener('exit', killOnExit);
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitFor(pattern, where, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(where === 'stdout' ? stdout : stderr);
        if (match !== null) return match;
        if (child.exitCode !== null) throw new Error(`cardrail listen exited (${child.exitCode}) before ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`cardrail listen did not print ${pattern} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

describe('cardrail listen (real server process, real HTTP)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-listen-'));
  let server: ServerProcess;
  let port = 0;
  let sandboxKey = '';
  let receiver: WebhookReceiver;
  let listen: ListenProcess | undefined;
  const serverEnv = { CARDRAIL_EVENT_STREAM_HEARTBEAT_SECONDS: '1' };

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { 'Api-Key': sandboxKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = await response.json();
    assert.equal(response.status, 200, JSON.stringify(json));
    return json;
  }

  /** The ids of the events after `afterId`, oldest first (GET /v1/events is newest first). */
  async function eventIdsAfter(afterId: string): Promise<string[]> {
    const page = await api('GET', '/v1/events?limit=100');
    return (page.data as Array<{ id: string }>)
      .map((event) => event.id)
      .filter((id) => id > afterId)
      .reverse();
  }

  async function waitForDeliveries(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (receiver.received.length < count) {
      if (Date.now() > deadline) throw new Error(`${receiver.received.length} of ${count} events forwarded within ${timeoutMs} ms\nstdout: ${listen?.stdout()}\nstderr: ${listen?.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  before(async () => {
    server = await startServerProcess({ dataDir, logLevel: 'warn', env: serverEnv });
    port = server.port;
    await server.waitForOutput(bannerPatterns.api, 120_000);
    ({ sandboxKey } = await server.waitForKeys(60_000));
    receiver = await startWebhookReceiver();
  });

  after(async () => {
    if (listen !== undefined && listen.child.exitCode === null) listen.child.kill('SIGKILL');
    await server?.stop();
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('forwards every event, signed with the secret it printed, and rides out a server restart', { timeout: 180_000 }, async () => {
    const before = (await api('GET', '/v1/events?limit=1')).data[0].id as string;
    // The key comes from sandbox.key in the data directory, as demo and simulate read it.
    listen = startListen(['--url', `http://127.0.0.1:${port}`, '--forward-to', receiver.url], { CARDRAIL_DATA_DIR: dataDir });
    const secret = (await listen.waitFor(/signing secret is (whsec_[A-Za-z0-9+/=]+)/, 'stdout', 60_000))[1]!;
    await listen.waitFor(/^Ready: listening for sandbox events on http:\/\/127\.0\.0\.1:\d+/m, 'stdout', 30_000);

    // Events through the API: a user approved, an agent, a funded card, frozen.
    const user = await api('POST', '/v1/users', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
    await api('POST', `/v1/sandbox/users/${user.id}/verification`, { outcome: 'approved' });
    await api('POST', '/v1/sandbox/deposits', { userId: user.id, network: 'base', token: 'USDC', amount: '50000000', confirmations: 12 });
    const agent = await api('POST', '/v1/agents/register', { userId: user.id, name: 'listen-agent' });
    const card = await api('POST', `/v1/agents/${agent.id}/cards`, { purpose: 'listen test', maxAmount: 1_000 });
    await api('POST', `/v1/cards/${card.id}/freeze`);
    const made = await eventIdsAfter(before);
    assert.ok(made.length >= 6, `the API calls made ${made.length} events`);
    await waitForDeliveries(made.length, 30_000);

    // The server goes away and comes back on the same port and data directory; listen reconnects and resumes.
    await server.stop();
    await listen.waitFor(/connection to http:\/\/127\.0\.0\.1:\d+ lost/, 'stderr', 30_000);
    server = await startServerProcess({ dataDir, logLevel: 'warn', env: { ...serverEnv, PORT: String(port) } });
    await server.waitForOutput(bannerPatterns.api, 60_000);
    await listen.waitFor(/connected again, resuming after evt_/, 'stderr', 30_000);
    await api('POST', `/v1/cards/${card.id}/unfreeze`);
    await api('POST', '/v1/users', { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' });
    const all = await eventIdsAfter(before);
    await waitForDeliveries(all.length, 30_000);

    // Every event exactly once, in order, each verified by the official library with the printed secret.
    assert.deepEqual(receiver.ids(), all);
    const official = new Webhook(secret);
    for (const webhook of receiver.received) {
      assert.equal(webhook.path, '/webhooks');
      const verified = official.verify(webhook.rawBody, webhook.headers) as { id: string; type: string };
      assert.equal(verified.id, webhook.headers['webhook-id']);
      verifyBoth(webhook, secret);
      // One line per event: time, type, event id, the object's id.
      assert.match(listen.stdout(), new RegExp(`^\\S+Z  ${verified.type.replace('.', '\\.')}\\s+${verified.id}  \\S+_\\w+$`, 'm'));
    }
    assert.match(listen.stdout(), new RegExp(`card\\.frozen\\s+evt_\\w+  ${card.id}`));
    assert.match(listen.stdout(), /→ POST http:\/\/127\.0\.0\.1:\d+\/webhooks \[200\]/);

    listen.child.kill('SIGINT');
    assert.equal(await listen.exited, 0, listen.stderr());
    assert.match(listen.stdout(), /Stopped\.\n$/);
  });

  it('refuses what it cannot use: an unknown event type, a bad --forward-to, a bad --secret, a key the server refuses', async () => {
    assert.throws(() => eventFiltersOf('card.*,nothing.here'), /nothing\.here is not an event type/);
    assert.deepEqual(eventFiltersOf(' card.*, transaction.created ,'), ['card.*', 'transaction.created']);
    const url = `http://127.0.0.1:${port}`;
    const badType = await runCardrail(['listen', '--url', url, '--key', sandboxKey, '--events', 'card.nope']);
    assert.equal(badType.code, 1);
    assert.match(badType.stderr, /--events: card\.nope is not an event type/);
    const badForward = await runCardrail(['listen', '--url', url, '--key', sandboxKey, '--forward-to', 'ftp://example.com']);
    assert.equal(badForward.code, 1);
    assert.match(badForward.stderr, /--forward-to must be http/);
    const badSecret = await runCardrail(['listen', '--url', url, '--key', sandboxKey, '--forward-to', receiver.url, '--secret', 'whsec_short']);
    assert.equal(badSecret.code, 1);
    assert.match(badSecret.stderr, /--secret must be whsec_/);
    const badKey = await runCardrail(['listen', '--url', url, '--key', 'lk_dev_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /Invalid API key/);
  });
});
