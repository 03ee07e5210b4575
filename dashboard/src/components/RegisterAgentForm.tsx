// Registering an agent for an approved user: its spending limit and approval policy; its token is shown once.
import { useState } from 'react';
import { Link } from 'wouter';
import { useRegisterAgent } from '../api/agents';
import type { RegisteredAgent, SpendingLimitFrequency } from '../api/types';
import { optionalText, parseDollars, words } from './format';
import { CheckboxField, SelectField, TextField } from './Form';
import { MutationForm } from './MutationForm';
import { Panel } from './Panel';
import { SecretValue } from './Secret';

const frequencies: SpendingLimitFrequency[] = ['perTransaction', 'per24HourPeriod', 'perWeek', 'perMonth', 'perYear', 'allTime'];

export function RegisterAgentForm({ userId: fixedUserId }: { userId?: string }) {
  const register = useRegisterAgent();
  const [userId, setUserId] = useState(fixedUserId ?? '');
  const [name, setName] = useState('');
  const [limit, setLimit] = useState('');
  const [frequency, setFrequency] = useState<SpendingLimitFrequency>('perMonth');
  const [requireApproval, setRequireApproval] = useState(false);
  const [autoApproveBelow, setAutoApproveBelow] = useState('');
  const [registered, setRegistered] = useState<RegisteredAgent | undefined>(undefined);

  function send() {
    const limitCents = optionalText(limit) === undefined ? undefined : parseDollars(limit);
    const autoApproveCents = optionalText(autoApproveBelow) === undefined ? undefined : parseDollars(autoApproveBelow);
    if ((optionalText(limit) !== undefined && limitCents === undefined) || (optionalText(autoApproveBelow) !== undefined && autoApproveCents === undefined)) {
      return 'Enter amounts in dollars, e.g. 250 or 250.00';
    }
    register.mutate(
      {
        userId: userId.trim(),
        name,
        spendingLimitFrequency: frequency,
        ...(limitCents === undefined ? {} : { spendingLimit: limitCents }),
        ...(requireApproval ? { requireApproval: true } : {}),
        ...(autoApproveCents === undefined ? {} : { autoApproveBelow: autoApproveCents }),
      },
      { onSuccess: (agent) => setRegistered(agent) },
    );
    return undefined;
  }

  return (
    <Panel headingId="register-agent-heading" heading="Register an agent">
      <MutationForm send={send} submitLabel="Register agent" primary pending={register.isPending} error={register.error}>
        {fixedUserId === undefined ? <TextField label="User id" value={userId} onChange={setUserId} required placeholder="user_…" /> : null}
        <TextField label="Agent name" value={name} onChange={setName} required autoComplete="off" />
        <TextField label="Spending limit (USD)" value={limit} onChange={setLimit} inputMode="decimal" placeholder="no limit" />
        <SelectField label="Limit covers" value={frequency} onChange={(value) => setFrequency(value as SpendingLimitFrequency)} options={frequencies.map((value) => ({ value, label: words(value) }))} />
        <CheckboxField label="Intents need approval" checked={requireApproval} onChange={setRequireApproval} />
        {requireApproval ? <TextField label="Approve automatically below (USD)" value={autoApproveBelow} onChange={setAutoApproveBelow} inputMode="decimal" /> : null}
      </MutationForm>
      {registered === undefined ? null : (
        <div className="notice" role="status">
          Registered <Link href={`/agents/${registered.id}`}>{registered.name}</Link>.
          {registered.token === null ? null : <SecretValue label="Agent token" value={registered.token} shownOnce onDismiss={() => setRegistered(undefined)} />}
        </div>
      )}
    </Panel>
  );
}
