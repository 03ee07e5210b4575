// Intents: the approval queue across the organization (pending_approval, oldest waiting shown with its card and
// agent) with approve / reject, and the intent history with match results, filtered.
import { useIntentPages } from '../api/intents';
import type { IntentStatus } from '../api/types';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { FilterBar } from '../components/FilterBar';
import { formatCents, formatTime, words } from '../components/format';
import { anyOf } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { IntentDecision } from '../components/IntentDecision';
import { IntentRows } from '../components/IntentRows';
import { Pager } from '../components/Pager';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

const intentStatuses: IntentStatus[] = ['pending_approval', 'pending', 'revealed', 'matched', 'mismatched', 'expired', 'rejected', 'canceled'];

function ApprovalQueue() {
  const queue = useIntentPages({ status: 'pending_approval' });
  return (
    <section className="panel" aria-labelledby="queue-heading">
      <h2 id="queue-heading">Awaiting approval</h2>
      {queue.query.isPending ? <Loading what="the approval queue" /> : null}
      <ErrorMessage error={queue.query.error} title="The approval queue could not be read" />
      {queue.query.data?.data.length === 0 ? <Empty>No intent is waiting for approval.</Empty> : null}
      {queue.query.data !== undefined && queue.query.data.data.length > 0 ? (
        <table aria-label="Intents awaiting approval">
          <thead>
            <tr>
              <th scope="col">Declared</th>
              <th scope="col" className="number">Amount</th>
              <th scope="col">Card and agent</th>
              <th scope="col">Warnings</th>
              <th scope="col">Expires</th>
              <th scope="col">Decision</th>
            </tr>
          </thead>
          <tbody>
            {queue.query.data.data.map((intent) => (
              <tr key={intent.id} data-intent-id={intent.id}>
                <td>
                  <IdLink kind="intent" id={intent.id}>{intent.summary}</IdLink> at {intent.merchantText}
                </td>
                <td className="number">{formatCents(intent.amount)}</td>
                <td>
                  <IdLink kind="card" id={intent.cardId} /> <IdLink kind="agent" id={intent.agentId} />
                </td>
                <td>{intent.warnings.length === 0 ? '—' : intent.warnings.map((warning) => warning.message).join(' ')}</td>
                <td>{formatTime(intent.expiresAt)}</td>
                <td>
                  <IntentDecision intent={intent} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager pages={queue} label="the approval queue" />
    </section>
  );
}

function History() {
  const [filters, apply] = useUrlFilters(['status', 'cardId', 'agentId', 'userId'] as const);
  const intents = useIntentPages({
    ...(filters.status === '' ? {} : { status: filters.status as IntentStatus }),
    ...(filters.cardId === '' ? {} : { cardId: filters.cardId }),
    ...(filters.agentId === '' ? {} : { agentId: filters.agentId }),
    ...(filters.userId === '' ? {} : { userId: filters.userId }),
  });
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">Intent history</h2>
      <FilterBar
        label="Filter intents"
        values={filters}
        apply={apply}
        specs={[
          { name: 'status', label: 'Status', kind: 'select', options: anyOf(intentStatuses, words) },
          { name: 'cardId', label: 'Card id', kind: 'text', placeholder: 'card_…' },
          { name: 'agentId', label: 'Agent id', kind: 'text', placeholder: 'agent_…' },
          { name: 'userId', label: 'User id', kind: 'text', placeholder: 'user_…' },
        ]}
      />
      {intents.query.isPending ? <Loading what="intents" /> : null}
      <ErrorMessage error={intents.query.error} />
      {intents.query.data?.data.length === 0 ? <Empty>No intents match.</Empty> : null}
      {intents.query.data !== undefined && intents.query.data.data.length > 0 ? <IntentRows intents={intents.query.data.data} label="Intent history" /> : null}
      <Pager pages={intents} label="intents" />
    </section>
  );
}

export function Intents() {
  usePageTitle('Intents');
  return (
    <>
      <h1>Intents</h1>
      <ApprovalQueue />
      <History />
    </>
  );
}
