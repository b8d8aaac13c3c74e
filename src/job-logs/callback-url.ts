import ipaddr from 'ipaddr.js';

/** IPv6 addresses allocated for global unicast; everything outside is special or unassigned. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Why an IP address may not receive a callback, or undefined when it is public unicast.
 * ipaddr.js classifies against the IANA special-purpose registries (loopback, private,
 * link-local, CGNAT, documentation, benchmarking, multicast, broadcast, reserved, 6to4,
 * Teredo, NAT64, IPv4-mapped...); IPv6 must also lie in 2000::/3, which rules out the
 * IPv4-compatible (::a.b.c.d) and other embedded forms the registry does not list.
 */
export function addressProblem(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const ip = ipaddr.parse(address);
  const range = ip.range();
  if (range !== 'unicast') return `${address} is a ${range} address`;
  if (ip.kind() === 'ipv6' && !ip.match(GLOBAL_UNICAST_V6)) {
    return `${address} is outside IPv6 global unicast space`;
  }
  return undefined;
}

/** The host exactly as the caller wrote it, before URL normalisation rewrites numeric forms. */
function hostAsWritten(value: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(value.trim())?.[1]?.toLowerCase();
}

const PRIVATE_HINT = ' (set CALLBACK_ALLOW_PRIVATE=true to allow private targets)';

/**
 * Why a callback URL is refused at dispatch, or undefined when it is acceptable. Without
 * DNS: the scheme and the host's spelling are judged here; a name is resolved, and every
 * address it resolves to judged, when the callback connects (see callback-delivery.ts).
 */
export function callbackUrlProblem(value: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials';
  if (value.length > 2048) return 'must be at most 2048 characters';
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const written = hostAsWritten(value)?.replace(/^\[|\]$/g, '');
  if (host.endsWith('.')) return `host ${host} must not end with a dot`;
  if (ipaddr.isValid(host)) {
    // 2130706433, 0x7f.1 or 127.1 all mean 127.0.0.1; only the plain spelling is accepted.
    if (written !== undefined && written !== host) return `host ${written} must be written as ${host}`;
    const problem = addressProblem(host);
    return problem ? `${problem}${PRIVATE_HINT}` : undefined;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return `host ${host} is local${PRIVATE_HINT}`;
  return undefined;
}
