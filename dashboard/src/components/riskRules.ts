// The rule names and actions as the API's types declare them, in the order the settings list them.
import type { RiskAction, RiskRuleName } from '../api/types';

export const riskRuleNames: readonly RiskRuleName[] = ['merchantDrift', 'velocity', 'duplicate', 'spendSpike', 'unattestedSpend', 'intentMismatch', 'cooldown', 'attestationMismatch'];
export const riskActions: readonly RiskAction[] = ['alert', 'freeze_card', 'suspend_agent', 'decline'];
