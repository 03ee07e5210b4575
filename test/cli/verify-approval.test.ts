// `cardrail verify-approval` as a user runs it (`node bin/cardrail.js`, a child process): a saved approval record —
// the API's JSON answer or the bare JWS — checked against a saved key set (--jwks FILE), against a running server's
// /.well-known/jwks.json (--jwks URL, and by default at CARDRAIL_URL), prints the terms it proves and exits 0; an
// edited record or one signed by another deployment prints "approval record NOT valid: …" and exits 1.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { approvalJwks, presentApprovalRecord, signApprovalRecord } from '../../src/modules/approvals/record.js';
import { testSecrets, type Secrets } from '../../src/secrets.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { freePort, runCardrail, type CliRun } from '../helpers/server-process.js';
import { approvalTerms } from '../modules/approvals/arrange.js';

/** The first run in a fresh checkout builds dist/ (bin/cardrail.js does), which takes a while. */
const firstRunTimeoutMs = 240_000;

describe('cardrail verify-approval', { timeout: firstRunTimeoutMs + 120_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'cardrail-verify-approval-'));
  const secrets = testSecrets();
  const terms = approvalTerms();
  const jws = signApprovalRecord(secrets, terms);
  const answer = presentApprovalRecord(jws, terms);
  const files = {
    answer: join(directory, 'approval.json'),
    jws: join(directory, 'approval.jws'),
    jwks: join(directory, 'jwks.json'),
    tampered: join(directory, 'tampered.json'),
    otherDeployment: join(directory, 'other-deployment.json'),
    notJson: join(directory, 'not-json.json'),
  };
  let server: TestApp;
  let serverUrl: string;

  function verify(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CliRun> {
    return runCardrail(['verify-approval', ...args], { CARDRAIL_DATA_DIR: directory, CARDRAIL_URL: '', CARDRAIL_PUBLIC_URL: '', LOG_LEVEL: 'warn', ...env }, timeoutMs);
  }

  function assertValid(result: CliRun, from: string): void {
    assert.equal(result.code, 0, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.equal(result.stderr, '');
    assert.ok(result.stdout.startsWith(`approval record valid: signed by the deployment's key (from ${from})\n`), result.stdout);
    for (const line of [
      /^ {2}record {7}apr_01jxq4t0g8v6c2m9k3h5n7p1rs$/m,
      /^ {2}decision {5}approved$/m,
      /^ {2}method {7}cardholderPasskey$/m,
      /^ {2}intent {7}int_01jxq4s9m8n7p6q5r4s3t2v1wx$/m,
      /^ {2}amount {7}123\.45 USD \(12345 cents\)$/m,
      /^ {2}merchant {5}Amazon$/m,
      new RegExp(`^ {2}decided at {3}${terms.decidedAt.replace(/\./g, '\\.')}$`, 'm'),
      /^ {2}decided by {3}cardholder usr_01jxq4s2a3b4c5d6e7f8g9h0jk$/m,
    ]) {
      assert.match(result.stdout, line);
    }
  }

  function assertNotValid(result: CliRun, why: RegExp): void {
    assert.equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^approval record NOT valid: /);
    assert.match(result.stderr, why);
  }

  before(async () => {
    writeFileSync(files.answer, `${JSON.stringify(answer, null, 2)}\n`);
    writeFileSync(files.jws, `${jws}\n`);
    writeFileSync(files.jwks, JSON.stringify(approvalJwks(secrets)));
    writeFileSync(files.tampered, JSON.stringify({ ...answer, intent: { ...answer.intent, amount: 1_234_500 } }));
    const otherSecrets: Secrets = { ...secrets, masterKey: new Uint8Array(32).fill(9) };
    writeFileSync(files.otherDeployment, JSON.stringify(presentApprovalRecord(signApprovalRecord(otherSecrets, terms), terms)));
    writeFileSync(files.notJson, '{"object": "approval_record",');
    server = await startTestApp();
    await server.server.listen({ port: 0, host: '127.0.0.1' });
    const address = server.server.server.address();
    assert.ok(address !== null && typeof address === 'object');
    serverUrl = `http://127.0.0.1:${address.port}`;
    // The first run builds dist/ when the sources are newer; later runs start straight away.
    const help = await verify(['--help'], {}, firstRunTimeoutMs);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /--jwks <file-or-url>/);
  });

  after(async () => {
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('is listed in the help', async () => {
    const result = await runCardrail(['--help'], { CARDRAIL_DATA_DIR: directory });
    assert.match(result.stdout, /verify-approval \[options\] <file>/);
  });

  it('verifies the API answer, and the bare JWS, against a saved key set', async () => {
    assertValid(await verify([files.answer, '--jwks', files.jwks]), files.jwks);
    assertValid(await verify([files.jws, '--jwks', files.jwks]), files.jwks);
  });

  it('verifies against a running server’s key set, by URL and by default at CARDRAIL_URL', async () => {
    assertValid(await verify([files.answer, '--jwks', `${serverUrl}/.well-known/jwks.json`]), `${serverUrl}/.well-known/jwks.json`);
    assertValid(await verify([files.answer], { CARDRAIL_URL: `${serverUrl}/v1` }), `${serverUrl}/.well-known/jwks.json`);
  });

  it('refuses an edited record and one signed by another deployment, exit code 1', async () => {
    assertNotValid(await verify([files.tampered, '--jwks', files.jwks]), /field intent\.amount differs from the signed record/);
    assertNotValid(await verify([files.otherDeployment, '--jwks', files.jwks]), /not in the key set/);
    assertNotValid(await verify([files.otherDeployment], { CARDRAIL_URL: serverUrl }), /not in the key set/);
    assertNotValid(await verify([files.notJson, '--jwks', files.jwks]), /neither a compact JWS nor JSON/);
  });

  it('says so when the record or the key set cannot be read, exit code 1', async () => {
    const missing = await verify([join(directory, 'missing.json'), '--jwks', files.jwks]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^cardrail: cannot read the record .*missing\.json: no such file$/m);
    const nothingListening = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await verify([files.answer], { CARDRAIL_URL: nothingListening });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`^cardrail: cannot fetch the key set from ${nothingListening}/\\.well-known/jwks\\.json: `, 'm'));
    const notAKeySet = await verify([files.answer, '--jwks', files.answer]);
    assert.equal(notAKeySet.code, 1);
    assert.match(notAKeySet.stderr, /^cardrail: the key set .* cannot be used: the key set is not a JWKS/m);
  });
});
