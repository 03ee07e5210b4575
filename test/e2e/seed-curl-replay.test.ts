// Every `curl` example of seeds 000 and 001, pasted into bash and run with the real curl against a real
// `cardrail serve`. Only the host, the placeholder keys and placeholder ids are substituted; everything else
// (-I, -H "Api-Key: …", -d '…' with no Content-Type, -X POST) is byte for byte what the documents show.
//
// Routes cardrail does not serve yet are listed in `expectedUnrouted`: when a feature adds one, this test fails
// until its author moves the command into the replayed set by deleting it from that list.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createCurlRunner, type CurlResult, type CurlRunner } from '../helpers/curl.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The source documents live next to the checkout (../shared/seeds) unless CARDRAIL_SEEDS_DIR says otherwise. */
const seedsDir = process.env.CARDRAIL_SEEDS_DIR ?? join(repositoryRoot, '..', 'shared', 'seeds');

/** Counted by hand in the documents; a broken extractor finds a different number. */
const expectedCommandCounts: Record<string, number> = { '000': 12, '001': 7 };

/** Commands whose route cardrail does not serve yet, as `<seed> <METHOD> <path as written>`. */
const expectedUnrouted: string[] = [];

const placeholderKeys = ['lk_live_your_key', 'lk_live_xxx'];
const placeholderIds = ['user_xxx', 'agent_xxx', 'card_xxx', 'webhook_xxx'] as const;
type Placeholder = (typeof placeholderIds)[number];

/**
 * Commands the documents show that cannot succeed as written. Seed 000 elides the rest of the card body with
 * `...`, so what curl sends is not JSON.
 */
const expectedFailures: Record<string, { status: number; code: string }> = {
  '000 POST /v1/agents/$AGENT_ID/cards': { status: 400, code: 'invalid_json' },
  // The page was scraped with its e-mail address obfuscated: the document literally sends "[email protected]".
  '001 POST /v1/users': { status: 422, code: 'invalid_parameter_value' },
};

/**
 * What the documents have happen between two commands, done before the second one: `call` a route of the public API
 * (skipped while the server lacks it) and optionally `save` the id it answers under a name; `use` a saved id for a
 * placeholder from then on.
 */
type Step = { call: string; path: string; body?: unknown; save?: string } | { use: Partial<Record<Placeholder, string>> };

const stepsBefore: Record<string, Step[]> = {
  // The document's own user cannot be created (see expectedFailures); the flow goes on with a valid address.
  '001 POST /v1/verification/user': [
    { call: 'POST /v1/users', path: '/v1/users', body: { firstName: 'John', lastName: 'Doe', email: 'john.doe@example.com' }, save: 'flow user' },
    { use: { user_xxx: 'flow user' } },
  ],
  // 001 step 3, "User Completes KYC", happens on the hosted page; in the sandbox the outcome is set directly.
  '001 GET /v1/users/user_xxx/funding': [{ call: 'POST /v1/sandbox/users/{id}/verification', path: '/v1/sandbox/users/user_xxx/verification', body: { outcome: 'approved' } }],
  // 001 step 4, "User Deposits Funds": the stablecoins arrive through the sandbox chain watcher, already confirmed.
  '001 POST /v1/agents/agent_xxx/cards': [
    {
      call: 'POST /v1/sandbox/deposits',
      path: '/v1/sandbox/deposits',
      body: { userId: 'user_xxx', network: 'base', token: 'USDC', amount: '500000000', confirmations: 12 },
    },
  ],
  // 000 "verification link expired": a user who was sent a link more than 7 days ago and never used it.
  '000 GET /v1/verification/user/user_xxx/link': [
    { call: 'POST /v1/users', path: '/v1/users', body: { firstName: 'Jane', lastName: 'Roe', email: 'jane.roe@example.com' }, save: 'unverified user' },
    { use: { user_xxx: 'unverified user' } },
    { call: 'POST /v1/verification/user', path: '/v1/verification/user', body: { userId: 'user_xxx' } },
    { call: 'POST /v1/sandbox/clock/advance', path: '/v1/sandbox/clock/advance', body: { seconds: 8 * 24 * 3600 } },
  ],
  // 000 "signature doesn't match": the secret of an endpoint registered earlier (a local URL: sandbox endpoints may be
  // local, and only Send Test events are subscribed, so the server's worker sends nothing to it here).
  '000 GET /v1/webhooks/webhook_xxx/secret': [
    { call: 'POST /v1/webhooks', path: '/v1/webhooks', body: { url: 'http://127.0.0.1:9/webhooks', events: ['webhook.test'] }, save: 'webhook endpoint' },
    { use: { webhook_xxx: 'webhook endpoint' } },
  ],
  // The rest of the troubleshooting page (application status, balance, funding) is about the approved user.
  '000 GET /v1/users/user_xxx': [{ use: { user_xxx: 'flow user' } }],
};

/** Served outside /v1 and so not in the OpenAPI document (SPEC §3 Health); the MCP host answers /health too (SPEC §7). */
const operationalRoutes = ['GET /health', 'GET /ready', 'GET /metrics'];

interface SeedCommand {
  seed: string;
  /** The command exactly as printed, continuation lines and multi-line bodies included. */
  text: string;
  method: string;
  /** The path as written, placeholders and all. */
  path: string;
  label: string;
}

/** Is a single- or double-quoted string still open at the end of `text` (bash quoting rules, enough for curl lines)? */
function openQuote(text: string): boolean {
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quote === "'") {
      if (character === "'") quote = undefined;
    } else if (character === '\\') {
      index += 1;
    } else if (quote === '"') {
      if (character === '"') quote = undefined;
    } else if (character === "'" || character === '"') {
      quote = character;
    }
  }
  return quote !== undefined;
}

/** A command starts at a line beginning with `curl ` and continues over a trailing backslash or an open quote. */
function extractCurlCommands(document: string): string[] {
  const lines = document.split('\n');
  const commands: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (!/^\s*curl\s/.test(lines[index]!)) continue;
    let text = lines[index]!.trimStart();
    while ((text.endsWith('\\') || openQuote(text)) && index + 1 < lines.length) {
      index += 1;
      text += `\n${lines[index]}`;
    }
    commands.push(text);
  }
  return commands;
}

function describeCommand(seed: string, text: string): SeedCommand {
  const url = /https:\/\/(?:api|mcp)\.ledger\.so(\/[^\s'"\\]*)/.exec(text);
  assert.ok(url, `no LedgerOS URL in: ${text}`);
  const explicit = /(?:^|\s)(?:-X|--request)\s+([A-Z]+)/.exec(text);
  const hasBody = /(?:^|\s)(?:-d|--data|--data-raw)\s/.test(text);
  const headOnly = /(?:^|\s)(?:-I|--head)(?:\s|$)/.test(text);
  const method = explicit?.[1] ?? (hasBody ? 'POST' : headOnly ? 'HEAD' : 'GET');
  return { seed, text, method, path: url[1]!, label: `${seed} ${method} ${url[1]}` };
}

function seedFile(seed: string): string {
  assert.ok(existsSync(seedsDir), `seed documents not found at ${seedsDir} (set CARDRAIL_SEEDS_DIR)`);
  const name = readdirSync(seedsDir).find((file) => file.startsWith(`${seed}_`) && file.endsWith('.txt'));
  assert.ok(name, `no seed ${seed}_*.txt in ${seedsDir}`);
  return readFileSync(join(seedsDir, name), 'utf8');
}

function routePattern(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${escaped}$`);
}

describe('seed curl examples replayed with the real curl', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-curl-'));
  const dataDir = join(workDir, 'data');
  const curlHome = join(workDir, 'curl-home');
  let server: ServerProcess | undefined;
  let curl: CurlRunner;
  let baseUrl = '';
  let replayKey = '';
  let routes: { method: string; pattern: RegExp }[] = [];
  /** Real ids for the placeholders: learnt from the responses of replayed commands, or set by a `use` step. */
  const realIds = new Map<string, string>();
  /** Ids of resources the steps created, by the name the step saved them under. */
  const savedIds = new Map<string, string>();

  const commands: SeedCommand[] = [];
  for (const seed of Object.keys(expectedCommandCounts)) {
    for (const text of extractCurlCommands(seedFile(seed))) commands.push(describeCommand(seed, text));
  }

  /**
   * Runs one command in bash, as a reader pasting it would. The curlrc (written in `before`) adds no request
   * option: it only silences progress and reports the status on stderr, so the command runs exactly as printed.
   * `$AGENT_ID` is left to bash to expand, from the environment.
   */
  function runCurl(command: string): Promise<CurlResult> {
    return curl.run(command, { AGENT_ID: realIds.get('agent_xxx') ?? 'agent_xxx' });
  }

  /**
   * The documents' placeholder live keys become the sandbox key: the seed flow (KYC, deposits) can only complete
   * in the sandbox, where the simulator stands in for the outside world.
   */
  function substitute(text: string): string {
    let result = text.replaceAll('https://api.ledger.so', baseUrl).replaceAll('https://mcp.ledger.so', baseUrl);
    for (const placeholder of placeholderKeys) result = result.replaceAll(placeholder, replayKey);
    for (const placeholder of placeholderIds) {
      const real = realIds.get(placeholder);
      if (real !== undefined) result = result.replace(new RegExp(`\\b${placeholder}\\b`, 'g'), real);
    }
    return result;
  }

  function learnIds(body: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    const visit = (value: unknown, depth: number): void => {
      if (depth > 4 || value === null || typeof value !== 'object') return;
      for (const [field, inner] of Object.entries(value)) {
        if (typeof inner === 'string' && (field === 'id' || field.endsWith('Id'))) {
          const prefix = /^(user|agent|card|webhook)_[a-z0-9]+$/.exec(inner)?.[1];
          if (prefix !== undefined && !realIds.has(`${prefix}_xxx`)) realIds.set(`${prefix}_xxx`, inner);
        } else {
          visit(inner, depth + 1);
        }
      }
    };
    visit(parsed, 0);
  }

  function isRouted(command: SeedCommand): boolean {
    const path = command.path.replaceAll('$AGENT_ID', realIds.get('agent_xxx') ?? 'agent_xxx');
    const method = command.method === 'HEAD' ? 'GET' : command.method;
    return routes.some((route) => route.method === method && route.pattern.test(path));
  }

  function hasRoute(route: string): boolean {
    const [method, template] = route.split(' ');
    return routes.some((known) => known.method === method && known.pattern.test(template!));
  }

  async function takeStep(step: Step): Promise<void> {
    if ('use' in step) {
      for (const [placeholder, name] of Object.entries(step.use)) {
        const id = savedIds.get(name);
        if (id !== undefined) realIds.set(placeholder, id);
      }
      return;
    }
    if (!hasRoute(step.call)) return;
    const response = await fetch(`${baseUrl}${substitute(step.path)}`, {
      method: step.call.split(' ')[0],
      headers: { 'Api-Key': replayKey, 'content-type': 'application/json' },
      body: step.body === undefined ? undefined : substitute(JSON.stringify(step.body)),
    });
    const text = await response.text();
    assert.ok(response.ok, `arranging ${step.call} answered ${response.status}: ${text}`);
    if (step.save !== undefined) savedIds.set(step.save, (JSON.parse(text) as { id: string }).id);
  }

  before(async () => {
    // curlrc: output options only (see runCurl).
    curl = createCurlRunner(curlHome);

    server = await startServerProcess({ dataDir, logLevel: 'warn' });
    baseUrl = server.baseUrl;
    replayKey = (await server.waitForKeys(60_000)).sandboxKey;

    const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    routes = [
      ...Object.entries(document.paths).flatMap(([template, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), pattern: routePattern(template) }))),
      ...operationalRoutes.map((route) => {
        const [method, path] = route.split(' ');
        return { method: method!, pattern: routePattern(path!) };
      }),
    ];
  });

  after(async () => {
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('extracts every curl command of seeds 000 and 001, bodies whole', () => {
    for (const [seed, count] of Object.entries(expectedCommandCounts)) {
      assert.equal(commands.filter((command) => command.seed === seed).length, count, `curl commands in seed ${seed}`);
    }
    for (const command of commands) {
      assert.ok(!openQuote(command.text) && !command.text.endsWith('\\'), `command ends cleanly: ${command.text}`);
      const body = /(?:^|\s)-d\s+'([^']*)'/.exec(command.text)?.[1];
      if (body === undefined) continue;
      if (expectedFailures[command.label]?.code === 'invalid_json') assert.throws(() => JSON.parse(body));
      else assert.doesNotThrow(() => JSON.parse(body), `the body of ${command.label} is whole JSON`);
    }
    const register = commands.find((command) => command.label === '001 POST /v1/agents/register');
    assert.match(register?.text ?? '', /"spendingLimitFrequency": "perMonth"\n {2}\}'$/, 'a multi-line -d body is taken to its closing quote');
  });

  it('every command whose route exists succeeds as pasted; the rest are exactly the expected unrouted list', async (context) => {
    // Seed 001 is the flow that creates the user, agent and card the troubleshooting page (000) then looks at.
    const ordered = [...commands.filter((command) => command.seed === '001'), ...commands.filter((command) => command.seed !== '001')];
    const unrouted: string[] = [];
    const replayed: string[] = [];
    const failures: string[] = [];
    for (const command of ordered) {
      for (const step of stepsBefore[command.label] ?? []) await takeStep(step);
      const routed = isRouted(command);
      const pasted = substitute(command.text);
      assert.ok(!/ledger\.so|lk_live_(?:xxx|your_key)/.test(pasted), `only local hosts and real keys remain: ${pasted}`);
      const result = await runCurl(pasted);
      if (!routed) {
        unrouted.push(command.label);
        // The server agrees with its OpenAPI document: no such route.
        assert.equal(result.status, 404, `${command.label} is not in /openapi.json but answered ${result.status}: ${result.body}`);
        if (command.method !== 'HEAD') assert.equal(JSON.parse(result.body).error.code, 'route_not_found');
        continue;
      }
      replayed.push(command.label);
      const expected = expectedFailures[command.label];
      if (expected !== undefined) {
        if (result.status !== expected.status || JSON.parse(result.body).error?.code !== expected.code) failures.push(`${command.label} answered ${result.status}, expected ${expected.status} ${expected.code}: ${result.body}`);
        continue;
      }
      if (result.status < 200 || result.status >= 400) failures.push(`${command.label} answered ${result.status}\n${pasted}\n${result.body}`);
      learnIds(result.body);
    }
    assert.deepEqual(failures, []);
    assert.deepEqual([...unrouted].sort(), [...expectedUnrouted].sort(), 'a route was added or lost: move its command between expectedUnrouted and the replayed set');
    assert.equal(replayed.length + unrouted.length, commands.length);
    context.diagnostic(`replayed ${replayed.length}: ${replayed.join('; ')}`);
  });

  it("accepts seed 000's header lines with the header name in any letter case, and refuses Bearer naming Api-Key", async () => {
    const document = seedFile('000');
    const section = document.slice(document.indexOf('# Correct'), document.indexOf('Symptoms', document.indexOf('# Correct')));
    const headerLines = section.split('\n').filter((line) => line.startsWith('-H '));
    assert.deepEqual(headerLines, ['-H "Api-Key: lk_live_xxx"', '-H "api-key: lk_live_xxx"', '-H "API-KEY: lk_live_xxx"', '-H "Authorization: Bearer lk_live_xxx"']);

    // SPEC §3: header names are case-insensitive, which overrides the seed's "won't work".
    for (const line of headerLines.slice(0, 3)) {
      const result = await runCurl(`curl ${baseUrl}/v1/api-keys \\\n  ${substitute(line)}`);
      assert.equal(result.status, 200, `${line}: ${result.body}`);
      assert.equal(JSON.parse(result.body).object, 'list');
    }
    const bearer = await runCurl(`curl ${baseUrl}/v1/api-keys \\\n  ${substitute(headerLines[3]!)}`);
    assert.equal(bearer.status, 401);
    const error = JSON.parse(bearer.body).error;
    assert.equal(error.type, 'authentication_error');
    assert.match(error.message, /Api-Key/);
  });

  it('takes a pasted -d body without a Content-Type, and a POST with no body at all', async () => {
    const named = await runCurl(`curl -X POST ${baseUrl}/v1/api-keys \\\n  -H "Api-Key: ${replayKey}" \\\n  -d '{"name": "pasted"}'`);
    assert.equal(named.status, 200, named.body);
    assert.equal(JSON.parse(named.body).name, 'pasted');
    assert.match(JSON.parse(named.body).key, /^lk_dev_/);

    const bare = await runCurl(`curl -X POST ${baseUrl}/v1/api-keys \\\n  -H "Api-Key: ${replayKey}"`);
    assert.equal(bare.status, 200, bare.body);
    assert.equal(JSON.parse(bare.body).object, 'api_key');
  });
});
