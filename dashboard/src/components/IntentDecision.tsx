// Approve or reject an intent waiting in pending_approval (an API key decides; an agent never can). An intent whose
// approvalMethod is the cardholder's is decided only on its hosted page: the operator gets the link to send instead.
import { useId, useState } from 'react';
import { useDecideIntent } from '../api/intents';
import type { Intent } from '../api/types';
import { ErrorMessage } from './feedback';
import { formatCents, optionalText } from './format';

const methodNames: Record<NonNullable<Intent['approvalMethod']>, string> = {
  apiKey: 'Operator (API key)',
  cardholder: 'Cardholder, on the approval page',
  cardholderPasskey: 'Cardholder, with a passkey',
};

export function approvalMethodName(method: Intent['approvalMethod']): string {
  return method === null ? '—' : methodNames[method];
}

export function IntentDecision({ intent }: { intent: Intent }) {
  if (intent.approvalMethod === 'cardholder' || intent.approvalMethod === 'cardholderPasskey') return <CardholderLink intent={intent} />;
  return <OperatorDecision intent={intent} />;
}

function CardholderLink({ intent }: { intent: Intent }) {
  const linkId = useId();
  if (intent.approvalUrl === null) return <p>Only the cardholder decides this intent.</p>;
  return (
    <div className="stack" role="group" aria-label={`Approval link for ${formatCents(intent.amount)} at ${intent.merchantText}`}>
      <label htmlFor={linkId}>Send the cardholder this link</label>
      <input id={linkId} value={intent.approvalUrl} readOnly onFocus={(event) => event.target.select()} data-approval-url="" />
    </div>
  );
}

function OperatorDecision({ intent }: { intent: Intent }) {
  const decide = useDecideIntent();
  const [reason, setReason] = useState('');
  const reasonId = useId();
  const what = `${formatCents(intent.amount)} at ${intent.merchantText}`;
  function decideAs(decision: 'approve' | 'reject') {
    const text = optionalText(reason);
    decide.mutate({ id: intent.id, decision, ...(text === undefined ? {} : { reason: text }) });
  }
  return (
    <div className="stack" role="group" aria-label={`Decision on ${what}`}>
      <label htmlFor={reasonId}>Reason (optional)</label>
      <input id={reasonId} value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} autoComplete="off" />
      <div className="actions">
        <button type="button" className="primary" disabled={decide.isPending} onClick={() => decideAs('approve')} aria-label={`Approve ${what}`}>
          Approve
        </button>
        <button type="button" className="danger" disabled={decide.isPending} onClick={() => decideAs('reject')} aria-label={`Reject ${what}`}>
          Reject
        </button>
      </div>
      <ErrorMessage error={decide.error} />
    </div>
  );
}
