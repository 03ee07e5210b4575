// The MCP server of SPEC §7 as a client sees it: the official MCP SDK client against a real `cardrail serve`, over
// stdio (`cardrail mcp` as a child process, configured by LEDGER_* variables) and over Streamable HTTP at /mcp.
// Tool sets per credential, the agent purchase of seed 001 (declare → details → the merchant authorizes → the
// transaction matched the intent), API errors as tool errors, and the seed 000 "MCP Issues" messages.
import assert from 'node:assert/strict';
import { SecretScanner } from '../helpers/secret-scanner.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const binPath = fileURLToPath(new URL('../../bin/cardrail.js', import.meta.url));

const agentToolNames = ['ledger_card', 'ledger_challenges', 'ledger_funding', 'ledger_intent', 'ledger_policy', 'ledger_status', 'ledger_transactions'];
const adminToolNames = ['ledger_agents', 'ledger_cards', 'ledger_onboarding', 'ledger_policies', 'ledger_risk', 'ledger_users', 'ledger_webhooks'];
const allToolNames = [...agentToolNames, ...adminToolNames].sort();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface ToolAnswer {
  isError: boolean;
  text: string;
  structured: Json;
}

interface Connection {
  client: Client;
  stderr(): string;
  call(name: string, args?: Record<string, unknown>): Promise<ToolAnswer>;
  /** Calls and asserts the tool succeeded; answers its structured content. */
  ok(name: string, args?: Record<string, unknown>): Promise<Json>;
  close(): Promise<void>;
}

function connectionOf(client: Client, stderr: () => string = () => ''): Connection {
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> => {
    const result = await client.callTool({ name, arguments: args });
    const content = result.content as Array<{ type: string; text?: string }>;
    const text = content.filter((item) => item.type === 'text').map((item) => item.text ?? '').join('\n');
    return { isError: result.isError === true, text, structured: result.structuredContent };
  };
  return {
    client,
    stderr,
    call,
    async ok(name, args) {
      const answer = await call(name, args);
      assert.equal(answer.isError, false, `${name} ${JSON.stringify(args)} failed: ${answer.text}`);
      assert.ok(answer.structured !== undefined, `${name} answers structured content`);
      assert.deepEqual(JSON.parse(answer.text), answer.structured, 'the text content is the structured content as JSON');
      return answer.structured;
    },
    close: () => client.close(),
  };
}

async function connectStdio(env: Record<string, string>): Promise<Connection> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [binPath, 'mcp'], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const client = new Client({ name: 'cardrail-test', version: '1.0.0' });
  await client.connect(transport);
  return connectionOf(client, () => stderr);
}

async function connectHttp(baseUrl: string, headers: Record<string, string>): Promise<Connection> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers } });
  const client = new Client({ name: 'cardrail-test', version: '1.0.0' });
  await client.connect(transport);
  return connectionOf(client);
}

/** Stderr arrives on its own pipe, unordered with the protocol's stdout: poll it with a deadline. */
async function waitForStderr(connection: Connection, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!pattern.test(connection.stderr())) {
    if (Date.now() > deadline) assert.fail(`stderr never matched ${pattern}: ${connection.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function toolNames(connection: Connection): Promise<string[]> {
  return (await connection.client.listTools()).tools.map((tool) => tool.name).sort();
}

describe('MCP server (official SDK client; real cardrail serve)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cardrail-mcp-'));
  const connections: Connection[] = [];
  let server: ServerProcess;
  let apiKey = '';
  let userId = '';
  let agentId = '';
  let agentToken = '';
  let otherAgentToken = '';

  async function rest(method: string, path: string, body?: unknown): Promise<Json> {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { 'Api-Key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.equal(response.status, 200, `${method} ${path}: ${text}`);
    return JSON.parse(text);
  }

  const track = async (connecting: Promise<Connection>): Promise<Connection> => {
    const connection = await connecting;
    connections.push(connection);
    return connection;
  };
  const stdio = (env: Record<string, string>) => track(connectStdio({ LEDGER_API_URL: server.baseUrl, ...env }));
  const http = (headers: Record<string, string>) => track(connectHttp(server.baseUrl, headers));

  before(async () => {
    server = await startServerProcess({ dataDir: join(workDir, 'data'), logLevel: 'warn' });
    apiKey = (await server.waitForKeys(120_000)).sandboxKey;

    // Arrange with the admin tools over HTTP where they exist, REST for the sandbox's KYC decision and deposit.
    const admin = await http({ 'Api-Key': apiKey });
    userId = (await admin.ok('ledger_users', { action: 'create', firstName: 'Mia', lastName: 'Buyer', email: 'mia@example.com' })).user.id;
    const link = (await admin.ok('ledger_onboarding', { action: 'start', userId })).link;
    assert.match(link.verificationUrl, /\/verify\//);
    await rest('POST', `/v1/sandbox/users/${userId}/verification`, { outcome: 'approved' });
    const deposit = await rest('POST', '/v1/sandbox/deposits', { userId, network: 'base', token: 'USDC', amount: '1000000000', confirmations: 12 });
    assert.equal(deposit.status, 'completed');
    const registered = await admin.ok('ledger_agents', { action: 'register', userId, name: 'checkout-bot', spendingLimit: 60_000, spendingLimitFrequency: 'perMonth' });
    agentId = registered.agent.id;
    agentToken = registered.token;
    assert.match(agentToken, /^at_dev_/);
    otherAgentToken = (await admin.ok('ledger_agents', { action: 'register', userId, name: 'other-bot' })).token;
  });

  after(async () => {
    for (const connection of connections) await connection.close().catch(() => {});
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** A fresh single-use card of the agent, created with the admin tool. */
  async function newCard(maxAmount: number): Promise<string> {
    const admin = await http({ 'Api-Key': apiKey });
    const { card } = await admin.ok('ledger_cards', { action: 'create', agentId, purpose: 'Headphones from Amazon', maxAmount });
    assert.equal(card.status, 'active');
    return card.id;
  }

  /** Seed 001 as an agent through MCP: declare → details → the merchant authorizes (REST, sandbox) → matched. */
  async function purchase(agent: Connection, cardId: string): Promise<void> {
    const intent = (await agent.ok('ledger_intent', { action: 'declare', cardId, summary: 'Buy Sony WH-1000XM5 headphones', amount: 15_000, merchantText: 'Amazon' })).intent;
    assert.equal(intent.status, 'pending');
    assert.equal(intent.cardId, cardId);

    const { details } = await agent.ok('ledger_card', { action: 'details', cardId, summary: 'Buy Sony WH-1000XM5 headphones', expectedAmount: 15_000, merchantText: 'Amazon' });
    assert.match(details.pan, /^\d{16}$/);
    assert.match(details.cvv, /^\d{3}$/);
    assert.equal(details.intentId, intent.id);
    assert.match(details.accessEventId, /^evt_/);

    const authorization = await rest('POST', '/v1/sandbox/authorizations', {
      pan: details.pan,
      cvv: details.cvv,
      expirationMonth: details.expirationMonth,
      expirationYear: details.expirationYear,
      amount: 14_999,
      merchant: { name: 'AMZN Mktp US*2K4LM9' },
    });
    assert.equal(authorization.status, 'pending', JSON.stringify(authorization));

    const listed = await agent.ok('ledger_transactions', { cardId });
    const transaction = listed.transactions.find((candidate: Json) => candidate.id === authorization.id);
    assert.ok(transaction, `the authorization is listed: ${JSON.stringify(listed)}`);
    assert.equal(transaction.intentMatch, 'matched');
    assert.equal(transaction.intentId, intent.id);
    assert.equal(transaction.attestationStatus, 'attested');
    assert.equal(transaction.amount, 14_999);
    const read = await agent.ok('ledger_intent', { action: 'get', intentId: intent.id });
    assert.equal(read.intent.status, 'matched');
  }

  describe('over stdio (cardrail mcp)', () => {
    it('with LEDGER_AGENT_TOKEN and LEDGER_AGENT_ID lists exactly the seven agent tools, each with input and output schemas', async () => {
      const agent = await stdio({ LEDGER_AGENT_TOKEN: agentToken, LEDGER_AGENT_ID: agentId });
      const { tools } = await agent.client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name).sort(), agentToolNames);
      for (const tool of tools) {
        assert.ok((tool.description ?? '').length > 150, `${tool.name} has a description an LLM can act on`);
        assert.equal(tool.inputSchema.type, 'object');
        assert.equal(tool.outputSchema?.type, 'object', `${tool.name} declares its structured output`);
      }
      await waitForStderr(agent, /cardrail mcp: serving agent tools over stdio/);
    });

    it('with LEDGER_API_KEY lists all thirteen tools', async () => {
      const admin = await stdio({ LEDGER_API_KEY: apiKey });
      assert.deepEqual(await toolNames(admin), allToolNames);
    });

    it('drives an agent purchase: declare intent → card details → authorize → the transaction matched', async () => {
      const cardId = await newCard(20_000);
      const agent = await stdio({ LEDGER_AGENT_TOKEN: agentToken, LEDGER_AGENT_ID: agentId });
      const { agentStatus } = await agent.ok('ledger_status');
      assert.equal(agentStatus.canSpend, true, JSON.stringify(agentStatus));
      assert.equal(agentStatus.verification.applicationStatus, 'approved');
      assert.ok(agentStatus.cards.active >= 1);
      const { cards } = await agent.ok('ledger_card', { action: 'list', status: 'active' });
      assert.ok(cards.some((card: Json) => card.id === cardId));
      await purchase(agent, cardId);
    });

    it('answers an API error as a tool error with its code and message: details without an intent → intent_required', async () => {
      const cardId = await newCard(1_000);
      const agent = await stdio({ LEDGER_AGENT_TOKEN: agentToken, LEDGER_AGENT_ID: agentId });
      const answer = await agent.call('ledger_card', { action: 'details', cardId, summary: 'Socks', expectedAmount: 500, merchantText: 'Amazon' });
      assert.equal(answer.isError, true);
      assert.equal(answer.structured.error.code, 'intent_required');
      assert.equal(answer.structured.error.type, 'conflict_error');
      assert.equal(answer.structured.error.status, 409);
      assert.match(answer.structured.error.message, /Intent declaration required/);
      assert.match(answer.structured.error.requestId, /^req_/);
      assert.match(answer.text, /intent_required/);
      // The session goes on: the next call works.
      assert.equal((await agent.ok('ledger_card', { action: 'get', cardId })).card.id, cardId);
    });

    it('without any credential lists the tools, and each says which variable to set', async () => {
      const bare = await stdio({});
      assert.deepEqual(await toolNames(bare), allToolNames);
      await waitForStderr(bare, /No credential/);

      const agentAnswer = await bare.call('ledger_status');
      assert.equal(agentAnswer.isError, true);
      assert.equal(agentAnswer.structured.error.code, 'missing_api_key');
      for (const variable of ['LEDGER_AGENT_TOKEN', 'LEDGER_AGENT_ID', 'LEDGER_API_KEY']) assert.match(agentAnswer.text, new RegExp(variable));

      const adminAnswer = await bare.call('ledger_users', { action: 'list' });
      assert.equal(adminAnswer.isError, true);
      assert.equal(adminAnswer.structured.error.code, 'missing_api_key');
      assert.match(adminAnswer.text, /set LEDGER_API_KEY/);
    });

    it('with an agent token but no LEDGER_AGENT_ID, the tools that need the agent say to set it', async () => {
      const agent = await stdio({ LEDGER_AGENT_TOKEN: agentToken });
      await waitForStderr(agent, /without LEDGER_AGENT_ID/);
      const answer = await agent.call('ledger_policy');
      assert.equal(answer.isError, true);
      assert.equal(answer.structured.error.code, 'missing_parameter');
      assert.equal(answer.structured.error.param, 'agentId');
      assert.match(answer.text, /LEDGER_AGENT_ID/);
      // Given as input instead, it works.
      assert.equal((await agent.ok('ledger_policy', { agentId })).policy.agentId, agentId);
    });

    it('an unreachable API is a tool error naming LEDGER_API_URL', async () => {
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      const agent = await track(connectStdio({ LEDGER_API_URL: nowhere, LEDGER_AGENT_TOKEN: agentToken, LEDGER_AGENT_ID: agentId }));
      const answer = await agent.call('ledger_status');
      assert.equal(answer.isError, true);
      assert.equal(answer.structured.error.code, 'service_unavailable');
      assert.match(answer.text, /LEDGER_API_URL/);
    });
  });

  describe('over Streamable HTTP (/mcp)', () => {
    it('an agent token (Bearer) lists exactly the seven agent tools; an admin tool is refused', async () => {
      const agent = await http({ Authorization: `Bearer ${agentToken}` });
      assert.deepEqual(await toolNames(agent), agentToolNames);
      const refused = await agent.call('ledger_users', { action: 'list' });
      assert.equal(refused.isError, true);
      assert.match(refused.text, /ledger_users not found/);
    });

    it('an API key (Api-Key) lists all thirteen tools', async () => {
      const admin = await http({ 'Api-Key': apiKey });
      assert.deepEqual(await toolNames(admin), allToolNames);
    });

    it('drives an agent purchase; the token acts for its own agent without LEDGER_AGENT_ID', async () => {
      const cardId = await newCard(20_000);
      const agent = await http({ Authorization: `Bearer ${agentToken}` });
      const { agentStatus } = await agent.ok('ledger_status');
      assert.equal(agentStatus.agentId, agentId);
      assert.equal(agentStatus.canSpend, true);
      const { funding, balance } = await agent.ok('ledger_funding');
      assert.equal(funding.userId, userId);
      assert.deepEqual(balance, agentStatus.balance, 'ledger_funding answers the balance as well as the addresses');
      assert.ok(funding.methods.some((method: Json) => method.network === 'base' && method.token === 'USDC' && /^0x[0-9a-fA-F]{40}$/.test(method.address)));
      await purchase(agent, cardId);
      const { policy, cardPolicy } = await agent.ok('ledger_policy', { cardId });
      assert.ok(policy.currentSpend >= 14_999);
      assert.deepEqual([cardPolicy.cardId, cardPolicy.activeHours.isWithinActiveHours, cardPolicy.authCount.current], [cardId, true, 1]);
    });

    it('ledger_status takes userId: an API key reads that user; an agent token only its own user', async () => {
      const admin = await http({ 'Api-Key': apiKey });
      const balance = await rest('GET', `/v1/balances/${userId}`);
      const { userStatus, agentStatus } = await admin.ok('ledger_status', { userId });
      assert.equal(agentStatus, undefined);
      assert.deepEqual(userStatus, {
        userId,
        verification: { applicationStatus: 'approved', rejectionReason: null },
        balance: { currency: 'USD', total: balance.total, available: balance.available, reserved: balance.reserved, pending: balance.pending, debt: balance.debt },
      });
      const both = await admin.call('ledger_status', { userId, agentId });
      assert.equal(both.isError, true);
      assert.equal(both.structured.error.code, 'conflicting_parameters');
      const unknown = await admin.call('ledger_status', { userId: 'user_00000000000000000000000000' });
      assert.equal(unknown.isError, true);
      assert.equal(unknown.structured.error.code, 'resource_not_found');

      const agent = await http({ Authorization: `Bearer ${agentToken}` });
      const own = await agent.ok('ledger_status', { userId });
      assert.equal(own.agentStatus.userId, userId);
      assert.deepEqual(own.agentStatus.balance, userStatus.balance);
      const strangerId = (await admin.ok('ledger_users', { action: 'create', firstName: 'Sam', lastName: 'Stranger', email: 'sam@example.com' })).user.id;
      const stranger = await agent.call('ledger_status', { userId: strangerId });
      assert.equal(stranger.isError, true);
      assert.equal(stranger.structured.error.code, 'insufficient_permissions');
      assert.equal(stranger.structured.error.param, 'userId');
      assert.match(stranger.structured.error.message, /its own user/);
      assert.equal(stranger.text.includes('Sam'), false, "nothing of the other user's data is answered");
    });

    it("ledger_challenges without cardId lists the agent's pending challenges on cards with a revealed intent", async () => {
      const agent = await http({ Authorization: `Bearer ${agentToken}` });
      const revealed = await newCard(5_000);
      const unrevealed = await newCard(5_000);
      const declared = (await agent.ok('ledger_intent', { action: 'declare', cardId: revealed, summary: 'Headphones', amount: 3_000, merchantText: 'Amazon', tolerance: 5, ttlMinutes: 30, metadata: { order: 'o-1' } })).intent;
      assert.deepEqual([declared.tolerance, declared.ttlMinutes, declared.metadata], [5, 30, { order: 'o-1' }], 'declare passes LedgerOS’s intent fields through');
      await agent.ok('ledger_card', { action: 'details', cardId: revealed, summary: 'Headphones', expectedAmount: 3_000, merchantText: 'Amazon' });
      const challenge = await rest('POST', '/v1/sandbox/authorizations', { cardId: revealed, amount: 3_000, merchant: { name: 'Amazon' }, threeDS: true });
      assert.equal(challenge.status, 'challenge_required');
      const hidden = await rest('POST', '/v1/sandbox/authorizations', { cardId: unrevealed, amount: 3_000, merchant: { name: 'Amazon' }, threeDS: true });
      assert.equal(hidden.status, 'challenge_required');

      const { challenges } = await agent.ok('ledger_challenges');
      const ids = challenges.map((item: Json) => item.id);
      assert.ok(ids.includes(challenge.id), JSON.stringify(challenges));
      assert.equal(ids.includes(hidden.id), false, 'a card without a revealed intent is left out');
      const listed = challenges.find((item: Json) => item.id === challenge.id);
      assert.equal(listed.cardId, revealed);
      assert.match(listed.otp, /^\d{6}$/);
      const perCard = await agent.ok('ledger_challenges', { cardId: revealed });
      assert.equal(perCard.challenges[0].otp, listed.otp);
      const refused = await agent.call('ledger_challenges', { cardId: unrevealed });
      assert.equal(refused.isError, true);
      assert.equal(refused.structured.error.code, 'intent_required');

      const other = await http({ 'Api-Key': otherAgentToken });
      const foreign = await other.call('ledger_challenges', { agentId });
      assert.equal(foreign.isError, true);
      assert.equal(foreign.structured.error.code, 'resource_not_found');
    });

    it('an extensionOnly card: the agent gets a details token, a filler key redeems it, and no tool result, log line or webhook body holds the number or CVV', async () => {
      const agent = await http({ Authorization: `Bearer ${agentToken}` });
      const admin = await http({ 'Api-Key': apiKey });
      const receiver = await startWebhookReceiver();
      // What the integrator's own systems receive about the agent's purchase (card.updated would also carry what the
      // operator below writes into the card's metadata: that is the operator's text, sent back to the operator).
      const endpoint = await rest('POST', '/v1/webhooks', { url: receiver.url, events: ['credential.*', 'intent.*', 'transaction.*'] });
      // The scanner is shown to find card data first: a rawPan card's details through the same tool.
      const rawCardId = await newCard(1_000);
      await agent.ok('ledger_intent', { action: 'declare', cardId: rawCardId, summary: 'Socks', amount: 900, merchantText: 'Amazon' });
      const rawAnswer = await agent.call('ledger_card', { action: 'details', cardId: rawCardId, summary: 'Socks', expectedAmount: 900, merchantText: 'Amazon' });
      const raw = rawAnswer.structured.details;
      assert.ok(new SecretScanner([{ pan: raw.pan, cvv: raw.cvv }]).findings(rawAnswer.text).length > 0, 'the scanner finds a rawPan answer');

      const { card } = await admin.ok('ledger_cards', { action: 'create', agentId, purpose: 'Headphones from Amazon', maxAmount: 5_000 });
      await rest('PATCH', `/v1/cards/${card.id}`, { credentialExposure: 'extensionOnly' });
      const seen: string[] = [];
      const look = async (name: string, args: Record<string, unknown>) => {
        const answer = await agent.call(name, args);
        seen.push(answer.text, JSON.stringify(answer.structured));
        assert.equal(answer.isError, false, answer.text);
        return answer.structured;
      };
      await look('ledger_intent', { action: 'declare', cardId: card.id, summary: 'Headphones', amount: 3_000, merchantText: 'Amazon' });
      const { details } = await look('ledger_card', { action: 'details', cardId: card.id, summary: 'Headphones', expectedAmount: 3_000, merchantText: 'Amazon' });
      assert.deepEqual([details.exposureMode, details.pan, details.cvv], ['extensionOnly', undefined, undefined]);
      assert.match(details.detailsToken, /^dtk_/);

      // The filler (not the agent) redeems with its own key and pays.
      const fillerKey = (await rest('POST', '/v1/filler-keys', { name: 'mcp test filler' })).key;
      const redeemed = await fetch(`${server.baseUrl}/v1/details-tokens/${details.detailsToken}/redeem`, {
        method: 'POST',
        headers: { 'Api-Key': fillerKey, 'content-type': 'application/json' },
        body: JSON.stringify({ fingerprint: { extensionId: 'cardrail-fill', deviceHash: 'test' } }),
      });
      const credentials = await redeemed.json();
      assert.equal(redeemed.status, 200, JSON.stringify(credentials));
      const authorization = await rest('POST', '/v1/sandbox/authorizations', { ...credentials, object: undefined, last4: undefined, cardId: undefined, intentId: undefined, accessEventId: undefined, amount: 3_000, merchant: { name: 'Amazon' } });
      assert.deepEqual([authorization.status, authorization.attestationStatus, authorization.intentMatch], ['pending', 'attested', 'matched']);

      // An operator wrote the number into the card's metadata: the guard replaces it in what the agent reads.
      await rest('PATCH', `/v1/cards/${card.id}`, { metadata: { note: `backup ${credentials.pan.replace(/(\d{4})(?=\d)/g, '$1 ')} cvv ${credentials.cvv}` } });
      const { card: read } = await look('ledger_card', { action: 'get', cardId: card.id });
      assert.match(read.metadata.note, /\[card number ending \d{4} removed\] cvv \[security code removed\]/);
      await look('ledger_transactions', { cardId: card.id });
      const scanner = new SecretScanner([{ pan: credentials.pan, cvv: credentials.cvv }]);
      for (const [index, text] of seen.entries()) scanner.assertClean(`tool result ${index}`, text);
      scanner.assertClean('the server log', server.stdout() + server.stderr());
      scanner.assertClean('the MCP connection log', agent.stderr());
      const deadline = Date.now() + 10_000;
      while (!receiver.received.some((webhook) => webhook.rawBody.includes('credential.redeemed')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(receiver.received.some((webhook) => webhook.rawBody.includes('credential.redeemed')), 'the webhooks arrived');
      for (const webhook of receiver.received) scanner.assertClean(`webhook ${webhook.headers['webhook-id']}`, webhook.rawBody);
      await rest('DELETE', `/v1/webhooks/${endpoint.id}`);
      await receiver.close();
    });

    it("another agent's token sees none of this agent's cards: not found, as a tool error", async () => {
      const cardId = await newCard(1_000);
      const other = await http({ 'Api-Key': otherAgentToken });
      const answer = await other.call('ledger_card', { action: 'get', cardId });
      assert.equal(answer.isError, true);
      assert.equal(answer.structured.error.code, 'resource_not_found');
      assert.equal(answer.structured.error.status, 404);
    });

    it('an agent creates cards for itself and freezes them, within maxCards and its limit; it cannot unfreeze', async () => {
      const agent = await http({ Authorization: `Bearer ${agentToken}` });
      const { card } = await agent.ok('ledger_card', { action: 'create', purpose: 'Train tickets', maxAmount: 1_000, type: 'multi', limits: { perDay: 800 }, metadata: { trip: 'lyon' } });
      assert.deepEqual([card.agentId, card.status, card.type, card.maxAmount, card.limits], [agentId, 'active', 'multi', 1_000, { perAuth: null, perDay: 800, perMonth: null }]);

      const frozen = await agent.ok('ledger_card', { action: 'freeze', cardId: card.id });
      assert.deepEqual([frozen.card.id, frozen.card.status, frozen.card.statusReason], [card.id, 'frozen', 'manual']);
      const again = await agent.call('ledger_card', { action: 'freeze', cardId: card.id });
      assert.equal(again.structured.error.code, 'card_already_frozen');
      // unfreeze is not an action of the agent's tool; the card stays frozen.
      const unfreeze = await agent.call('ledger_card', { action: 'unfreeze', cardId: card.id });
      assert.equal(unfreeze.isError, true);
      assert.equal((await agent.ok('ledger_card', { action: 'get', cardId: card.id })).card.status, 'frozen');

      // Above what the spending limit still allows this month.
      const tooBig = await agent.call('ledger_card', { action: 'create', purpose: 'A car', maxAmount: 100_000 });
      assert.equal(tooBig.isError, true);
      assert.deepEqual([tooBig.structured.error.code, tooBig.structured.error.param, tooBig.structured.error.status], ['card_exceeds_agent_limit', 'maxAmount', 409]);

      // At maxCards (an operator's setting through ledger_agents update).
      const admin = await http({ 'Api-Key': apiKey });
      const { agent: current } = await admin.ok('ledger_agents', { action: 'get', agentId });
      await admin.ok('ledger_agents', { action: 'update', agentId, maxCards: current.cardCount });
      const full = await agent.call('ledger_card', { action: 'create', purpose: 'One more', maxAmount: 100 });
      assert.equal(full.structured.error.code, 'max_cards_reached');
      assert.match(full.structured.error.message, new RegExp(`${current.cardCount} open cards, its maxCards limit of ${current.cardCount}`));
      const { agent: unlimited } = await admin.ok('ledger_agents', { action: 'update', agentId, maxCards: null });
      assert.equal(unlimited.maxCards, null);

      // Another agent's card is not there to freeze.
      const other = await http({ 'Api-Key': otherAgentToken });
      const foreign = await other.call('ledger_card', { action: 'freeze', cardId: await newCard(500) });
      assert.equal(foreign.structured.error.code, 'resource_not_found');
    });

    it('an API key drives the agent tools for the agent its input names', async () => {
      const admin = await http({ 'Api-Key': apiKey });
      const missing = await admin.call('ledger_transactions', {});
      assert.equal(missing.isError, true);
      assert.equal(missing.structured.error.param, 'agentId');
      const { transactions } = await admin.ok('ledger_transactions', { agentId });
      assert.ok(transactions.length >= 1);
      assert.ok(transactions.every((transaction: Json) => transaction.agentId === agentId));
    });

    it('every admin tool answers structured content its output schema accepts', async () => {
      const admin = await http({ 'Api-Key': apiKey });
      assert.equal((await admin.ok('ledger_users', { action: 'get', userId })).user.applicationStatus, 'approved');
      assert.ok((await admin.ok('ledger_users', { action: 'list', limit: 5 })).users.length >= 1);
      assert.equal((await admin.ok('ledger_users', { action: 'balance', userId })).balance.currency, 'USD');
      assert.equal((await admin.ok('ledger_onboarding', { action: 'status', userId })).verification.applicationStatus, 'approved');
      assert.equal((await admin.ok('ledger_agents', { action: 'get', agentId })).agent.id, agentId);
      assert.ok((await admin.ok('ledger_agents', { action: 'list', userId })).agents.length >= 2);
      const createdAgent = (await admin.ok('ledger_agents', { action: 'create', userId, name: 'made-bot', maxCards: 2, defaultCardLimit: 700 })).agent;
      assert.deepEqual([createdAgent.maxCards, createdAgent.defaultCardLimit, createdAgent.cardCount], [2, 700, 0]);
      const updatedAgent = (await admin.ok('ledger_agents', { action: 'update', agentId: createdAgent.id, status: 'suspended', limitWarningThreshold: 0.9 })).agent;
      assert.deepEqual([updatedAgent.status, updatedAgent.limitWarningThreshold], ['suspended', 0.9]);
      const registeredAgain = await admin.ok('ledger_agents', { action: 'register', userId, name: 'ext-bot', externalId: 'mcp-ext-1' });
      assert.deepEqual([registeredAgain.created, typeof registeredAgain.tokenId], [true, 'string']);
      const repeated = await admin.ok('ledger_agents', { action: 'register', userId, name: 'ext-bot', externalId: 'mcp-ext-1' });
      assert.deepEqual([repeated.created, repeated.token, repeated.tokenId, repeated.agent.id], [false, null, null, registeredAgain.agent.id]);
      const created = await admin.ok('ledger_agents', { action: 'create_token', agentId, name: 'spare' });
      assert.match(created.token, /^at_dev_/);
      assert.ok((await admin.ok('ledger_agents', { action: 'list_tokens', agentId })).agentTokens.length >= 2);
      assert.notEqual((await admin.ok('ledger_agents', { action: 'revoke_token', agentId, tokenId: created.agentToken.id })).agentToken.revokedAt, null);

      const cardId = await newCard(500);
      assert.equal((await admin.ok('ledger_cards', { action: 'freeze', cardId })).card.status, 'frozen');
      assert.equal((await admin.ok('ledger_cards', { action: 'unfreeze', cardId })).card.status, 'active');
      assert.equal((await admin.ok('ledger_cards', { action: 'update', cardId, limits: { perDay: 400 }, metadata: { team: 'ops' } })).card.limits.perDay, 400);
      assert.ok((await admin.ok('ledger_cards', { action: 'list', agentId, status: 'active' })).cards.some((card: Json) => card.id === cardId));
      assert.equal((await admin.ok('ledger_cards', { action: 'close', cardId })).card.status, 'closed');

      const policy = (await admin.ok('ledger_policies', { action: 'create', policy: { name: 'food only', allowedMccs: ['5812', '5814'], maxAuthCount: 3 } })).policy;
      assert.match(policy.id, /^pol_/);
      assert.equal((await admin.ok('ledger_policies', { action: 'update', policyId: policy.id, changes: { maxAuthCount: null } })).policy.maxAuthCount, null);
      assert.ok((await admin.ok('ledger_policies', { action: 'list' })).policies.some((listed: Json) => listed.id === policy.id));
      assert.equal((await admin.ok('ledger_policies', { action: 'get', policyId: policy.id })).policy.name, 'food only');
      const governed = (await admin.ok('ledger_cards', { action: 'create', agentId, purpose: 'lunch', maxAmount: 300, policyId: policy.id, limits: { perAuth: 200 } })).card;
      const view = (await admin.ok('ledger_policies', { action: 'card_policy', cardId: governed.id })).cardPolicy;
      assert.deepEqual([view.merchants.allowedMccs, view.limits.perAuth, view.sources.allowedMccs], [['5812', '5814'], 200, 'policy']);
      const missing = await admin.call('ledger_policies', { action: 'get' });
      assert.equal(missing.isError, true);

      assert.equal((await admin.ok('ledger_risk', { action: 'get_settings' })).settings.object, 'risk_settings');
      assert.equal((await admin.ok('ledger_risk', { action: 'update_settings', rules: { velocity: { maxPerHour: 50 } } })).settings.rules.velocity.maxPerHour, 50);
      assert.equal((await admin.ok('ledger_risk', { action: 'apply_preset', preset: 'moderate' })).settings.preset, 'moderate');
      const alerts = (await admin.ok('ledger_risk', { action: 'list_alerts' })).alerts;
      assert.ok(Array.isArray(alerts));

      const webhook = await admin.ok('ledger_webhooks', { action: 'create', url: 'https://example.com/hooks', events: ['card.*'] });
      assert.match(webhook.secret, /^whsec_/);
      const webhookId = webhook.webhook.id;
      assert.ok((await admin.ok('ledger_webhooks', { action: 'list' })).webhooks.some((endpoint: Json) => endpoint.id === webhookId));
      assert.equal((await admin.ok('ledger_webhooks', { action: 'secret', webhookId })).secret, webhook.secret);
      assert.equal((await admin.ok('ledger_webhooks', { action: 'update', webhookId, description: 'ops' })).webhook.description, 'ops');
      assert.equal((await admin.ok('ledger_webhooks', { action: 'test', webhookId })).delivery.eventType, 'webhook.test');
      assert.ok(Array.isArray((await admin.ok('ledger_webhooks', { action: 'deliveries', webhookId })).deliveries));
      assert.equal((await admin.ok('ledger_webhooks', { action: 'delete', webhookId })).deleted, true);
    });

    it('the admin tools set and show the approval settings of agents, cards and policies; the card view resolves them', async () => {
      const admin = await http({ 'Api-Key': apiKey });
      const agent = (await admin.ok('ledger_agents', { action: 'create', userId, name: 'approving-bot', approvalMethod: 'cardholder', approvalTimeoutMinutes: 120 })).agent;
      assert.deepEqual([agent.approvalMethod, agent.approvalTimeoutMinutes], ['cardholder', 120]);
      const updated = (await admin.ok('ledger_agents', { action: 'update', agentId: agent.id, approvalMethod: 'cardholderPasskey' })).agent;
      assert.deepEqual([updated.approvalMethod, updated.approvalTimeoutMinutes], ['cardholderPasskey', 120]);
      const policy = (await admin.ok('ledger_policies', { action: 'create', policy: { name: 'ask the cardholder', approvalMethod: 'cardholder', approvalTimeoutMinutes: 30 } })).policy;
      assert.deepEqual([policy.approvalMethod, policy.approvalTimeoutMinutes], ['cardholder', 30]);
      const card = (await admin.ok('ledger_cards', { action: 'create', agentId: agent.id, purpose: 'approved purchases', maxAmount: 200, policyId: policy.id, approvalTimeoutMinutes: 10 })).card;
      assert.deepEqual([card.approvalMethod, card.approvalTimeoutMinutes], [null, 10]);
      const view = (await admin.ok('ledger_policies', { action: 'card_policy', cardId: card.id })).cardPolicy;
      assert.deepEqual([view.approvalMethod, view.approvalTimeoutMinutes, view.sources.approvalMethod, view.sources.approvalTimeoutMinutes], ['cardholder', 10, 'policy', 'card']);
      const changed = (await admin.ok('ledger_cards', { action: 'update', cardId: card.id, approvalMethod: 'cardholderPasskey', approvalTimeoutMinutes: null })).card;
      assert.deepEqual([changed.approvalMethod, changed.approvalTimeoutMinutes], ['cardholderPasskey', null]);
      const cleared = (await admin.ok('ledger_policies', { action: 'update', policyId: policy.id, changes: { approvalTimeoutMinutes: null } })).policy;
      assert.equal(cleared.approvalTimeoutMinutes, null);
      const resolved = (await admin.ok('ledger_policies', { action: 'card_policy', cardId: card.id })).cardPolicy;
      assert.deepEqual(
        [resolved.approvalMethod, resolved.approvalTimeoutMinutes, resolved.sources.approvalMethod, resolved.sources.approvalTimeoutMinutes],
        ['cardholderPasskey', 120, 'card', 'agent'],
      );
    });

    it('an API error of an admin tool carries code, message and param: a card above the available balance', async () => {
      const admin = await http({ 'Api-Key': apiKey });
      const answer = await admin.call('ledger_cards', { action: 'create', agentId, purpose: 'Too much', maxAmount: 90_000_000 });
      assert.equal(answer.isError, true);
      assert.equal(answer.structured.error.code, 'insufficient_balance');
      assert.equal(answer.structured.error.param, 'maxAmount');
      assert.match(answer.structured.error.message, /available/);
    });

    it('an action without its required input is a tool error naming the parameter', async () => {
      const agent = await http({ Authorization: `Bearer ${agentToken}` });
      const answer = await agent.call('ledger_intent', { action: 'declare', cardId: 'card_x', summary: 'Socks', merchantText: 'Amazon' });
      assert.equal(answer.isError, true);
      assert.equal(answer.structured.error.code, 'missing_parameter');
      assert.equal(answer.structured.error.param, 'amount');
    });

    it('answers 401 in the error envelope without a credential, and for an API key sent as Bearer', async () => {
      const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } } };
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const missing = await fetch(`${server.baseUrl}/mcp`, { method: 'POST', headers, body: JSON.stringify(initialize) });
      assert.equal(missing.status, 401);
      const missingBody = await missing.json();
      assert.equal(missingBody.status, 'error');
      assert.equal(missingBody.error.code, 'missing_api_key');
      assert.equal(missingBody.requestId, missing.headers.get('request-id'));

      const bearerKey = await fetch(`${server.baseUrl}/mcp`, { method: 'POST', headers: { ...headers, Authorization: `Bearer ${apiKey}` }, body: JSON.stringify(initialize) });
      assert.equal(bearerKey.status, 401);
      assert.equal((await bearerKey.json()).error.code, 'api_key_in_authorization_header');

      // Judged on the headers, before the body: no credential and a broken body is still 401.
      const unparsed = await fetch(`${server.baseUrl}/mcp`, { method: 'POST', headers, body: '{not json' });
      assert.equal(unparsed.status, 401);
      assert.equal((await unparsed.json()).error.code, 'missing_api_key');

      const wrong = await fetch(`${server.baseUrl}/mcp`, { method: 'POST', headers: { ...headers, 'Api-Key': 'at_dev_not_a_real_token' }, body: JSON.stringify(initialize) });
      assert.equal(wrong.status, 401);
      assert.equal((await wrong.json()).error.code, 'invalid_api_key');
    });

    it('is what the start banner prints as the MCP URL', () => {
      assert.match(server.stdout(), new RegExp(`^ {2}MCP {8}${server.baseUrl.replaceAll('.', '\\.')}/mcp$`, 'm'));
    });

    it('is stateless: GET and DELETE answer 405, and /health answers for the MCP host', async () => {
      for (const method of ['GET', 'DELETE']) {
        const response = await fetch(`${server.baseUrl}/mcp`, { method, headers: { 'Api-Key': apiKey, accept: 'text/event-stream' } });
        assert.equal(response.status, 405, method);
        assert.equal(response.headers.get('allow'), 'POST');
        assert.equal((await response.json()).jsonrpc, '2.0');
      }
      assert.equal((await fetch(`${server.baseUrl}/health`)).status, 200);
    });
  });
});
