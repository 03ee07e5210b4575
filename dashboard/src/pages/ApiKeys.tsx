// API keys of this environment: create (the secret is shown once) with an optional IP allowlist, revoke; and the
// organization's requirement that every key carry an allowlist.
import { useState, type FormEvent } from 'react';
import { useApiKeyPages, useCreateApiKey, useOrganization, useRevokeApiKey, useUpdateOrganization } from '../api/organization';
import type { CreatedApiKey } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatTime, optionalText } from '../components/format';
import { TextField } from '../components/Form';
import { Pager } from '../components/Pager';
import { SecretValue } from '../components/Secret';
import { usePageTitle } from '../components/usePageTitle';
import { useSession } from '../session';

function CreateKey() {
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [allowedIps, setAllowedIps] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | undefined>(undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    const ranges = allowedIps
      .split(/[\s,]+/)
      .map((value) => value.trim())
      .filter((value) => value !== '');
    const label = optionalText(name);
    create.mutate({ ...(label === undefined ? {} : { name: label }), ...(ranges.length === 0 ? {} : { allowedIps: ranges }) }, { onSuccess: setCreated });
  }

  return (
    <section className="panel" aria-labelledby="create-key-heading">
      <h2 id="create-key-heading">Create an API key</h2>
      <form className="inline" onSubmit={submit}>
        <TextField label="Key name" value={name} onChange={setName} autoComplete="off" />
        <TextField label="Allowed IPs" value={allowedIps} onChange={setAllowedIps} placeholder="any address" hint="Addresses or CIDR ranges separated by commas, e.g. 203.0.113.0/24; empty allows any." autoComplete="off" />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      <ErrorMessage error={create.error} />
      {created?.key === null || created?.key === undefined ? null : <SecretValue label="API key" value={created.key} shownOnce onDismiss={() => setCreated(undefined)} />}
    </section>
  );
}

function AllowlistRequirement() {
  const organization = useOrganization();
  const update = useUpdateOrganization();
  const required = organization.data?.requireIpAllowlist ?? false;
  return (
    <section className="panel" aria-labelledby="allowlist-heading">
      <h2 id="allowlist-heading">IP allowlists</h2>
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
    </section>
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
      <section className="panel" aria-labelledby="keys-heading">
        <h2 id="keys-heading">{environment === 'live' ? 'Live' : 'Sandbox'} keys</h2>
        {keys.query.isPending ? <Loading what="API keys" /> : null}
        <ErrorMessage error={keys.query.error} />
        <ErrorMessage error={revoke.error} />
        {keys.query.data?.data.length === 0 ? <Empty>No keys.</Empty> : null}
        {keys.query.data !== undefined && keys.query.data.data.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Allowed IPs</th>
                <th scope="col">Last used</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.query.data.data.map((key) => (
                <tr key={key.id} data-key-id={key.id}>
                  <td>{key.name ?? '—'}</td>
                  <td className="id">{key.redactedKey}</td>
                  <td>{key.allowedIps === null || key.allowedIps.length === 0 ? 'any' : key.allowedIps.join(', ')}</td>
                  <td>{formatTime(key.lastUsedAt)}</td>
                  <td>{formatTime(key.createdAt)}</td>
                  <td>
                    {key.revokedAt !== null ? (
                      <StatusBadge status="revoked" label={`revoked ${formatTime(key.revokedAt)}`} />
                    ) : (
                      <ConfirmButton
                        label={`Revoke ${key.name ?? key.redactedKey}`}
                        title="Revoke this API key?"
                        confirmLabel="Revoke key"
                        danger
                        onConfirm={() => revoke.mutate(key.id)}
                      >
                        <p>Every call with {key.redactedKey} is refused from now on (401). If it is the key you are signed in with, you are signed out.</p>
                      </ConfirmButton>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Pager pages={keys} label="API keys" />
      </section>
      <div className="grid">
        <CreateKey />
        <AllowlistRequirement />
      </div>
    </>
  );
}
