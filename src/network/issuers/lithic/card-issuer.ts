// The Lithic adapter's outbound side: virtual cards created, paused, reopened and closed at Lithic through the official
// SDK, and their numbers read from Lithic when a details request is allowed (they are never stored by cardrail).
import Lithic from 'lithic';
import type { LithicConfig } from '../../../config.js';
import { AppError } from '../../../domain/errors.js';
import type { CardCredentials, CardIssuer, IssuedCard, IssuerCardState } from '../../issuer.js';

const lithicStateOf: Record<IssuerCardState, 'OPEN' | 'PAUSED' | 'CLOSED'> = { open: 'OPEN', paused: 'PAUSED', closed: 'CLOSED' };

/** A call that fails is 502 issuer_unavailable, naming what was asked and Lithic's status, never its message. */
const requestTimeoutMs = 10_000;

export class LithicCardIssuer implements CardIssuer {
  readonly name = 'lithic' as const;
  private readonly client: Lithic;

  constructor(config: LithicConfig) {
    this.client = new Lithic({
      apiKey: config.apiKey,
      // Lithic's own address for the environment, or another (a local stand-in): the SDK takes one or the other.
      ...(config.baseUrl === undefined ? { environment: config.environment, baseURL: null } : { baseURL: config.baseUrl }),
      webhookSecret: config.webhookSecret,
      timeout: requestTimeoutMs,
      maxRetries: 2,
    });
  }

  async createCard(request: { memo: string }): Promise<IssuedCard> {
    const card = await this.call('create a card', () => this.client.cards.create({ type: 'VIRTUAL', memo: request.memo.slice(0, 100), state: 'OPEN' }));
    const expirationMonth = Number(card.exp_month);
    const expirationYear = Number(card.exp_year);
    if (!/^\d{4}$/.test(card.last_four) || !Number.isInteger(expirationMonth) || !Number.isInteger(expirationYear)) {
      throw new AppError('issuer_unavailable', { issuer: 'lithic', action: 'create a card', reason: 'the card Lithic answered has no last four digits or expiry' });
    }
    return { issuerCardToken: card.token, last4: card.last_four, expirationMonth, expirationYear };
  }

  async setCardState(issuerCardToken: string, state: IssuerCardState): Promise<void> {
    await this.call(`set a card ${lithicStateOf[state]}`, () => this.client.cards.update(issuerCardToken, { state: lithicStateOf[state] }));
  }

  async revealCredentials(issuerCardToken: string): Promise<CardCredentials> {
    const card = await this.call('read a card number', () => this.client.cards.retrieve(issuerCardToken));
    if (card.pan === undefined || card.cvv === undefined) {
      throw new AppError('issuer_unavailable', { issuer: 'lithic', action: 'read a card number', reason: 'Lithic answered the card without its number: the program is not enabled for PCI data' });
    }
    return { pan: card.pan, cvv: card.cvv, expirationMonth: Number(card.exp_month), expirationYear: Number(card.exp_year) };
  }

  private async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof AppError) throw error;
      const status = error instanceof Lithic.APIError ? error.status : undefined;
      throw new AppError('issuer_unavailable', { issuer: 'lithic', action, reason: status === undefined ? 'no answer from Lithic' : `Lithic answered ${status}` });
    }
  }
}
