// The cards of one agent or one user, ten at a time, each linked by its last four digits.
import { useCardPages } from '../api/cards';
import { StatusBadge } from './feedback';
import { formatCents } from './format';
import { IdLink } from './IdLink';
import { PagedList } from './PagedList';
import { Panel } from './Panel';

export function OwnedCardsPanel({ owner, headingId, pagerLabel }: { owner: { agentId: string } | { userId: string }; headingId: string; pagerLabel: string }) {
  const cards = useCardPages(owner, 10);
  return (
    <Panel headingId={headingId} heading="Cards">
      <PagedList pages={cards} empty="No cards." pagerLabel={pagerLabel}>
        {(rows) => (
          <ul className="plain">
            {rows.map((card) => (
              <li key={card.id}>
                <IdLink kind="card" id={card.id}>{`•••• ${card.last4}`}</IdLink> {card.purpose} <StatusBadge status={card.status} /> max {formatCents(card.maxAmount)}
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Panel>
  );
}
