// Redeeming a details token (SPEC §4 "Credential exposure"): `POST /v1/details-tokens/{token}/redeem` with a filler
// key and the filler's fingerprint answers a card's credentials once. Shared by the browser extension's service
// worker and `cardrail fill`; it runs wherever `fetch` does and never puts card data into an error.

export interface FillerFingerprint {
  /** The extension's id (`chrome.runtime.id`), or `cardrail-cli` for the command line filler. */
  extensionId: string;
  /** A stable, non-identifying id of the device the filler runs on. */
  deviceHash: string;
}

/** The redeem answer: `expirationMonth` "MM", `expirationYear` "YYYY". */
export interface RedeemedCard {
  pan: string;
  cvv: string;
  expirationMonth: string;
  expirationYear: string;
  last4: string;
  cardId: string;
  intentId: string;
  accessEventId: string;
}

/**
 * Why a redeem failed. `code` is the server's error code when it answered one (`details_token_redeemed`,
 * `details_token_expired`, `resource_not_found`, `insufficient_permissions`…), else one of the filler's own:
 * `invalid_server_url`, `invalid_filler_key`, `invalid_details_token`, `server_unreachable`, `invalid_redeem_response`.
 */
export class RedeemFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RedeemFailed';
  }
}

const detailsTokenPattern = /^dtk_[A-Za-z0-9_-]{8,256}$/;
const fillerKeyPattern = /^fk_(dev|live)_[A-Za-z0-9_-]{8,256}$/;
export const redeemTimeoutMs = 15_000;

export function isDetailsToken(value: unknown): value is string {
  return typeof value === 'string' && detailsTokenPattern.test(value);
}

export function isFillerKey(value: unknown): value is string {
  return typeof value === 'string' && fillerKeyPattern.test(value);
}

/** `https://cardrail.example.com/v1/` → `https://cardrail.example.com`; RedeemFailed unless http(s). */
export function serverBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new RedeemFailed('invalid_server_url', `${JSON.stringify(value)} is not a URL (e.g. http://127.0.0.1:4010)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RedeemFailed('invalid_server_url', `the cardrail server URL must be http:// or https://, not ${url.protocol}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

function isRedeemedCard(value: unknown): value is RedeemedCard {
  if (typeof value !== 'object' || value === null) return false;
  const card = value as Record<string, unknown>;
  const text = (field: string, pattern: RegExp) => typeof card[field] === 'string' && pattern.test(card[field] as string);
  return (
    text('pan', /^\d{12,19}$/) &&
    text('cvv', /^\d{3,4}$/) &&
    text('expirationMonth', /^(0[1-9]|1[0-2])$/) &&
    text('expirationYear', /^\d{4}$/) &&
    text('last4', /^\d{4}$/) &&
    typeof card.cardId === 'string' &&
    typeof card.intentId === 'string' &&
    typeof card.accessEventId === 'string'
  );
}

export interface RedeemRequest {
  serverUrl: string;
  fillerKey: string;
  detailsToken: string;
  fingerprint: FillerFingerprint;
  timeoutMs?: number;
}

/** The credentials behind `detailsToken`, once; RedeemFailed otherwise (its message names no card data). */
export async function redeemDetailsToken(request: RedeemRequest): Promise<RedeemedCard> {
  const base = serverBaseUrl(request.serverUrl);
  if (!isFillerKey(request.fillerKey)) throw new RedeemFailed('invalid_filler_key', 'the filler key must be a cardrail filler key (fk_dev_… or fk_live_…), created with POST /v1/filler-keys');
  if (!isDetailsToken(request.detailsToken)) throw new RedeemFailed('invalid_details_token', 'the details token must be a cardrail details token (dtk_…), as POST /v1/cards/{id}/details answers it');
  let response: Response;
  try {
    response = await fetch(`${base}/v1/details-tokens/${encodeURIComponent(request.detailsToken)}/redeem`, {
      method: 'POST',
      headers: { 'Api-Key': request.fillerKey, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ fingerprint: request.fingerprint }),
      signal: AbortSignal.timeout(request.timeoutMs ?? redeemTimeoutMs),
      // The filler key is the only credential: no cookies of the server's origin.
      credentials: 'omit',
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${(request.timeoutMs ?? redeemTimeoutMs) / 1000} s` : (cause ?? (error as Error).message);
    throw new RedeemFailed('server_unreachable', `could not reach the cardrail server at ${base} (${reason})`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : 'unexpected_status';
    const message = typeof error?.message === 'string' ? error.message : `the server answered HTTP ${response.status}`;
    throw new RedeemFailed(code, `redeeming the details token failed: ${message} (${code}, HTTP ${response.status})`, response.status);
  }
  // Never echo the body: it may hold the number.
  if (!isRedeemedCard(body)) throw new RedeemFailed('invalid_redeem_response', `the server at ${base} answered the redeem without well-formed card credentials`, response.status);
  return { pan: body.pan, cvv: body.cvv, expirationMonth: body.expirationMonth, expirationYear: body.expirationYear, last4: body.last4, cardId: body.cardId, intentId: body.intentId, accessEventId: body.accessEventId };
}
