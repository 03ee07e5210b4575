// Intents: the approval queue across the organization (pending_approval, oldest waiting shown with its card and
// agent) with approve / reject, and the intent history with match results, filtered.
import { useIntentPages, type IntentFilter } from '../api/intents';
import { definedOnly } from '../api/query';
import type { IntentStatus } from '../api/types';
import { DataTable } from '../components/DataTable';
import { FilterBar } from '../components/FilterBar';
import { formatCents, formatTime, words } from '../components/format';
import { anyOf } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { approvalMethodName, IntentDecision } from '../components/IntentDecision';
import { IntentRows } from '../components/IntentRows';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

const intentStatuses: IntentStatus[] = ['pending_approval', 'pending', 'revealed', 'matched', 'mismatched', 'expired', 'rejected', 'canceled'];

function ApprovalQueue() {
  const queue = useIntentPages({ status: 'pending_approval' });
  return (
    <Panel headingId="queue-heading" heading="Awaiting approval">
      <PagedList pages={queue} loadingWhat="the approval queue" errorTitle="The approval queue could not be read" empty="No intent is waiting for approval." pagerLabel="the approval queue">
        {(rows) => (
          <DataTable
            rows={rows}
            label="Intents awaiting approval"
            rowData={(intent) => ({ 'data-intent-id': intent.id })}
            columns={[
              {
                header: 'Declared',
                cell: (intent) => (
                  <>
                    <IdLink kind="intent" id={intent.id}>{intent.summary}</IdLink> at {intent.merchantText}
                  </>
                ),
              },
              { header: 'Amount', kind: 'number', cell: (intent) => formatCents(intent.amount) },
              {
                header: 'Card and agent',
                cell: (intent) => (
                  <>
                    <IdLink kind="card" id={intent.cardId} /> <IdLink kind="agent" id={intent.agentId} />
                  </>
                ),
              },
              { header: 'Warnings', cell: (intent) => (intent.warnings.length === 0 ? '—' : intent.warnings.map((warning) => warning.message).join(' ')) },
              { header: 'Expires', cell: (intent) => formatTime(intent.expiresAt) },
              { header: 'Approved by', cell: (intent) => approvalMethodName(intent.approvalMethod) },
              { header: 'Decision', cell: (intent) => <IntentDecision intent={intent} /> },
            ]}
          />
        )}
      </PagedList>
    </Panel>
  );
}

function History() {
  const [filters, apply] = useUrlFilters(['status', 'cardId', 'agentId', 'userId'] as const);
  const intents = useIntentPages(definedOnly(filters) as IntentFilter);
  return (
    <Panel headingId="history-heading" heading="Intent history">
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
      <PagedList pages={intents} loadingWhat="intents" empty="No intents match." pagerLabel="intents">
        {(rows) => <IntentRows intents={rows} label="Intent history" />}
      </PagedList>
    </Panel>
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
