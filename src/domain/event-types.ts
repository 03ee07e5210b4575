// The catalogue of event types (SPEC §6, §4 risk): what a webhook endpoint may subscribe to. Every type the code
// records is listed here (test/modules/webhooks/event-types.test.ts scans src/ for them), plus the webhook
// module's own. A subscription is an exact type or a family wildcard such as `card.*`.

export const eventTypes = [
  'user.created',
  'user.updated',
  'user.approved',
  'user.rejected',
  'user.verification_updated',
  'user.balance.updated',
  'deposit.pending',
  'deposit.completed',
  'deposit.rejected',
  'withdrawal.created',
  'withdrawal.submitted',
  'withdrawal.confirmed',
  'withdrawal.failed',
  'agent.created',
  'agent.updated',
  'agent.suspended',
  'agent.activated',
  'agent.deregistered',
  'agent.limit_exceeded',
  'agent.limit_warning',
  'agent_token.created',
  'agent_token.revoked',
  'api_key.created',
  'api_key.revoked',
  'filler_key.created',
  'filler_key.revoked',
  'passkey.enrolled',
  'passkey.removed',
  'card.created',
  'card.updated',
  'card.frozen',
  'card.unfrozen',
  'card.closed',
  'policy.created',
  'policy.updated',
  'intent.created',
  'intent.pending_approval',
  'intent.approved',
  'intent.rejected',
  'intent.canceled',
  'intent.matched',
  'intent.mismatched',
  'intent.expired',
  'credential.accessed',
  'credential.redeemed',
  'challenge.requested',
  'challenge.expired',
  'transaction.created',
  'transaction.updated',
  'transaction.declined',
  'transaction.settled',
  'transaction.voided',
  'transaction.refunded',
  'risk.merchant_drift',
  'risk.velocity',
  'risk.duplicate',
  'risk.spend_spike',
  'risk.unattested_spend',
  'risk.intent_mismatch',
  'risk.cooldown',
  'risk.attestation_mismatch',
  'risk_alert.resolved',
  'risk_settings.updated',
  'webhook.test',
  'webhook.delivery_exhausted',
] as const;

export type EventType = (typeof eventTypes)[number];

const knownTypes: ReadonlySet<string> = new Set(eventTypes);
/** `card`, `risk`, `webhook`…: the part before the first dot of a known type. */
export const eventFamilies: readonly string[] = [...new Set(eventTypes.map((type) => type.slice(0, type.indexOf('.'))))];
const knownFamilies: ReadonlySet<string> = new Set(eventFamilies);

export function isKnownEventType(type: string): boolean {
  return knownTypes.has(type);
}

/** An exact known type, or `family.*` for a known family (`risk.*`, `card.*`). `*` alone is not accepted: omit the filter. */
export function isValidEventFilter(filter: string): boolean {
  if (filter.endsWith('.*')) return knownFamilies.has(filter.slice(0, -2));
  return knownTypes.has(filter);
}

/** Whether an event of `type` matches a list of filters; an empty list matches every type. */
export function eventMatchesFilters(type: string, filters: readonly string[]): boolean {
  if (filters.length === 0) return true;
  for (const filter of filters) {
    if (filter === type) return true;
    if (filter.endsWith('.*') && type.startsWith(filter.slice(0, -1))) return true;
  }
  return false;
}
