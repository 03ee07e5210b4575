// Arranging users for funding tests: created through the API, approved by setting the application status directly
// (the KYC page is another module's concern).
import assert from 'node:assert/strict';
import type { Environment } from '../../../src/domain/environment.js';
import { getUser, setApplicationStatus } from '../../../src/modules/users/service.js';
import type { TestApp } from '../../helpers/app.js';

export async function createUser(app: TestApp, options: { key?: string; lastName?: string } = {}): Promise<string> {
  const created = await app.request('POST', '/v1/users', {
    ...(options.key === undefined ? {} : { key: options.key }),
    body: { firstName: 'John', lastName: options.lastName ?? 'Doe', email: 'john@example.com' },
  });
  assert.equal(created.statusCode, 200, created.body);
  return created.json.id as string;
}

export async function approveUser(app: TestApp, userId: string, environment: Environment = 'sandbox'): Promise<void> {
  const scope = { organizationId: app.organizationId, environment };
  await app.store.db.transaction(async (tx) => {
    const user = await getUser(tx, scope, userId);
    await setApplicationStatus(tx, scope, user, 'approved', null, app.clock.nowMs());
  });
}

export async function createApprovedUser(app: TestApp, options: { key?: string; environment?: Environment } = {}): Promise<string> {
  const userId = await createUser(app, options.key === undefined ? {} : { key: options.key });
  await approveUser(app, userId, options.environment ?? 'sandbox');
  return userId;
}
