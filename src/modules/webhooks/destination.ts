// Where webhooks may go (the SSRF stance, docs/webhooks.md): only to URLs an organization registered, only over
// http or https, and for live endpoints only to public unicast addresses — unless the deployment allows private
// networks (CARDRAIL_WEBHOOK_ALLOW_PRIVATE_NETWORKS). Sandbox endpoints may reach private and loopback receivers
// (a developer's local server). Registration checks the scheme and literal addresses; each delivery checks every
// address the host name resolves to, inside the connection's own lookup, so a DNS answer that changes between a
// check and the connection cannot slip through.
import dns from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Environment } from '../../domain/environment.js';
import { AppError } from '../../domain/errors.js';

export const endpointUrlLengthMax = 2048;

/** Whether private, loopback and link-local addresses may be reached for endpoints of this environment. */
export function privateNetworksAllowed(environment: Environment, allowPrivateNetworksInLive: boolean): boolean {
  return environment === 'sandbox' || allowPrivateNetworksInLive;
}

/** A public unicast address: not private, loopback, link-local, multicast, reserved, unspecified or a v6 tunnel range. */
export function isPublicAddress(address: string): boolean {
  try {
    const parsed = ipaddr.process(address);
    return parsed.range() === 'unicast';
  } catch {
    return false;
  }
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Parses and checks a URL given at registration; answers the normalized URL or throws a catalogue error. */
export function checkEndpointUrl(raw: string, environment: Environment, allowPrivateNetworksInLive: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('invalid_parameter_value', { param: 'url', reason: 'not an absolute URL' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('webhook_url_not_allowed', { param: 'url', reason: `the scheme ${url.protocol.slice(0, -1)} is not http or https` });
  }
  const host = hostOf(url);
  if (host === '') throw new AppError('invalid_parameter_value', { param: 'url', reason: 'the URL has no host' });
  if (!privateNetworksAllowed(environment, allowPrivateNetworksInLive)) {
    const lowered = host.toLowerCase();
    if (lowered === 'localhost' || lowered.endsWith('.localhost')) {
      throw new AppError('webhook_url_not_allowed', { param: 'url', reason: 'live endpoints may not point at localhost' });
    }
    if (isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new AppError('webhook_url_not_allowed', { param: 'url', reason: `live endpoints may not point at the private or reserved address ${host}` });
    }
  }
  return url.toString();
}

export class DestinationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DestinationRefusedError';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses non-public addresses when private networks are not allowed: the check
 * runs on the very addresses the socket then connects to. Literal IP hosts never reach a lookup; see
 * `refusedLiteralAddress`.
 */
export function guardedLookup(allowPrivateNetworks: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, options.all === true ? [] : '', undefined);
        return;
      }
      const list = addresses as dns.LookupAddress[];
      if (!allowPrivateNetworks) {
        const refused = list.find((entry) => !isPublicAddress(entry.address));
        if (refused !== undefined) {
          callback(new DestinationRefusedError(`${hostname} resolves to ${refused.address}, a private or reserved address`) as NodeJS.ErrnoException, options.all === true ? [] : '', undefined);
          return;
        }
      }
      if (list.length === 0) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), options.all === true ? [] : '', undefined);
        return;
      }
      if (options.all === true) callback(null, list);
      else callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** For a URL whose host is an IP literal: why it is refused, or undefined when it may be reached. */
export function refusedLiteralAddress(url: URL, allowPrivateNetworks: boolean): string | undefined {
  const host = hostOf(url);
  if (allowPrivateNetworks || isIP(host) === 0 || isPublicAddress(host)) return undefined;
  return `${host} is a private or reserved address`;
}
