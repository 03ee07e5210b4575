// Arranging card tests: an approved, funded user with an agent. The agent row is written with SQL until the card
// tests move to `POST /v1/agents/register`.
import assert from 'node:assert/strict';
import type { Environment } from '../../../src/domain/environment.js';
import { newId } from '../../../src/domain/ids.js';
import { verifyLedger } from '../../../src/ledger/verify.js';
import type { Scope } from '../../../src/domain/scope.js';
import type { TestApp } from '../../helpers/app.js';
import { createApprovedUser, fundUser } from '../../helpers/money.js';

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

export function sandboxScope(testApp: TestApp, environment: Environment = 'sandbox'): Scope {
  return { organizationId: testApp.organizationId, environment };
}

/** An approved user funded with `amountCents` and an active agent of theirs. */
export async function fundedAgent(testApp: TestApp, amountCents: number): Promise<{ userId: string; agentId: string }> {
  const scope = sandboxScope(testApp);
  const userId = await createApprovedUser(testApp.store.db, scope, testApp.clock.nowMs());
  if (amountCents > 0) await fundUser(testApp.store.db, scope, userId, amountCents, testApp.clock.nowMs());
  const agentId = await insertAgent(testApp, scope, userId);
  return { userId, agentId };
}

export interface Balance {
  total: number;
  pending: number;
  reserved: number;
  available: number;
}

export async function balanceOf(testApp: TestApp, userId: string): Promise<Balance> {
  const response = await testApp.request('GET', `/v1/balances/${userId}`);
  assert.equal(response.statusCode, 200, response.body);
  const { total, pending, reserved, available } = response.json as Balance;
  return { total, pending, reserved, available };
}

export async function assertLedgerSound(testApp: TestApp): Promise<void> {
  const report = await verifyLedger(testApp.store.db);
  assert.deepEqual(report.problems, []);
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
