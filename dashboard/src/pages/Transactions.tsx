// Transactions: filtered by status, card, agent, user and time, with intent match and attestation badges and the
// decline reason in the API's words.
import { useTransactionPages, type TransactionFilter } from '../api/transactions';
import type { TransactionStatus } from '../api/types';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { FilterBar } from '../components/FilterBar';
import { words } from '../components/format';
import { anyOf } from '../components/Form';
import { Pager } from '../components/Pager';
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
  const from = isoOf(filters.from);
  const to = isoOf(filters.to);
  const filter: TransactionFilter = {
    ...(filters.status === '' ? {} : { status: filters.status as TransactionStatus }),
    ...(filters.cardId === '' ? {} : { cardId: filters.cardId }),
    ...(filters.agentId === '' ? {} : { agentId: filters.agentId }),
    ...(filters.userId === '' ? {} : { userId: filters.userId }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
  const transactions = useTransactionPages(filter);
  return (
    <>
      <h1>Transactions</h1>
      <section className="panel" aria-labelledby="transactions-heading">
        <h2 id="transactions-heading">Transactions</h2>
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
        {transactions.query.isPending ? <Loading what="transactions" /> : null}
        <ErrorMessage error={transactions.query.error} />
        {transactions.query.data?.data.length === 0 ? <Empty>No transactions match.</Empty> : null}
        {transactions.query.data !== undefined && transactions.query.data.data.length > 0 ? <TransactionRows transactions={transactions.query.data.data} label="Transactions" /> : null}
        <Pager pages={transactions} label="transactions" />
      </section>
    </>
  );
}
