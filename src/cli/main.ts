// The `cardrail` command line: serve, worker, init, keys, migrate, verify-ledger, verify-approval, simulate, demo, listen,
// fill, devchain, treasury (and mcp).
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../clock.js';
import { ConfigError, defaultPort, loadConfig, type Config } from '../config.js';
import type { Environment } from '../domain/environment.js';
import { normalizeCidr } from '../domain/ip-allowlist.js';
import { createApiKey, listApiKeys, presentApiKey, revokeApiKey } from '../modules/keys/service.js';
import { initializeIfEmpty, initializeOrganization } from '../modules/organizations/bootstrap.js';
import { listOrganizations } from '../modules/organizations/service.js';
import type { Database } from '../store/database.js';
import { migrate } from '../store/migrate.js';
import { openDatabase } from '../store/open.js';
import { isAppError } from '../domain/errors.js';
import { verifyLedger } from '../ledger/verify.js';
import { packageVersion } from '../package-version.js';
import { ensurePrivateDirectory, ensurePrivateFile } from '../private-files.js';
import { CardrailApiError } from '../sdk/index.js';
import { DemoStepFailed, runDemo } from './demo.js';
import { DevchainError, registerDevchainCommand } from './devchain.js';
import { FillError, registerFillCommand } from './fill.js';
import { ListenError, registerListenCommand } from './listen.js';
import { SandboxKeyMissing, sandboxKeyFileName, sandboxKeyFor } from './sandbox-key.js';
import { registerSimulateCommands } from './simulate.js';
import { registerTreasuryCommand } from './treasury.js';
import { registerVerifyApprovalCommand, VerifyApprovalError } from './verify-approval.js';

class CliError extends Error {}

async function withDatabase<T>(config: Config, work: (db: Database) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const db = await openDatabase(config);
  try {
    // `cardrail migrate` migrates itself, so it can report what it applied.
    if (options.migrate !== false) await migrate(db, systemClock.nowMs());
    return await work(db);
  } finally {
    await db.close();
  }
}

async function resolveOrganizationId(db: Database, requested: string | undefined): Promise<string> {
  const organizations = await listOrganizations(db);
  if (requested !== undefined) {
    if (!organizations.some((organization) => organization.id === requested)) throw new CliError(`No organization ${requested}`);
    return requested;
  }
  if (organizations.length === 0) throw new CliError('No organization yet: run `cardrail init` first');
  if (organizations.length > 1) throw new CliError(`Several organizations exist; pass --org (one of ${organizations.map((organization) => organization.id).join(', ')})`);
  return organizations[0]!.id;
}

function environmentOption(options: { live?: boolean; env?: string }): Environment {
  if (options.live === true) return 'live';
  if (options.env === undefined || options.env === 'sandbox') return 'sandbox';
  if (options.env === 'live') return 'live';
  throw new CliError(`--env must be sandbox or live, not ${options.env}`);
}

export function urlsOf(config: Config, address: string): Record<string, string> {
  const base = config.publicUrl ?? address;
  return {
    api: `${base}/v1`,
    docs: `${base}/docs`,
    openapi: `${base}/openapi.json`,
    dashboard: `${base}/dashboard/`,
    mcp: `${base}/mcp`,
  };
}

/** `word` as one shell word: unchanged when it needs no quoting, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `cardrail demo` command that reaches this server and finds its sandbox key, run from the directory the server
 * was started in: `--url` unless the server is at demo's default address, CARDRAIL_DATA_DIR unless the data
 * directory is the default `./data`.
 */
export function demoCommandFor(config: Config, cwd: string): string {
  const loopbackHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const url = config.publicUrl ?? `http://${loopbackHost.includes(':') ? `[${loopbackHost}]` : loopbackHost}:${config.port}`;
  const words = ['npx', 'cardrail', 'demo'];
  if (url.replace(/\/+$/, '') !== `http://127.0.0.1:${defaultPort}`) words.push('--url', shellWord(url));
  if (config.dataDir !== resolve(cwd, 'data')) words.unshift(`CARDRAIL_DATA_DIR=${shellWord(config.dataDir)}`);
  return words.join(' ');
}

/** One line for a port the server cannot listen on, or undefined for other errors. */
function listenFailure(error: unknown, config: Config): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `port ${config.port} on ${config.host}`;
  const another = `choose another port with the PORT variable, e.g. PORT=${config.port < 65_535 ? config.port + 1 : defaultPort} npm start (or npx cardrail serve)`;
  if (code === 'EADDRINUSE') return `${where} is already in use (another cardrail or another program listens there): stop it, or ${another}`;
  if (code === 'EACCES') return `may not listen on ${where} (ports below 1024 need privileges): ${another}`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `cannot listen on ${config.host}: this machine has no such address; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for every interface)`;
  return undefined;
}

async function serve(): Promise<void> {
  const config = loadConfig();
  // Loaded here, not at the top: the server (Fastify, every route and schema) is most of the CLI's start-up time,
  // and the other commands do not need it.
  const { createApp } = await import('../app.js');
  const app = await createApp({ config, workers: true });
  // Listen before creating the first organization: keys created by a start that then cannot listen would never be shown.
  try {
    await app.server.listen({ port: config.port, host: config.host });
  } catch (error) {
    const failure = listenFailure(error, config);
    if (failure === undefined) throw error;
    await app.close();
    throw new CliError(failure);
  }
  // Webhooks are delivered by this process too (docs/webhooks.md); `cardrail worker` adds processes that only deliver.
  const { startWebhookDeliveryWorker } = await import('../workers/webhook-delivery.js');
  const webhookWorker = startWebhookDeliveryWorker(app.context);
  const created = await initializeIfEmpty(app.context.db, app.context.clock.nowMs());
  const address = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const urls = urlsOf(config, address);
  const lines = [
    '',
    `cardrail is running (${app.context.db.dialect}: ${app.context.db.location})`,
    `  API        ${urls.api}`,
    `  API docs   ${urls.docs}`,
    `  OpenAPI    ${urls.openapi}`,
    `  Dashboard  ${urls.dashboard}`,
    `  MCP        ${urls.mcp}`,
    // The host only: a provider's RPC URL often carries its API key in the path.
    ...config.chains.map((chain) => `  Deposits   watching ${chain.network} (chain ${chain.chainId}) through ${new URL(chain.rpcUrl).host}; credited at ${chain.minConfirmations} confirmations`),
  ];
  // `cardrail demo` and `cardrail simulate` read the first sandbox key from here (sandbox-key.ts).
  const sandboxKeyPath = join(config.dataDir, sandboxKeyFileName);
  if (created !== undefined) {
    ensurePrivateDirectory(config.dataDir);
    writeFileSync(sandboxKeyPath, `${created.sandboxKey}\n`, { mode: 0o600 });
  }
  // Also one an older version left readable by others.
  ensurePrivateFile(sandboxKeyPath);
  if (created !== undefined) {
    lines.push(
      '',
      `Created organization ${created.organization.id}. Its API keys are shown this once; store them now:`,
      `  sandbox key  ${created.sandboxKey}`,
      `  live key     ${created.liveKey}`,
      '',
      'Try:',
      `  ${demoCommandFor(config, process.cwd())}  # the whole payment flow, step by step, against this server`,
      `  curl ${urls.api}/api-keys -H "Api-Key: ${created.sandboxKey}"`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  const shutdown = async (signal: string) => {
    app.context.logger.info({ signal }, 'shutting down');
    await webhookWorker.stop();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** `cardrail worker`: a process that only delivers webhooks (no HTTP server); several may share one PostgreSQL. */
async function worker(): Promise<void> {
  const config = loadConfig();
  const [{ createLogger }, { loadSecrets }, { startWebhookDeliveryWorker }] = await Promise.all([
    import('../http/logger.js'),
    import('../secrets.js'),
    import('../workers/webhook-delivery.js'),
  ]);
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config);
  await migrate(db, systemClock.nowMs());
  const deliveryWorker = startWebhookDeliveryWorker({ db, clock: systemClock, logger, secrets: loadSecrets(config.dataDir), config });
  process.stdout.write(`cardrail worker ${deliveryWorker.workerId} is delivering webhooks (${db.dialect}: ${db.location})\n`);
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'worker shutting down');
    await deliveryWorker.stop();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

export function buildProgram(): Command {
  const program = new Command();
  program.name('cardrail').description('Payment cards for AI agents: server and administration').version(packageVersion).showHelpAfterError();

  program.command('serve').description('Run the API server (PORT, HOST, CARDRAIL_DATA_DIR, DATABASE_URL, REDIS_URL)').action(serve);
  program.command('worker').description('Deliver webhooks only, no API server (DATABASE_URL or CARDRAIL_DATA_DIR; the same master key as the server)').action(worker);

  program
    .command('init')
    .description('Create an organization with a sandbox and a live API key (printed once)')
    .option('--name <name>', 'organization name', 'Default organization')
    .option('--json', 'print {"organizationId", "sandboxKey", "liveKey"} as JSON')
    .action(async (options: { name: string; json?: boolean }) => {
      const created = await withDatabase(loadConfig(), (db) => initializeOrganization(db, options.name, systemClock.nowMs()));
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ organizationId: created.organization.id, sandboxKey: created.sandboxKey, liveKey: created.liveKey })}\n`);
      } else {
        process.stdout.write(`Organization ${created.organization.id}\n  sandbox key  ${created.sandboxKey}\n  live key     ${created.liveKey}\nThese keys are shown only now.\n`);
      }
    });

  const keys = program.command('keys').description('Create, list and revoke API keys');
  keys
    .command('create')
    .description('Create an API key (shown once)')
    .option('--org <id>', 'organization (default: the only one)')
    .addOption(new Option('--env <environment>', 'sandbox or live').choices(['sandbox', 'live']).default('sandbox'))
    .option('--live', 'shorthand for --env live')
    .option('--name <name>', 'label')
    .option('--allowed-ips <cidrs>', 'comma-separated CIDR ranges allowed to use the key')
    .option('--json', 'print the key record as JSON')
    .action(async (options: { org?: string; env?: string; live?: boolean; name?: string; allowedIps?: string; json?: boolean }) => {
      const allowedIps = options.allowedIps
        ?.split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '')
        .map((value) => {
          const normalized = normalizeCidr(value);
          if (normalized === undefined) throw new CliError(`${value} is not an IP address or CIDR range`);
          return normalized;
        });
      const { apiKey, secret } = await withDatabase(loadConfig(), async (db) => {
        const organizationId = await resolveOrganizationId(db, options.org);
        return db.transaction((tx) => createApiKey(tx, { organizationId, environment: environmentOption(options) }, { name: options.name, allowedIps }, systemClock.nowMs()));
      });
      if (options.json === true) process.stdout.write(`${JSON.stringify({ ...presentApiKey(apiKey), key: secret })}\n`);
      else process.stdout.write(`${apiKey.id} (${apiKey.environment})\n  key  ${secret}\nThis key is shown only now.\n`);
    });
  keys
    .command('list')
    .description('List API keys of an environment')
    .option('--org <id>', 'organization (default: the only one)')
    .addOption(new Option('--env <environment>', 'sandbox or live').choices(['sandbox', 'live']).default('sandbox'))
    .option('--live', 'shorthand for --env live')
    .option('--json', 'print JSON')
    .action(async (options: { org?: string; env?: string; live?: boolean; json?: boolean }) => {
      const keysOfScope = await withDatabase(loadConfig(), async (db) => {
        const organizationId = await resolveOrganizationId(db, options.org);
        const scope = { organizationId, environment: environmentOption(options) };
        const all = [];
        let cursor: string | undefined;
        do {
          const page = await listApiKeys(db, scope, { limit: 100, cursor });
          all.push(...page.data);
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        return all;
      });
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(keysOfScope)}\n`);
        return;
      }
      for (const key of keysOfScope) {
        process.stdout.write(`${key.id}  ${key.redactedKey}  ${key.revokedAt === null ? 'active ' : 'revoked'}  last used ${key.lastUsedAt ?? 'never'}  ${key.name ?? ''}\n`);
      }
    });
  keys
    .command('revoke <id>')
    .description('Revoke an API key; it answers 401 from then on')
    .option('--org <id>', 'organization (default: the only one)')
    .action(async (id: string, options: { org?: string }) => {
      const revoked = await withDatabase(loadConfig(), async (db) => {
        const organizationId = await resolveOrganizationId(db, options.org);
        // The id names one key; find its environment so the caller need not say it.
        for (const candidate of ['sandbox', 'live'] as Environment[]) {
          try {
            return await db.transaction((tx) => revokeApiKey(tx, { organizationId, environment: candidate }, id, systemClock.nowMs()));
          } catch (error) {
            if (!(isAppError(error) && error.code === 'resource_not_found')) throw error;
          }
        }
        throw new CliError(`No API key ${id}`);
      });
      process.stdout.write(`Revoked ${revoked.id}\n`);
    });

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(async () => {
      const result = await withDatabase(loadConfig(), async (db) => migrate(db, systemClock.nowMs()), { migrate: false });
      process.stdout.write(`Schema at version ${result.currentVersion}${result.applied.length > 0 ? ` (applied ${result.applied.map((migration) => migration.version).join(', ')})` : ' (nothing to apply)'}\n`);
    });

  program
    .command('verify-ledger')
    .description('Check the seven ledger invariants (SPEC §5); exits 1 and lists every problem if any fails')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const report = await withDatabase(loadConfig(), (db) => verifyLedger(db));
      if (options.json === true) process.stdout.write(`${JSON.stringify(report)}\n`);
      else if (report.ok) process.stdout.write(`Ledger OK: ${report.accounts} accounts, ${report.transfers} transfers; all seven invariants hold\n`);
      else process.stdout.write(`Ledger has ${report.problems.length} problem(s):\n${report.problems.map((problem) => `  ${problem}`).join('\n')}\n`);
      if (!report.ok) process.exitCode = 1;
    });

  registerVerifyApprovalCommand(program);

  program
    .command('mcp')
    .description('Serve the MCP tools over stdio for a local client (LEDGER_API_URL, LEDGER_API_KEY, LEDGER_AGENT_TOKEN, LEDGER_AGENT_ID); logs go to stderr')
    .action(async () => {
      // Loaded here: the MCP SDK and the tools' schemas are not needed by the other commands.
      const { serveMcpOverStdio } = await import('../mcp/stdio.js');
      await serveMcpOverStdio(process.env);
    });

  registerSimulateCommands(program);
  registerListenCommand(program);
  registerFillCommand(program);
  registerDevchainCommand(program);
  registerTreasuryCommand(program);

  program
    .command('demo')
    .description('Run the whole payment flow of seed 001 against a running server, step by step, with a sandbox key; exits 1 if a step misbehaves')
    .option('--url <url>', `the server (default: the local one, PORT or ${defaultPort})`)
    .option('--key <key>', `a sandbox API key (default: CARDRAIL_API_KEY, else ${sandboxKeyFileName} in the data directory)`)
    .action(async (options: { url?: string; key?: string }) => {
      const config = loadConfig();
      const url = options.url ?? `http://127.0.0.1:${config.port}`;
      try {
        await runDemo({ url, key: sandboxKeyFor(options.key, config.dataDir) });
      } catch (error) {
        if (error instanceof SandboxKeyMissing) throw new CliError(error.message);
        if (error instanceof DemoStepFailed || error instanceof CardrailApiError) throw new CliError(`demo step failed: ${error.message}`);
        throw error;
      }
    });

  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CliError || error instanceof ConfigError || error instanceof ListenError || error instanceof FillError || error instanceof VerifyApprovalError || error instanceof DevchainError || isAppError(error)) {
      process.stderr.write(`cardrail: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
