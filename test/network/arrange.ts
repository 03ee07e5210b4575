// Arranging the card network's tests through the public API: a funded, approved user, an agent, a card, and an
// intent whose details were read.
import assert from 'node:assert/strict';
import type { TestApp } from '../helpers/app.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';

export interface Cardholder {
  userId: string;
  agentId: string;
  agentToken: string;
}

export async function fundedCardholder(testApp: TestApp, fundsCents: number, agent: Record<string, unknown> = {}): Promise<Cardholder> {
  const scope = { organizationId: testApp.organizationId, environment: 'sandbox' as const };
  const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
  if (fundsCents > 0) await fundUser(testApp.store.db, scope, userId, fundsCents, testApp.clock.nowMs());
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

export async function authorizeAt(testApp: TestApp, credentials: Record<string, unknown>, amountCents: number, merchant: string) {
  const response = await testApp.request('POST', '/v1/sandbox/authorizations', { body: { ...credentials, amount: amountCents, merchant: { name: merchant } } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

export async function balanceOf(testApp: TestApp, userId: string) {
  const response = await testApp.request('GET', `/v1/balances/${userId}`);
  assert.equal(response.statusCode, 200, response.body);
  const { total, pending, reserved, available } = response.json;
  return { total, pending, reserved, available };
}
