// Which issuer-processor an organization issues new cards on, per environment (SPEC §4 "Issuer port"): the sandbox
// simulator unless it chose a processor this deployment has a program for. Cards keep the issuer they were made on.
import type { AppContext } from '../../app-context.js';
import type { Config } from '../../config.js';
import { AppError } from '../../domain/errors.js';
import type { CardIssuer, IssuedCard, IssuerName, ProcessorName } from '../../network/issuer.js';
import type { Scope } from '../../domain/scope.js';
import type { Sql } from '../../store/database.js';

export interface IssuerSettings {
  issuer: IssuerName;
  updatedAtMs: number | null;
}

export async function getIssuerSettings(sql: Sql, scope: Scope): Promise<IssuerSettings> {
  const row = await sql.get<{ issuer: IssuerName; updated_at: number }>('SELECT issuer, updated_at FROM issuer_settings WHERE organization_id = ? AND environment = ?', [
    scope.organizationId,
    scope.environment,
  ]);
  return row === undefined ? { issuer: 'sandbox', updatedAtMs: null } : { issuer: row.issuer, updatedAtMs: Number(row.updated_at) };
}

export async function setIssuer(tx: Sql, config: Pick<Config, 'lithic'>, scope: Scope, issuer: IssuerName, nowMs: number): Promise<IssuerSettings> {
  if (issuer === 'lithic' && config.lithic === undefined) throw new AppError('issuer_not_configured', { param: 'issuer', issuer });
  await tx.run(
    `INSERT INTO issuer_settings (organization_id, environment, issuer, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (organization_id, environment) DO UPDATE SET issuer = excluded.issuer, updated_at = excluded.updated_at`,
    [scope.organizationId, scope.environment, issuer, nowMs],
  );
  return { issuer, updatedAtMs: nowMs };
}

export function presentIssuerSettings(settings: IssuerSettings, scope: Scope, config: Pick<Config, 'lithic'>) {
  return {
    object: 'issuer_settings' as const,
    environment: scope.environment,
    issuer: settings.issuer,
    issuers: [
      { name: 'sandbox' as const, configured: true, environment: null },
      { name: 'lithic' as const, configured: config.lithic !== undefined, environment: config.lithic?.environment ?? null },
    ],
    updatedAt: settings.updatedAtMs === null ? null : new Date(settings.updatedAtMs).toISOString(),
  };
}

/** A card a processor issued for a card being created, before cardrail's own record of it commits. */
export interface IssuedAtProcessor {
  issuer: ProcessorName;
  card: IssuedCard;
}

export function processorNamed(app: Pick<AppContext, 'issuers'>, issuer: ProcessorName): CardIssuer {
  const processor = app.issuers[issuer];
  if (processor === undefined) throw new AppError('issuer_not_configured', { issuer });
  return processor;
}

/**
 * For a card about to be created: on a processor, issue it there first (outside the database transaction, which
 * must not wait on the processor); on the sandbox, nothing — the vault numbers the card in the transaction.
 */
export async function issueCardAtProcessor(app: Pick<AppContext, 'db' | 'issuers'>, scope: Scope, memo: string): Promise<IssuedAtProcessor | undefined> {
  const settings = await getIssuerSettings(app.db, scope);
  if (settings.issuer === 'sandbox') return undefined;
  return { issuer: settings.issuer, card: await processorNamed(app, settings.issuer).createCard({ memo }) };
}

/** The card's creation failed in cardrail (no balance, a limit): the processor's card is closed, never used. */
export async function closeUnusedProcessorCard(app: Pick<AppContext, 'issuers'>, issued: IssuedAtProcessor): Promise<void> {
  await processorNamed(app, issued.issuer).setCardState(issued.card.issuerCardToken, 'closed');
}
