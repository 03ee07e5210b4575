// The `cardrail` command as a user runs it: `node bin/cardrail.js …` in a child process, each test on its own
// data directory (and one on its own PostgreSQL schema).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { demoCommandFor } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import { latestMigrationVersion, migrations } from '../../src/store/migrations/index.js';
import { loadSecrets } from '../../src/secrets.js';
import { treasuryAccount } from '../../src/chain/treasury.js';
import { cardrailBinPath, runCardrail, type CliRun } from '../helpers/server-process.js';
import { testPostgresUrl } from '../helpers/stores.js';

interface ApiKeyRecord {
  object: string;
  id: string;
  name: string | null;
  environment: 'sandbox' | 'live';
  redactedKey: string;
  allowedIps: string[] | null;
  revokedAt: string | null;
  key?: string;
}

function runCli(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliRun> {
  return runCardrail(args, { LOG_LEVEL: 'warn', ...env }, timeoutMs);
}

function assertSucceeded(result: CliRun, what: string): void {
  assert.equal(result.code, 0, `${what} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

const temporaryDirectories: string[] = [];
function freshDataDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'cardrail-cli-'));
  temporaryDirectories.push(directory);
  return directory;
}

function parseJsonOutput<T>(result: CliRun): T {
  const lines = result.stdout.split('\n').filter((line) => line.trim() !== '');
  assert.equal(lines.length, 1, `expected exactly one line of JSON, got:\n${result.stdout}`);
  return JSON.parse(lines[0]!) as T;
}

describe('cardrail CLI', () => {
  before(async () => {
    // The first run builds dist/ with tsc when the sources are newer; later runs start straight away.
    const result = await runCli(['--help'], { CARDRAIL_DATA_DIR: freshDataDir() }, 120_000);
    assertSucceeded(result, 'cardrail --help');
    assert.match(result.stdout, /\bserve\b/);
    assert.match(result.stdout, /\bmigrate\b/);
  });

  after(() => {
    for (const directory of temporaryDirectories) rmSync(directory, { recursive: true, force: true });
  });

  it('init --json prints exactly one JSON object with the organization and its two keys', async () => {
    const dataDir = freshDataDir();
    const result = await runCli(['init', '--json', '--name', 'Acme'], { CARDRAIL_DATA_DIR: dataDir });
    assertSucceeded(result, 'init --json');
    const created = parseJsonOutput<Record<string, string>>(result);
    assert.deepEqual(Object.keys(created).sort(), ['liveKey', 'organizationId', 'sandboxKey']);
    assert.match(created.organizationId!, /^org_[a-z0-9]+$/);
    assert.match(created.sandboxKey!, /^lk_dev_[A-Za-z0-9_-]{20,}$/);
    assert.match(created.liveKey!, /^lk_live_[A-Za-z0-9_-]{20,}$/);
    assert.ok(existsSync(join(dataDir, 'cardrail.db')), 'the SQLite file lives in CARDRAIL_DATA_DIR');

    // The keys were stored, as hashes: listing shows them by their last characters only.
    const sandbox = parseJsonOutput<ApiKeyRecord[]>(await runCli(['keys', 'list', '--json'], { CARDRAIL_DATA_DIR: dataDir }));
    assert.equal(sandbox.length, 1);
    assert.equal(sandbox[0]!.environment, 'sandbox');
    assert.ok(sandbox[0]!.redactedKey.endsWith(created.sandboxKey!.slice(-4)));
    const live = parseJsonOutput<ApiKeyRecord[]>(await runCli(['keys', 'list', '--live', '--json'], { CARDRAIL_DATA_DIR: dataDir }));
    assert.equal(live.length, 1);
    assert.equal(live[0]!.environment, 'live');
    assert.ok(live[0]!.redactedKey.endsWith(created.liveKey!.slice(-4)));
  });

  it('keys create, list and revoke', async () => {
    const env = { CARDRAIL_DATA_DIR: freshDataDir() };
    const initial = parseJsonOutput<{ sandboxKey: string; liveKey: string }>(await runCli(['init', '--json'], env));

    // Default: a sandbox key, printed once in text form.
    const plain = await runCli(['keys', 'create'], env);
    assertSucceeded(plain, 'keys create');
    const plainMatch = /^(key_[a-z0-9]+) \(sandbox\)\n {2}key {2}(lk_dev_[A-Za-z0-9_-]+)\n/.exec(plain.stdout);
    assert.ok(plainMatch, `unexpected output of keys create:\n${plain.stdout}`);
    const [, plainId, plainSecret] = plainMatch;

    const named = await runCli(['keys', 'create', '--name', 'ci runner', '--json'], env);
    assertSucceeded(named, 'keys create --name --json');
    const namedKey = parseJsonOutput<ApiKeyRecord>(named);
    assert.equal(namedKey.object, 'api_key');
    assert.equal(namedKey.environment, 'sandbox');
    assert.equal(namedKey.name, 'ci runner');
    assert.equal(namedKey.allowedIps, null);
    assert.match(namedKey.key!, /^lk_dev_/);

    const live = await runCli(['keys', 'create', '--live', '--name', 'production', '--allowed-ips', '10.0.0.0/8', '--json'], env);
    assertSucceeded(live, 'keys create --live --allowed-ips --json');
    const liveKey = parseJsonOutput<ApiKeyRecord>(live);
    assert.equal(liveKey.environment, 'live');
    assert.equal(liveKey.name, 'production');
    assert.deepEqual(liveKey.allowedIps, ['10.0.0.0/8']);
    assert.match(liveKey.key!, /^lk_live_/);
    assert.equal(liveKey.revokedAt, null);

    const secrets = [initial.sandboxKey, initial.liveKey, plainSecret!, namedKey.key!, liveKey.key!];
    const sandboxList = await runCli(['keys', 'list', '--json'], env);
    assertSucceeded(sandboxList, 'keys list --json');
    for (const secret of secrets) assert.ok(!sandboxList.stdout.includes(secret), 'keys list never prints a secret');
    const sandboxKeys = parseJsonOutput<ApiKeyRecord[]>(sandboxList);
    assert.deepEqual(sandboxKeys.map((key) => key.environment), ['sandbox', 'sandbox', 'sandbox']);
    assert.ok(sandboxKeys.every((key) => !('key' in key)));
    const sandboxIds = sandboxKeys.map((key) => key.id);
    assert.ok(sandboxIds.includes(plainId!) && sandboxIds.includes(namedKey.id), 'both created sandbox keys are listed');

    const liveList = await runCli(['keys', 'list', '--env', 'live', '--json'], env);
    for (const secret of secrets) assert.ok(!liveList.stdout.includes(secret));
    const liveKeys = parseJsonOutput<ApiKeyRecord[]>(liveList);
    assert.equal(liveKeys.length, 2);
    const listedLive = liveKeys.find((key) => key.id === liveKey.id);
    assert.ok(listedLive);
    assert.deepEqual(listedLive.allowedIps, ['10.0.0.0/8']);
    assert.ok(!('key' in listedLive));

    // Revoke finds the key's environment itself.
    const revokeSandbox = await runCli(['keys', 'revoke', plainId!], env);
    assertSucceeded(revokeSandbox, 'keys revoke (sandbox)');
    assert.match(revokeSandbox.stdout, new RegExp(`Revoked ${plainId}`));
    const revokeLive = await runCli(['keys', 'revoke', liveKey.id], env);
    assertSucceeded(revokeLive, 'keys revoke (live)');

    const afterSandbox = parseJsonOutput<ApiKeyRecord[]>(await runCli(['keys', 'list', '--json'], env));
    for (const key of afterSandbox) {
      if (key.id === plainId) assert.match(key.revokedAt ?? '', /^\d{4}-\d{2}-\d{2}T/, 'the revoked key shows revokedAt');
      else assert.equal(key.revokedAt, null, `${key.id} was not revoked`);
    }
    const afterLive = parseJsonOutput<ApiKeyRecord[]>(await runCli(['keys', 'list', '--live', '--json'], env));
    assert.ok(afterLive.find((key) => key.id === liveKey.id)?.revokedAt);

    const text = await runCli(['keys', 'list'], env);
    assertSucceeded(text, 'keys list');
    assert.match(text.stdout, new RegExp(`^${plainId} .*revoked`, 'm'));
    for (const secret of secrets) assert.ok(!text.stdout.includes(secret));

    const unknown = await runCli(['keys', 'revoke', 'key_doesnotexist'], env);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /No API key key_doesnotexist/);
  });

  it('refuses an invalid CIDR with a message and a non-zero exit, creating nothing', async () => {
    const env = { CARDRAIL_DATA_DIR: freshDataDir() };
    assertSucceeded(await runCli(['init', '--json'], env), 'init');
    for (const invalid of ['10.0.0.0/33', 'not-an-ip', '10.0.0.0/8,300.1.1.1']) {
      const result = await runCli(['keys', 'create', '--allowed-ips', invalid, '--json'], env);
      assert.notEqual(result.code, 0, `--allowed-ips ${invalid} must fail`);
      assert.match(result.stderr, /is not an IP address or CIDR range/);
      assert.equal(result.stdout, '');
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'a usage error, not a stack trace');
    }
    const keys = parseJsonOutput<ApiKeyRecord[]>(await runCli(['keys', 'list', '--json'], env));
    assert.equal(keys.length, 1, 'only the key init created');
  });

  it('explains what to do when no organization exists yet', async () => {
    const result = await runCli(['keys', 'list'], { CARDRAIL_DATA_DIR: freshDataDir() });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /cardrail init/);
  });

  it('migrate applies the schema on SQLite, and a second run has nothing to apply', async () => {
    const env = { CARDRAIL_DATA_DIR: freshDataDir() };
    const allVersions = migrations.map((migration) => migration.version).join(', ');
    const first = await runCli(['migrate'], env);
    assertSucceeded(first, 'migrate');
    assert.equal(first.stdout, `Schema at version ${latestMigrationVersion} (applied ${allVersions})\n`);
    assert.ok(existsSync(join(env.CARDRAIL_DATA_DIR, 'cardrail.db')));
    const second = await runCli(['migrate'], env);
    assertSucceeded(second, 'second migrate');
    assert.equal(second.stdout, `Schema at version ${latestMigrationVersion} (nothing to apply)\n`);
  });

  it('--version and -V print the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag], { CARDRAIL_DATA_DIR: freshDataDir() });
      assertSucceeded(result, `cardrail ${flag}`);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it('a variable it cannot use is one line naming it, not a stack trace', async () => {
    const result = await runCli(['migrate'], { CARDRAIL_DATA_DIR: freshDataDir(), PORT: 'abc' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'cardrail: PORT must be a non-negative integer, got "abc"\n');
  });

  it('creates a new data directory 0700, its missing parents too, and the database 0600', async () => {
    const parent = freshDataDir();
    const dataDir = join(parent, 'nested', 'data');
    assertSucceeded(await runCli(['init', '--json'], { CARDRAIL_DATA_DIR: dataDir }), 'init in a new directory');
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(parent, 'nested')).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, 'cardrail.db')).mode & 0o777, 0o600);
  });

  it('devchain --json prints one line, serves a chain at its rpcUrl until SIGINT, funding the data directory’s treasury', async () => {
    const dataDir = freshDataDir();
    const child = spawn(process.execPath, [cardrailBinPath, 'devchain', '--port', '0', '--json'], { env: { ...process.env, CARDRAIL_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const killOnTimeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
        });
        child.once('exit', () => reject(new Error(`devchain exited before printing\nstdout: ${stdout}\nstderr: ${stderr}`)));
      });
      const printed = JSON.parse(line) as Record<string, unknown> & { rpcUrl: string; chainId: number; env: Record<string, string> };
      assert.deepEqual(Object.keys(printed).sort(), ['chainId', 'env', 'rpcUrl', 'testWalletAddress', 'testWalletPrivateKey', 'tokenAddress', 'treasuryAddress']);
      assert.equal(printed.chainId, 31337);
      assert.equal(printed.treasuryAddress, treasuryAccount(loadSecrets(dataDir)).address, 'the treasury of the HD seed in the data directory');
      assert.equal(printed.env.CARDRAIL_RPC_URL_BASE, printed.rpcUrl);
      assert.equal(printed.env.CARDRAIL_TOKEN_ADDRESS_BASE_USDC, printed.tokenAddress);
      const answer = await fetch(printed.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
      assert.equal(((await answer.json()) as { result: string }).result, '0x7a69');
      // `devchain send` moves test tokens as a wallet would: 12.345678 tokens are 12345678 base units at 6 decimals.
      const recipient = '0x000000000000000000000000000000000000dEaD';
      const sent = await runCli(['devchain', 'send', '--rpc-url', printed.rpcUrl, '--key', String(printed.testWalletPrivateKey), '--token-address', String(printed.tokenAddress), '--to', recipient, '--amount', '12.345678'], { CARDRAIL_DATA_DIR: dataDir });
      assertSucceeded(sent, 'devchain send');
      assert.match(sent.stdout, /^Sent 12\.345678 \(12345678 base units\) to 0x0+dEaD$/m);
      const balanceCall = `0x70a08231${recipient.slice(2).toLowerCase().padStart(64, '0')}`;
      const balance = await fetch(printed.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'eth_call', params: [{ to: printed.tokenAddress, data: balanceCall }, 'latest'] }) });
      assert.equal(BigInt(((await balance.json()) as { result: string }).result), 12_345_678n);
      child.kill('SIGINT');
      assert.equal(await exited, 0, `devchain exits cleanly on SIGINT\nstderr: ${stderr}`);
      assert.equal(stdout.trim().split('\n').length, 1, 'nothing but the JSON line on stdout');
    } finally {
      clearTimeout(killOnTimeout);
      child.kill('SIGKILL');
    }
  });

  it("treasury prints the treasury's address, and with a chain's RPC its ETH and token balances; an unreachable node exits 1", async () => {
    const dataDir = freshDataDir();
    const address = treasuryAccount(loadSecrets(dataDir)).address;
    const alone = await runCli(['treasury'], { CARDRAIL_DATA_DIR: dataDir });
    assertSucceeded(alone, 'treasury without an RPC');
    assert.match(alone.stdout, new RegExp(`^Treasury {2}${address} `, 'm'));
    assert.match(alone.stdout, /No network has an RPC/);

    const { startDevchain } = await import('../../src/chain/devchain.js');
    const devchain = await startDevchain({ secrets: loadSecrets(dataDir) });
    try {
      const json = await runCli(['treasury', '--json'], { CARDRAIL_DATA_DIR: dataDir, ...devchain.env });
      assertSucceeded(json, 'treasury --json with the devchain');
      const printed = parseJsonOutput<{ address: string; networks: Array<{ network: string; chainId: number; native: string; tokens: Array<{ token: string; contract: string; balance: string | null }> }> }>(json);
      assert.equal(printed.address, address);
      assert.equal(printed.networks.length, 1);
      const base = printed.networks[0]!;
      assert.deepEqual([base.network, base.chainId, base.native], ['base', 31337, '1000']);
      assert.deepEqual(base.tokens.find((token) => token.token === 'USDC'), { token: 'USDC', contract: devchain.tokenAddress, balance: '1000000' });
      const text = await runCli(['treasury'], { CARDRAIL_DATA_DIR: dataDir, ...devchain.env });
      assertSucceeded(text, 'treasury with the devchain');
      assert.match(text.stdout, /^ {2}base +chain 31337: 1000 ETH, 1000000 USDC/m);
    } finally {
      await devchain.stop();
    }
    const unreachable = await runCli(['treasury'], { CARDRAIL_DATA_DIR: dataDir, CARDRAIL_RPC_URL_BASE: 'http://127.0.0.1:9/' });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stdout, /base +chain 8453: cannot read balances/);
  });

  describe('on PostgreSQL (DATABASE_URL with its own schema)', () => {
    const schema = `cardrail_cli_${process.pid}_${Date.now().toString(36)}`;
    let admin: pg.Client;
    let databaseUrl: string;

    before(async () => {
      admin = new pg.Client({ connectionString: testPostgresUrl });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      // libpq's `options` parameter in the URL sets the search_path of every pooled connection.
      const url = new URL(testPostgresUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      databaseUrl = url.toString();
    });

    after(async () => {
      await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin?.end();
    });

    it('migrate, init and keys work against the schema, and nothing is written to the data dir', async () => {
      const dataDir = freshDataDir();
      const env = { CARDRAIL_DATA_DIR: dataDir, DATABASE_URL: databaseUrl };
      const allVersions = migrations.map((migration) => migration.version).join(', ');
      const first = await runCli(['migrate'], env);
      assertSucceeded(first, 'migrate (postgres)');
      assert.equal(first.stdout, `Schema at version ${latestMigrationVersion} (applied ${allVersions})\n`);
      const second = await runCli(['migrate'], env);
      assertSucceeded(second, 'second migrate (postgres)');
      assert.equal(second.stdout, `Schema at version ${latestMigrationVersion} (nothing to apply)\n`);

      const tracked = await admin.query<{ count: string }>(`SELECT COUNT(*) AS count FROM ${schema}.schema_migrations`);
      assert.equal(Number(tracked.rows[0]!.count), migrations.length, 'the migrations landed in the test schema');

      const created = parseJsonOutput<{ organizationId: string; sandboxKey: string }>(await runCli(['init', '--json'], env));
      assert.match(created.sandboxKey, /^lk_dev_/);
      const keys = parseJsonOutput<ApiKeyRecord[]>(await runCli(['keys', 'list', '--json'], env));
      assert.equal(keys.length, 1);
      assert.ok(keys[0]!.redactedKey.endsWith(created.sandboxKey.slice(-4)));
      assert.ok(!existsSync(join(dataDir, 'cardrail.db')), 'with DATABASE_URL no SQLite file is created');
    });
  });
});

describe('the demo command the start banner suggests', () => {
  const cwd = process.cwd();

  it('is plain `npx cardrail demo` for a server on the default address and data directory', () => {
    assert.equal(demoCommandFor(loadConfig({}), cwd), 'npx cardrail demo');
    assert.equal(demoCommandFor(loadConfig({ PORT: '4010', HOST: '127.0.0.1', CARDRAIL_DATA_DIR: './data' }), cwd), 'npx cardrail demo');
  });

  it('names the URL when the port or interface differ, reaching a wildcard interface over loopback', () => {
    assert.equal(demoCommandFor(loadConfig({ PORT: '5000' }), cwd), 'npx cardrail demo --url http://127.0.0.1:5000');
    assert.equal(demoCommandFor(loadConfig({ HOST: '0.0.0.0' }), cwd), 'npx cardrail demo');
    assert.equal(demoCommandFor(loadConfig({ HOST: '::', PORT: '4011' }), cwd), "npx cardrail demo --url 'http://[::1]:4011'", 'brackets are quoted: zsh would take them for a pattern');
    assert.equal(demoCommandFor(loadConfig({ CARDRAIL_PUBLIC_URL: 'https://cards.example.com' }), cwd), 'npx cardrail demo --url https://cards.example.com');
  });

  it('names the data directory (where sandbox.key is) when it is not ./data, quoted for the shell', () => {
    assert.equal(demoCommandFor(loadConfig({ CARDRAIL_DATA_DIR: '/srv/cardrail' }), cwd), 'CARDRAIL_DATA_DIR=/srv/cardrail npx cardrail demo');
    assert.equal(demoCommandFor(loadConfig({ CARDRAIL_DATA_DIR: "/srv/card rail's" }), cwd), `CARDRAIL_DATA_DIR='/srv/card rail'\\''s' npx cardrail demo`);
  });
});
