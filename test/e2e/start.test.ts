// The README promise: `cardrail serve` on an empty data directory prints working keys once; real HTTP against
// a real process; a restart keeps the data and prints no keys again. The data directory is private (0700, files
// 0600), and a port already in use is one clear line, not a stack trace.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bannerPatterns, freePort, runCardrail, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Every entry of the data directory with its mode, e.g. `{ ".": 0o700, "cardrail.db": 0o600 }`. */
function modesIn(dataDir: string): Record<string, number> {
  const modes: Record<string, number> = { '.': modeOf(dataDir) };
  for (const name of readdirSync(dataDir).sort()) modes[name] = modeOf(join(dataDir, name));
  return modes;
}

/** What a data directory created by an older version (or by hand, with umask 022) looks like. */
function loosenModes(dataDir: string): void {
  chmodSync(dataDir, 0o755);
  for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), 0o644);
}

interface HttpResult {
  status: number;
  headers: Headers;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<HttpResult> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}

describe('cardrail serve (real process, real HTTP)', () => {
  const started: ServerProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-start-'));
  let sandboxKey = '';
  let liveKey = '';
  let revokedKey = '';

  after(async () => {
    for (const server of started) await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('first start on an empty data directory', () => {
    let server: ServerProcess;

    before(async () => {
      // A directory made by hand (umask 022): the server makes it private.
      chmodSync(dataDir, 0o755);
      // The first start may build dist/ with tsc.
      server = await startServerProcess({ dataDir });
      started.push(server);
      await server.waitForOutput(bannerPatterns.api, 60_000);
      ({ sandboxKey, liveKey } = await server.waitForKeys(60_000));
    });

    it('prints the URLs it listens on and keeps its data in CARDRAIL_DATA_DIR', async () => {
      const api = /^ {2}API {8}(\S+)$/m.exec(server.stdout());
      assert.equal(api?.[1], `${server.baseUrl}/v1`);
      assert.match(server.stdout(), new RegExp(`^ {2}OpenAPI {4}${server.baseUrl}/openapi\\.json$`, 'm'));
      assert.ok(existsSync(join(dataDir, 'cardrail.db')), `${dataDir}/cardrail.db exists`);
      const health = await fetch(`${server.baseUrl}/health`);
      assert.equal(health.status, 200);
    });

    it('accepts the printed sandbox key in the Api-Key header', async () => {
      const listed = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': sandboxKey });
      assert.equal(listed.status, 200);
      assert.equal(listed.json.object, 'list');
      assert.ok(listed.json.data.length >= 1);
      assert.match(listed.headers.get('request-id') ?? '', /^req_/);
      const withLive = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': liveKey });
      assert.equal(withLive.status, 200);
    });

    it('answers 401 with the catalogue code for a missing, unknown or misplaced key', async () => {
      const missing = await call(server.baseUrl, 'GET', '/v1/api-keys');
      assert.equal(missing.status, 401);
      assert.equal(missing.json.status, 'error');
      assert.equal(missing.json.error.code, 'missing_api_key');
      assert.match(missing.json.requestId, /^req_/);

      const lookalike = `lk_dev_${'A'.repeat(43)}`;
      const unknown = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': lookalike });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.json.error.code, 'invalid_api_key');
      const garbage = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': 'not-a-key' });
      assert.equal(garbage.status, 401);
      assert.equal(garbage.json.error.code, 'invalid_api_key');
      // One character off the real key.
      const typo = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': `${sandboxKey.slice(0, -1)}${sandboxKey.endsWith('x') ? 'y' : 'x'}` });
      assert.equal(typo.status, 401);
      assert.equal(typo.json.error.code, 'invalid_api_key');

      const bearer = await call(server.baseUrl, 'GET', '/v1/api-keys', { Authorization: `Bearer ${sandboxKey}` });
      assert.equal(bearer.status, 401);
      assert.equal(bearer.json.error.type, 'authentication_error');
      assert.match(bearer.json.error.message, /Api-Key/);
      assert.ok(!JSON.stringify(bearer.json).includes(sandboxKey), 'the error does not echo the key');
    });

    it('a key created over HTTP works until it is revoked, then answers 401 api_key_revoked', async () => {
      const created = await call(server.baseUrl, 'POST', '/v1/api-keys', { 'Api-Key': sandboxKey }, { name: 'e2e' });
      assert.equal(created.status, 200);
      assert.equal(created.json.environment, 'sandbox');
      assert.match(created.json.key, /^lk_dev_/);
      revokedKey = created.json.key;
      assert.equal((await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': revokedKey })).status, 200);

      const revoked = await call(server.baseUrl, 'DELETE', `/v1/api-keys/${created.json.id}`, { 'Api-Key': sandboxKey });
      assert.equal(revoked.status, 200);
      assert.match(revoked.json.revokedAt, /^\d{4}-/);

      const refused = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': revokedKey });
      assert.equal(refused.status, 401);
      assert.equal(refused.json.error.code, 'api_key_revoked');
    });

    it('keeps sandbox and live apart: the sandbox key neither lists nor finds the live key', async () => {
      const liveListing = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': liveKey });
      assert.equal(liveListing.status, 200);
      const liveRecord = (liveListing.json.data as { id: string; environment: string; redactedKey: string }[]).find((key) => liveKey.endsWith(key.redactedKey.slice(-4)));
      assert.ok(liveRecord, 'the live key lists itself');
      assert.equal(liveRecord.environment, 'live');

      const sandboxListing = await call(server.baseUrl, 'GET', '/v1/api-keys?limit=100', { 'Api-Key': sandboxKey });
      assert.equal(sandboxListing.status, 200);
      const sandboxKeys = sandboxListing.json.data as { id: string; environment: string }[];
      assert.ok(sandboxKeys.length >= 2);
      assert.ok(sandboxKeys.every((key) => key.environment === 'sandbox'));
      assert.ok(!sandboxKeys.some((key) => key.id === liveRecord.id));

      const crossed = await call(server.baseUrl, 'GET', `/v1/api-keys/${liveRecord.id}`, { 'Api-Key': sandboxKey });
      assert.equal(crossed.status, 404);
      assert.equal(crossed.json.error.type, 'not_found_error');
      const own = await call(server.baseUrl, 'GET', `/v1/api-keys/${liveRecord.id}`, { 'Api-Key': liveKey });
      assert.equal(own.status, 200);
    });

    it('writes no key into its JSON log lines', () => {
      const logLines = server
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'));
      assert.ok(logLines.some((line) => line.includes('"url":"/v1/api-keys"')), 'request lines were logged');
      for (const line of logLines) {
        for (const secret of [sandboxKey, liveKey, revokedKey]) assert.ok(!line.includes(secret), `a log line contains a key: ${line}`);
      }
    });

    it('keeps its data private: the directory 0700; the database, its -wal and -shm, the keys and the seed 0600', async () => {
      // A write, so the WAL holds something; both files exist while the server runs.
      assert.equal((await call(server.baseUrl, 'POST', '/v1/api-keys', { 'Api-Key': sandboxKey }, { name: 'modes' })).status, 200);
      assert.deepEqual(modesIn(dataDir), {
        '.': 0o700,
        'cardrail.db': 0o600,
        'cardrail.db-shm': 0o600,
        'cardrail.db-wal': 0o600,
        'hd-seed': 0o600,
        'master.key': 0o600,
        'sandbox.key': 0o600,
      });
    });

    it('suggests a demo command that reaches this server and finds its key (port and data directory are not the defaults)', () => {
      const hint = /^ {2}(.*npx cardrail demo.*?) {2}# /m.exec(server.stdout());
      assert.equal(hint?.[1], `CARDRAIL_DATA_DIR=${dataDir} npx cardrail demo --url ${server.baseUrl}`);
    });

    it('stops on SIGTERM with exit code 0', async () => {
      assert.equal(await server.stop(), 0);
    });
  });

  describe('second start on the same data directory', () => {
    let server: ServerProcess;

    before(async () => {
      assert.notEqual(sandboxKey, '', 'the first start printed a sandbox key');
      loosenModes(dataDir);
      server = await startServerProcess({ dataDir });
      started.push(server);
      await server.waitForOutput(bannerPatterns.api, 60_000);
    });

    it('does not print keys again, and the old keys keep working', async () => {
      const listed = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': sandboxKey });
      assert.equal(listed.status, 200);
      const revoked = await call(server.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': revokedKey });
      assert.equal(revoked.status, 401);
      assert.equal(revoked.json.error.code, 'api_key_revoked');
      // The request log line comes after the banner on stdout, so the banner has been read completely.
      await server.waitForOutput(/"url":"\/v1\/api-keys"/, 10_000);
      const stdout = server.stdout();
      assert.doesNotMatch(stdout, /sandbox key|live key/);
      assert.doesNotMatch(stdout, /lk_(?:dev|live)_/);
    });

    it('tightens the modes of an existing data directory on start', () => {
      const modes = modesIn(dataDir);
      assert.deepEqual(Object.entries(modes).filter(([, mode]) => mode !== 0o600 && mode !== 0o700), []);
      assert.equal(modes['.'], 0o700);
    });

    it('after a crash, tightens the -wal and -shm files it left on the next start', async () => {
      server.child.kill('SIGKILL');
      await server.stop();
      assert.ok(existsSync(join(dataDir, 'cardrail.db-wal')) && existsSync(join(dataDir, 'cardrail.db-shm')), 'the crash left -wal and -shm');
      loosenModes(dataDir);
      const restarted = await startServerProcess({ dataDir });
      started.push(restarted);
      await restarted.waitForOutput(bannerPatterns.api, 60_000);
      assert.deepEqual(Object.entries(modesIn(dataDir)).filter(([name, mode]) => mode !== (name === '.' ? 0o700 : 0o600)), []);
      const listed = await call(restarted.baseUrl, 'GET', '/v1/api-keys', { 'Api-Key': sandboxKey });
      assert.equal(listed.status, 200, 'the data survived');
      assert.equal(await restarted.stop(), 0);
    });
  });
});

describe('cardrail serve on a port already in use', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-busy-port-'));
  const blocker = createServer();
  let port = 0;

  before(async () => {
    port = await freePort();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(port, '127.0.0.1', resolve);
    });
  });
  after(async () => {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 1 with one line naming the port and the PORT variable, no stack trace, and creates no keys', async () => {
    const environment = { PORT: String(port), HOST: '127.0.0.1', CARDRAIL_DATA_DIR: dataDir, REDIS_URL: '', CARDRAIL_PUBLIC_URL: '', LOG_LEVEL: 'warn' };
    const result = await runCardrail(['serve'], environment, 120_000);
    assert.equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    // A checkout may build dist/ first and say so; everything else is the one line.
    const lines = result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('cardrail: building'));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, new RegExp(`^cardrail: port ${port} on 127\\.0\\.0\\.1 is already in use .*choose another port with the PORT variable, e\\.g\\. PORT=${port + 1} npm start`));
    assert.doesNotMatch(result.stderr + result.stdout, /^\s+at /m);
    assert.doesNotMatch(result.stdout, /lk_(?:dev|live)_/);

    // The failed start created no organization: the first start that can listen prints the keys.
    blocker.close();
    const server = await startServerProcess({ dataDir, logLevel: 'warn' });
    try {
      const keys = await server.waitForKeys(60_000);
      assert.match(keys.sandboxKey, /^lk_dev_/);
    } finally {
      await server.stop();
    }
  });
});
