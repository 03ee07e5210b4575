// `cardrail demo` against a real `cardrail serve` (the README's first thing to try after `npm start`): it finds the
// server's sandbox key in the data directory, runs seed 001 through the SDK and exits 0; a step that cannot behave
// as documented exits 1 naming it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCardrail, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

describe('cardrail demo (real server process)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-demo-'));
  let server: ServerProcess;
  let sandboxKey = '';

  before(async () => {
    server = await startServerProcess({ dataDir, logLevel: 'warn' });
    sandboxKey = (await server.waitForKeys(120_000)).sandboxKey;
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the first start leaves the sandbox key in the data directory, readable by its owner only', () => {
    const file = join(dataDir, 'sandbox.key');
    assert.equal(readFileSync(file, 'utf8').trim(), sandboxKey);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('runs the whole seed 001 flow step by step and exits 0, started as the server\'s banner says', async () => {
    // This server runs on another port and data directory than the defaults, so the banner's command names both;
    // it is run with nothing more (no PORT).
    const hint = /^ {2}(.*npx cardrail demo.*?) {2}# /m.exec(server.stdout());
    assert.equal(hint?.[1], `CARDRAIL_DATA_DIR=${dataDir} npx cardrail demo --url ${server.baseUrl}`);
    const result = await runCardrail(['demo', '--url', server.baseUrl], { PORT: '', CARDRAIL_DATA_DIR: dataDir }, 120_000);
    assert.equal(result.code, 0, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
    for (const step of ['Create a user', 'KYC', 'Fund', 'Register an agent', 'single-use card', 'declares its intent', 'card details', 'authorizes', 'settlement', 'webhooks']) {
      assert.match(result.stdout, new RegExp(step), `the demo prints the step "${step}"`);
    }
    assert.match(result.stdout, /intent matched/);
    assert.match(result.stdout, /balance: total \$150\.01, available \$150\.01, reserved \$0\.00, pending \$0\.00/);
    assert.match(result.stdout, /deliveries received and verified/);
    assert.match(result.stdout, /The whole flow behaved as documented\./);
    assert.doesNotMatch(result.stdout, /\b4\d{15}\b/, 'the demo never prints a card number');
  });

  it('exits 1 naming the failure when a step cannot work (a live key: the sandbox endpoints refuse it)', async () => {
    const live = await runCardrail(['demo', '--url', server.baseUrl, '--key', 'lk_live_not_a_real_key'], { CARDRAIL_DATA_DIR: dataDir });
    assert.equal(live.code, 1, live.stdout + live.stderr);
    assert.match(live.stderr, /demo step failed: /);
    const nobody = await runCardrail(['demo', '--url', 'http://127.0.0.1:9', '--key', sandboxKey], { CARDRAIL_DATA_DIR: dataDir });
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /no cardrail server answers at http:\/\/127\.0\.0\.1:9/);
  });
});
