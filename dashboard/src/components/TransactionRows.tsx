// A table of transactions with their status, intent match and attestation badges, and the decline reason in words.
import type { Transaction } from '../api/types';
import { DataTable } from './DataTable';
import { StatusBadge } from './feedback';
import { formatCents, formatTime } from './format';
import { IdLink } from './IdLink';

export function TransactionRows({ transactions, label }: { transactions: readonly Transaction[]; label: string }) {
  return (
    <DataTable
      rows={transactions}
      label={label}
      rowData={(transaction) => ({ 'data-transaction-id': transaction.id })}
      columns={[
        { header: 'Transaction', cell: (transaction) => <IdLink kind="transaction" id={transaction.id} /> },
        { header: 'Merchant', cell: (transaction) => transaction.merchant.name },
        { header: 'Amount', kind: 'number', cell: (transaction) => formatCents(transaction.amount) },
        {
          header: 'Status',
          cell: (transaction) => (
            <>
              <StatusBadge status={transaction.status} />
              {transaction.declineDetail === null ? null : <div className="small">{transaction.declineDetail}</div>}
            </>
          ),
        },
        {
          header: 'Intent',
          cell: (transaction) => (
            <>
              <StatusBadge status={transaction.attestationStatus} />{' '}
              {transaction.intentMatch === null ? null : <StatusBadge status={transaction.intentMatch} label={`intent ${transaction.intentMatch}`} />}
            </>
          ),
        },
        { header: 'Card', cell: (transaction) => <IdLink kind="card" id={transaction.cardId} /> },
        { header: 'Time', cell: (transaction) => formatTime(transaction.createdAt) },
      ]}
    />
  );
}
