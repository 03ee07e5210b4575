// `cardrail demo`: the whole payment flow of seed 001 against a running server, step by step, with a sandbox key —
// user, KYC, deposit, agent, card, intent, card details, an authorization at the merchant, settlement, and the
// webhooks a local receiver gets. Every call goes through the SDK (cardrail/sdk). Each step checks what the docs
// say should happen; the first that does not stops the demo with exit code 1.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCardrailClient, expectData, type CardrailClient } from '../sdk/index.js';
import { verifyWebhook } from '../sdk/webhooks.js';

export interface DemoOptions {
  url: string;
  key: string;
  /** Where each line goes (stdout by default). */
  write?: (line: string) => void;
  /** How long to wait for the webhooks of the flow. */
  webhookWaitMs?: number;
}

/** A step that did not behave as documented. */
export class DemoStepFailed extends Error {}

function check(condition: boolean, what: string): void {
  if (!condition) throw new DemoStepFailed(what);
}

interface ReceivedWebhook {
  id: string;
  type: string;
  verified: boolean;
}

/** A local HTTP receiver that verifies each delivery's Standard Webhooks signature with the SDK's verifyWebhook. */
async function startReceiver(): Promise<{ server: Server; url: string; received: ReceivedWebhook[]; useSecret: (secret: string) => void }> {
  const received: ReceivedWebhook[] = [];
  let secret: string | undefined;
  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server = createServer((request, response) => {
    void readBody(request).then((rawBody) => {
      let verified = false;
      let type = 'unknown';
      let id = String(request.headers['webhook-id'] ?? '');
      try {
        const event = verifyWebhook(rawBody, request.headers, secret ?? '');
        verified = true;
        type = event.type;
        id = event.id;
      } catch {
        verified = false;
      }
      received.push({ id, type, verified });
      response.writeHead(verified ? 204 : 400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/webhooks`, received, useSecret: (value) => (secret = value) };
}

function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

async function balanceLine(client: CardrailClient, userId: string): Promise<{ line: string; available: number; reserved: number; pending: number; total: number }> {
  const balance = expectData(await client.GET('/v1/balances/{userId}', { params: { path: { userId } } }));
  return {
    ...balance,
    line: `balance: total ${dollars(balance.total)}, available ${dollars(balance.available)}, reserved ${dollars(balance.reserved)}, pending ${dollars(balance.pending)}`,
  };
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const baseUrl = options.url.replace(/\/+$/, '');
  const admin = createCardrailClient({ baseUrl, credential: options.key });
  let stepNumber = 0;
  const step = async <T>(title: string, work: () => Promise<T>): Promise<T> => {
    stepNumber += 1;
    write(`${String(stepNumber).padStart(2)}. ${title}`);
    return work();
  };
  const say = (line: string) => write(`      ${line}`);

  const health = await fetch(`${baseUrl}/health`).catch(() => undefined);
  check(health?.ok === true, `no cardrail server answers at ${baseUrl} (start one with npm start, or pass --url)`);
  const receiver = await startReceiver();
  try {
    await step('Register a webhook endpoint with a local receiver', async () => {
      const endpoint = expectData(await admin.POST('/v1/webhooks', { body: { url: receiver.url, description: 'cardrail demo receiver' } }));
      const secret = endpoint.secret;
      check(secret !== null && secret.startsWith('whsec_'), 'the endpoint has a whsec_ secret');
      receiver.useSecret(secret!);
      say(`${endpoint.id} → ${receiver.url} (every event type)`);
    });

    const user = await step('Create a user', async () => {
      const created = expectData(await admin.POST('/v1/users', { body: { firstName: 'John', lastName: 'Doe', email: `john.doe+${randomBytes(3).toString('hex')}@example.com` } }));
      say(`${created.id} (${created.applicationStatus})`);
      return created;
    });

    await step('Start KYC, then the person completes it (sandbox: approved)', async () => {
      const verification = expectData(await admin.POST('/v1/verification/user', { body: { userId: user.id } }));
      say(`verification link: ${verification.verificationUrl}`);
      expectData(await admin.POST('/v1/sandbox/users/{id}/verification', { params: { path: { id: user.id } }, body: { outcome: 'approved' } }));
      const approved = expectData(await admin.GET('/v1/users/{id}', { params: { path: { id: user.id } } }));
      check(approved.applicationStatus === 'approved', `the user is approved (is ${approved.applicationStatus})`);
      say(`applicationStatus: ${approved.applicationStatus}`);
    });

    await step('Fund: read the deposit addresses, send 500 USDC on Base (sandbox chain)', async () => {
      const funding = expectData(await admin.GET('/v1/users/{id}/funding', { params: { path: { id: user.id } } }));
      const base = funding.methods.find((method) => method.network === 'base' && method.token === 'USDC');
      check(base !== undefined, 'the funding instructions list USDC on Base');
      say(`USDC on Base → ${base!.address} (${base!.minConfirmations} confirmations)`);
      const deposit = expectData(
        await admin.POST('/v1/sandbox/deposits', { body: { userId: user.id, network: 'base', token: 'USDC', amount: '500000000', confirmations: base!.minConfirmations } }),
      );
      check(deposit.status === 'completed' && deposit.amountCents === 50_000, `the deposit is credited $500.00 (is ${deposit.status}, ${deposit.amountCents})`);
      const balance = await balanceLine(admin, user.id);
      check(balance.available === 50_000, 'available is $500.00');
      say(`${deposit.id} completed; ${balance.line}`);
    });

    const agent = await step('Register an agent with a $500/month limit (its token is shown once)', async () => {
      const registered = expectData(
        await admin.POST('/v1/agents/register', {
          body: { userId: user.id, name: 'checkout-bot', description: 'Handles online purchases', spendingLimit: 50_000, spendingLimitFrequency: 'perMonth' },
        }),
      );
      check(typeof registered.token === 'string' && registered.token.startsWith('at_dev_'), 'registration returns a sandbox agent token');
      say(`${registered.id} (${registered.status}), token at_dev_…`);
      return { id: registered.id, token: registered.token! };
    });
    const agentClient = createCardrailClient({ baseUrl, credential: agent.token });

    const card = await step('Create a single-use card of up to $400 for the purchase', async () => {
      const created = expectData(
        await admin.POST('/v1/agents/{id}/cards', { params: { path: { id: agent.id } }, body: { purpose: 'Purchase wireless headphones from Amazon', type: 'single', maxAmount: 40_000 } }),
      );
      const balance = await balanceLine(admin, user.id);
      check(balance.reserved === 40_000 && balance.available === 10_000, 'the card reserves $400.00 of available');
      say(`${created.id} •••• ${created.last4}, ${created.status}; ${balance.line}`);
      return created;
    });

    const purchase = { summary: 'Buy Sony WH-1000XM5 headphones', amount: 34_999, merchantText: 'Amazon' };
    await step('The agent declares its intent (agent token)', async () => {
      const intent = expectData(await agentClient.POST('/v1/cards/{id}/intents', { params: { path: { id: card.id } }, body: purchase }));
      check(intent.status === 'pending', `the intent is pending (is ${intent.status})`);
      say(`${intent.id}: ${intent.summary}, ${dollars(intent.amount)} at ${intent.merchantText} (${intent.status})`);
    });

    const details = await step('The agent reads the card details (attested to its intent)', async () => {
      const read = expectData(
        await agentClient.POST('/v1/cards/{id}/details', { params: { path: { id: card.id } }, body: { summary: purchase.summary, expectedAmount: purchase.amount, merchantText: purchase.merchantText } }),
      );
      check(read.accessEventId.startsWith('evt_') && read.last4 === card.last4, 'details carry the access event and the card');
      check(read.pan !== null && read.cvv !== null, 'details carry the number and CVV');
      say(`card •••• ${read.last4}, expires ${read.expirationMonth}/${read.expirationYear}; accessEventId ${read.accessEventId}`);
      return { ...read, pan: read.pan!, cvv: read.cvv! };
    });

    const transaction = await step('The merchant authorizes $349.99 at AMAZON.COM (sandbox card network)', async () => {
      const authorized = expectData(
        await admin.POST('/v1/sandbox/authorizations', {
          body: {
            pan: details.pan,
            cvv: details.cvv,
            expirationMonth: details.expirationMonth,
            expirationYear: details.expirationYear,
            amount: purchase.amount,
            merchant: { name: 'AMAZON.COM*2K4TY7', mcc: '5732' },
          },
        }),
      );
      if (authorized.object !== 'transaction') throw new DemoStepFailed(`the network answers a transaction, not a ${authorized.object}`);
      check(authorized.status === 'pending', `the authorization is approved (is ${authorized.status}${authorized.declineReason === null ? '' : `: ${authorized.declineReason}`})`);
      check(authorized.intentMatch === 'matched' && authorized.attestationStatus === 'attested', `it matches the intent (intentMatch ${authorized.intentMatch}, ${authorized.attestationStatus})`);
      const balance = await balanceLine(admin, user.id);
      check(balance.pending === purchase.amount, 'the amount is held (pending)');
      say(`${authorized.id} ${authorized.status}, intent ${authorized.intentMatch}; ${balance.line}`);
      return authorized;
    });

    await step('The merchant captures it: settlement', async () => {
      const settled = expectData(await admin.POST('/v1/sandbox/transactions/{id}/clear', { params: { path: { id: transaction.id } }, body: {} }));
      check(settled.status === 'settled', `the transaction is settled (is ${settled.status})`);
      const closed = expectData(await admin.GET('/v1/cards/{id}', { params: { path: { id: card.id } } }));
      check(closed.status === 'closed', `the single-use card closes once its transaction settles (is ${closed.status})`);
      const balance = await balanceLine(admin, user.id);
      check(balance.total === 50_000 - purchase.amount && balance.pending === 0 && balance.reserved === 0, 'the balance is $500.00 − $349.99, nothing held or reserved');
      say(`${settled.id} settled; card ${closed.status} (${closed.statusReason}); ${balance.line}`);
    });

    await step('The webhooks of the flow arrive, signed (verified with verifyWebhook)', async () => {
      const expected = ['user.approved', 'deposit.completed', 'agent.created', 'card.created', 'intent.created', 'credential.accessed', 'transaction.created', 'intent.matched', 'transaction.settled'];
      const deadline = Date.now() + (options.webhookWaitMs ?? 30_000);
      const missing = () => expected.filter((type) => !receiver.received.some((webhook) => webhook.type === type && webhook.verified));
      while (missing().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      check(receiver.received.every((webhook) => webhook.verified), 'every delivery verifies against the endpoint secret');
      check(missing().length === 0, `the receiver got ${expected.join(', ')} (missing: ${missing().join(', ')})`);
      say(`${receiver.received.length} deliveries received and verified, including ${expected.join(', ')}`);
    });
    write('\nThe whole flow behaved as documented.');
  } finally {
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  }
}
