// Transactions: filtered by status, card, agent, user and time, with intent match and attestation badges and the
// decline reason in the API's words.
import { definedOnly } from '../api/query';
import { useTransactionPages, type TransactionFilter } from '../api/transactions';
import type { TransactionStatus } from '../api/types';
import { FilterBar } from '../components/FilterBar';
import { words } from '../components/format';
import { anyOf } from '../components/Form';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { TransactionRows } from '../components/TransactionRows';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

const statuses: TransactionStatus[] = ['pending', 'settled', 'voided', 'declined', 'refunded'];

/** A `datetime-local` value (the operator's local time) as the ISO time the API takes. */
function isoOf(local: string): string | undefined {
  if (local === '') return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function Transactions() {
  usePageTitle('Transactions');
  const [filters, apply] = useUrlFilters(['status', 'cardId', 'agentId', 'userId', 'from', 'to'] as const);
  const filter = definedOnly({ ...filters, from: isoOf(filters.from), to: isoOf(filters.to) }) as TransactionFilter;
  const transactions = useTransactionPages(filter);
  return (
    <>
      <h1>Transactions</h1>
      <Panel headingId="transactions-heading" heading="Transactions">
        <FilterBar
          label="Filter transactions"
          values={filters}
          apply={apply}
          specs={[
            { name: 'status', label: 'Status', kind: 'select', options: anyOf(statuses, words) },
            { name: 'cardId', label: 'Card id', kind: 'text', placeholder: 'card_…' },
            { name: 'agentId', label: 'Agent id', kind: 'text', placeholder: 'agent_…' },
            { name: 'userId', label: 'User id', kind: 'text', placeholder: 'user_…' },
            { name: 'from', label: 'From (local time)', kind: 'datetime' },
            { name: 'to', label: 'Before (local time)', kind: 'datetime' },
          ]}
        />
        <PagedList pages={transactions} loadingWhat="transactions" empty="No transactions match." pagerLabel="transactions">
          {(rows) => <TransactionRows transactions={rows} label="Transactions" />}
        </PagedList>
      </Panel>
    </>
  );
}
