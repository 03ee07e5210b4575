// One intent: what the agent declared, its lifecycle, warnings, the approval decision and how the transaction
// matched it.
import { useIntent } from '../api/intents';
import { DetailScreen } from '../components/DetailScreen';
import { StatusBadge } from '../components/feedback';
import { formatCents, formatTime } from '../components/format';
import { IdLink } from '../components/IdLink';
import { approvalMethodName, IntentDecision } from '../components/IntentDecision';
import { matchText } from '../components/IntentRows';
import { Panel } from '../components/Panel';
import { OwnerFacts } from '../components/OwnerFacts';

export function IntentDetail({ id }: { id: string }) {
  const intent = useIntent(id);
  return (
    <DetailScreen query={intent} name="Intent" loadingWhat="the intent" heading={(current) => `Intent: ${formatCents(current.amount)} at ${current.merchantText}`}>
      {(current) => (
        <div className="grid">
          <Panel headingId="intent-heading" heading="Declared">
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
              <dt>Approved by</dt>
              <dd>{approvalMethodName(current.approvalMethod)}</dd>
              <OwnerFacts cardId={current.cardId} agentId={current.agentId} userId={current.userId} />
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
          </Panel>
          <Panel headingId="warnings-heading" heading="Warnings">
            {current.warnings.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul>
                {current.warnings.map((warning) => (
                  <li key={warning.code}>{warning.message}</li>
                ))}
              </ul>
            )}
          </Panel>
          {current.status === 'pending_approval' ? (
            <Panel headingId="decide-heading" heading="Decision">
              <IntentDecision intent={current} />
            </Panel>
          ) : null}
        </div>
      )}
    </DetailScreen>
  );
}
