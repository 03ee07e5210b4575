// Cards: every card with its status and limits, filtered by status, agent and user. Never a card number: the API
// lists last four digits and expiry only.
import { useCardPages, type CardFilter } from '../api/cards';
import { definedOnly } from '../api/query';
import type { CardStatus } from '../api/types';
import { DataTable } from '../components/DataTable';
import { StatusBadge } from '../components/feedback';
import { FilterBar } from '../components/FilterBar';
import { formatCents, formatTime, words } from '../components/format';
import { anyOf } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

const cardStatuses: CardStatus[] = ['active', 'frozen', 'closed'];

export function Cards() {
  usePageTitle('Cards');
  const [filters, apply] = useUrlFilters(['status', 'agentId', 'userId'] as const);
  const cards = useCardPages(definedOnly(filters) as CardFilter);
  return (
    <>
      <h1>Cards</h1>
      <Panel headingId="cards-heading" heading="Cards">
        <FilterBar
          label="Filter cards"
          values={filters}
          apply={apply}
          specs={[
            { name: 'status', label: 'Status', kind: 'select', options: anyOf(cardStatuses, words) },
            { name: 'agentId', label: 'Agent id', kind: 'text', placeholder: 'agent_…' },
            { name: 'userId', label: 'User id', kind: 'text', placeholder: 'user_…' },
          ]}
        />
        <PagedList pages={cards} loadingWhat="cards" empty="No cards match." pagerLabel="cards">
          {(rows) => (
            <DataTable
              rows={rows}
              columns={[
                { header: 'Card', cell: (card) => <IdLink kind="card" id={card.id}>{`•••• ${card.last4} (${card.type})`}</IdLink> },
                { header: 'Purpose', cell: (card) => card.purpose },
                {
                  header: 'Status',
                  cell: (card) => (
                    <>
                      <StatusBadge status={card.status} />
                      {card.statusReason === null ? null : <div className="small">{words(card.statusReason)}</div>}
                    </>
                  ),
                },
                { header: 'Max per transaction', kind: 'number', cell: (card) => formatCents(card.maxAmount) },
                { header: 'Reserved', kind: 'number', cell: (card) => formatCents(card.reservation) },
                { header: 'Agent', cell: (card) => <IdLink kind="agent" id={card.agentId} /> },
                { header: 'Created', cell: (card) => formatTime(card.createdAt) },
              ]}
            />
          )}
        </PagedList>
      </Panel>
    </>
  );
}
