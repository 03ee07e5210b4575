// Arranging the card network's tests through the public API: a funded, approved user, an agent, a card, and an
// intent whose details were read.
import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/app.js';
import { fundedUser } from '../helpers/money.js';
import { sandboxNowMs } from '../helpers/sandbox-clock.js';

export interface Cardholder {
  userId: string;
  agentId: string;
  agentToken: string;
}

export async function fundedCardholder(testApp: TestApp, fundsCents: number, agent: Record<string, unknown> = {}): Promise<Cardholder> {
  const userId = await fundedUser(testApp, fundsCents);
  const registered = await testApp.request('POST', '/v1/agents/register', { body: { userId, name: 'checkout-bot', ...agent } });
  assert.equal(registered.statusCode, 200, registered.body);
  return { userId, agentId: registered.json.id, agentToken: registered.json.token };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function issueCard(testApp: TestApp, holder: Cardholder, body: Record<string, unknown>): Promise<any> {
  const card = await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'test purchase', ...body } });
  assert.equal(card.statusCode, 200, card.body);
  return card.json;
}

/** Declares an intent with the agent token and reads the card's details: the intent is revealed. */
export async function revealCard(testApp: TestApp, holder: Cardholder, cardId: string, amountCents: number, merchantText: string) {
  const intent = await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: holder.agentToken, body: { summary: 'a purchase', amount: amountCents, merchantText } });
  assert.equal(intent.statusCode, 200, intent.body);
  const details = await testApp.request('POST', `/v1/cards/${cardId}/details`, { key: holder.agentToken, body: { summary: 'a purchase', expectedAmount: amountCents, merchantText } });
  assert.equal(details.statusCode, 200, details.body);
  return { intent: intent.json, details: details.json as { pan: string; cvv: string; expirationMonth: string; expirationYear: string; accessEventId: string } };
}

/** A merchant by name, or with its other fields (mcc, city, country, id). */
export type MerchantPresented = string | { name: string; mcc?: string; city?: string; country?: string };

export async function authorizeAt(testApp: TestApp, credentials: Record<string, unknown>, amountCents: number, merchant: MerchantPresented) {
  const response = await testApp.request('POST', '/v1/sandbox/authorizations', {
    body: { ...credentials, amount: amountCents, merchant: typeof merchant === 'string' ? { name: merchant } : merchant },
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

// ---- shared by the network's test files -------------------------------------------------------------------------

export type PresentedCard = Record<'pan' | 'cvv' | 'expirationMonth' | 'expirationYear', string>;

/** What a merchant presents: the four fields of the details answer. */
export function presented(details: PresentedCard): PresentedCard {
  return { pan: details.pan, cvv: details.cvv, expirationMonth: details.expirationMonth, expirationYear: details.expirationYear };
}

/** A CVV that is certainly not `cvv`. */
export function otherCvv(cvv: string): string {
  return String((Number(cvv) + 1) % 1000).padStart(3, '0');
}

/** The balance with `debt`, which `balanceOf` leaves out. */
export async function balanceWithDebtOf(testApp: TestApp, userId: string) {
  const response = await testApp.request('GET', `/v1/balances/${userId}`);
  assert.equal(response.statusCode, 200, response.body);
  const { total, pending, reserved, available, debt } = response.json;
  return { total, pending, reserved, available, debt };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function cardOf(testApp: TestApp, cardId: string): Promise<any> {
  const response = await testApp.request('GET', `/v1/cards/${cardId}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function transactionOf(testApp: TestApp, transactionId: string): Promise<any> {
  const response = await testApp.request('GET', `/v1/transactions/${transactionId}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

/** POST with the sandbox key, asserting 200; the answer's JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function post(testApp: TestApp, url: string, body?: unknown): Promise<any> {
  const response = await testApp.request('POST', url, body === undefined ? {} : { body });
  assert.equal(response.statusCode, 200, `POST ${url}: ${response.body}`);
  return response.json;
}

export interface EventRow {
  id: string;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any;
}

/** Events whose payload mentions `id` (a transaction's, a card's, an agent's), oldest first; only `type` if given. */
export async function eventsAbout(testApp: TestApp, id: string, type?: string): Promise<EventRow[]> {
  const rows = await testApp.store.db.all<{ id: string; type: string; data: string }>('SELECT id, type, data FROM events WHERE data LIKE ? ORDER BY id', [`%"${id}"%`]);
  return rows.filter((row) => type === undefined || row.type === type).map((row) => ({ id: row.id, type: row.type, object: (JSON.parse(row.data) as { object: unknown }).object }));
}

/** Sets the test app's wall clock so that sandbox time is `targetMs` (the offset only moves forward; the clock can go anywhere). */
export async function placeSandboxTime(testApp: TestApp, targetMs: number): Promise<void> {
  const response = await testApp.request('GET', '/v1/sandbox/clock');
  assert.equal(response.statusCode, 200, response.body);
  testApp.clock.setMs(targetMs - response.json.offsetSeconds * 1000);
  assert.equal(await sandboxNowMs(testApp), targetMs);
}

export const hourSeconds = 3_600;
export const daySeconds = 24 * hourSeconds;
