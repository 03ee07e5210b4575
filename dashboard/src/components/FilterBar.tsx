// A row of filters over an API list: text filters apply on "Apply filters", selects at once.
import { useState, type FormEvent } from 'react';
import { SelectField, TextField } from './Form';

export type FilterSpec<Name extends string> =
  | { name: Name; label: string; kind: 'text'; placeholder?: string }
  | { name: Name; label: string; kind: 'select'; options: Array<{ value: string; label: string }> }
  | { name: Name; label: string; kind: 'datetime' };

export function FilterBar<Name extends string>({ specs, values, apply, label }: { specs: ReadonlyArray<FilterSpec<Name>>; values: Record<Name, string>; apply: (next: Partial<Record<Name, string>>) => void; label: string }) {
  const [draft, setDraft] = useState<Record<Name, string>>(values);
  const [appliedKey, setAppliedKey] = useState(JSON.stringify(values));
  // Another screen's link changed the address: start from its filters.
  if (JSON.stringify(values) !== appliedKey) {
    setAppliedKey(JSON.stringify(values));
    setDraft(values);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    apply(draft);
  }

  return (
    <form className="filters" onSubmit={submit} aria-label={label} role="search">
      {specs.map((spec) =>
        spec.kind === 'select' ? (
          <SelectField
            key={spec.name}
            label={spec.label}
            value={draft[spec.name]}
            options={spec.options}
            onChange={(value) => {
              setDraft({ ...draft, [spec.name]: value });
              apply({ ...draft, [spec.name]: value } as Partial<Record<Name, string>>);
            }}
          />
        ) : (
          <TextField
            key={spec.name}
            label={spec.label}
            type={spec.kind === 'datetime' ? 'datetime-local' : 'text'}
            value={draft[spec.name]}
            onChange={(value) => setDraft({ ...draft, [spec.name]: value })}
            placeholder={spec.kind === 'text' ? spec.placeholder : undefined}
            autoComplete="off"
          />
        ),
      )}
      <button type="submit">Apply filters</button>
      <button
        type="button"
        onClick={() => {
          const cleared = Object.fromEntries(specs.map((spec) => [spec.name, ''])) as Record<Name, string>;
          setDraft(cleared);
          apply(cleared);
        }}
      >
        Clear filters
      </button>
    </form>
  );
}
