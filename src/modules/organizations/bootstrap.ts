// `cardrail init` and the first start: an organization with one sandbox and one live key, shown once.
import type { Database } from '../../store/database.js';
import { createApiKey } from '../keys/service.js';
import { createOrganization, listOrganizations, type Organization } from './service.js';

export interface InitializedOrganization {
  organization: Organization;
  sandboxKey: string;
  liveKey: string;
}

export async function initializeOrganization(db: Database, name: string, nowMs: number): Promise<InitializedOrganization> {
  return db.transaction(async (tx) => {
    const organization = await createOrganization(tx, { name, nowMs });
    const sandbox = await createApiKey(tx, { organizationId: organization.id, environment: 'sandbox' }, { name: 'default sandbox key' }, nowMs);
    const live = await createApiKey(tx, { organizationId: organization.id, environment: 'live' }, { name: 'default live key' }, nowMs);
    return { organization, sandboxKey: sandbox.secret, liveKey: live.secret };
  });
}

/** Creates the first organization when the store has none; returns undefined when one exists already. */
export async function initializeIfEmpty(db: Database, nowMs: number): Promise<InitializedOrganization | undefined> {
  const existing = await listOrganizations(db);
  if (existing.length > 0) return undefined;
  return initializeOrganization(db, 'Default organization', nowMs);
}
