// The confirmed buttons that move an agent or a card to another status (suspend, freeze, close…) and the error of
// the change.
import type { ReactNode } from 'react';
import { ConfirmButton } from './ConfirmButton';
import { ErrorMessage } from './feedback';

export interface StatusActionCopy {
  label: string;
  title: string;
  explain: string;
  danger: boolean;
}

export function StatusActions<A extends string>({
  available,
  copy,
  change,
  onConfirm,
  explanation,
}: {
  available: readonly A[];
  copy: Record<A, StatusActionCopy>;
  change: { isPending: boolean; error: unknown };
  onConfirm: (action: A) => void;
  /** What the confirmation says; the action's own explanation when omitted. */
  explanation?: (action: A) => ReactNode;
}) {
  return (
    <>
      <div className="actions">
        {available.map((action) => (
          <ConfirmButton
            key={action}
            label={copy[action].label}
            title={copy[action].title}
            confirmLabel={copy[action].label}
            danger={copy[action].danger}
            disabled={change.isPending}
            onConfirm={() => onConfirm(action)}
          >
            <p>{explanation === undefined ? copy[action].explain : explanation(action)}</p>
          </ConfirmButton>
        ))}
      </div>
      <ErrorMessage error={change.error} />
    </>
  );
}
