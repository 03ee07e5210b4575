// Webhook endpoints: the list, and adding one (its signing secret is shown once).
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useCreateEndpoint, useEndpointPages } from '../api/webhooks';
import type { CreatedWebhookEndpoint } from '../api/types';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatTime, optionalText } from '../components/format';
import { TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { Pager } from '../components/Pager';
import { SecretValue } from '../components/Secret';
import { usePageTitle } from '../components/usePageTitle';

function CreateEndpoint() {
  const create = useCreateEndpoint();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<CreatedWebhookEndpoint | undefined>(undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    const filters = events
      .split(/[\s,]+/)
      .map((value) => value.trim())
      .filter((value) => value !== '');
    const text = optionalText(description);
    create.mutate({ url: url.trim(), ...(filters.length === 0 ? {} : { events: filters }), ...(text === undefined ? {} : { description: text }) }, { onSuccess: setCreated });
  }

  return (
    <section className="panel" aria-labelledby="create-endpoint-heading">
      <h2 id="create-endpoint-heading">Add an endpoint</h2>
      <form className="inline" onSubmit={submit}>
        <TextField label="URL" type="url" value={url} onChange={setUrl} required placeholder="https://example.com/webhooks" autoComplete="off" />
        <TextField label="Events" value={events} onChange={setEvents} placeholder="all events" hint="Types or families, e.g. card.frozen transaction.*; empty for every event." autoComplete="off" />
        <TextField label="Description" value={description} onChange={setDescription} autoComplete="off" />
        <button type="submit" className="primary" disabled={create.isPending}>
          Add endpoint
        </button>
      </form>
      <ErrorMessage error={create.error} />
      {created === undefined ? null : (
        <div className="notice" role="status">
          Added <Link href={`/webhooks/${created.id}`}>{created.url}</Link>.
          {created.secret === null ? null : <SecretValue label="Signing secret" value={created.secret} shownOnce={false} onDismiss={() => setCreated(undefined)} />}
        </div>
      )}
    </section>
  );
}

export function Webhooks() {
  usePageTitle('Webhooks');
  const endpoints = useEndpointPages();
  return (
    <>
      <h1>Webhooks</h1>
      <section className="panel" aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">Endpoints</h2>
        {endpoints.query.isPending ? <Loading what="endpoints" /> : null}
        <ErrorMessage error={endpoints.query.error} />
        {endpoints.query.data?.data.length === 0 ? <Empty>No endpoints yet.</Empty> : null}
        {endpoints.query.data !== undefined && endpoints.query.data.data.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {endpoints.query.data.data.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td>
                    <IdLink kind="webhook" id={endpoint.id}>{endpoint.url}</IdLink>
                    {endpoint.description === null ? null : <div className="small">{endpoint.description}</div>}
                  </td>
                  <td>{endpoint.events.length === 0 ? 'all' : endpoint.events.join(', ')}</td>
                  <td>
                    <StatusBadge status={endpoint.status} />
                    {endpoint.statusReason === null ? null : <div className="small">{endpoint.statusReason}</div>}
                  </td>
                  <td>{formatTime(endpoint.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Pager pages={endpoints} label="endpoints" />
      </section>
      <CreateEndpoint />
    </>
  );
}
