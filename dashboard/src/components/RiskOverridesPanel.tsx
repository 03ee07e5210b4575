// An agent's or a card's place in the risk settings cascade (organization → agent → card): what it overrides and
// the effective rules, and turning an override for one rule on, off or back to inherited.
import { useState } from 'react';
import { useRiskOverrides, useUpdateRiskOverrides, type OverrideLevel } from '../api/risk';
import type { RiskAction, RiskOverrides, RiskRuleName } from '../api/types';
import { ErrorMessage, Loading } from './feedback';
import { words } from './format';
import { SelectField } from './Form';
import { MutationForm } from './MutationForm';
import { Panel } from './Panel';
import { riskActions, riskRuleNames } from './riskRules';

type Choice = 'inherit' | 'off' | RiskAction;

function overrideOf(overrides: RiskOverrides['overrides'], rule: RiskRuleName): string {
  const own = overrides.rules?.[rule] as { enabled?: boolean; action?: string } | undefined;
  if (own === undefined) return 'inherited';
  const parts = [own.enabled === undefined ? undefined : own.enabled ? 'on' : 'off', own.action === undefined ? undefined : words(own.action)].filter((part) => part !== undefined);
  return parts.length === 0 ? 'inherited' : parts.join(', ');
}

export function RiskOverridesPanel({ level, id }: { level: OverrideLevel; id: string }) {
  const overrides = useRiskOverrides(level, id);
  const update = useUpdateRiskOverrides();
  const [rule, setRule] = useState<RiskRuleName>('merchantDrift');
  const [choice, setChoice] = useState<Choice>('inherit');

  function send() {
    const value = choice === 'inherit' ? null : choice === 'off' ? { enabled: false } : { enabled: true, action: choice };
    update.mutate({ level, id, body: { rules: { [rule]: value } } });
  }

  return (
    <Panel headingId={`risk-${level}-heading`} heading={`Risk rules for this ${level}`}>
      {overrides.isPending ? <Loading what="risk settings" /> : null}
      <ErrorMessage error={overrides.error} />
      {overrides.data === undefined ? null : (
        <table>
          <caption>Effective rules{overrides.data.effective.dryRun ? ' (dry run: alerts only)' : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Effective</th>
              <th scope="col">Set on this {level}</th>
            </tr>
          </thead>
          <tbody>
            {riskRuleNames.map((name) => {
              const effective = overrides.data.effective.rules[name];
              return (
                <tr key={name}>
                  <th scope="row">{words(name)}</th>
                  <td>{effective.enabled ? words(effective.action) : 'off'}</td>
                  <td>{overrideOf(overrides.data.overrides, name)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <MutationForm send={send} submitLabel="Save override" pending={update.isPending} error={update.error}>
        <SelectField label="Rule" value={rule} onChange={(value) => setRule(value as RiskRuleName)} options={riskRuleNames.map((name) => ({ value: name, label: words(name) }))} />
        <SelectField
          label={`On this ${level}`}
          value={choice}
          onChange={(value) => setChoice(value as Choice)}
          options={[{ value: 'inherit', label: 'inherit' }, { value: 'off', label: 'off' }, ...riskActions.map((action) => ({ value: action, label: words(action) }))]}
        />
      </MutationForm>
    </Panel>
  );
}
