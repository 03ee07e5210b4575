// Secrets the API shows once (a new API key, agent token or webhook secret) or on request (a webhook secret):
// shown in full with a copy button, and said to be shown only now when that is the case.
import { useState } from 'react';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  return (
    <>
      <button
        type="button"
        onClick={() => {
          navigator.clipboard.writeText(text).then(
            () => setCopied('yes'),
            () => setCopied('failed'),
          );
        }}
      >
        {label}
      </button>
      <span role="status" className="muted">
        {copied === 'yes' ? ' Copied.' : copied === 'failed' ? ' Copying failed: select the text and copy it.' : ''}
      </span>
    </>
  );
}

export function SecretValue({ label, value, shownOnce, onDismiss }: { label: string; value: string; shownOnce: boolean; onDismiss?: () => void }) {
  return (
    <div className="secret" role="group" aria-label={label}>
      <p>
        <strong>{label}</strong>
        {shownOnce ? ' — shown only now: store it before leaving this page.' : null}
      </p>
      <code className="secret-value">{value}</code>
      <div className="actions">
        <CopyButton text={value} label={`Copy ${label.toLowerCase()}`} />
        {onDismiss === undefined ? null : (
          <button type="button" onClick={onDismiss}>
            Hide
          </button>
        )}
      </div>
    </div>
  );
}
