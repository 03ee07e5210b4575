// Risk rules evaluated inside the authorization (SPEC §4 "Risk engine"). Pure: a rule sees the facts of one
// authorization and says whether it fires and with which action. Rules whose action is `decline` run before the
// decision; the others act after an approval. The general engine (settings cascade, presets, alerts) builds on
// this shape; today it holds the card-level merchant-drift rule of SPEC §4 "Cards".

export type RiskAction = 'alert' | 'freeze_card' | 'suspend_agent' | 'decline';

export interface RiskContext {
  card: { type: 'single' | 'multi'; merchantDriftEnabled: boolean; onDrift: 'alert' | 'freeze_card' | 'decline'; pinnedMerchant: string | null };
  merchantNormalizedName: string;
}

export interface RiskFiring {
  rule: 'merchantDrift';
  /** The event type recorded when it fires. */
  eventType: string;
  action: RiskAction;
  detail: string;
}

/** A multi-use card is pinned to the merchant of its first approved authorization; another merchant is drift. */
function merchantDrift(context: RiskContext): RiskFiring | undefined {
  const { card } = context;
  if (card.type !== 'multi' || !card.merchantDriftEnabled || card.pinnedMerchant === null) return undefined;
  if (card.pinnedMerchant === context.merchantNormalizedName) return undefined;
  return {
    rule: 'merchantDrift',
    eventType: 'risk.merchant_drift',
    action: card.onDrift,
    detail: `the card is pinned to ${card.pinnedMerchant}; this authorization is at ${context.merchantNormalizedName}`,
  };
}

export function evaluateRiskRules(context: RiskContext): RiskFiring[] {
  return [merchantDrift(context)].filter((firing): firing is RiskFiring => firing !== undefined);
}
