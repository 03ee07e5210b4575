// Card details (SPEC §4 "credential access"): the only way to a card's number. It needs a pending or revealed
// intent on the card (and says why when the one declared waits for approval or expired), moves it to `revealed`
// (24 h to be used), records a `credential.accessed` event whose id is returned as `accessEventId`, and allows at most
// 10 reads per card per hour. An attestation that contradicts the intent is answered with `warnings`, kept on the
// access, and put to the risk rule attestationMismatch, which may refuse the details.
import { AppError } from '../../domain/errors.js';
import { formatExpirationMonth, formatExpirationYear } from '../../domain/card-numbers.js';
import { approvalExpiredReason, attestationWarnings, effectiveIntentStatus, revealedLifetimeMs, type AttestationWarning } from '../../domain/intents.js';
import { evaluateDetailsRiskRules, riskDeclineOf, type DetailsRiskFacts } from '../../domain/risk-rules.js';
import type { Sql } from '../../store/database.js';
import { getAgent, type AgentStatusFollower } from '../agents/service.js';
import { cardNotActive, getCardForUpdate } from '../cards/service.js';
import { decryptPan, deriveCvv, type VaultSecrets } from '../cards/vault.js';
import { recordEvent } from '../events/service.js';
import { visibleTo, type Principal } from '../../domain/principal.js';
import { recordRiskFirings } from '../risk/service.js';
import { riskSettingsFor } from '../risk/settings.js';
import type { Scope } from '../../domain/scope.js';
import type { CardDetailsInput } from './schemas.js';
import { cardControls, credentialExposureOf } from '../policies/card-policy.js';
import { issueDetailsToken } from '../fillers/details-tokens.js';
import { intentAmountTolerance, intentFromRow, presentIntent, type Intent, type IntentRow } from './service.js';

export const detailsAccessesPerHourMax = 10;
const hourMs = 60 * 60_000;

/** The intent these details are for: the named one (by id or your intentId), else the most recent usable one. */
async function usableIntent(tx: Sql, cardId: string, named: string | undefined, nowMs: number): Promise<Intent | undefined> {
  const row =
    named === undefined
      ? await tx.get<IntentRow>(`SELECT * FROM intents WHERE card_id = ? AND status IN ('pending', 'revealed') AND expires_at > ? ORDER BY id DESC LIMIT 1`, [cardId, nowMs])
      : await tx.get<IntentRow>(`SELECT * FROM intents WHERE card_id = ? AND (id = ? OR client_intent_id = ?) AND status IN ('pending', 'revealed') AND expires_at > ?`, [
          cardId,
          named,
          named,
          nowMs,
        ]);
  return row === undefined ? undefined : intentFromRow(row);
}

/**
 * Why no intent serves, in the agent's terms: the named intent (else one waiting for approval, else the card's most
 * recent) is waiting for approval, was rejected or has expired; anything else — none, unknown, another card's,
 * canceled, used — is `intent_required`.
 */
async function noUsableIntentError(tx: Sql, cardId: string, named: string | undefined, nowMs: number): Promise<AppError> {
  const param = named === undefined ? undefined : 'intentId';
  const row =
    named === undefined
      ? ((await tx.get<IntentRow>(`SELECT * FROM intents WHERE card_id = ? AND status = 'pending_approval' AND expires_at > ? ORDER BY id DESC LIMIT 1`, [cardId, nowMs])) ??
        (await tx.get<IntentRow>('SELECT * FROM intents WHERE card_id = ? ORDER BY id DESC LIMIT 1', [cardId])))
      : await tx.get<IntentRow>('SELECT * FROM intents WHERE card_id = ? AND (id = ? OR client_intent_id = ?) ORDER BY id DESC LIMIT 1', [cardId, named, named]);
  if (row === undefined) return new AppError('intent_required', { param });
  const expiresAtMs = Number(row.expires_at);
  switch (effectiveIntentStatus(row.status, expiresAtMs, nowMs)) {
    case 'pending_approval':
      return new AppError('intent_pending_approval', { intentId: row.id, param });
    case 'expired':
      return new AppError('intent_expired', { intentId: row.id, expiredAt: new Date(expiresAtMs).toISOString(), cardId, param });
    case 'rejected':
      return new AppError('intent_rejected', { intentId: row.id, reason: row.status === 'rejected' ? (row.decision_reason ?? 'rejected') : approvalExpiredReason, cardId, param });
    default:
      return new AppError('intent_required', { param });
  }
}

export interface CardDetails {
  accessEventId: string;
  /** rawPan: the number and CVV are in this answer; extensionOnly: a details token for a trusted filler instead. */
  exposureMode: 'rawPan' | 'extensionOnly';
  /** rawPan only. */
  pan?: string;
  cvv?: string;
  /** extensionOnly only: redeemed once, within 120 s, by a filler key (POST /v1/details-tokens/{token}/redeem). */
  detailsToken?: string;
  tokenExpiresAt?: string;
  expirationMonth: string;
  expirationYear: string;
  last4: string;
  intentId: string;
  /** Where the attestation contradicts the intent; empty when it agrees. */
  warnings: AttestationWarning[];
}

/** Details are served, or refused by the attestationMismatch rule after its alert was recorded (which must commit). */
export type CardDetailsOutcome = { kind: 'served'; details: CardDetails } | { kind: 'refused'; error: AppError };

export async function accessCardDetails(
  tx: Sql,
  scope: Scope,
  principal: Principal,
  cardId: string,
  input: CardDetailsInput,
  secrets: VaultSecrets,
  followAgentStatus: AgentStatusFollower,
  nowMs: number,
): Promise<CardDetailsOutcome> {
  const card = await getCardForUpdate(tx, scope, cardId);
  if (!visibleTo(principal, card.agentId)) throw new AppError('resource_not_found', { resource: 'card', id: cardId, param: 'cardId' });
  if (card.status !== 'active') throw cardNotActive(card);
  const agent = await getAgent(tx, scope, card.agentId);
  if (agent.status !== 'active') throw new AppError('agent_not_active', { agentId: agent.id, status: agent.status });
  const exposureMode = await credentialExposureOf(tx, scope, card, agent);
  if (exposureMode === 'never') throw new AppError('credential_access_disabled', { cardId: card.id });

  const intent = await usableIntent(tx, card.id, input.intentId, nowMs);
  if (intent === undefined) throw await noUsableIntentError(tx, card.id, input.intentId, nowMs);

  const recent = await tx.all<{ accessed_at: number }>('SELECT accessed_at FROM card_detail_accesses WHERE card_id = ? AND accessed_at > ? ORDER BY accessed_at', [card.id, nowMs - hourMs]);
  if (recent.length >= detailsAccessesPerHourMax) {
    const retryAfterSeconds = Math.max(1, Math.ceil((recent[0]!.accessed_at + hourMs - nowMs) / 1000));
    throw new AppError('details_rate_limited', { cardId: card.id, limit: detailsAccessesPerHourMax, retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  }

  // The attestation against the intent; the risk settings are read only when there is something to judge.
  const warnings = attestationWarnings(
    { amountCents: intent.amountCents, merchantText: intent.merchantText },
    { amountCents: input.expectedAmount, merchantText: input.merchantText },
    // The intent's own tolerance, else the card's (its policies' intentTolerance), as the authorization will judge it.
    intentAmountTolerance(intent) ?? (await cardControls(tx, card, agent)).controls.intentTolerance ?? undefined,
  );
  const riskFacts: DetailsRiskFacts = {
    intentId: intent.id,
    declared: { amountCents: intent.amountCents, merchantText: intent.merchantText },
    attested: { amountCents: input.expectedAmount, merchantText: input.merchantText },
    mismatches: warnings,
  };
  const firings = warnings.length === 0 ? [] : evaluateDetailsRiskRules(riskFacts, await riskSettingsFor(tx, scope, card.agentId, card.id));
  const decline = riskDeclineOf(firings);
  if (decline !== undefined) {
    await recordRiskFirings(tx, scope, [decline], { card, facts: riskFacts, accessEventId: undefined }, true, followAgentStatus, nowMs);
    const mismatches = warnings.map((warning) => (warning.field === 'merchantText' ? 'another merchant' : 'an amount outside the tolerance')).join(', ');
    return { kind: 'refused', error: new AppError('attestation_mismatch', { intentId: intent.id, mismatches, param: warnings[0]!.field }) };
  }

  const revealed: Intent =
    intent.status === 'pending' ? { ...intent, status: 'revealed', revealedAtMs: nowMs, expiresAtMs: nowMs + revealedLifetimeMs, updatedAtMs: nowMs } : { ...intent, updatedAtMs: nowMs };
  const access = await recordEvent(
    tx,
    scope,
    'credential.accessed',
    {
      object: 'credential_access',
      cardId: card.id,
      last4: card.last4,
      agentId: card.agentId,
      userId: card.userId,
      intentId: intent.id,
      summary: input.summary,
      expectedAmount: input.expectedAmount,
      expectedCurrency: input.expectedCurrency ?? 'USD',
      merchantText: input.merchantText,
      reason: input.reason ?? 'one-time',
      clientContext: input.clientContext ?? null,
      exposureMode,
      warnings,
      accessedBy: { kind: principal.kind, id: principal.id },
      intent: presentIntent(revealed, nowMs),
    },
    nowMs,
  );
  const accessEventId = access.id;
  await tx.run('UPDATE intents SET status = ?, revealed_at = ?, expires_at = ?, access_event_id = ?, updated_at = ? WHERE id = ?', [
    revealed.status,
    revealed.revealedAtMs,
    revealed.expiresAtMs,
    accessEventId,
    nowMs,
    intent.id,
  ]);
  await tx.run('INSERT INTO card_detail_accesses (id, card_id, intent_id, accessed_at, warnings) VALUES (?, ?, ?, ?, ?)', [
    accessEventId,
    card.id,
    intent.id,
    nowMs,
    warnings.length === 0 ? null : JSON.stringify(warnings),
  ]);
  // After the access (so credential.accessed precedes them): alert, or freeze the card or suspend the agent.
  if (firings.length > 0) await recordRiskFirings(tx, scope, firings, { card, facts: riskFacts, accessEventId }, false, followAgentStatus, nowMs);

  const printed = { expirationMonth: formatExpirationMonth(card.expirationMonth), expirationYear: formatExpirationYear(card.expirationYear), last4: card.last4 };
  if (exposureMode === 'extensionOnly') {
    const issued = await issueDetailsToken(tx, scope, { cardId: card.id, intentId: intent.id, accessEventId }, nowMs);
    const tokenExpiresAt = new Date(issued.expiresAtMs).toISOString();
    return { kind: 'served', details: { accessEventId, exposureMode, detailsToken: issued.token, tokenExpiresAt, ...printed, intentId: intent.id, warnings } };
  }
  // A processor's card: its number is read from the processor once this access has committed (the route's `after`).
  if (card.issuer !== 'sandbox') return { kind: 'served', details: { accessEventId, exposureMode, ...printed, intentId: intent.id, warnings } };
  const pan = decryptPan(secrets, card.panCiphertext);
  return {
    kind: 'served',
    details: {
      accessEventId,
      exposureMode,
      pan,
      cvv: deriveCvv(secrets, pan, card.expirationMonth, card.expirationYear),
      expirationMonth: formatExpirationMonth(card.expirationMonth),
      expirationYear: formatExpirationYear(card.expirationYear),
      last4: card.last4,
      intentId: intent.id,
      warnings,
    },
  };
}
