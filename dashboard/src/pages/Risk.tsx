// Risk: alerts (filter, resolve with a note), the organization's rules (edit one), presets with dry run, and the
// cascade organization → agent → card for a chosen agent or card.
import { useState, type FormEvent } from 'react';
import { definedOnly } from '../api/query';
import { useAlertPages, useApplyRiskPreset, useResolveAlert, useRiskSettings, useUpdateRiskSettings, type AlertFilter } from '../api/risk';
import type { RequestBody, RiskAction, RiskAlert, RiskRuleName } from '../api/types';
import { DataTable } from '../components/DataTable';
import { ErrorMessage, Loading, Notice, StatusBadge } from '../components/feedback';
import { FilterBar } from '../components/FilterBar';
import { formatTime, optionalText, words } from '../components/format';
import { anyOf, CheckboxField, SelectField, TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { MutationForm } from '../components/MutationForm';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { riskActions, riskRuleNames } from '../components/riskRules';
import { RiskOverridesPanel } from '../components/RiskOverridesPanel';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

type Preset = RequestBody<'applyRiskPreset'>['preset'];
const presets: Preset[] = ['permissive', 'moderate', 'strict', 'paranoid'];

/** The numeric parameters of each rule, as the settings answer them. */
function parametersOf(rule: Record<string, unknown>): Array<[string, number]> {
  return Object.entries(rule).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
}

function ResolveAlert({ alert }: { alert: RiskAlert }) {
  const resolve = useResolveAlert();
  const [note, setNote] = useState('');
  if (alert.status === 'resolved') {
    return (
      <span className="small">
        resolved {formatTime(alert.resolution?.resolvedAt)}
        {alert.resolution?.note === null || alert.resolution?.note === undefined ? '' : `: ${alert.resolution.note}`}
      </span>
    );
  }
  return (
    <form
      className="inline"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        const text = optionalText(note);
        resolve.mutate({ id: alert.id, ...(text === undefined ? {} : { note: text }) });
      }}
    >
      <TextField label="Note" value={note} onChange={setNote} autoComplete="off" />
      <button type="submit" disabled={resolve.isPending} aria-label={`Resolve alert ${alert.id}`}>
        Resolve
      </button>
      <ErrorMessage error={resolve.error} />
    </form>
  );
}

function Alerts() {
  const [filters, apply] = useUrlFilters(['status', 'rule', 'cardId', 'agentId'] as const);
  const alerts = useAlertPages(definedOnly(filters) as AlertFilter);
  return (
    <Panel headingId="alerts-heading" heading="Alerts">
      <FilterBar
        label="Filter alerts"
        values={filters}
        apply={apply}
        specs={[
          { name: 'status', label: 'Status', kind: 'select', options: anyOf(['open', 'resolved'], words) },
          { name: 'rule', label: 'Rule', kind: 'select', options: anyOf(riskRuleNames, words) },
          { name: 'cardId', label: 'Card id', kind: 'text', placeholder: 'card_…' },
          { name: 'agentId', label: 'Agent id', kind: 'text', placeholder: 'agent_…' },
        ]}
      />
      <PagedList pages={alerts} loadingWhat="alerts" empty="No alerts match." pagerLabel="alerts">
        {(rows) => (
          <DataTable
            rows={rows}
            columns={[
              { header: 'Rule', cell: (alert) => words(alert.rule) },
              { header: 'What happened', cell: (alert) => alert.detail },
              {
                header: 'Outcome',
                cell: (alert) => (
                  <>
                    {words(alert.outcome)}
                    {alert.dryRun ? ' (dry run)' : ''}
                  </>
                ),
              },
              {
                header: 'Objects',
                cell: (alert) => (
                  <>
                    <IdLink kind="card" id={alert.cardId} /> <IdLink kind="agent" id={alert.agentId} />{' '}
                    {alert.transactionId === null ? null : <IdLink kind="transaction" id={alert.transactionId} />}
                  </>
                ),
              },
              { header: 'Time', cell: (alert) => formatTime(alert.createdAt) },
              {
                header: 'Status',
                cell: (alert) => (
                  <>
                    <StatusBadge status={alert.status} /> <ResolveAlert alert={alert} />
                  </>
                ),
              },
            ]}
          />
        )}
      </PagedList>
    </Panel>
  );
}

function OrganizationRules() {
  const settings = useRiskSettings();
  const update = useUpdateRiskSettings();
  const [rule, setRule] = useState<RiskRuleName>('velocity');
  const [enabled, setEnabled] = useState(true);
  const [action, setAction] = useState<RiskAction>('alert');

  return (
    <Panel headingId="rules-heading" heading="Organization rules">
      {settings.isPending ? <Loading what="risk settings" /> : null}
      <ErrorMessage error={settings.error} />
      {settings.data === undefined ? null : (
        <>
          <p>
            Preset: <strong>{settings.data.preset}</strong>
            {settings.data.dryRun ? ' — dry run: rules record alerts without declining, freezing or suspending.' : ''} Updated {formatTime(settings.data.updatedAt)}.
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">State</th>
                <th scope="col">Action</th>
                <th scope="col">Parameters</th>
              </tr>
            </thead>
            <tbody>
              {riskRuleNames.map((name) => {
                const current = settings.data.rules[name] as { enabled: boolean; action: string } & Record<string, unknown>;
                return (
                  <tr key={name}>
                    <th scope="row">{words(name)}</th>
                    <td>{current.enabled ? 'on' : 'off'}</td>
                    <td>{words(current.action)}</td>
                    <td>
                      {parametersOf(current)
                        .map(([parameter, value]) => `${words(parameter)} ${value}`)
                        .join(', ') || '—'}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      <h3>Change a rule</h3>
      <MutationForm send={() => update.mutate({ rules: { [rule]: { enabled, action } } })} submitLabel="Save rule" pending={update.isPending} error={update.error}>
        <SelectField label="Rule" value={rule} onChange={(value) => setRule(value as RiskRuleName)} options={riskRuleNames.map((name) => ({ value: name, label: words(name) }))} />
        <CheckboxField label="Enabled" checked={enabled} onChange={setEnabled} />
        <SelectField label="Action" value={action} onChange={(value) => setAction(value as RiskAction)} options={riskActions.map((value) => ({ value, label: words(value) }))} />
      </MutationForm>
    </Panel>
  );
}

function Presets() {
  const apply = useApplyRiskPreset();
  const [preset, setPreset] = useState<Preset>('moderate');
  const [dryRun, setDryRun] = useState(true);
  const [applied, setApplied] = useState<string | undefined>(undefined);
  return (
    <Panel headingId="presets-heading" heading="Presets">
      <p className="small">A preset replaces every organization rule. With dry run on, rules only record alerts, so a stricter preset can be tried on live traffic first.</p>
      <MutationForm
        send={() => apply.mutate({ preset, dryRun }, { onSuccess: (settings) => setApplied(`${settings.preset}${settings.dryRun ? ' (dry run)' : ''}`) })}
        submitLabel="Apply preset"
        pending={apply.isPending}
        error={apply.error}
      >
        <SelectField label="Preset" value={preset} onChange={(value) => setPreset(value as Preset)} options={presets.map((value) => ({ value, label: value }))} />
        <CheckboxField label="Dry run" checked={dryRun} onChange={setDryRun} />
      </MutationForm>
      {applied === undefined ? null : <Notice>Applied {applied}.</Notice>}
    </Panel>
  );
}

function Cascade() {
  const [level, setLevel] = useState<'agent' | 'card'>('agent');
  const [draft, setDraft] = useState('');
  const [id, setId] = useState('');
  return (
    <Panel headingId="cascade-heading" heading="Settings cascade">
      <p className="small">Organization rules apply unless an agent overrides them, and a card overrides its agent. Look up an agent or a card to see what applies to it.</p>
      <form
        className="inline"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          setId(draft.trim());
        }}
      >
        <SelectField
          label="Level"
          value={level}
          onChange={(value) => setLevel(value as 'agent' | 'card')}
          options={[
            { value: 'agent', label: 'agent' },
            { value: 'card', label: 'card' },
          ]}
        />
        <TextField label={level === 'agent' ? 'Agent id' : 'Card id'} value={draft} onChange={setDraft} placeholder={level === 'agent' ? 'agent_…' : 'card_…'} autoComplete="off" />
        <button type="submit">Show</button>
      </form>
      {id === '' ? null : <RiskOverridesPanel key={`${level}-${id}`} level={level} id={id} />}
    </Panel>
  );
}

export function Risk() {
  usePageTitle('Risk');
  return (
    <>
      <h1>Risk</h1>
      <Alerts />
      <div className="grid">
        <OrganizationRules />
        <Presets />
      </div>
      <Cascade />
    </>
  );
}
