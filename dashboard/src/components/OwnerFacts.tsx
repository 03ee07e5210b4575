// The Card / Agent / User rows of a detail screen's facts: what a card, an intent or a transaction belongs to.
import { IdLink } from './IdLink';

export function OwnerFacts({ cardId, agentId, userId }: { cardId?: string | null; agentId: string | null; userId: string | null }) {
  return (
    <>
      {cardId === undefined ? null : (
        <>
          <dt>Card</dt>
          <dd>
            <IdLink kind="card" id={cardId} />
          </dd>
        </>
      )}
      <dt>Agent</dt>
      <dd>
        <IdLink kind="agent" id={agentId} />
      </dd>
      <dt>User</dt>
      <dd>
        <IdLink kind="user" id={userId} />
      </dd>
    </>
  );
}
