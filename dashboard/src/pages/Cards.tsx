// Cards: every card with its status, limits and issuer, filtered by status, agent and user; and the issuer new cards
// of this environment are made on. Never a card number: the API lists last four digits and expiry only.
import { useState } from 'react';
import { useCardPages, type CardFilter } from '../api/cards';
import { useIssuerSettings, useUpdateIssuerSettings } from '../api/issuers';
import { definedOnly } from '../api/query';
import type { CardStatus, IssuerName } from '../api/types';
import { DataTable } from '../components/DataTable';
import { ErrorMessage, Loading, Notice, StatusBadge } from '../components/feedback';
import { FilterBar } from '../components/FilterBar';
import { formatCents, formatTime, words } from '../components/format';
import { anyOf, SelectField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { chosenIssuerLabel, issuerLabel, issuerShortLabel } from '../components/issuers';
import { MutationForm } from '../components/MutationForm';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

const cardStatuses: CardStatus[] = ['active', 'frozen', 'closed'];

/** Where new cards of the key's environment are issued; an issuer the server has no program for cannot be chosen. */
function IssuerForNewCards() {
  const settings = useIssuerSettings();
  const update = useUpdateIssuerSettings();
  const [choice, setChoice] = useState<IssuerName | undefined>(undefined);
  const current = settings.data;
  return (
    <Panel headingId="issuer-heading" heading="Issuer for new cards">
      {settings.isPending ? <Loading what="the issuer" /> : null}
      <ErrorMessage error={settings.error} />
      {current === undefined ? null : (
        <>
          <p>
            New {current.environment} cards are issued on <strong>{chosenIssuerLabel(current)}</strong>
            {current.updatedAt === null ? '' : ` (chosen ${formatTime(current.updatedAt)})`}. A card keeps the issuer it was made on.
          </p>
          <MutationForm
            send={() => update.mutate(choice ?? current.issuer)}
            submitLabel="Save issuer"
            pending={update.isPending}
            error={update.error}
          >
            <SelectField
              label="Issuer"
              value={choice ?? current.issuer}
              onChange={(value) => setChoice(value as IssuerName)}
              options={current.issuers.map((issuer) => ({
                value: issuer.name,
                label: issuer.configured ? issuerLabel(issuer.name, issuer.environment) : `${issuerLabel(issuer.name)} (not configured on this server)`,
                disabled: !issuer.configured,
              }))}
            />
          </MutationForm>
          {update.isSuccess ? <Notice>Saved: new cards are issued on {chosenIssuerLabel(update.data)}.</Notice> : null}
        </>
      )}
    </Panel>
  );
}

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
                { header: 'Issuer', cell: (card) => <StatusBadge status={card.issuer} label={issuerShortLabel(card.issuer)} /> },
                { header: 'Max per transaction', kind: 'number', cell: (card) => formatCents(card.maxAmount) },
                { header: 'Reserved', kind: 'number', cell: (card) => formatCents(card.reservation) },
                { header: 'Agent', cell: (card) => <IdLink kind="agent" id={card.agentId} /> },
                { header: 'Created', cell: (card) => formatTime(card.createdAt) },
              ]}
            />
          )}
        </PagedList>
      </Panel>
      <IssuerForNewCards />
    </>
  );
}
