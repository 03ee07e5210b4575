// Loading, error and empty states, and status badges.
import type { ReactNode } from 'react';
import { describeError } from '../api/client';
import { words } from './format';

export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (error === null || error === undefined) return null;
  const { message, code } = describeError(error);
  return (
    <div className="error" role="alert">
      {title === undefined ? null : <strong>{title}: </strong>}
      {message}
      {code === undefined ? null : <span className="code"> ({code})</span>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="muted">{children}</p>;
}

/** What a change did, announced to screen readers. */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="notice" role="status">
      {children}
    </p>
  );
}

export type Tone = 'good' | 'warn' | 'bad' | 'neutral' | 'info';

const tones: Record<string, Tone> = {
  active: 'good',
  approved: 'good',
  enabled: 'good',
  settled: 'good',
  succeeded: 'good',
  matched: 'good',
  attested: 'good',
  resolved: 'good',
  completed: 'good',
  pending: 'info',
  pending_approval: 'warn',
  revealed: 'info',
  manualReview: 'warn',
  documentRequired: 'warn',
  notStarted: 'neutral',
  frozen: 'warn',
  suspended: 'warn',
  open: 'warn',
  stale: 'warn',
  unattested: 'warn',
  mismatched: 'bad',
  declined: 'bad',
  rejected: 'bad',
  failed: 'bad',
  closed: 'neutral',
  deregistered: 'neutral',
  disabled: 'neutral',
  voided: 'neutral',
  refunded: 'neutral',
  expired: 'neutral',
  canceled: 'neutral',
};

/** A status as the API names it, in words, coloured by what it means for the operator. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge badge-${tones[status] ?? 'neutral'}`}>{label ?? words(status)}</span>;
}
