// Arranging intent tests through the public API: an approved, funded user (helpers/money.ts), an agent registered
// with `POST /v1/agents/register` (with its token) and a card issued with `POST /v1/agents/{id}/cards`.
import assert from 'node:assert/strict';
import type { TestApp, TestResponse } from '../../helpers/app.js';
import { fundedUser } from '../../helpers/money.js';

export const hourMs = 60 * 60_000;
export const dayMs = 24 * hourMs;

export interface AgentCard {
  userId: string;
  agentId: string;
  /** The agent's registration token (at_dev_…). */
  token: string;
  cardId: string;
  card: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A funded, approved user, an agent registered with `agent` and a card created with `card`. */
export async function agentWithCard(
  testApp: TestApp,
  options: { agent?: Record<string, unknown>; card?: Record<string, unknown>; fundCents?: number } = {},
): Promise<AgentCard> {
  const userId = await fundedUser(testApp, options.fundCents ?? 100_000);
  const registered = await testApp.request('POST', '/v1/agents/register', { body: { userId, name: 'checkout-bot', ...options.agent } });
  assert.equal(registered.statusCode, 200, registered.body);
  assert.match(registered.json.token, /^at_dev_/);
  const agentId: string = registered.json.id;
  const card = await createCard(testApp, agentId, options.card);
  return { userId, agentId, token: registered.json.token, cardId: card.id, card };
}

export async function createCard(testApp: TestApp, agentId: string, body: Record<string, unknown> = {}) {
  const response = await testApp.request('POST', `/v1/agents/${agentId}/cards`, { body: { purpose: 'Purchase wireless headphones from Amazon', type: 'multi', maxAmount: 15_000, ...body } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

export const headphones = { summary: 'Buy Sony WH-1000XM5 headphones', amount: 12_999, merchantText: 'Amazon' };
export const headphonesDetails = { summary: 'Buy Sony WH-1000XM5 headphones', expectedAmount: 12_999, merchantText: 'Amazon' };

/** `POST /v1/cards/{id}/intents`, asserting 200. */
export async function declareIntent(testApp: TestApp, cardId: string, key: string, body: Record<string, unknown> = {}) {
  const response = await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key, body: { ...headphones, ...body } });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json.object, 'intent');
  return response.json;
}

export function readDetails(testApp: TestApp, cardId: string, key: string, body: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<TestResponse> {
  return testApp.request('POST', `/v1/cards/${cardId}/details`, { key, body: { ...headphonesDetails, ...body }, ...(headers === undefined ? {} : { headers }) });
}

export async function getIntent(testApp: TestApp, intentId: string, key?: string) {
  const response = await testApp.request('GET', `/v1/intents/${intentId}`, key === undefined ? {} : { key });
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

export interface EventRow {
  id: string;
  type: string;
  data: string;
  created_at: number;
}

/** Events whose payload mentions `id` (an intent's, a card's), oldest first. */
export async function eventsAbout(testApp: TestApp, id: string, type?: string): Promise<EventRow[]> {
  const rows = await testApp.store.db.all<EventRow>('SELECT id, type, data, created_at FROM events WHERE data LIKE ? ORDER BY id', [`%"${id}"%`]);
  return type === undefined ? rows : rows.filter((row) => row.type === type);
}

export async function intentRow(testApp: TestApp, intentId: string) {
  const row = await testApp.store.db.get<{ status: string; expires_at: number; revealed_at: number | null; access_event_id: string | null; decision_reason: string | null }>(
    'SELECT status, expires_at, revealed_at, access_event_id, decision_reason FROM intents WHERE id = ?',
    [intentId],
  );
  assert.ok(row, `intent ${intentId} has a row`);
  return { ...row, expires_at: Number(row.expires_at), revealed_at: row.revealed_at === null ? null : Number(row.revealed_at) };
}

export async function countRows(testApp: TestApp, sql: string, params: Array<string | number>): Promise<number> {
  const row = await testApp.store.db.get<{ count: number | string }>(sql, params);
  return Number(row?.count ?? 0);
}
