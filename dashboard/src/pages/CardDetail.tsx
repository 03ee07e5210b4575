// One card: its issuer, limits, reservation, pinned merchant, status and reason; freeze / unfreeze / close
// (confirmed); limit changes; its intents and transactions; its risk overrides. Last four digits only, never the number.
import { useState } from 'react';
import { Link } from 'wouter';
import { useCard, useCardIntentPages, useCardPolicy, useCardStatusAction, useUpdateCard, type CardStatusAction } from '../api/cards';
import { useTransactionPages } from '../api/transactions';
import type { Card } from '../api/types';
import { DetailScreen } from '../components/DetailScreen';
import { Notice, StatusBadge } from '../components/feedback';
import { formatCents, formatTime, optionalText, parseDollars, words } from '../components/format';
import { TextField } from '../components/Form';
import { IntentRows } from '../components/IntentRows';
import { issuerLabel } from '../components/issuers';
import { MutationForm } from '../components/MutationForm';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { RiskOverridesPanel } from '../components/RiskOverridesPanel';
import { StatusActions, type StatusActionCopy } from '../components/StatusActions';
import { TransactionRows } from '../components/TransactionRows';
import { OwnerFacts } from '../components/OwnerFacts';

const statusActions: Record<CardStatusAction, StatusActionCopy> = {
  freeze: { label: 'Freeze card', title: 'Freeze this card?', explain: 'Every authorization is declined (card frozen) until it is unfrozen. Its reservation stays.', danger: true },
  unfreeze: { label: 'Unfreeze card', title: 'Unfreeze this card?', explain: 'Authorizations are decided again within its limits.', danger: false },
  close: { label: 'Close card', title: 'Close this card?', explain: 'Closing is final: the card never authorizes again and its reservation returns to the available balance.', danger: true },
};

function CardStatusActions({ card }: { card: Card }) {
  const change = useCardStatusAction();
  const available: CardStatusAction[] = card.status === 'active' ? ['freeze', 'close'] : card.status === 'frozen' ? ['unfreeze', 'close'] : [];
  return (
    <StatusActions
      available={available}
      copy={statusActions}
      change={change}
      onConfirm={(action) => change.mutate({ id: card.id, action })}
      explanation={(action) => (
        <>
          Card •••• {card.last4} ({card.purpose}). {statusActions[action].explain}
        </>
      )}
    />
  );
}

function centsText(cents: number | null): string {
  return cents === null ? '' : (cents / 100).toFixed(2);
}

function EditLimits({ card }: { card: Card }) {
  const update = useUpdateCard();
  const [perDay, setPerDay] = useState(centsText(card.limits.perDay));
  const [perMonth, setPerMonth] = useState(centsText(card.limits.perMonth));
  const [saved, setSaved] = useState(false);

  function send() {
    const day = optionalText(perDay) === undefined ? null : parseDollars(perDay);
    const month = optionalText(perMonth) === undefined ? null : parseDollars(perMonth);
    if (day === undefined || month === undefined) return 'Enter amounts in dollars, or leave a limit empty to remove it';
    setSaved(false);
    update.mutate({ id: card.id, body: { limits: { perDay: day, perMonth: month } } }, { onSuccess: () => setSaved(true) });
    return undefined;
  }

  return (
    <Panel headingId="limits-heading" heading="Edit limits">
      <MutationForm
        send={send}
        submitLabel="Save limits"
        pending={update.isPending}
        disabled={card.status === 'closed'}
        error={update.error}
        note={<p className="small">The maximum per transaction cannot change: close the card and issue another.</p>}
      >
        <TextField label="Daily limit (USD)" value={perDay} onChange={setPerDay} inputMode="decimal" placeholder="none" />
        <TextField label="Monthly limit (USD)" value={perMonth} onChange={setPerMonth} inputMode="decimal" placeholder="none" />
      </MutationForm>
      {saved ? <Notice>Limits saved.</Notice> : null}
    </Panel>
  );
}

function CardIntents({ cardId }: { cardId: string }) {
  const intents = useCardIntentPages(cardId);
  return (
    <Panel headingId="card-intents-heading" heading="Intents" wide>
      <PagedList pages={intents} empty="No intents declared." pagerLabel="the card's intents">
        {(rows) => <IntentRows intents={rows} label="Intents of this card" />}
      </PagedList>
    </Panel>
  );
}

function CardTransactions({ cardId }: { cardId: string }) {
  const transactions = useTransactionPages({ cardId }, 10);
  return (
    <Panel headingId="card-transactions-heading" heading="Transactions" wide>
      <PagedList pages={transactions} empty="No transactions." pagerLabel="the card's transactions">
        {(rows) => <TransactionRows transactions={rows} label="Transactions of this card" />}
      </PagedList>
    </Panel>
  );
}

export function CardDetail({ id }: { id: string }) {
  const card = useCard(id);
  const policy = useCardPolicy(id);
  return (
    <DetailScreen query={card} name="Card" loadingWhat="the card" pageTitle={(current) => `Card •••• ${current.last4}`} heading={(current) => `Card •••• ${current.last4}`}>
      {(current) => (
        <div className="grid">
          <Panel headingId="card-heading" heading="Card">
            <dl className="facts">
              <dt>Id</dt>
              <dd className="id">{current.id}</dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={current.status} />
                {current.statusReason === null ? null : ` (${words(current.statusReason)})`}
              </dd>
              <dt>Purpose</dt>
              <dd>{current.purpose}</dd>
              <dt>Type</dt>
              <dd>{current.type === 'single' ? 'single use' : 'multi use'}</dd>
              <dt>Issuer</dt>
              <dd>{issuerLabel(current.issuer)}</dd>
              <dt>Number</dt>
              <dd>
                •••• {current.last4}, expires {current.expirationMonth}/{current.expirationYear}
              </dd>
              <OwnerFacts agentId={current.agentId} userId={current.userId} />
              <dt>Closes automatically</dt>
              <dd>{formatTime(current.expiresAt)}</dd>
              <dt>Card number goes to</dt>
              <dd>{exposureWords(current.credentialExposure, policy.data?.credentialExposure)}</dd>
              <dt>Spending policy</dt>
              <dd>{current.policyId ?? 'none of its own'}</dd>
            </dl>
            <CardStatusActions card={current} />
          </Panel>
          <Panel headingId="card-limits-heading" heading="Limits and reservation">
            <dl className="facts">
              <dt>Maximum per transaction</dt>
              <dd>{formatCents(current.maxAmount)}</dd>
              <dt>Reserved from the balance</dt>
              <dd>{formatCents(current.reservation)}</dd>
              <dt>Daily limit</dt>
              <dd>{current.limits.perDay === null ? 'none' : formatCents(current.limits.perDay)}</dd>
              <dt>Monthly limit</dt>
              <dd>{current.limits.perMonth === null ? 'none' : formatCents(current.limits.perMonth)}</dd>
              <dt>Per authorization</dt>
              <dd>{current.limits.perAuth === null ? 'maximum per transaction' : formatCents(current.limits.perAuth)}</dd>
              <dt>Authorizations allowed</dt>
              <dd>{current.maxAuthCount ?? 'no cap of its own'}</dd>
              <dt>On limit exceeded</dt>
              <dd>{words(current.onLimitExceeded)}</dd>
              <dt>Merchant drift</dt>
              <dd>{current.merchantDriftEnabled ? `checked: ${words(current.onDrift)}` : 'not checked'}</dd>
              <dt>Pinned merchant</dt>
              <dd>{current.pinnedMerchant ?? 'not pinned yet'}</dd>
              <dt>Intent approval</dt>
              <dd>
                {current.requireApproval === null
                  ? "the agent's policy"
                  : current.requireApproval
                    ? `required${current.autoApproveBelow === null ? '' : ` from ${formatCents(current.autoApproveBelow)}`}`
                    : 'not required'}
              </dd>
            </dl>
            <p>
              <Link href={`/transactions?cardId=${encodeURIComponent(current.id)}`}>All transactions of this card</Link>
            </p>
          </Panel>
          <EditLimits key={`${current.limits.perDay}-${current.limits.perMonth}`} card={current} />
          <RiskOverridesPanel level="card" id={id} />
          <CardIntents cardId={id} />
          <CardTransactions cardId={id} />
        </div>
      )}
    </DetailScreen>
  );
}

/** Where the card's number may go: its own mode, else the one in force (from its policies or the organization). */
function exposureWords(own: ExposureMode | null, inForce: ExposureMode | undefined): string {
  const mode = own ?? inForce;
  if (mode === undefined) return '…';
  const words = mode === 'never' ? 'nobody (hosted checkouts and the network only)' : mode === 'extensionOnly' ? 'a trusted filler only (details tokens)' : 'the agent (raw number)';
  return own === null ? `${words}, from its policy or the organization` : words;
}

type ExposureMode = 'never' | 'extensionOnly' | 'rawPan';
