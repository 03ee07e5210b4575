// A table of transactions with their status, intent match and attestation badges, and the decline reason in words.
import type { Transaction } from '../api/types';
import { StatusBadge } from './feedback';
import { formatCents, formatTime } from './format';
import { IdLink } from './IdLink';

export function TransactionRows({ transactions, label }: { transactions: readonly Transaction[]; label: string }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Transaction</th>
          <th scope="col">Merchant</th>
          <th scope="col" className="number">Amount</th>
          <th scope="col">Status</th>
          <th scope="col">Intent</th>
          <th scope="col">Card</th>
          <th scope="col">Time</th>
        </tr>
      </thead>
      <tbody>
        {transactions.map((transaction) => (
          <tr key={transaction.id} data-transaction-id={transaction.id}>
            <td>
              <IdLink kind="transaction" id={transaction.id} />
            </td>
            <td>{transaction.merchant.name}</td>
            <td className="number">{formatCents(transaction.amount)}</td>
            <td>
              <StatusBadge status={transaction.status} />
              {transaction.declineDetail === null ? null : <div className="small">{transaction.declineDetail}</div>}
            </td>
            <td>
              <StatusBadge status={transaction.attestationStatus} />{' '}
              {transaction.intentMatch === null ? null : <StatusBadge status={transaction.intentMatch} label={`intent ${transaction.intentMatch}`} />}
            </td>
            <td>
              <IdLink kind="card" id={transaction.cardId} />
            </td>
            <td>{formatTime(transaction.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
