// Cards: every card with its status and limits, filtered by status, agent and user. Never a card number: the API
// lists last four digits and expiry only.
import { useCardPages } from '../api/cards';
import type { CardStatus } from '../api/types';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { FilterBar } from '../components/FilterBar';
import { formatCents, formatTime, words } from '../components/format';
import { anyOf } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { Pager } from '../components/Pager';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

const cardStatuses: CardStatus[] = ['active', 'frozen', 'closed'];

export function Cards() {
  usePageTitle('Cards');
  const [filters, apply] = useUrlFilters(['status', 'agentId', 'userId'] as const);
  const cards = useCardPages({
    ...(filters.status === '' ? {} : { status: filters.status as CardStatus }),
    ...(filters.agentId === '' ? {} : { agentId: filters.agentId }),
    ...(filters.userId === '' ? {} : { userId: filters.userId }),
  });
  return (
    <>
      <h1>Cards</h1>
      <section className="panel" aria-labelledby="cards-heading">
        <h2 id="cards-heading">Cards</h2>
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
        {cards.query.isPending ? <Loading what="cards" /> : null}
        <ErrorMessage error={cards.query.error} />
        {cards.query.data?.data.length === 0 ? <Empty>No cards match.</Empty> : null}
        {cards.query.data !== undefined && cards.query.data.data.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Card</th>
                <th scope="col">Purpose</th>
                <th scope="col">Status</th>
                <th scope="col" className="number">Max per transaction</th>
                <th scope="col" className="number">Reserved</th>
                <th scope="col">Agent</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {cards.query.data.data.map((card) => (
                <tr key={card.id}>
                  <td>
                    <IdLink kind="card" id={card.id}>{`•••• ${card.last4} (${card.type})`}</IdLink>
                  </td>
                  <td>{card.purpose}</td>
                  <td>
                    <StatusBadge status={card.status} />
                    {card.statusReason === null ? null : <div className="small">{words(card.statusReason)}</div>}
                  </td>
                  <td className="number">{formatCents(card.maxAmount)}</td>
                  <td className="number">{formatCents(card.reservation)}</td>
                  <td>
                    <IdLink kind="agent" id={card.agentId} />
                  </td>
                  <td>{formatTime(card.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Pager pages={cards} label="cards" />
      </section>
    </>
  );
}
