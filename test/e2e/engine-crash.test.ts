// SPEC §10 (crash) for the batching engine (src/network/engine.ts): authorizations sent without an Idempotency-Key are
// decided in batches and answered only after their batch commits. `cardrail serve` (SQLite) is killed with SIGKILL
// three times while clients authorize as fast as they can; after each restart every authorization a client saw
// answered — approved or declined — is there with the status it was answered with, and `verify-ledger` is clean.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bannerPatterns, runCardrail, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const kills = 3;
const clients = 24;
/** Answers wanted from a generation before it is killed, and a random delay after that. */
const answersBeforeKill = 150;
const killDelayMsMax = 300;

describe('answered authorizations survive kill -9 when the engine decides them in batches (sqlite)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-engine-crash-'));
  const dataDir = join(workDir, 'data');
  const started: ServerProcess[] = [];
  after(async () => {
    for (const server of started) await server.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('keeps every answered decision, approved or declined, and a sound ledger, across three kills', async () => {
    let server = await startServerProcess({ dataDir, logLevel: 'warn' });
    started.push(server);
    const { sandboxKey } = await server.waitForKeys(120_000);
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { 'Api-Key': sandboxKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      assert.equal(response.status, 200, `${method} ${path}: ${text}`);
      return JSON.parse(text) as { id: string; status: string; declineReason: string | null };
    };
    const user = await api('POST', '/v1/users', { firstName: 'Crash', lastName: 'Engine', email: 'engine@example.com' });
    await api('POST', `/v1/sandbox/users/${user.id}/verification`, { outcome: 'approved' });
    await api('POST', '/v1/sandbox/deposits', { userId: user.id, network: 'base', token: 'USDC', amount: String(100_000 * 1_000_000), confirmations: 12 });
    const agent = await api('POST', '/v1/agents/register', { userId: user.id, name: 'engine-crash' });
    const cardIds: string[] = [];
    for (let index = 0; index < 8; index += 1) cardIds.push((await api('POST', `/v1/agents/${agent.id}/cards`, { purpose: `engine crash ${index}`, type: 'multi', maxAmount: 5_000 })).id);

    const answered = new Map<string, string>();
    let connectionFailures = 0;
    for (let generation = 0; generation <= kills; generation += 1) {
      const target = server;
      let answersNow = 0;
      let stop = false;
      const client = async (seed: number) => {
        for (let attempt = 0; !stop; attempt += 1) {
          // Some amounts exceed the card's maxAmount: declines must survive too.
          const amount = 100 + ((seed * 7919 + attempt * 104_729) % 5_400);
          try {
            const response = await fetch(`${target.baseUrl}/v1/sandbox/authorizations`, {
              method: 'POST',
              headers: { 'Api-Key': sandboxKey, 'content-type': 'application/json' },
              body: JSON.stringify({ cardId: cardIds[(seed + attempt) % cardIds.length], amount, merchant: { name: 'Engine Crash Supplies' } }),
            });
            const transaction = JSON.parse(await response.text()) as { id: string; status: string };
            assert.equal(response.status, 200);
            answered.set(transaction.id, transaction.status);
            answersNow += 1;
          } catch (error) {
            if (error instanceof assert.AssertionError) throw error;
            connectionFailures += 1;
            return;
          }
        }
      };
      const running = Array.from({ length: clients }, (_, seed) => client(seed));
      const deadline = Date.now() + 60_000;
      while (answersNow < answersBeforeKill && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.ok(answersNow >= answersBeforeKill, `generation ${generation}: ${answersNow} answers in 60 s`);
      if (generation < kills) {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * killDelayMsMax)));
        target.child.kill('SIGKILL');
        await Promise.all(running);
        await target.stop();
        const verified = await runCardrail(['verify-ledger', '--json'], { CARDRAIL_DATA_DIR: dataDir });
        assert.equal(verified.code, 0, `verify-ledger after kill ${generation + 1}: ${verified.stdout}${verified.stderr}`);
        server = await startServerProcess({ dataDir, logLevel: 'warn' });
        started.push(server);
        await server.waitForOutput(bannerPatterns.api, 120_000);
      } else {
        stop = true;
        await Promise.all(running);
      }
      // Every decision answered so far is there, as it was answered.
      const missing: string[] = [];
      const entries = [...answered];
      for (let start = 0; start < entries.length; start += 32) {
        await Promise.all(
          entries.slice(start, start + 32).map(async ([id, status]) => {
            const response = await fetch(`${server.baseUrl}/v1/transactions/${id}`, { headers: { 'Api-Key': sandboxKey } });
            const stored = response.status === 200 ? ((await response.json()) as { status: string }).status : `HTTP ${response.status}`;
            if (stored !== status) missing.push(`${id}: answered ${status}, stored ${stored}`);
          }),
        );
      }
      assert.deepEqual(missing, [], `after generation ${generation}`);
    }
    const statuses = [...answered.values()];
    assert.ok(statuses.includes('pending') && statuses.includes('declined'), `approvals and declines both answered: ${statuses.length}`);
    assert.ok(connectionFailures > 0, 'the kills cut connections in flight');
    console.log(`# ${answered.size} answered authorizations (${statuses.filter((status) => status === 'pending').length} approved) kept across ${kills} kills; ${connectionFailures} cut in flight`);
  });
});
