/**
 * SSRF protection for requests to user-supplied Looker hosts. The check runs when the socket
 * connects, on the addresses the connection will actually use:
 *
 * - the guarded lookup resolves the hostname once (all addresses), refuses the connection if ANY
 *   address is loopback / private / link-local / metadata / reserved, and hands exactly those checked
 *   addresses to `net.connect` — there is no second DNS query a rebinding attacker could answer
 *   differently;
 * - TLS still gets the hostname (undici passes it as `host`/`servername`; only the lookup is ours),
 *   so SNI and certificate validation are unchanged;
 * - literal IP hosts never reach a lookup, so they are checked before connecting. URL parsing has
 *   already normalised forms such as `2130706433` or `0x7f.1` to `127.0.0.1`;
 * - hosts listed in LOOKER_ALLOWED_HOSTS (`host` or `host:port`) skip the check, for Looker
 *   instances on private networks.
 *
 * Redirects: the returned Agent has no redirect interceptor and undici's `request` does not follow
 * redirects, so a 3xx is returned to the caller (the Looker client treats it as an error). Never
 * `.compose(interceptors.redirect())` onto this dispatcher: the redirect target would bypass the
 * allow-list decision made for the original host.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { createHostMatcher } from './api-endpoint';

export interface AddressGuardOptions {
  /** `host` or `host:port` entries (LOOKER_ALLOWED_HOSTS) that may resolve to non-public addresses. */
  allowedHosts?: readonly string[];
  /** Resolver, injectable for tests; default `node:dns` lookup. Always called with `all: true`. */
  lookup?: LookupFunction;
}

export interface GuardedDispatcherOptions extends AddressGuardOptions {
  /** Covers DNS resolution and the TCP/TLS handshake. Default 10 s. */
  connectTimeoutMs?: number;
  bodyTimeoutMs?: number;
  headersTimeoutMs?: number;
}

/**
 * The message names the host the user entered and the fix, never the address it resolved to or
 * its range: a tenant must not learn what internal names resolve to. `address` and `range` are
 * kept for the operator's log.
 */
export class AddressRefusedError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      `Refused to connect to ${host}: the host is not allowed, because only hosts on public addresses may be called. ` +
        `If this is your Looker instance on a private network, an operator can allow it by adding "${hostEntry(host)}" ` +
        `(or "${hostEntry(host)}:<port>" for one port) to LOOKER_ALLOWED_HOSTS.`,
    );
    this.name = 'AddressRefusedError';
  }
}

function hostEntry(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** An undici Agent that refuses to connect to non-public addresses unless the host is allow-listed. */
export function createGuardedDispatcher(options: GuardedDispatcherOptions = {}): Dispatcher {
  const isAllowListed = createHostMatcher(options.allowedHosts ?? []);
  const resolve = options.lookup ?? dnsLookup;
  const timeout = options.connectTimeoutMs ?? 10_000;
  const connectUnchecked = buildConnector({ timeout, lookup: resolve });
  const connectChecked = buildConnector({ timeout, lookup: createGuardedLookup(resolve) });

  const connect: buildConnector.connector = (connectOptions, callback) => {
    const { hostname, protocol } = connectOptions;
    const port = Number(connectOptions.port) || (protocol === 'https:' ? 443 : 80);
    if (isAllowListed(hostname, port)) return connectUnchecked(connectOptions, callback);

    // Node skips the lookup for literal IPs, so the guarded lookup would never see them.
    const range = isIP(hostname) === 0 ? undefined : isForbiddenAddress(hostname);
    if (range !== undefined) {
      process.nextTick(callback, new AddressRefusedError(hostname, hostname, range), null);
      return;
    }
    connectChecked(connectOptions, callback);
  };

  return new Agent({ connect, bodyTimeout: options.bodyTimeoutMs, headersTimeout: options.headersTimeoutMs });
}

/**
 * Wraps a resolver so that it returns all addresses of a host, or an AddressRefusedError when any
 * of them is non-public (one bad address is enough: the socket could pick it, or a rebinding
 * attacker could mix a private address into a public answer).
 */
export function createGuardedLookup(resolve: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, result) => {
      if (error) return callback(error, []);
      const addresses = typeof result === 'string' ? [{ address: result, family: isIP(result) }] : result;
      const refusal = firstRefusal(hostname, addresses);
      if (refusal !== undefined) return callback(refusal, []);
      if (addresses.length === 0) return callback(noAddressError(hostname), []);
      answerInRequestedShape(options, addresses, callback);
    });
  };
}

function firstRefusal(hostname: string, addresses: readonly LookupAddress[]): AddressRefusedError | undefined {
  for (const { address } of addresses) {
    const range = isForbiddenAddress(address);
    if (range !== undefined) return new AddressRefusedError(hostname, address, range);
  }
  return undefined;
}

function noAddressError(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
}

// net.connect asks for `all: true` when it may try several addresses (autoSelectFamily), else for one.
function answerInRequestedShape(
  options: LookupOptions,
  addresses: LookupAddress[],
  callback: Parameters<LookupFunction>[2],
): void {
  const [first] = addresses;
  if (options.all === true || first === undefined) callback(null, addresses);
  else callback(null, first.address, first.family);
}

/* ------------------------------------------------------------------------------------------------
 * Address classification
 * ---------------------------------------------------------------------------------------------- */

interface Range {
  prefix: number;
  name: string;
  /** For IPv6 ranges that carry an IPv4 address: classify that one instead (public inside = public). */
  embedsIPv4?: (hextets: number[]) => number;
}
interface IPv4Range extends Range { network: number }
interface IPv6Range extends Range { network: number[] }

// Most specific first: the first matching range names the refusal.
const IPV4_RANGES: IPv4Range[] = [
  v4('169.254.169.254', 32, 'cloud metadata'), // AWS, GCP, Azure, OpenStack…
  v4('169.254.170.2', 32, 'cloud metadata'), // AWS ECS task metadata
  v4('100.100.100.200', 32, 'cloud metadata'), // Alibaba Cloud
  v4('0.0.0.0', 8, 'unspecified'), // Linux connects 0.0.0.0 to the local host
  v4('10.0.0.0', 8, 'private (RFC 1918)'),
  v4('100.64.0.0', 10, 'carrier-grade NAT'),
  v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link-local'),
  v4('172.16.0.0', 12, 'private (RFC 1918)'),
  v4('192.0.0.0', 24, 'reserved (IETF protocol assignments)'),
  v4('192.0.2.0', 24, 'documentation'),
  v4('192.88.99.0', 24, 'reserved (6to4 relay anycast)'),
  v4('192.168.0.0', 16, 'private (RFC 1918)'),
  v4('198.18.0.0', 15, 'benchmarking'),
  v4('198.51.100.0', 24, 'documentation'),
  v4('203.0.113.0', 24, 'documentation'),
  v4('224.0.0.0', 4, 'multicast'),
  v4('240.0.0.0', 4, 'reserved'), // includes broadcast 255.255.255.255
];

const lastTwoHextets = (h: number[]): number => (((h[6] ?? 0) << 16) | (h[7] ?? 0)) >>> 0;
const sixToFourHextets = (h: number[]): number => (((h[1] ?? 0) << 16) | (h[2] ?? 0)) >>> 0;

const IPV6_RANGES: IPv6Range[] = [
  v6('::', 128, 'unspecified'),
  v6('::1', 128, 'loopback'),
  v6('fd00:ec2::254', 128, 'cloud metadata'), // AWS IPv6 metadata endpoint
  v6('::ffff:0:0', 96, 'IPv4-mapped', lastTwoHextets),
  v6('::', 96, 'reserved (IPv4-compatible)'),
  v6('64:ff9b::', 96, 'NAT64', lastTwoHextets),
  v6('64:ff9b:1::', 48, 'NAT64 (local-use)'),
  v6('100::', 64, 'reserved (discard-only)'),
  v6('2001:db8::', 32, 'documentation'),
  v6('2001::', 23, 'reserved (IETF protocol assignments)'),
  v6('2002::', 16, '6to4', sixToFourHextets),
  v6('3fff::', 20, 'documentation'),
  v6('fc00::', 7, 'unique local (fc00::/7)'),
  v6('fe80::', 10, 'link-local'),
  v6('fec0::', 10, 'site-local (deprecated)'),
  v6('ff00::', 8, 'multicast'),
];
/** Only 2000::/3 is allocated as global unicast; anything else outside the table above is reserved. */
const GLOBAL_UNICAST = v6('2000::', 3, 'global unicast');

/**
 * Names the non-public range `ip` falls in (e.g. 'loopback', 'private (RFC 1918)', 'cloud metadata',
 * 'IPv4-mapped loopback'), or returns undefined for a public address. Anything that is not an IP
 * address is refused too ('not an IP address').
 */
export function isForbiddenAddress(ip: string): string | undefined {
  const address = ip.replace(/%.*$/, ''); // IPv6 zone id, e.g. fe80::1%eth0
  switch (isIP(address)) {
    case 4:
      return classifyIPv4(parseIPv4(address));
    case 6:
      return classifyIPv6(parseIPv6(address));
    default:
      return 'not an IP address';
  }
}

function classifyIPv4(address: number): string | undefined {
  return IPV4_RANGES.find((range) => inIPv4Range(address, range))?.name;
}

function classifyIPv6(hextets: number[]): string | undefined {
  const range = IPV6_RANGES.find((candidate) => inIPv6Range(hextets, candidate));
  if (range?.embedsIPv4 !== undefined) {
    const inner = classifyIPv4(range.embedsIPv4(hextets));
    return inner === undefined ? undefined : `${range.name} ${inner}`;
  }
  if (range !== undefined) return range.name;
  return inIPv6Range(hextets, GLOBAL_UNICAST) ? undefined : 'reserved';
}

function inIPv4Range(address: number, range: IPv4Range): boolean {
  const mask = range.prefix === 0 ? 0 : (~0 << (32 - range.prefix)) >>> 0;
  return ((address & mask) >>> 0) === ((range.network & mask) >>> 0);
}

function inIPv6Range(hextets: number[], range: IPv6Range): boolean {
  return hextets.every((hextet, index) => {
    const bits = Math.min(16, Math.max(0, range.prefix - 16 * index));
    const mask = (0xffff << (16 - bits)) & 0xffff;
    return (hextet & mask) === ((range.network[index] ?? 0) & mask);
  });
}

/** Dotted-quad → unsigned 32-bit number; the caller has validated the form with `isIP`. */
function parseIPv4(address: string): number {
  return address.split('.').reduce((value, octet) => ((value << 8) | Number(octet)) >>> 0, 0);
}

/** IPv6 text (with optional `::` and dotted IPv4 tail) → 8 hextets; validated by `isIP` first. */
function parseIPv6(address: string): number[] {
  const dottedTail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  const text =
    dottedTail === undefined
      ? address
      : address.slice(0, -dottedTail.length) + ipv4AsHextets(parseIPv4(dottedTail));
  const [head = '', tail] = text.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headParts.length - tailParts.length).fill('0');
  return [...headParts, ...zeros, ...tailParts].map((part) => parseInt(part, 16));
}

function ipv4AsHextets(address: number): string {
  return `${(address >>> 16).toString(16)}:${(address & 0xffff).toString(16)}`;
}

function v4(network: string, prefix: number, name: string): IPv4Range {
  return { network: parseIPv4(network), prefix, name };
}

function v6(network: string, prefix: number, name: string, embedsIPv4?: (hextets: number[]) => number): IPv6Range {
  return { network: parseIPv6(network), prefix, name, embedsIPv4 };
}
