// A form that sends one change through the API: the submit button waits while it runs, and a problem found before
// sending (an amount that is not dollars) or the API's error shows under the form.
import { useState, type FormEvent, type ReactNode } from 'react';
import { ErrorMessage } from './feedback';

export function MutationForm({
  send,
  submitLabel,
  submitAriaLabel,
  primary = false,
  pending,
  disabled = false,
  error,
  note,
  children,
}: {
  /** Sends the change; returns a problem to show instead when the fields cannot be sent as they are. */
  send: () => string | undefined | void;
  submitLabel: string;
  submitAriaLabel?: string;
  primary?: boolean;
  pending: boolean;
  disabled?: boolean;
  /** The API's error; shown by the caller when omitted. */
  error?: unknown;
  /** A sentence under the form, above what went wrong. */
  note?: ReactNode;
  children: ReactNode;
}) {
  const [problem, setProblem] = useState<string | undefined>(undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = send();
    setProblem(typeof found === 'string' ? found : undefined);
  }

  return (
    <>
      <form className="inline" onSubmit={submit}>
        {children}
        <button type="submit" className={primary ? 'primary' : undefined} disabled={pending || disabled} aria-label={submitAriaLabel}>
          {submitLabel}
        </button>
      </form>
      {note}
      {problem === undefined ? null : (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      <ErrorMessage error={error} />
    </>
  );
}
