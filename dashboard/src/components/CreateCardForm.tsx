// Issuing a card to an agent: what it is for, single or multi use, the per-transaction maximum (reserved from the
// user's balance) and optional daily and monthly limits.
import { useState } from 'react';
import { Link } from 'wouter';
import { useCreateCard } from '../api/cards';
import type { Card } from '../api/types';
import { Notice } from './feedback';
import { formatCents, optionalText, parseDollars } from './format';
import { SelectField, TextField } from './Form';
import { MutationForm } from './MutationForm';
import { Panel } from './Panel';

export function CreateCardForm({ agentId }: { agentId: string }) {
  const create = useCreateCard();
  const [purpose, setPurpose] = useState('');
  const [type, setType] = useState<'single' | 'multi'>('multi');
  const [maxAmount, setMaxAmount] = useState('');
  const [perDay, setPerDay] = useState('');
  const [perMonth, setPerMonth] = useState('');
  const [created, setCreated] = useState<Card | undefined>(undefined);

  function send() {
    const maxCents = parseDollars(maxAmount);
    const dayCents = optionalText(perDay) === undefined ? undefined : parseDollars(perDay);
    const monthCents = optionalText(perMonth) === undefined ? undefined : parseDollars(perMonth);
    if (maxCents === undefined || (optionalText(perDay) !== undefined && dayCents === undefined) || (optionalText(perMonth) !== undefined && monthCents === undefined)) {
      return 'Enter amounts in dollars, e.g. 50 or 49.99';
    }
    const limits = { ...(dayCents === undefined ? {} : { perDay: dayCents }), ...(monthCents === undefined ? {} : { perMonth: monthCents }) };
    create.mutate(
      { agentId, body: { purpose, type, maxAmount: maxCents, ...(Object.keys(limits).length === 0 ? {} : { limits }) } },
      { onSuccess: (card) => setCreated(card) },
    );
    return undefined;
  }

  return (
    <Panel headingId="create-card-heading" heading="Issue a card">
      <MutationForm send={send} submitLabel="Issue card" primary pending={create.isPending} error={create.error}>
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
      </MutationForm>
      {created === undefined ? null : (
        <Notice>
          Issued <Link href={`/cards/${created.id}`}>{`card •••• ${created.last4}`}</Link>, reserving {formatCents(created.reservation)}.
        </Notice>
      )}
    </Panel>
  );
}
