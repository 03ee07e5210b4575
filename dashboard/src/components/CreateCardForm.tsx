// Issuing a card to an agent: what it is for, single or multi use, the per-transaction maximum (reserved from the
// user's balance) and optional daily and monthly limits.
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useCreateCard } from '../api/cards';
import type { Card } from '../api/types';
import { ErrorMessage } from './feedback';
import { formatCents, optionalText, parseDollars } from './format';
import { SelectField, TextField } from './Form';

export function CreateCardForm({ agentId }: { agentId: string }) {
  const create = useCreateCard();
  const [purpose, setPurpose] = useState('');
  const [type, setType] = useState<'single' | 'multi'>('multi');
  const [maxAmount, setMaxAmount] = useState('');
  const [perDay, setPerDay] = useState('');
  const [perMonth, setPerMonth] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [created, setCreated] = useState<Card | undefined>(undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    const maxCents = parseDollars(maxAmount);
    const dayCents = optionalText(perDay) === undefined ? undefined : parseDollars(perDay);
    const monthCents = optionalText(perMonth) === undefined ? undefined : parseDollars(perMonth);
    if (maxCents === undefined || (optionalText(perDay) !== undefined && dayCents === undefined) || (optionalText(perMonth) !== undefined && monthCents === undefined)) {
      setProblem('Enter amounts in dollars, e.g. 50 or 49.99');
      return;
    }
    setProblem(undefined);
    const limits = { ...(dayCents === undefined ? {} : { perDay: dayCents }), ...(monthCents === undefined ? {} : { perMonth: monthCents }) };
    create.mutate(
      { agentId, body: { purpose, type, maxAmount: maxCents, ...(Object.keys(limits).length === 0 ? {} : { limits }) } },
      { onSuccess: (card) => setCreated(card) },
    );
  }

  return (
    <section className="panel" aria-labelledby="create-card-heading">
      <h2 id="create-card-heading">Issue a card</h2>
      <form className="inline" onSubmit={submit}>
        <TextField label="Purpose" value={purpose} onChange={setPurpose} required autoComplete="off" />
        <SelectField
          label="Type"
          value={type}
          onChange={(value) => setType(value as 'single' | 'multi')}
          options={[
            { value: 'multi', label: 'multi use' },
            { value: 'single', label: 'single use' },
          ]}
        />
        <TextField label="Maximum per transaction (USD)" value={maxAmount} onChange={setMaxAmount} required inputMode="decimal" hint="Reserved from the user's available balance while the card is open." />
        <TextField label="Daily limit (USD)" value={perDay} onChange={setPerDay} inputMode="decimal" placeholder="none" />
        <TextField label="Monthly limit (USD)" value={perMonth} onChange={setPerMonth} inputMode="decimal" placeholder="none" />
        <button type="submit" className="primary" disabled={create.isPending}>
          Issue card
        </button>
      </form>
      {problem === undefined ? null : (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      <ErrorMessage error={create.error} />
      {created === undefined ? null : (
        <p className="notice" role="status">
          Issued <Link href={`/cards/${created.id}`}>{`card •••• ${created.last4}`}</Link>, reserving {formatCents(created.reservation)}.
        </p>
      )}
    </section>
  );
}
