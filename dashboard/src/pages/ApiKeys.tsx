// API keys of this environment: create (the secret is shown once) with an optional IP allowlist, revoke; and the
// organization's requirement that every key carry an allowlist.
import { useState } from 'react';
import { useApiKeyPages, useCreateApiKey, useOrganization, useRevokeApiKey, useUpdateOrganization } from '../api/organization';
import type { CreatedApiKey } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { DataTable } from '../components/DataTable';
import { ErrorMessage, StatusBadge } from '../components/feedback';
import { formatTime, optionalText } from '../components/format';
import { TextField } from '../components/Form';
import { MutationForm } from '../components/MutationForm';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { SecretValue } from '../components/Secret';
import { usePageTitle } from '../components/usePageTitle';
import { useSession } from '../session';

function CreateKey() {
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [allowedIps, setAllowedIps] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | undefined>(undefined);

  function send() {
    const ranges = allowedIps
      .split(/[\s,]+/)
      .map((value) => value.trim())
      .filter((value) => value !== '');
    const label = optionalText(name);
    create.mutate({ ...(label === undefined ? {} : { name: label }), ...(ranges.length === 0 ? {} : { allowedIps: ranges }) }, { onSuccess: setCreated });
  }

  return (
    <Panel headingId="create-key-heading" heading="Create an API key">
      <MutationForm send={send} submitLabel="Create key" primary pending={create.isPending} error={create.error}>
        <TextField label="Key name" value={name} onChange={setName} autoComplete="off" />
        <TextField label="Allowed IPs" value={allowedIps} onChange={setAllowedIps} placeholder="any address" hint="Addresses or CIDR ranges separated by commas, e.g. 203.0.113.0/24; empty allows any." autoComplete="off" />
      </MutationForm>
      {created?.key === null || created?.key === undefined ? null : <SecretValue label="API key" value={created.key} shownOnce onDismiss={() => setCreated(undefined)} />}
    </Panel>
  );
}

function AllowlistRequirement() {
  const organization = useOrganization();
  const update = useUpdateOrganization();
  const required = organization.data?.requireIpAllowlist ?? false;
  return (
    <Panel headingId="allowlist-heading" heading="IP allowlists">
      <ErrorMessage error={organization.error} />
      <p>
        {required
          ? 'Every API key must carry an allowlist: keys without one are refused (403 no_authorized_ips).'
          : 'Keys without an allowlist may be used from any address.'}
      </p>
      <ConfirmButton
        label={required ? 'Stop requiring allowlists' : 'Require an allowlist on every key'}
        title={required ? 'Stop requiring allowlists?' : 'Require an allowlist on every key?'}
        confirmLabel={required ? 'Stop requiring' : 'Require allowlists'}
        danger={!required}
        disabled={organization.data === undefined || update.isPending}
        onConfirm={() => update.mutate(!required)}
      >
        <p>{required ? 'Keys without an allowlist will work from any address again.' : 'Keys without an allowlist stop working at once, in sandbox and live. The key you are signed in with must have one.'}</p>
      </ConfirmButton>
      <ErrorMessage error={update.error} />
    </Panel>
  );
}

export function ApiKeys() {
  usePageTitle('API keys');
  const { environment } = useSession();
  const keys = useApiKeyPages();
  const revoke = useRevokeApiKey();
  return (
    <>
      <h1>API keys</h1>
      <Panel headingId="keys-heading" heading={`${environment === 'live' ? 'Live' : 'Sandbox'} keys`}>
        <PagedList pages={keys} loadingWhat="API keys" actionError={revoke.error} empty="No keys." pagerLabel="API keys">
          {(rows) => (
            <DataTable
              rows={rows}
              rowData={(key) => ({ 'data-key-id': key.id })}
              columns={[
                { header: 'Name', cell: (key) => key.name ?? '—' },
                { header: 'Key', kind: 'id', cell: (key) => key.redactedKey },
                { header: 'Allowed IPs', cell: (key) => (key.allowedIps === null || key.allowedIps.length === 0 ? 'any' : key.allowedIps.join(', ')) },
                { header: 'Last used', cell: (key) => formatTime(key.lastUsedAt) },
                { header: 'Created', cell: (key) => formatTime(key.createdAt) },
                {
                  header: 'State',
                  cell: (key) =>
                    key.revokedAt !== null ? (
                      <StatusBadge status="revoked" label={`revoked ${formatTime(key.revokedAt)}`} />
                    ) : (
                      <ConfirmButton label={`Revoke ${key.name ?? key.redactedKey}`} title="Revoke this API key?" confirmLabel="Revoke key" danger onConfirm={() => revoke.mutate(key.id)}>
                        <p>Every call with {key.redactedKey} is refused from now on (401). If it is the key you are signed in with, you are signed out.</p>
                      </ConfirmButton>
                    ),
                },
              ]}
            />
          )}
        </PagedList>
      </Panel>
      <div className="grid">
        <CreateKey />
        <AllowlistRequirement />
      </div>
    </>
  );
}
