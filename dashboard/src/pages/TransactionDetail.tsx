// One transaction: amounts through its life, the merchant, the decline reason in words, the intent it matched (or
// not) and its attestation, with links to the card, agent, user and intent.
import { useTransaction } from '../api/transactions';
import { DetailScreen } from '../components/DetailScreen';
import { StatusBadge } from '../components/feedback';
import { formatCents, formatTime, words } from '../components/format';
import { IdLink } from '../components/IdLink';
import { Panel } from '../components/Panel';
import { OwnerFacts } from '../components/OwnerFacts';

const attestationWords: Record<string, string> = {
  attested: 'the agent declared this purchase and read the card details for it',
  unattested: 'no declared intent had its card details read for this purchase',
  stale: 'the declared intent had expired when the card was used',
};

export function TransactionDetail({ id }: { id: string }) {
  const transaction = useTransaction(id);
  return (
    <DetailScreen query={transaction} name="Transaction" loadingWhat="the transaction" heading={(current) => `${formatCents(current.amount)} at ${current.merchant.name}`}>
      {(current) => (
        <div className="grid">
          <Panel headingId="transaction-heading" heading="Transaction">
            <dl className="facts">
              <dt>Id</dt>
              <dd className="id">{current.id}</dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={current.status} />
              </dd>
              {current.declineReason === null ? null : (
                <>
                  <dt>Declined because</dt>
                  <dd>
                    {current.declineDetail ?? words(current.declineReason)} <span className="code">({current.declineReason})</span>
                  </dd>
                </>
              )}
              <dt>Authorized</dt>
              <dd>{formatCents(current.amount)}</dd>
              <dt>Settled</dt>
              <dd>{formatCents(current.settledAmount)}</dd>
              <dt>Refunded</dt>
              <dd>{formatCents(current.refundedAmount)}</dd>
              <dt>Force post</dt>
              <dd>{current.forcePost ? 'yes (a clearing without authorization)' : 'no'}</dd>
              <dt>Created</dt>
              <dd>{formatTime(current.createdAt)}</dd>
              <dt>Settles</dt>
              <dd>{formatTime(current.settlesAt)}</dd>
              <dt>Settled at</dt>
              <dd>{formatTime(current.settledAt)}</dd>
              <dt>Voided at</dt>
              <dd>{formatTime(current.voidedAt)}</dd>
            </dl>
          </Panel>
          <Panel headingId="merchant-heading" heading="Merchant">
            <dl className="facts">
              <dt>Descriptor</dt>
              <dd>{current.merchant.name}</dd>
              <dt>Normalized</dt>
              <dd>{current.merchant.normalizedName}</dd>
              <dt>Category</dt>
              <dd>
                {current.merchant.category ?? '—'} {current.merchant.mcc === null ? null : `(MCC ${current.merchant.mcc})`}
              </dd>
              <dt>Location</dt>
              <dd>{[current.merchant.city, current.merchant.country].filter((part) => part !== null).join(', ') || '—'}</dd>
            </dl>
          </Panel>
          <Panel headingId="attestation-heading" heading="Intent and attestation">
            <dl className="facts">
              <dt>Attestation</dt>
              <dd>
                <StatusBadge status={current.attestationStatus} /> {attestationWords[current.attestationStatus]}
              </dd>
              <dt>Intent</dt>
              <dd>
                <IdLink kind="intent" id={current.intentId} />
              </dd>
              <dt>Intent match</dt>
              <dd>{current.intentMatch === null ? '—' : <StatusBadge status={current.intentMatch} />}</dd>
              <OwnerFacts cardId={current.cardId} agentId={current.agentId} userId={current.userId} />
            </dl>
          </Panel>
        </div>
      )}
    </DetailScreen>
  );
}
