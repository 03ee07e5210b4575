// The issuer figure of SPEC §9: Auth Stream Access answers at 500 requests/s over loopback. A cardrail server (this
// process, workers on, request logs at info level to a null stream) whose organization issues on Lithic — the local
// stand-in (test/lithic/stand-in.ts) plays Lithic's card API, so the cards are created through the official SDK — is
// sent signed ASA requests at a fixed rate (open loop: latency from each request's scheduled time), each a new
// authorization on one of the cards. Every answer is checked for its shape; the ledger is verified afterwards.
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/http/logger.js';
import { verifyLedger } from '../src/ledger/verify.js';
import { initializeOrganization } from '../src/modules/organizations/bootstrap.js';
import type { Secrets } from '../src/secrets.js';
import { createApprovedUser, fundUser } from '../test/helpers/money.js';
import { startLithicStandIn } from '../test/lithic/stand-in.js';
import { openLoop } from './lib/open-loop.js';
import { openTempDatabase } from './lib/population.js';
import type { LatencySummary } from './lib/stats.js';

export interface IssuerBenchOptions {
  users: number;
  cardsPerUser: number;
  ratePerSecond: number;
  durationMs: number;
  maxOutstanding: number;
  drainTimeoutMs: number;
}

export interface IssuerBenchResult {
  offeredPerSecond: number;
  completed: number;
  failed: number;
  dropped: number;
  approved: number;
  declined: number;
  latency: LatencySummary;
  ledgerProblems: string[];
}

const merchants = [
  { descriptor: 'AMZN Mktp US*2K4TY7', mcc: '5942', city: 'Seattle', country: 'USA' },
  { descriptor: 'OPENAI *CHATGPT SUBSCR', mcc: '5734', city: 'San Francisco', country: 'USA' },
  { descriptor: 'UBER *TRIP HELP.UBER.COM', mcc: '4121', city: 'San Francisco', country: 'USA' },
  { descriptor: 'GITHUB, INC.', mcc: '5734', city: 'San Francisco', country: 'USA' },
];

/** A body shaped as Lithic's ASA request (the fields cardrail reads and a few it does not). */
function asaBody(cardToken: string, amount: number, index: number): string {
  const merchant = merchants[index % merchants.length]!;
  return JSON.stringify({
    event_type: 'card_authorization.approval_request',
    token: randomUUID(),
    status: 'AUTHORIZATION',
    card: { token: cardToken, last_four: '0000', memo: '', spend_limit: 0, spend_limit_duration: 'TRANSACTION', state: 'OPEN', type: 'VIRTUAL' },
    amount,
    authorization_amount: amount,
    amounts: { cardholder: { amount, conversion_rate: '1.000000', currency: 'USD' }, hold: { amount, currency: 'USD' }, merchant: { amount, currency: 'USD' }, settlement: null },
    cardholder_currency: 'USD',
    merchant: { ...merchant, acceptor_id: `acq-${index % 97}`, acquiring_institution_id: '1', state: 'CA', phone_number: null, postal_code: null, street_address: null },
    created: new Date().toISOString(),
    transaction_initiator: 'CARDHOLDER',
  });
}

export async function benchIssuer(secrets: Secrets, options: IssuerBenchOptions): Promise<IssuerBenchResult> {
  const temp = await openTempDatabase('issuer');
  let answerPath = '';
  let port = 0;
  const standIn = await startLithicStandIn({
    // The stand-in only creates cards here; the benchmark sends the ASA requests itself.
    asaUrl: 'http://127.0.0.1:9/unused',
    eventsUrl: 'http://127.0.0.1:9/unused',
  });
  const nullStream = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const config = {
    ...loadConfig({}),
    dataDir: temp.directory,
    logLevel: 'info',
    lithic: { apiKey: standIn.apiKey, environment: 'sandbox' as const, baseUrl: standIn.url, webhookSecret: standIn.webhookSecret, asaSecret: standIn.asaSecret },
  };
  const app = await createApp({ config, db: temp.db, secrets, logger: createLogger('info', nullStream), workers: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  try {
    await app.server.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    port = address.port;
    answerPath = '/v1/issuers/lithic/asa';
    const nowMs = Date.now();
    const organization = await initializeOrganization(temp.db, 'Issuer bench', nowMs);
    const scope = { organizationId: organization.organization.id, environment: 'sandbox' as const };
    const inject = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
      const response = await app.server.inject({ method, url, headers: { 'Api-Key': organization.sandboxKey, 'content-type': 'application/json' }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
      if (response.statusCode !== 200) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
      return response.json() as { id: string };
    };
    await inject('PATCH', '/v1/settings/issuer', { issuer: 'lithic' });
    const cardTokens: string[] = [];
    for (let userIndex = 0; userIndex < options.users; userIndex += 1) {
      const userId = await createApprovedUser(temp.db, scope, nowMs, `Bench${userIndex}`);
      await fundUser(temp.db, scope, userId, 100_000_000, nowMs);
      const agentRecord = await inject('POST', '/v1/agents', { userId, name: `agent ${userIndex}` });
      for (let cardIndex = 0; cardIndex < options.cardsPerUser; cardIndex += 1) {
        const card = await inject('POST', `/v1/agents/${agentRecord.id}/cards`, { purpose: 'issuer bench', type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
        const row = await temp.db.get<{ issuer_card_token: string }>('SELECT issuer_card_token FROM cards WHERE id = ?', [card.id]);
        cardTokens.push(row!.issuer_card_token);
      }
    }

    const signer = new Webhook(standIn.asaSecret);
    let approved = 0;
    let declined = 0;
    const send = (body: string) =>
      new Promise<boolean>((resolve) => {
        const messageId = `msg_${randomUUID()}`;
        const timestamp = new Date();
        const headers = {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'webhook-id': messageId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signer.sign(messageId, timestamp, body),
        };
        const outgoing = httpRequest({ host: '127.0.0.1', port, path: answerPath, method: 'POST', headers, agent }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            if (response.statusCode !== 200) return resolve(false);
            const result = (JSON.parse(text) as { result?: string }).result;
            if (result === 'APPROVED') approved += 1;
            else if (typeof result === 'string') declined += 1;
            resolve(typeof result === 'string');
          });
        });
        outgoing.on('error', () => resolve(false));
        outgoing.end(body);
      });
    // Warm-up: connections open, code paths compiled.
    for (let index = 0; index < 50; index += 1) await send(asaBody(cardTokens[index % cardTokens.length]!, 100, index));
    approved = 0;
    declined = 0;
    const result = await openLoop({
      ratePerSecond: options.ratePerSecond,
      durationMs: options.durationMs,
      maxOutstanding: options.maxOutstanding,
      drainTimeoutMs: options.drainTimeoutMs,
      fire: (index) => send(asaBody(cardTokens[(index * 7919) % cardTokens.length]!, 100 + ((index * 131) % 4_900), index)),
    });
    const report = await verifyLedger(temp.db);
    return {
      offeredPerSecond: result.offeredPerSecond,
      completed: result.completed,
      failed: result.failed,
      dropped: result.dropped,
      approved,
      declined,
      latency: result.latency,
      ledgerProblems: report.problems,
    };
  } finally {
    agent.destroy();
    await app.close();
    await standIn.close();
    await temp.dispose();
  }
}
