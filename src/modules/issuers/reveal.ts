// Card numbers held by an issuer-processor, read from it once a details request or a details-token redemption has
// committed (its access recorded): never stored, never read inside a database transaction.
import type { AppContext } from '../../app-context.js';
import { getCard } from '../cards/service.js';
import type { Scope } from '../../domain/scope.js';
import { processorNamed } from './service.js';

/** The answer with the card's number and CVV from its processor; a sandbox card's answer is returned as it is. */
export async function withCredentialsFromIssuer<Answer extends { pan?: string | undefined; cvv?: string | undefined }>(
  app: Pick<AppContext, 'db' | 'issuers'>,
  scope: Scope,
  cardId: string,
  answer: Answer,
): Promise<Answer> {
  const card = await getCard(app.db, scope, cardId);
  if (card.issuer === 'sandbox' || card.issuerCardToken === null) return answer;
  const credentials = await processorNamed(app, card.issuer).revealCredentials(card.issuerCardToken);
  return { ...answer, pan: credentials.pan, cvv: credentials.cvv };
}
