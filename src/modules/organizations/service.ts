// Organizations own every key and resource; each has a sandbox and a live environment.
import { environments } from '../../domain/environment.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { Sql } from '../../store/database.js';
import { openExternalAccounts } from '../../ledger/accounts.js';
import { defaultExposureMode, type ExposureMode } from '../../domain/credential-exposure.js';

export interface Organization {
  id: string;
  name: string;
  requireIpAllowlist: boolean;
  /** How cards expose their number when neither they nor their policies say (SPEC §4 "Credential exposure"). */
  defaultCredentialExposure: ExposureMode;
  createdAtMs: number;
}

interface OrganizationRow {
  id: string;
  name: string;
  require_ip_allowlist: number;
  default_credential_exposure: ExposureMode;
  created_at: number;
}

function fromRow(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    requireIpAllowlist: row.require_ip_allowlist === 1,
    defaultCredentialExposure: row.default_credential_exposure ?? defaultExposureMode,
    createdAtMs: row.created_at,
  };
}

export async function createOrganization(tx: Sql, input: { name: string; nowMs: number }): Promise<Organization> {
  const organization: Organization = { id: newId('org', input.nowMs), name: input.name, requireIpAllowlist: false, defaultCredentialExposure: defaultExposureMode, createdAtMs: input.nowMs };
  await tx.run('INSERT INTO organizations (id, name, require_ip_allowlist, created_at) VALUES (?, ?, 0, ?)', [organization.id, organization.name, input.nowMs]);
  for (const environment of environments) {
    await tx.run('INSERT INTO environment_clocks (organization_id, environment, offset_ms) VALUES (?, ?, 0)', [organization.id, environment]);
    await openExternalAccounts(tx, { organizationId: organization.id, environment });
  }
  return organization;
}

export async function getOrganization(sql: Sql, organizationId: string): Promise<Organization> {
  const row = await sql.get<OrganizationRow>('SELECT * FROM organizations WHERE id = ?', [organizationId]);
  if (row === undefined) throw new AppError('resource_not_found', { resource: 'organization', id: organizationId });
  return fromRow(row);
}

export async function listOrganizations(sql: Sql): Promise<Organization[]> {
  const rows = await sql.all<OrganizationRow>('SELECT * FROM organizations ORDER BY id');
  return rows.map(fromRow);
}

export async function setRequireIpAllowlist(tx: Sql, organizationId: string, requireIpAllowlist: boolean): Promise<Organization> {
  await tx.run('UPDATE organizations SET require_ip_allowlist = ? WHERE id = ?', [requireIpAllowlist ? 1 : 0, organizationId]);
  return getOrganization(tx, organizationId);
}

export async function setDefaultCredentialExposure(tx: Sql, organizationId: string, mode: ExposureMode): Promise<Organization> {
  await tx.run('UPDATE organizations SET default_credential_exposure = ? WHERE id = ?', [mode, organizationId]);
  return getOrganization(tx, organizationId);
}

export function presentOrganization(organization: Organization) {
  return {
    object: 'organization' as const,
    id: organization.id,
    name: organization.name,
    requireIpAllowlist: organization.requireIpAllowlist,
    defaultCredentialExposure: organization.defaultCredentialExposure,
    createdAt: new Date(organization.createdAtMs).toISOString(),
  };
}
