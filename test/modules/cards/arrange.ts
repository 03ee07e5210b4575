// Arranging card tests: an approved, funded user with an agent. The agent row is written with SQL until the card
// tests move to `POST /v1/agents/register`.
import assert from 'node:assert/strict';
import { newId } from '../../../src/domain/ids.js';
import type { Scope } from '../../../src/domain/scope.js';
import { scopeOf, type TestApp } from '../../helpers/app.js';
import { fundedUser } from '../../helpers/money.js';

export type AgentStatus = 'active' | 'suspended' | 'deregistered';

export async function insertAgent(testApp: TestApp, scope: Scope, userId: string, status: AgentStatus = 'active'): Promise<string> {
  const nowMs = testApp.clock.nowMs();
  const agentId = newId('agent', nowMs);
  await testApp.store.db.run(
    `INSERT INTO agents (id, organization_id, environment, user_id, name, on_limit_exceeded, require_approval, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'none', 0, ?, ?, ?)`,
    [agentId, scope.organizationId, scope.environment, userId, 'checkout-bot', status, nowMs, nowMs],
  );
  return agentId;
}

/** An approved user funded with `amountCents` and an active agent of theirs. */
export async function fundedAgent(testApp: TestApp, amountCents: number): Promise<{ userId: string; agentId: string }> {
  const userId = await fundedUser(testApp, amountCents);
  const agentId = await insertAgent(testApp, scopeOf(testApp), userId);
  return { userId, agentId };
}

export async function createCardThroughApi(testApp: TestApp, agentId: string, body: Record<string, unknown>) {
  const response = await testApp.request('POST', `/v1/agents/${agentId}/cards`, { body });
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

/** Event types recorded about one card, oldest first. */
export async function cardEvents(testApp: TestApp, cardId: string): Promise<Array<{ type: string; object: Record<string, unknown> }>> {
  const rows = await testApp.store.db.all<{ type: string; data: string }>('SELECT type, data FROM events WHERE data LIKE ? ORDER BY id', [`%"id":"${cardId}"%`]);
  return rows.map((row) => ({ type: row.type, object: (JSON.parse(row.data) as { object: Record<string, unknown> }).object }));
}
