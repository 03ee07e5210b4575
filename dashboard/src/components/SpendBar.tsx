// An agent's spend in its current window against its limit, as the API's policy answers them.
import type { AgentPolicy } from '../api/types';
import { formatCents, words } from './format';

export function SpendBar({ policy }: { policy: AgentPolicy }) {
  if (policy.spendingLimit === null) {
    return (
      <p>
        Spent {formatCents(policy.currentSpend)} ({words(policy.spendingLimitFrequency)}); no spending limit.
      </p>
    );
  }
  const label = `Spent ${formatCents(policy.currentSpend)} of ${formatCents(policy.spendingLimit)}`;
  return (
    <div className="spend-bar">
      <label>
        <span>
          {label} ({words(policy.spendingLimitFrequency)}); {formatCents(policy.remaining)} remaining
        </span>
        <meter min={0} max={Math.max(policy.spendingLimit, 1)} low={policy.spendingLimit * 0.8} high={policy.spendingLimit * 0.95} optimum={0} value={policy.currentSpend}>
          {label}
        </meter>
      </label>
    </div>
  );
}
