// The package as an integrator gets it: `npm pack` (its prepack builds dist/), the tarball installed into an empty
// project, `import … from 'cardrail/sdk'` there (at run time and in the type checker) and `npx cardrail --version`,
// with no src/, TypeScript or tsx in the installed tree.
//
// The install skips dependencies' install scripts: they only build better-sqlite3's native module (about a minute
// of C compilation on two cores when no prebuilt binary can be downloaded), which neither the SDK nor `--version`
// loads. The tarballs come from the npm cache when they are there (--prefer-offline).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packageVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const packTimeoutMs = 180_000;
const installTimeoutMs = 300_000;
const commandTimeoutMs = 60_000;

/** The environment without the npm_* variables `npm test` sets, so the child npm reads only its own configuration. */
function cleanEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'))), ...extra };
}

interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (killed after `timeoutMs`); resolves with its exit code and output, never rejects on a non-zero exit. */
function run(command: string, args: string[], cwd: string, timeoutMs: number, env: Record<string, string> = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: cleanEnvironment(env), timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
        return;
      }
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
  });
}

function assertSucceeded(result: CommandResult, what: string): void {
  assert.equal(result.code, 0, `${what} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

describe('the packed package, installed in an empty project', { timeout: packTimeoutMs + installTimeoutMs + 4 * commandTimeoutMs }, () => {
  const packDirectory = mkdtempSync(join(tmpdir(), 'cardrail-pack-'));
  const projectDirectory = mkdtempSync(join(tmpdir(), 'cardrail-install-'));
  let packedFiles: string[] = [];
  const installedPackage = join(projectDirectory, 'node_modules', 'cardrail');

  before(async () => {
    const packStarted = Date.now();
    const packed = await run('npm', ['pack', '--json', '--pack-destination', packDirectory], root, packTimeoutMs);
    assertSucceeded(packed, 'npm pack');
    const [report] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(report !== undefined, packed.stdout);
    packedFiles = report.files.map((file) => file.path);
    const packMs = Date.now() - packStarted;

    writeFileSync(join(projectDirectory, 'package.json'), `${JSON.stringify({ name: 'cardrail-install-probe', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
    const installStarted = Date.now();
    const installed = await run(
      'npm',
      ['install', join(packDirectory, report.filename), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
      projectDirectory,
      installTimeoutMs,
    );
    assertSucceeded(installed, 'npm install <tarball>');
    process.stdout.write(`# npm pack ${packMs} ms, npm install of the tarball ${Date.now() - installStarted} ms\n`);
  });

  after(() => {
    rmSync(packDirectory, { recursive: true, force: true });
    rmSync(projectDirectory, { recursive: true, force: true });
  });

  it('ships the built files, the command, the SDK types, the built dashboard and filler extension, and no sources, tests or source maps', () => {
    for (const path of ['package.json', 'README.md', 'bin/cardrail.js', 'dist/cli/main.js', 'dist/sdk/index.js', 'dist/sdk/index.d.ts', 'dist/sdk/webhooks.js', 'dist/dashboard/index.html', 'dist/extension/manifest.json', 'dist/extension/background.js', 'dist/extension/content.js']) {
      assert.ok(packedFiles.includes(path), `the tarball holds ${path}`);
    }
    assert.ok(packedFiles.some((path) => /^dist\/dashboard\/assets\/index-[\w-]+\.js$/.test(path)), 'the tarball holds the dashboard\'s script');
    const unexpected = packedFiles.filter((path) => /^(src|test|scripts|bench|docs|dashboard|extension)\//.test(path) || path.endsWith('.map') || path.startsWith('dist/sdk/generate.'));
    assert.deepEqual(unexpected, []);
  });

  it('installs without a compiler: no TypeScript or tsx, no src/ in the installed package', () => {
    assert.ok(existsSync(join(installedPackage, 'dist', 'sdk', 'index.js')));
    assert.ok(!existsSync(join(installedPackage, 'src')), 'the sources are not installed');
    for (const tool of ['typescript', 'tsx']) assert.ok(!existsSync(join(projectDirectory, 'node_modules', tool)), `${tool} is not installed`);
  });

  it("import 'cardrail/sdk' gives createCardrailClient, expectData, CardrailApiError and verifyWebhook, working", async () => {
    const probe = `
      const sdk = await import('cardrail/sdk');
      const client = sdk.createCardrailClient({ baseUrl: 'http://127.0.0.1:9', credential: 'lk_dev_probe' });
      let verification = 'accepted';
      try {
        sdk.verifyWebhook('{}', { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' }, 'whsec_' + Buffer.alloc(24).toString('base64'));
      } catch (error) {
        verification = error instanceof sdk.WebhookVerificationError ? 'refused' : String(error);
      }
      console.log(JSON.stringify({
        resolved: import.meta.resolve('cardrail/sdk'),
        exports: ['createCardrailClient', 'expectData', 'CardrailApiError', 'verifyWebhook', 'WebhookVerificationError'].map((name) => [name, typeof sdk[name]]),
        client: typeof client.GET,
        verification,
      }));`;
    const result = await run(process.execPath, ['--input-type=module', '-e', probe], projectDirectory, commandTimeoutMs);
    assertSucceeded(result, 'the import probe');
    const output = JSON.parse(result.stdout) as { resolved: string; exports: Array<[string, string]>; client: string; verification: string };
    assert.equal(output.resolved, `file://${join(projectDirectory, 'node_modules', 'cardrail', 'dist', 'sdk', 'index.js')}`);
    assert.deepEqual(output.exports, [
      ['createCardrailClient', 'function'],
      ['expectData', 'function'],
      ['CardrailApiError', 'function'],
      ['verifyWebhook', 'function'],
      ['WebhookVerificationError', 'function'],
    ]);
    assert.equal(output.client, 'function');
    assert.equal(output.verification, 'refused', 'a delivery with a wrong signature is refused');
  });

  it("type-checks an integrator's file against the installed types: paths are known, a wrong one fails to compile", async () => {
    writeFileSync(
      join(projectDirectory, 'probe.ts'),
      [
        "import { createCardrailClient, verifyWebhook, type CardrailClient } from 'cardrail/sdk';",
        "const client: CardrailClient = createCardrailClient({ baseUrl: 'http://127.0.0.1:4010', credential: 'lk_dev_probe' });",
        "export const read = () => client.GET('/v1/users/{id}', { params: { path: { id: 'user_1' } } });",
        '// @ts-expect-error: no such path',
        "export const wrong = () => client.GET('/v1/no-such-path', {});",
        'export const verify: typeof verifyWebhook = verifyWebhook;',
        '',
      ].join('\n'),
    );
    const compilerOptions = { strict: true, noEmit: true, skipLibCheck: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [] };
    writeFileSync(join(projectDirectory, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['probe.ts'] }));
    // The checkout's compiler, run from the empty project: the package itself brings none.
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], projectDirectory, commandTimeoutMs);
    assertSucceeded(result, 'tsc on the probe');
  });

  it('npx cardrail --version prints the package version', async () => {
    // npm_config_yes=false: npx must run the installed command, never fetch a package of that name from the registry.
    const result = await run('npx', ['cardrail', '--version'], projectDirectory, commandTimeoutMs, { npm_config_yes: 'false' });
    assertSucceeded(result, 'npx cardrail --version');
    assert.equal(result.stdout.trim(), packageVersion);
    assert.doesNotMatch(result.stderr, /building|tsc/, 'nothing is compiled at run time');
  });
});
