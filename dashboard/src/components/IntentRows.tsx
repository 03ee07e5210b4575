// A table of intents: what the agent declared, its status, and how the transaction matched it.
import type { Intent } from '../api/types';
import { DataTable } from './DataTable';
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
    <DataTable
      rows={intents}
      label={label}
      columns={[
        { header: 'Intent', cell: (intent) => <IdLink kind="intent" id={intent.id} /> },
        {
          header: 'Declared',
          cell: (intent) => (
            <>
              {intent.summary} at {intent.merchantText}
            </>
          ),
        },
        { header: 'Amount', kind: 'number', cell: (intent) => formatCents(intent.amount) },
        {
          header: 'Status',
          cell: (intent) => (
            <>
              <StatusBadge status={intent.status} />
              {intent.decisionReason === null ? null : <div className="small">{intent.decisionReason}</div>}
            </>
          ),
        },
        { header: 'Match', cell: (intent) => matchText(intent.matchResult) },
        { header: 'Transaction', cell: (intent) => <IdLink kind="transaction" id={intent.transactionId} /> },
        { header: 'Created', cell: (intent) => formatTime(intent.createdAt) },
      ]}
    />
  );
}
