// Seed 001 from "Phase 1: Setup" to "Card Lifecycle", done literally: the real `curl` against a real `cardrail serve`, every command as a
// person would type it (-X POST, -H "Api-Key: …", -d '…' with no Content-Type). Create the user, start KYC, open
// the hosted page and submit its form as a browser would, read the funding instructions, then a sandbox deposit
// that completes once the sandbox clock has moved past its confirmations, and the balance it leaves; then the agent,
// its card, and the agent token declaring an intent and reading the card's details.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCurlRunner, type CurlRunner } from '../helpers/curl.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/** The named fields of a response object, to compare with assert.deepEqual whatever other fields it has. */
function pick(value: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, value[field]]));
}

describe('seed 001 with the real curl against cardrail serve', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cardrail-e2e-phase1-'));
  let server: ServerProcess | undefined;
  let curl: CurlRunner;
  let api = '';
  let key = '';
  // Learnt step by step; each step checks that the one before it got what it needs.
  let userId = '';
  let verificationUrl = '';
  let depositAddress = '';
  let depositId = '';
  let txHash = '';

  before(async () => {
    curl = createCurlRunner(join(workDir, 'curl-home'));
    server = await startServerProcess({ dataDir: join(workDir, 'data'), logLevel: 'warn' });
    key = (await server.waitForKeys(60_000)).sandboxKey;
    api = server.baseUrl;
  });

  after(async () => {
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs a curl command line, asserts it answered 200 and answers the body parsed as JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const curlJson = async (command: string): Promise<any> => {
    const result = await curl.run(command);
    assert.equal(result.status, 200, `${command}\n${result.body}`);
    return JSON.parse(result.body);
  };
  const balanceOf = async (id: string) => {
    const read = await curlJson(`curl ${api}/v1/balances/${id} \\
  -H "Api-Key: ${key}"`);
    return pick(read, ['object', 'userId', 'currency', 'total', 'available', 'pending', 'reserved', 'debt']);
  };
  const balance = (id: string, cents: number) => ({ object: 'balance', userId: id, currency: 'USD', total: cents, available: cents, pending: 0, reserved: 0, debt: 0 });

  it('1. Create User', async () => {
    const user = await curlJson(`curl -X POST ${api}/v1/users \\
  -H "Api-Key: ${key}" \\
  -d '{"firstName": "John", "lastName": "Doe", "email": "john@example.com"}'`);
    assert.match(user.id, /^user_[0-9a-z]{26}$/);
    assert.deepEqual(pick(user, ['object', 'firstName', 'lastName', 'email', 'applicationStatus']), {
      object: 'user',
      firstName: 'John',
      lastName: 'Doe',
      email: 'john@example.com',
      applicationStatus: 'notStarted',
    });
    userId = user.id;
  });

  it('2. Initiate KYC: a verificationUrl on this server', async () => {
    assert.notEqual(userId, '', 'step 1 created the user');
    const verification = await curlJson(`curl -X POST ${api}/v1/verification/user \\
  -H "Api-Key: ${key}" \\
  -d '{"userId": "${userId}"}'`);
    assert.deepEqual(pick(verification, ['object', 'userId', 'applicationStatus']), { object: 'verification', userId, applicationStatus: 'notStarted' });
    // Only URL-safe characters, so the URL can be pasted into a shell unquoted.
    assert.match(verification.verificationUrl, new RegExp(`^${api.replaceAll('.', '\\.')}/verify/[A-Za-z0-9_-]{20,}$`));
    const sevenDaysMs = 7 * 24 * 3600 * 1000;
    assert.ok(Math.abs(Date.parse(verification.expiresAt) - (Date.now() + sevenDaysMs)) < 60_000, `expiresAt in 7 days: ${verification.expiresAt}`);
    verificationUrl = verification.verificationUrl;
  });

  it('3. User Completes KYC: the hosted page is a form, and submitting it as a browser does approves John Doe', async () => {
    assert.notEqual(verificationUrl, '', 'step 2 issued a link');
    const page = await curl.run(`curl ${verificationUrl}`);
    assert.equal(page.status, 200, page.body);
    assert.match(page.body, /^<!doctype html>/);
    const form = /<form method="post" action="([^"]+)"/.exec(page.body);
    assert.ok(form, `a POST form: ${page.body}`);
    const action = new URL(form[1]!, verificationUrl).href;
    assert.equal(action, verificationUrl, 'the form posts back to the link');
    for (const field of ['firstName', 'lastName', 'dateOfBirth', 'addressLine1', 'city', 'postalCode', 'country']) {
      assert.match(page.body, new RegExp(`<input id="${field}" name="${field}" `), `the form has ${field}`);
    }
    assert.match(page.body, /name="firstName" type="text" value="John"/, 'prefilled from the user');
    assert.match(page.body, /name="lastName" type="text" value="Doe"/, 'prefilled from the user');
    assert.doesNotMatch(page.body, /<script/i);

    // What a browser sends for the filled-in form: application/x-www-form-urlencoded, which is what curl -d sends.
    const submitted = await curl.run(`curl -d 'firstName=John&lastName=Doe&dateOfBirth=1990-01-01&addressLine1=1+Main+Street&city=Springfield&postalCode=12345&country=US' ${action}`);
    assert.equal(submitted.status, 200, submitted.body);
    assert.match(submitted.body, /<h1>You are verified<\/h1>/);
    assert.doesNotMatch(submitted.body, /<form/);

    const reopened = await curl.run(`curl ${verificationUrl}`);
    assert.equal(reopened.status, 409, 'the link works once');
    assert.match(reopened.body, /already been used/);

    const user = await curlJson(`curl ${api}/v1/users/${userId} \\
  -H "Api-Key: ${key}"`);
    assert.deepEqual(pick(user, ['id', 'applicationStatus', 'rejectionReason', 'dateOfBirth']), { id: userId, applicationStatus: 'approved', rejectionReason: null, dateOfBirth: '1990-01-01' });
    assert.deepEqual(pick(user.address, ['line1', 'city', 'postalCode', 'country']), { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' });
  });

  it('4. User Deposits Funds: the funding instructions list USDC on Base with an address', async () => {
    assert.notEqual(userId, '', 'step 1 created the user');
    const instructions = await curlJson(`curl ${api}/v1/users/${userId}/funding \\
  -H "Api-Key: ${key}"`);
    assert.deepEqual(pick(instructions, ['object', 'userId', 'currency']), { object: 'funding_instructions', userId, currency: 'USD' });
    const methods = instructions.methods as Record<string, unknown>[];
    const baseUsdc = methods.filter((method) => method.network === 'base' && method.token === 'USDC');
    assert.equal(baseUsdc.length, 1, JSON.stringify(methods));
    const method = baseUsdc[0]!;
    assert.match(String(method.address), /^0x[0-9a-fA-F]{40}$/);
    assert.deepEqual(pick(method, ['chainId', 'tokenAddress', 'minConfirmations', 'decimals']), {
      chainId: 8453,
      tokenAddress: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
      minConfirmations: 12,
      decimals: 6,
    });
    depositAddress = String(method.address);
  });

  it('a sandbox deposit of 250 USDC on Base is pending and credits nothing yet', async () => {
    assert.notEqual(depositAddress, '', 'step 4 gave the deposit address');
    const deposit = await curlJson(`curl -X POST ${api}/v1/sandbox/deposits \\
  -H "Api-Key: ${key}" \\
  -d '{"userId": "${userId}", "network": "base", "token": "USDC", "amount": "250000000"}'`);
    assert.match(deposit.id, /^dep_[0-9a-z]{26}$/);
    assert.match(deposit.txHash, /^0x[0-9a-f]{64}$/);
    const fields = ['object', 'userId', 'network', 'token', 'amount', 'amountCents', 'remainderBaseUnits', 'address', 'status', 'confirmations', 'minConfirmations', 'completedAt'];
    assert.deepEqual(pick(deposit, fields), {
      object: 'deposit',
      userId,
      network: 'base',
      token: 'USDC',
      amount: '250000000',
      amountCents: 25000,
      remainderBaseUnits: '0',
      address: depositAddress,
      status: 'pending',
      confirmations: 0,
      minConfirmations: 12,
      completedAt: null,
    });
    depositId = deposit.id;
    txHash = deposit.txHash;

    const stillPending = await curlJson(`curl ${api}/v1/deposits/${depositId} \\
  -H "Api-Key: ${key}"`);
    assert.deepEqual(pick(stillPending, ['id', 'status']), { id: depositId, status: 'pending' });
    assert.ok(stillPending.confirmations < 12, `confirmations ${stillPending.confirmations}`);
    assert.deepEqual(await balanceOf(userId), balance(userId, 0));
  });

  it('advancing the sandbox clock 60 s completes the deposit: 25000 cents available', async () => {
    assert.notEqual(depositId, '', 'the deposit was made');
    const clock = await curlJson(`curl -X POST ${api}/v1/sandbox/clock/advance \\
  -H "Api-Key: ${key}" \\
  -d '{"seconds": 60}'`);
    assert.deepEqual(pick(clock, ['object', 'offsetSeconds']), { object: 'sandbox_clock', offsetSeconds: 60 });

    const deposit = await curlJson(`curl ${api}/v1/deposits/${depositId} \\
  -H "Api-Key: ${key}"`);
    assert.deepEqual(pick(deposit, ['id', 'status', 'confirmations', 'amountCents']), { id: depositId, status: 'completed', confirmations: 12, amountCents: 25000 });
    assert.match(deposit.completedAt, /^\d{4}-\d{2}-\d{2}T/);

    assert.deepEqual(await balanceOf(userId), balance(userId, 25000));
  });

  it('the same txHash reported again answers the same deposit and credits nothing more', async () => {
    assert.notEqual(txHash, '', 'the deposit was made');
    const again = await curlJson(`curl -X POST ${api}/v1/sandbox/deposits \\
  -H "Api-Key: ${key}" \\
  -d '{"userId": "${userId}", "network": "base", "token": "USDC", "amount": "250000000", "txHash": "${txHash}"}'`);
    assert.deepEqual(pick(again, ['id', 'txHash', 'status', 'amountCents']), { id: depositId, txHash, status: 'completed', amountCents: 25000 });

    const listed = await curlJson(`curl ${api}/v1/users/${userId}/deposits \\
  -H "Api-Key: ${key}"`);
    assert.deepEqual(
      (listed.data as { id: string }[]).map((deposit) => deposit.id),
      [depositId],
    );
    assert.deepEqual(await balanceOf(userId), balance(userId, 25000));
  });

  // Seed 001 "Agent Creation" through "Card Detail Access": the API key registers the agent and issues the card;
  // the agent's own token (seed 000: intents and details are agent-token endpoints) declares and reads.
  let agentId = '';
  let agentToken = '';
  let cardId = '';

  it('Agent Creation: the API key registers checkout-bot and gets its agent token once', async () => {
    assert.notEqual(userId, '', 'the user exists');
    const agent = await curlJson(`curl -X POST ${api}/v1/agents/register \\
  -H "Api-Key: ${key}" \\
  -d '{
    "userId": "${userId}",
    "name": "checkout-bot",
    "description": "Handles online purchases",
    "spendingLimit": 50000,
    "spendingLimitFrequency": "perMonth"
  }'`);
    assert.deepEqual(pick(agent, ['object', 'userId', 'name', 'spendingLimit', 'spendingLimitFrequency', 'status']), {
      object: 'agent',
      userId,
      name: 'checkout-bot',
      spendingLimit: 50000,
      spendingLimitFrequency: 'perMonth',
      status: 'active',
    });
    assert.match(agent.token, /^at_dev_[A-Za-z0-9_-]{43}$/);
    agentId = agent.id;
    agentToken = agent.token;
  });

  it('Card Creation: a single-use card reserves its maxAmount from available', async () => {
    assert.notEqual(agentId, '', 'the agent exists');
    const card = await curlJson(`curl -X POST ${api}/v1/agents/${agentId}/cards \\
  -H "Api-Key: ${key}" \\
  -d '{
    "purpose": "Purchase wireless headphones from Amazon",
    "type": "single",
    "maxAmount": 15000
  }'`);
    assert.deepEqual(pick(card, ['object', 'agentId', 'type', 'maxAmount', 'status']), { object: 'card', agentId, type: 'single', maxAmount: 15000, status: 'active' });
    assert.equal(card.pan, undefined);
    cardId = card.id;
    const balanceNow = await balanceOf(userId);
    assert.deepEqual(pick(balanceNow, ['total', 'reserved', 'available', 'pending']), { total: 25000, reserved: 15000, available: 10000, pending: 0 });
  });

  it('Card Detail Access without an intent answers 409 "Intent declaration required"', async () => {
    assert.notEqual(cardId, '', 'the card exists');
    const refused = await curl.run(`curl -X POST ${api}/v1/cards/${cardId}/details \\
  -H "Api-Key: ${agentToken}" \\
  -d '{"summary": "Buy Sony WH-1000XM5 headphones", "expectedAmount": 34999, "merchantText": "Amazon"}'`);
    assert.equal(refused.status, 409, refused.body);
    const body = JSON.parse(refused.body) as { error: { code: string; message: string } };
    assert.deepEqual([body.error.code, body.error.message], ['intent_required', 'Intent declaration required']);
  });

  it('Intent Declaration with the agent token: pending, with a warning that 34999 exceeds maxAmount', async () => {
    const intent = await curlJson(`curl -X POST ${api}/v1/cards/${cardId}/intents \\
  -H "Api-Key: ${agentToken}" \\
  -d '{
    "summary": "Buy Sony WH-1000XM5 headphones",
    "amount": 34999,
    "merchantText": "Amazon"
  }'`);
    assert.deepEqual(pick(intent, ['object', 'cardId', 'agentId', 'status', 'amount', 'merchantText']), {
      object: 'intent',
      cardId,
      agentId,
      status: 'pending',
      amount: 34999,
      merchantText: 'Amazon',
    });
    assert.deepEqual(
      (intent.warnings as { code: string }[]).map((warning) => warning.code),
      ['exceeds_max_amount'],
    );
  });

  it('Card Detail Access with the agent token (Bearer): credentials and an accessEventId; the intent is revealed', async () => {
    const details = await curlJson(`curl -X POST ${api}/v1/cards/${cardId}/details \\
  -H "Authorization: Bearer ${agentToken}" \\
  -d '{
    "summary": "Buy Sony WH-1000XM5 headphones",
    "expectedAmount": 34999,
    "merchantText": "Amazon"
  }'`);
    assert.match(details.accessEventId, /^evt_/);
    assert.match(details.pan, /^4\d{15}$/);
    assert.match(details.cvv, /^\d{3}$/);
    assert.match(details.expirationMonth, /^\d{2}$/);
    assert.match(details.expirationYear, /^\d{4}$/);
    assert.equal(details.last4, details.pan.slice(-4));

    const intent = await curlJson(`curl ${api}/v1/intents/${details.intentId} \\
  -H "Api-Key: ${agentToken}"`);
    assert.deepEqual(pick(intent, ['status', 'accessEventId']), { status: 'revealed', accessEventId: details.accessEventId });

    const card = await curlJson(`curl ${api}/v1/cards/${cardId} \\
  -H "Api-Key: ${agentToken}"`);
    assert.equal(card.last4, details.last4);
    const forbidden = await curl.run(`curl ${api}/v1/users \\
  -H "Api-Key: ${agentToken}"`);
    assert.equal(forbidden.status, 403, 'agent tokens cannot reach user management (seed 000)');
  });

  // Seed 001 "Transaction Authorization" through "Card Lifecycle": a merchant presents the card through the
  // sandbox network; balances move as "Balance vs Available" says.
  const presentCard = (details: { pan: string; cvv: string; expirationMonth: string; expirationYear: string }, amount: number, merchant: string) =>
    curlJson(`curl -X POST ${api}/v1/sandbox/authorizations \\
  -H "Api-Key: ${key}" \\
  -d '{"pan": "${details.pan}", "cvv": "${details.cvv}", "expirationMonth": "${details.expirationMonth}", "expirationYear": "${details.expirationYear}", "amount": ${amount}, "merchant": {"name": "${merchant}"}}'`);
  const declareAndReveal = async (card: string, amount: number, merchantText: string) => {
    await curlJson(`curl -X POST ${api}/v1/cards/${card}/intents \\
  -H "Api-Key: ${agentToken}" \\
  -d '{"summary": "Buy headphones", "amount": ${amount}, "merchantText": "${merchantText}"}'`);
    return curlJson(`curl -X POST ${api}/v1/cards/${card}/details \\
  -H "Api-Key: ${agentToken}" \\
  -d '{"summary": "Buy headphones", "expectedAmount": ${amount}, "merchantText": "${merchantText}"}'`);
  };

  it('Transaction Authorization: 34999 on the 15000 card is declined exceeds_max_amount, as the intent warned', async () => {
    const details = await curlJson(`curl -X POST ${api}/v1/cards/${cardId}/details \\
  -H "Api-Key: ${agentToken}" \\
  -d '{"summary": "Buy Sony WH-1000XM5 headphones", "expectedAmount": 34999, "merchantText": "Amazon"}'`);
    const declined = await presentCard(details, 34999, 'AMZN Mktp US*2K4TY7');
    assert.deepEqual(pick(declined, ['object', 'status', 'declineReason', 'cardId']), { object: 'transaction', status: 'declined', declineReason: 'exceeds_max_amount', cardId });
    assert.deepEqual(pick(await balanceOf(userId), ['total', 'pending', 'reserved', 'available']), { total: 25000, pending: 0, reserved: 15000, available: 10000 });
  });

  let transactionId = '';
  it('at the declared merchant: approved, intent matched, available drops at once while total stays', async () => {
    const details = await declareAndReveal(cardId, 14999, 'Amazon');
    const approved = await presentCard(details, 14999, 'AMZN Mktp US*2K4TY7');
    assert.deepEqual(pick(approved, ['status', 'intentMatch', 'attestationStatus', 'accessEventId', 'amount']), {
      status: 'pending',
      intentMatch: 'matched',
      attestationStatus: 'attested',
      accessEventId: details.accessEventId,
      amount: 14999,
    });
    transactionId = approved.id;
    const intent = await curlJson(`curl ${api}/v1/intents/${approved.intentId} \\
  -H "Api-Key: ${agentToken}"`);
    assert.equal(intent.status, 'matched');
    assert.deepEqual(pick(await balanceOf(userId), ['total', 'pending', 'reserved', 'available']), { total: 25000, pending: 14999, reserved: 0, available: 10001 });
    const mine = await curlJson(`curl ${api}/v1/transactions \\
  -H "Api-Key: ${agentToken}"`);
    assert.ok((mine.data as { id: string }[]).some((item) => item.id === transactionId));
  });

  it('Settlement: clearing settles it, total moves, and the single-use card closes', async () => {
    assert.notEqual(transactionId, '', 'the authorization was approved');
    const settled = await curlJson(`curl -X POST ${api}/v1/sandbox/transactions/${transactionId}/clear \\
  -H "Api-Key: ${key}"`);
    assert.deepEqual(pick(settled, ['status', 'settledAmount']), { status: 'settled', settledAmount: 14999 });
    assert.deepEqual(pick(await balanceOf(userId), ['total', 'pending', 'reserved', 'available']), { total: 10001, pending: 0, reserved: 0, available: 10001 });
    const card = await curlJson(`curl ${api}/v1/cards/${cardId} \\
  -H "Api-Key: ${key}"`);
    assert.deepEqual(pick(card, ['status', 'statusReason']), { status: 'closed', statusReason: 'single_use_consumed' });
  });

  it('at a different merchant: approved, but the intent is mismatched (informational)', async () => {
    const card = await curlJson(`curl -X POST ${api}/v1/agents/${agentId}/cards \\
  -H "Api-Key: ${key}" \\
  -d '{"purpose": "Headphones", "type": "single", "maxAmount": 5000}'`);
    const details = await declareAndReveal(card.id, 4000, 'Amazon');
    const approved = await presentCard(details, 4000, 'Best Buy 00012345');
    assert.deepEqual(pick(approved, ['status', 'intentMatch']), { status: 'pending', intentMatch: 'mismatched' });
    const intent = await curlJson(`curl ${api}/v1/intents/${approved.intentId} \\
  -H "Api-Key: ${key}"`);
    assert.deepEqual(pick(intent.matchResult, ['amountMatch', 'merchantMatch', 'actualMerchant']), { amountMatch: true, merchantMatch: false, actualMerchant: 'bestbuy' });
  });
});
