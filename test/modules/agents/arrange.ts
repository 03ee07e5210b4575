// Arranging agents for tests: an approved user (set directly, KYC is another module's concern) and agents
// registered through the API.
import assert from 'node:assert/strict';
import type { Environment } from '../../../src/domain/environment.js';
import { scopeOf, type TestApp } from '../../helpers/app.js';
import { createApprovedUser } from '../../helpers/money.js';

/** Every field of the agent object (SPEC §4, §11). */
export const agentFields = [
  'approvalMethod',
  'approvalTimeoutMinutes',
  'autoApproveBelow',
  'cardCount',
  'createdAt',
  'currentSpend',
  'defaultCardLimit',
  'defaultCardLimitFrequency',
  'defaultPolicyId',
  'deregisteredAt',
  'description',
  'externalId',
  'id',
  'limitWarningThreshold',
  'maxCards',
  'metadata',
  'name',
  'object',
  'onLimitExceeded',
  'requireApproval',
  'spendingLimit',
  'spendingLimitFrequency',
  'status',
  'statusReason',
  'updatedAt',
  'userId',
];

export async function approvedUser(testApp: TestApp, environment: Environment = 'sandbox'): Promise<string> {
  return createApprovedUser(testApp.store.db, scopeOf(testApp, environment), testApp.clock.nowMs());
}

export interface RegisteredAgent {
  id: string;
  userId: string;
  token: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Registers an agent (for a new approved user unless `userId` is given) and returns it with its first token. */
export async function registerAgent(
  testApp: TestApp,
  body: Record<string, unknown> = {},
  options: { environment?: Environment; key?: string } = {},
): Promise<RegisteredAgent> {
  const environment = options.environment ?? 'sandbox';
  const userId = (body.userId as string | undefined) ?? (await approvedUser(testApp, environment));
  const key = options.key ?? (environment === 'sandbox' ? testApp.sandboxKey : testApp.liveKey);
  const response = await testApp.request('POST', '/v1/agents/register', { key, body: { name: 'checkout-bot', ...body, userId } });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(typeof response.json.token, 'string', 'a new agent comes with a token');
  return { id: response.json.id, userId, token: response.json.token, json: response.json };
}

export async function eventTypesAbout(testApp: TestApp, id: string): Promise<string[]> {
  const rows = await testApp.store.db.all<{ type: string }>('SELECT type FROM events WHERE data LIKE ? ORDER BY id', [`%"${id}"%`]);
  return rows.map((row) => row.type);
}
