// CIDR allowlists for API keys (SPEC §3). Parsing and matching use ipaddr.js; IPv4-mapped IPv6 addresses
// (::ffff:1.2.3.4, as Node reports IPv4 callers on dual-stack sockets) match IPv4 ranges.
import ipaddr from 'ipaddr.js';

export type ParsedCidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Accepts `a.b.c.d/nn`, `x::/nn` or a bare address (a range of one). Returns the canonical text or undefined. */
export function normalizeCidr(value: string): string | undefined {
  const text = value.trim();
  try {
    if (text.includes('/')) {
      const [address, bits] = ipaddr.parseCIDR(text);
      return `${address.toNormalizedString()}/${bits}`;
    }
    const address = ipaddr.parse(text);
    return `${address.toNormalizedString()}/${address.kind() === 'ipv4' ? 32 : 128}`;
  } catch {
    return undefined;
  }
}

function toComparable(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}

export function ipIsAllowed(ip: string, cidrs: readonly string[]): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = toComparable(ipaddr.parse(ip));
  } catch {
    return false;
  }
  return cidrs.some((cidr) => {
    try {
      const range = ipaddr.parseCIDR(cidr) as ParsedCidr;
      const rangeAddress = toComparable(range[0]);
      if (rangeAddress.kind() !== address.kind()) return false;
      const bits = range[0].kind() === 'ipv6' && rangeAddress.kind() === 'ipv4' ? Math.max(0, range[1] - 96) : range[1];
      return address.match([rangeAddress, bits] as never);
    } catch {
      return false;
    }
  });
}
