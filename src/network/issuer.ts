// The issuer port (SPEC §4 "Issuer port"): what the card side of cardrail needs from an issuer-processor. The sandbox
// simulator is the built-in issuer: it numbers cards in the vault (src/modules/cards/vault.ts) and merchants reach the
// authorization engine through the sandbox network routes. A processor (src/network/issuers/lithic/) implements
// `CardIssuer` for the outbound calls, and maps its inbound messages onto the same flows: authorization requests onto
// `authorize` (src/network/authorize.ts), advices, clearings, reversals, expiries and returns onto
// `applyNetworkMessage` (src/network/network-messages.ts).
export const issuerNames = ['sandbox', 'lithic'] as const;
export type IssuerName = (typeof issuerNames)[number];
/** An issuer reached over the network: every one but the built-in simulator. */
export type ProcessorName = Exclude<IssuerName, 'sandbox'>;

/** A card as the processor issued it. Its number stays with the processor: revealCredentials reads it when needed. */
export interface IssuedCard {
  issuerCardToken: string;
  last4: string;
  expirationMonth: number;
  expirationYear: number;
}

export interface CardCredentials {
  pan: string;
  cvv: string;
  expirationMonth: number;
  expirationYear: number;
}

/** What a card's status means at the processor: active → open, frozen → paused, closed → closed (final). */
export type IssuerCardState = 'open' | 'paused' | 'closed';

export interface CardIssuer {
  readonly name: ProcessorName;
  /** Issues a virtual card, open. Spend limits stay with cardrail, which decides every authorization. */
  createCard(request: { memo: string }): Promise<IssuedCard>;
  setCardState(issuerCardToken: string, state: IssuerCardState): Promise<void>;
  revealCredentials(issuerCardToken: string): Promise<CardCredentials>;
}

/** The processors this deployment has a program with (CARDRAIL_LITHIC_* for Lithic). */
export type CardIssuers = Partial<Record<ProcessorName, CardIssuer>>;

/** The marker stored in place of a sealed card number when the processor holds it; the vault refuses to open it. */
export function heldByIssuerMarker(issuer: ProcessorName): string {
  return `issuer:${issuer}`;
}

/** Keeps cards' unique fingerprint column meaningful for cards whose number cardrail never sees. */
export function heldByIssuerFingerprint(issuer: ProcessorName, issuerCardToken: string): string {
  return `issuer:${issuer}:${issuerCardToken}`;
}

export function issuerCardStateOf(status: 'active' | 'frozen' | 'closed'): IssuerCardState {
  return status === 'active' ? 'open' : status === 'frozen' ? 'paused' : 'closed';
}
