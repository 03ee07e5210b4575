// One webhook endpoint: enable / disable / delete, Send Test, the signing secret (reveal, rotate), and the delivery
// log with every attempt (status code, duration, error, the start of the receiver's answer) and redelivery.
import { useState } from 'react';
import { useLocation } from 'wouter';
import { useDeleteEndpoint, useDeliveryPages, useEndpoint, useRedeliver, useRevealSecret, useRotateSecret, useSendTest, useUpdateEndpoint } from '../api/webhooks';
import type { WebhookDelivery, WebhookEndpoint, WebhookSecret } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatTime, words } from '../components/format';
import { anyOf, SelectField } from '../components/Form';
import { Pager } from '../components/Pager';
import { SecretValue } from '../components/Secret';
import { usePageTitle } from '../components/usePageTitle';

const deliveryStatuses: Array<WebhookDelivery['status']> = ['pending', 'succeeded', 'failed', 'canceled'];

function Secret({ endpointId }: { endpointId: string }) {
  const reveal = useRevealSecret();
  const rotate = useRotateSecret();
  const [shown, setShown] = useState<{ secret: string; note: string } | undefined>(undefined);

  function showRevealed(secret: WebhookSecret) {
    setShown({ secret: secret.secret, note: secret.previousSecretExpiresAt === null ? '' : `The previous secret also signs until ${formatTime(secret.previousSecretExpiresAt)}.` });
  }

  return (
    <section className="panel" aria-labelledby="secret-heading">
      <h2 id="secret-heading">Signing secret</h2>
      <p className="small">Receivers verify each delivery's signature with this secret (Standard Webhooks). Rotating keeps the old secret signing for 24 hours.</p>
      <div className="actions">
        <button type="button" onClick={() => reveal.mutate(endpointId, { onSuccess: showRevealed })} disabled={reveal.isPending}>
          Reveal secret
        </button>
        <ConfirmButton
          label="Rotate secret"
          title="Rotate the signing secret?"
          confirmLabel="Rotate secret"
          danger
          disabled={rotate.isPending}
          onConfirm={() =>
            rotate.mutate(endpointId, {
              onSuccess: (endpoint) => {
                if (endpoint.secret !== null) setShown({ secret: endpoint.secret, note: 'New secret. The previous one also signs for 24 hours.' });
              },
            })
          }
        >
          <p>Deliveries are signed with a new secret from now on; the current one keeps signing too for 24 hours so receivers can switch.</p>
        </ConfirmButton>
      </div>
      <ErrorMessage error={reveal.error} />
      <ErrorMessage error={rotate.error} />
      {shown === undefined ? null : (
        <>
          <SecretValue label="Signing secret" value={shown.secret} shownOnce={false} onDismiss={() => setShown(undefined)} />
          {shown.note === '' ? null : (
            <p className="small" role="status">
              {shown.note}
            </p>
          )}
        </>
      )}
    </section>
  );
}

function Attempts({ delivery }: { delivery: WebhookDelivery }) {
  if (delivery.attempts.length === 0) return <p className="muted">No attempt yet{delivery.nextAttemptAt === null ? '' : `; the first at ${formatTime(delivery.nextAttemptAt)}`}.</p>;
  return (
    <table aria-label={`Attempts of delivery ${delivery.id}`}>
      <thead>
        <tr>
          <th scope="col">Attempt</th>
          <th scope="col">Time</th>
          <th scope="col">Status code</th>
          <th scope="col" className="number">Duration</th>
          <th scope="col">Error</th>
          <th scope="col">Response</th>
        </tr>
      </thead>
      <tbody>
        {delivery.attempts.map((attempt) => (
          <tr key={attempt.number}>
            <td>{attempt.number}</td>
            <td>{formatTime(attempt.attemptedAt)}</td>
            <td>{attempt.statusCode ?? 'no response'}</td>
            <td className="number">{attempt.latencyMs} ms</td>
            <td>{attempt.error ?? '—'}</td>
            <td>{attempt.responseExcerpt === null ? '—' : <code className="excerpt">{attempt.responseExcerpt}</code>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Deliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const [status, setStatus] = useState('');
  const deliveries = useDeliveryPages(endpoint.id, status === '' ? undefined : (status as WebhookDelivery['status']));
  const redeliver = useRedeliver();
  return (
    <section className="panel wide" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Delivery log</h2>
      <form className="filters" role="search" aria-label="Filter deliveries" onSubmit={(event) => event.preventDefault()}>
        <SelectField label="Status" value={status} onChange={setStatus} options={anyOf(deliveryStatuses, words)} />
      </form>
      {deliveries.query.isPending ? <Loading what="deliveries" /> : null}
      <ErrorMessage error={deliveries.query.error} />
      <ErrorMessage error={redeliver.error} />
      {deliveries.query.data?.data.length === 0 ? <Empty>No deliveries match.</Empty> : null}
      <ul className="plain">
        {deliveries.query.data?.data.map((delivery) => {
          const last = delivery.attempts[delivery.attempts.length - 1];
          return (
            <li key={delivery.id} data-delivery-id={delivery.id}>
              <details>
                <summary>
                  {delivery.eventType} ({words(delivery.origin)}) — {words(delivery.status)}
                  {last === undefined ? '' : `, last attempt ${last.statusCode ?? 'no response'}`} · {delivery.attemptCount} attempt{delivery.attemptCount === 1 ? '' : 's'} · {formatTime(delivery.createdAt)}
                </summary>
                <dl className="facts">
                  <dt>Delivery</dt>
                  <dd className="id">{delivery.id}</dd>
                  <dt>Event</dt>
                  <dd className="id">{delivery.eventId}</dd>
                  <dt>Status</dt>
                  <dd>
                    <StatusBadge status={delivery.status} />
                    {delivery.statusReason === null ? null : ` ${delivery.statusReason}`}
                  </dd>
                  <dt>Next attempt</dt>
                  <dd>{formatTime(delivery.nextAttemptAt)}</dd>
                </dl>
                <Attempts delivery={delivery} />
                <div className="actions">
                  <button type="button" disabled={redeliver.isPending} onClick={() => redeliver.mutate({ eventId: delivery.eventId, endpointId: endpoint.id })}>
                    Redeliver this event
                  </button>
                </div>
              </details>
            </li>
          );
        })}
      </ul>
      <Pager pages={deliveries} label="deliveries" />
    </section>
  );
}

export function WebhookDetail({ id }: { id: string }) {
  const endpoint = useEndpoint(id);
  const update = useUpdateEndpoint();
  const remove = useDeleteEndpoint();
  const sendTest = useSendTest();
  const [, navigate] = useLocation();
  const [testSent, setTestSent] = useState<string | undefined>(undefined);
  usePageTitle('Webhook endpoint');

  if (endpoint.isPending) return <Loading what="the endpoint" />;
  if (endpoint.isError) {
    return (
      <>
        <h1>Webhook endpoint</h1>
        <ErrorMessage error={endpoint.error} />
      </>
    );
  }
  const current = endpoint.data;
  return (
    <>
      <h1>Webhook endpoint</h1>
      <div className="grid">
        <section className="panel" aria-labelledby="endpoint-heading">
          <h2 id="endpoint-heading">Endpoint</h2>
          <dl className="facts">
            <dt>URL</dt>
            <dd className="id">{current.url}</dd>
            <dt>Id</dt>
            <dd className="id">{current.id}</dd>
            <dt>Description</dt>
            <dd>{current.description ?? '—'}</dd>
            <dt>Events</dt>
            <dd>{current.events.length === 0 ? 'all' : current.events.join(', ')}</dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={current.status} />
              {current.statusReason === null ? null : ` ${current.statusReason}`}
            </dd>
          </dl>
          <div className="actions">
            <button type="button" className="primary" disabled={sendTest.isPending} onClick={() => sendTest.mutate(id, { onSuccess: (delivery) => setTestSent(delivery.id) })}>
              Send Test
            </button>
            <button type="button" disabled={update.isPending} onClick={() => update.mutate({ id, body: { enabled: !current.enabled } })}>
              {current.enabled ? 'Disable endpoint' : 'Enable endpoint'}
            </button>
            <ConfirmButton label="Delete endpoint" title="Delete this endpoint?" confirmLabel="Delete endpoint" danger onConfirm={() => remove.mutate(id, { onSuccess: () => navigate('/webhooks') })}>
              <p>No more events are delivered to {current.url}.</p>
            </ConfirmButton>
          </div>
          <ErrorMessage error={sendTest.error} />
          <ErrorMessage error={update.error} />
          <ErrorMessage error={remove.error} />
          {testSent === undefined ? null : (
            <p className="notice" role="status">
              Test event queued for delivery ({testSent}); it appears in the delivery log below.
            </p>
          )}
        </section>
        <Secret endpointId={id} />
        <Deliveries endpoint={current} />
      </div>
    </>
  );
}
