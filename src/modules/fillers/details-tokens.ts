// Details tokens (SPEC §4 "Credential exposure"): what `POST /v1/cards/{id}/details` answers for an extensionOnly
// card instead of the number. A filler key redeems one once, within 120 s, for the card's credentials; the token is
// bound to the card, the intent and the credential access it was issued for. This module owns details_tokens.
import { randomBytes } from 'node:crypto';
import { formatExpirationMonth, formatExpirationYear } from '../../domain/card-numbers.js';
import { hashCredential } from '../../domain/credentials.js';
import { AppError } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import { forUpdate, type Sql } from '../../store/database.js';
import { getCardForUpdate, type Card } from '../cards/service.js';
import { decryptPan, deriveCvv, type VaultSecrets } from '../cards/vault.js';
import { recordEvent } from '../events/service.js';
import type { FillerKeyPrincipal } from '../../domain/principal.js';
import { scopeOf } from '../../domain/principal.js';
import type { Scope } from '../../domain/scope.js';

export const detailsTokenLifetimeMs = 120_000;
export const detailsTokenPrefix = 'dtk_';

export interface IssuedDetailsToken {
  token: string;
  expiresAtMs: number;
}

/** In the details' transaction: a new token for this card, intent and access; only its hash is kept. */
export async function issueDetailsToken(tx: Sql, scope: Scope, binding: { cardId: string; intentId: string; accessEventId: string }, nowMs: number): Promise<IssuedDetailsToken> {
  const token = detailsTokenPrefix + randomBytes(32).toString('base64url');
  const expiresAtMs = nowMs + detailsTokenLifetimeMs;
  await tx.run(
    `INSERT INTO details_tokens (id, organization_id, environment, token_hash, card_id, intent_id, access_event_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [newId('dtok', nowMs), scope.organizationId, scope.environment, hashCredential(token), binding.cardId, binding.intentId, binding.accessEventId, expiresAtMs, nowMs],
  );
  return { token, expiresAtMs };
}

interface DetailsTokenRow {
  id: string;
  card_id: string;
  intent_id: string;
  access_event_id: string;
  expires_at: number;
  redeemed_at: number | null;
}

export interface Fingerprint {
  extensionId: string;
  deviceHash: string;
}

/** Why a card or intent no longer lets a token be redeemed; undefined when it does. */
export type RedeemCheck = (card: Card, intentId: string) => Promise<string | undefined>;

/**
 * `POST /v1/details-tokens/{token}/redeem` by a filler key: the credentials, once. Unknown (in the key's scope) →
 * 404, redeemed → 409 details_token_redeemed, past its 120 s → 409 details_token_expired, a card or intent that no
 * longer allows it → 409 details_token_unusable. Recorded as credential.redeemed.
 */
export async function redeemDetailsToken(tx: Sql, principal: FillerKeyPrincipal, token: string, fingerprint: Fingerprint, secrets: VaultSecrets, check: RedeemCheck, nowMs: number) {
  const scope = scopeOf(principal);
  const row = await tx.get<DetailsTokenRow>(
    `SELECT id, card_id, intent_id, access_event_id, expires_at, redeemed_at FROM details_tokens WHERE token_hash = ? AND organization_id = ? AND environment = ?${forUpdate(tx)}`,
    [hashCredential(token), scope.organizationId, scope.environment],
  );
  if (row === undefined) throw new AppError('details_token_not_found', { param: 'token' });
  if (row.redeemed_at !== null) throw new AppError('details_token_redeemed', { redeemedAt: new Date(Number(row.redeemed_at)).toISOString() });
  if (Number(row.expires_at) <= nowMs) throw new AppError('details_token_expired', { expiredAt: new Date(Number(row.expires_at)).toISOString() });
  const card = await getCardForUpdate(tx, scope, row.card_id);
  const unusable = await check(card, row.intent_id);
  if (unusable !== undefined) throw new AppError('details_token_unusable', { reason: unusable });

  const claimed = await tx.run('UPDATE details_tokens SET redeemed_at = ?, redeemed_by = ?, fingerprint = ? WHERE id = ? AND redeemed_at IS NULL', [
    nowMs,
    principal.id,
    JSON.stringify(fingerprint),
    row.id,
  ]);
  if (claimed.changes === 0) throw new AppError('details_token_redeemed', { redeemedAt: new Date(nowMs).toISOString() });
  await recordEvent(
    tx,
    scope,
    'credential.redeemed',
    {
      object: 'credential_redemption',
      detailsTokenId: row.id,
      cardId: card.id,
      last4: card.last4,
      agentId: card.agentId,
      userId: card.userId,
      intentId: row.intent_id,
      accessEventId: row.access_event_id,
      exposureMode: 'extensionOnly',
      redeemedBy: { kind: principal.kind, id: principal.id },
      fingerprint,
    },
    nowMs,
  );
  // A processor's card: the number and CVV are read from the processor once this redemption has committed (the
  // route's `after`); until then they are empty.
  const pan = card.issuer === 'sandbox' ? decryptPan(secrets, card.panCiphertext) : '';
  return {
    object: 'card_credentials' as const,
    pan,
    cvv: card.issuer === 'sandbox' ? deriveCvv(secrets, pan, card.expirationMonth, card.expirationYear) : '',
    expirationMonth: formatExpirationMonth(card.expirationMonth),
    expirationYear: formatExpirationYear(card.expirationYear),
    last4: card.last4,
    cardId: card.id,
    intentId: row.intent_id,
    accessEventId: row.access_event_id,
  };
}
