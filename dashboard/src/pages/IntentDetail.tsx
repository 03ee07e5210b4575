// One intent: what the agent declared, its lifecycle, warnings, the approval decision and how the transaction
// matched it.
import { useIntent } from '../api/intents';
import { ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatCents, formatTime } from '../components/format';
import { IdLink } from '../components/IdLink';
import { IntentDecision } from '../components/IntentDecision';
import { matchText } from '../components/IntentRows';
import { usePageTitle } from '../components/usePageTitle';

export function IntentDetail({ id }: { id: string }) {
  const intent = useIntent(id);
  usePageTitle('Intent');
  if (intent.isPending) return <Loading what="the intent" />;
  if (intent.isError) {
    return (
      <>
        <h1>Intent</h1>
        <ErrorMessage error={intent.error} />
      </>
    );
  }
  const current = intent.data;
  return (
    <>
      <h1>
        Intent: {formatCents(current.amount)} at {current.merchantText}
      </h1>
      <div className="grid">
        <section className="panel" aria-labelledby="intent-heading">
          <h2 id="intent-heading">Declared</h2>
          <dl className="facts">
            <dt>Id</dt>
            <dd className="id">{current.id}</dd>
            <dt>Your id</dt>
            <dd>{current.intentId ?? '—'}</dd>
            <dt>Summary</dt>
            <dd>{current.summary}</dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={current.status} />
            </dd>
            <dt>Decision reason</dt>
            <dd>{current.decisionReason ?? '—'}</dd>
            <dt>Card</dt>
            <dd>
              <IdLink kind="card" id={current.cardId} />
            </dd>
            <dt>Agent</dt>
            <dd>
              <IdLink kind="agent" id={current.agentId} />
            </dd>
            <dt>User</dt>
            <dd>
              <IdLink kind="user" id={current.userId} />
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(current.createdAt)}</dd>
            <dt>Expires</dt>
            <dd>{formatTime(current.expiresAt)}</dd>
            <dt>Details read</dt>
            <dd>{formatTime(current.revealedAt)}</dd>
            <dt>Transaction</dt>
            <dd>
              <IdLink kind="transaction" id={current.transactionId} />
            </dd>
            <dt>Match</dt>
            <dd>{matchText(current.matchResult)}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="warnings-heading">
          <h2 id="warnings-heading">Warnings</h2>
          {current.warnings.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <ul>
              {current.warnings.map((warning) => (
                <li key={warning.code}>{warning.message}</li>
              ))}
            </ul>
          )}
        </section>
        {current.status === 'pending_approval' ? (
          <section className="panel" aria-labelledby="decide-heading">
            <h2 id="decide-heading">Decision</h2>
            <IntentDecision intent={current} />
          </section>
        ) : null}
      </div>
    </>
  );
}
