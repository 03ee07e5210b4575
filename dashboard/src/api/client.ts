// The dashboard's one way to the API: cardrail/sdk's typed client on this origin with the operator's API key, and
// the API's error envelope turned into a message a person can read.
import { CardrailApiError, createCardrailClient, expectData, type CardrailClient } from 'cardrail/sdk';

export type DashboardClient = CardrailClient;
export { expectData };

interface ErrorEnvelope {
  error?: { code?: string; message?: string };
}

/** The API's own message (without its code) from a 401 answer, or a sentence when the body has none. */
async function refusalMessage(response: Response): Promise<string> {
  try {
    const body = (await response.clone().json()) as ErrorEnvelope;
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not JSON
  }
  return `The API refused the key (HTTP ${response.status}).`;
}

export type DashboardFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * `fetch` that tells `onRefused` the API's message whenever it answers 401 (the key is wrong, revoked or expired),
 * which ends the session. The SDK client and the event stream both go through it.
 */
export function refusalAwareFetch(onRefused: ((message: string) => void) | undefined): DashboardFetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.status === 401 && onRefused !== undefined) onRefused(await refusalMessage(response));
    return response;
  };
}

export function createDashboardClient(apiKey: string, fetchThrough: DashboardFetch): DashboardClient {
  return createCardrailClient({ baseUrl: window.location.origin, credential: apiKey, fetch: fetchThrough });
}

/** What to show for a failed call: the API's message and code, or the error's own message. */
export function describeError(error: unknown): { message: string; code: string | undefined } {
  if (error instanceof CardrailApiError) {
    const prefix = `${error.code}: `;
    return { message: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message, code: error.code };
  }
  if (error instanceof Error) return { message: error.message, code: undefined };
  return { message: String(error), code: undefined };
}

export function isApiError(error: unknown, code: string): boolean {
  return error instanceof CardrailApiError && error.code === code;
}
