// Labelled form controls: every control has a visible label tied to it.
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value' | 'id'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: ReactNode;
};

export function TextField({ label, value, onChange, hint, ...rest }: InputProps) {
  const id = useId();
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(event) => onChange(event.target.value)} aria-describedby={hint === undefined ? undefined : hintId} {...rest} />
      {hint === undefined ? null : (
        <span id={hintId} className="small">
          {hint}
        </span>
      )}
    </div>
  );
}

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value' | 'id'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** A disabled option is shown but cannot be chosen (e.g. what this server cannot do). */
  options: ReadonlyArray<{ value: string; label: string; disabled?: boolean }>;
};

export function SelectField({ label, value, onChange, options, ...rest }: SelectProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)} {...rest}>
        {options.map((option) => (
          <option key={option.value} value={option.value} disabled={option.disabled}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function CheckboxField({ label, checked, onChange }: { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  const id = useId();
  return (
    <div className="checkbox">
      <input id={id} type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/** Options for a filter select: "Any" first, then the API's values in words. */
export function anyOf(values: readonly string[], toLabel: (value: string) => string): Array<{ value: string; label: string }> {
  return [{ value: '', label: 'Any' }, ...values.map((value) => ({ value, label: toLabel(value) }))];
}
