// How an issuer reads on screen: the API's issuer name and, for a processor, the environment of its program.
import type { IssuerName, IssuerSettings } from '../api/types';

type ProcessorEnvironment = IssuerSettings['issuers'][number]['environment'];

export function issuerLabel(name: IssuerName, environment: ProcessorEnvironment = null): string {
  if (name === 'sandbox') return 'Sandbox simulator';
  return environment === null ? 'Lithic' : `Lithic (${environment})`;
}

/** The issuer in a word, for a list's badge. */
export function issuerShortLabel(name: IssuerName): string {
  return name === 'sandbox' ? 'simulator' : 'Lithic';
}

/** The issuer a settings answer says new cards are issued on, with its program's environment. */
export function chosenIssuerLabel(settings: IssuerSettings): string {
  return issuerLabel(settings.issuer, settings.issuers.find((issuer) => issuer.name === settings.issuer)?.environment);
}
