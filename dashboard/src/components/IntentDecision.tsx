// Approve or reject an intent waiting in pending_approval (an API key decides; an agent never can).
import { useId, useState } from 'react';
import { useDecideIntent } from '../api/intents';
import type { Intent } from '../api/types';
import { ErrorMessage } from './feedback';
import { formatCents, optionalText } from './format';

export function IntentDecision({ intent }: { intent: Intent }) {
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
