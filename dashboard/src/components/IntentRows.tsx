// A table of intents: what the agent declared, its status, and how the transaction matched it.
import type { Intent } from '../api/types';
import { StatusBadge } from './feedback';
import { formatCents, formatTime } from './format';
import { IdLink } from './IdLink';

/** The API's matchResult in words: which of amount and merchant agreed, and what the transaction had. */
export function matchText(matchResult: Intent['matchResult']): string {
  if (matchResult === null) return '—';
  const result = matchResult as { amountMatch?: unknown; merchantMatch?: unknown; actualAmount?: unknown; actualMerchant?: unknown };
  const parts: string[] = [];
  if (typeof result.amountMatch === 'boolean') parts.push(`amount ${result.amountMatch ? 'matched' : 'did not match'}${typeof result.actualAmount === 'number' ? ` (${formatCents(result.actualAmount)})` : ''}`);
  if (typeof result.merchantMatch === 'boolean') parts.push(`merchant ${result.merchantMatch ? 'matched' : 'did not match'}${typeof result.actualMerchant === 'string' ? ` (${result.actualMerchant})` : ''}`);
  return parts.length === 0 ? JSON.stringify(matchResult) : parts.join('; ');
}

export function IntentRows({ intents, label }: { intents: readonly Intent[]; label: string }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Intent</th>
          <th scope="col">Declared</th>
          <th scope="col" className="number">Amount</th>
          <th scope="col">Status</th>
          <th scope="col">Match</th>
          <th scope="col">Transaction</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {intents.map((intent) => (
          <tr key={intent.id}>
            <td>
              <IdLink kind="intent" id={intent.id} />
            </td>
            <td>
              {intent.summary} at {intent.merchantText}
            </td>
            <td className="number">{formatCents(intent.amount)}</td>
            <td>
              <StatusBadge status={intent.status} />
              {intent.decisionReason === null ? null : <div className="small">{intent.decisionReason}</div>}
            </td>
            <td>{matchText(intent.matchResult)}</td>
            <td>
              <IdLink kind="transaction" id={intent.transactionId} />
            </td>
            <td>{formatTime(intent.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
