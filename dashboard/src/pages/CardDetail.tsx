// One card: its limits, reservation, pinned merchant, status and reason; freeze / unfreeze / close (confirmed);
// limit changes; its intents and transactions; its risk overrides. Last four digits only, never the number.
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useCard, useCardIntentPages, useCardStatusAction, useUpdateCard, type CardStatusAction } from '../api/cards';
import { useTransactionPages } from '../api/transactions';
import type { Card } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatCents, formatTime, optionalText, parseDollars, words } from '../components/format';
import { TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { IntentRows } from '../components/IntentRows';
import { Pager } from '../components/Pager';
import { RiskOverridesPanel } from '../components/RiskOverridesPanel';
import { TransactionRows } from '../components/TransactionRows';
import { usePageTitle } from '../components/usePageTitle';

const statusActions: Record<CardStatusAction, { label: string; title: string; explain: string; danger: boolean }> = {
  freeze: { label: 'Freeze card', title: 'Freeze this card?', explain: 'Every authorization is declined (card frozen) until it is unfrozen. Its reservation stays.', danger: true },
  unfreeze: { label: 'Unfreeze card', title: 'Unfreeze this card?', explain: 'Authorizations are decided again within its limits.', danger: false },
  close: { label: 'Close card', title: 'Close this card?', explain: 'Closing is final: the card never authorizes again and its reservation returns to the available balance.', danger: true },
};

function StatusActions({ card }: { card: Card }) {
  const change = useCardStatusAction();
  const available: CardStatusAction[] = card.status === 'active' ? ['freeze', 'close'] : card.status === 'frozen' ? ['unfreeze', 'close'] : [];
  return (
    <>
      <div className="actions">
        {available.map((action) => (
          <ConfirmButton
            key={action}
            label={statusActions[action].label}
            title={statusActions[action].title}
            confirmLabel={statusActions[action].label}
            danger={statusActions[action].danger}
            disabled={change.isPending}
            onConfirm={() => change.mutate({ id: card.id, action })}
          >
            <p>
              Card •••• {card.last4} ({card.purpose}). {statusActions[action].explain}
            </p>
          </ConfirmButton>
        ))}
      </div>
      <ErrorMessage error={change.error} />
    </>
  );
}

function centsText(cents: number | null): string {
  return cents === null ? '' : (cents / 100).toFixed(2);
}

function EditLimits({ card }: { card: Card }) {
  const update = useUpdateCard();
  const [perDay, setPerDay] = useState(centsText(card.limits.perDay));
  const [perMonth, setPerMonth] = useState(centsText(card.limits.perMonth));
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);

  function submit(event: FormEvent) {
    event.preventDefault();
    const day = optionalText(perDay) === undefined ? null : parseDollars(perDay);
    const month = optionalText(perMonth) === undefined ? null : parseDollars(perMonth);
    if (day === undefined || month === undefined) {
      setProblem('Enter amounts in dollars, or leave a limit empty to remove it');
      return;
    }
    setProblem(undefined);
    setSaved(false);
    update.mutate({ id: card.id, body: { limits: { perDay: day, perMonth: month } } }, { onSuccess: () => setSaved(true) });
  }

  return (
    <section className="panel" aria-labelledby="limits-heading">
      <h2 id="limits-heading">Edit limits</h2>
      <form className="inline" onSubmit={submit}>
        <TextField label="Daily limit (USD)" value={perDay} onChange={setPerDay} inputMode="decimal" placeholder="none" />
        <TextField label="Monthly limit (USD)" value={perMonth} onChange={setPerMonth} inputMode="decimal" placeholder="none" />
        <button type="submit" disabled={update.isPending || card.status === 'closed'}>
          Save limits
        </button>
      </form>
      <p className="small">The maximum per transaction cannot change: close the card and issue another.</p>
      {problem === undefined ? null : (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      <ErrorMessage error={update.error} />
      {saved ? (
        <p className="notice" role="status">
          Limits saved.
        </p>
      ) : null}
    </section>
  );
}

function CardIntents({ cardId }: { cardId: string }) {
  const intents = useCardIntentPages(cardId);
  return (
    <section className="panel wide" aria-labelledby="card-intents-heading">
      <h2 id="card-intents-heading">Intents</h2>
      <ErrorMessage error={intents.query.error} />
      {intents.query.data?.data.length === 0 ? <Empty>No intents declared.</Empty> : null}
      {intents.query.data !== undefined && intents.query.data.data.length > 0 ? <IntentRows intents={intents.query.data.data} label="Intents of this card" /> : null}
      <Pager pages={intents} label="the card's intents" />
    </section>
  );
}

function CardTransactions({ cardId }: { cardId: string }) {
  const transactions = useTransactionPages({ cardId }, 10);
  return (
    <section className="panel wide" aria-labelledby="card-transactions-heading">
      <h2 id="card-transactions-heading">Transactions</h2>
      <ErrorMessage error={transactions.query.error} />
      {transactions.query.data?.data.length === 0 ? <Empty>No transactions.</Empty> : null}
      {transactions.query.data !== undefined && transactions.query.data.data.length > 0 ? <TransactionRows transactions={transactions.query.data.data} label="Transactions of this card" /> : null}
      <Pager pages={transactions} label="the card's transactions" />
    </section>
  );
}

export function CardDetail({ id }: { id: string }) {
  const card = useCard(id);
  usePageTitle(card.data === undefined ? 'Card' : `Card •••• ${card.data.last4}`);
  if (card.isPending) return <Loading what="the card" />;
  if (card.isError) {
    return (
      <>
        <h1>Card</h1>
        <ErrorMessage error={card.error} />
      </>
    );
  }
  const current = card.data;
  return (
    <>
      <h1>Card •••• {current.last4}</h1>
      <div className="grid">
        <section className="panel" aria-labelledby="card-heading">
          <h2 id="card-heading">Card</h2>
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
            <dt>Number</dt>
            <dd>
              •••• {current.last4}, expires {current.expirationMonth}/{current.expirationYear}
            </dd>
            <dt>Agent</dt>
            <dd>
              <IdLink kind="agent" id={current.agentId} />
            </dd>
            <dt>User</dt>
            <dd>
              <IdLink kind="user" id={current.userId} />
            </dd>
            <dt>Closes automatically</dt>
            <dd>{formatTime(current.expiresAt)}</dd>
          </dl>
          <StatusActions card={current} />
        </section>
        <section className="panel" aria-labelledby="card-limits-heading">
          <h2 id="card-limits-heading">Limits and reservation</h2>
          <dl className="facts">
            <dt>Maximum per transaction</dt>
            <dd>{formatCents(current.maxAmount)}</dd>
            <dt>Reserved from the balance</dt>
            <dd>{formatCents(current.reservation)}</dd>
            <dt>Daily limit</dt>
            <dd>{current.limits.perDay === null ? 'none' : formatCents(current.limits.perDay)}</dd>
            <dt>Monthly limit</dt>
            <dd>{current.limits.perMonth === null ? 'none' : formatCents(current.limits.perMonth)}</dd>
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
        </section>
        <EditLimits key={`${current.limits.perDay}-${current.limits.perMonth}`} card={current} />
        <RiskOverridesPanel level="card" id={id} />
        <CardIntents cardId={id} />
        <CardTransactions cardId={id} />
      </div>
    </>
  );
}
