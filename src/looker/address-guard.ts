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
 *   instances on private networks;
 * - names under `.invalid` (RFC 6761) fail with ENOTFOUND without a DNS query.
 *
 * Redirects: the returned Agent has no redirect interceptor and undici's `request` does not follow
 * redirects, so a 3xx is returned to the caller (the Looker client treats it as an error). Never
 * `.compose(interceptors.redirect())` onto this dispatcher: the redirect target would bypass the
 * allow-list decision made for the original host.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
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
  const resolve = answeringInvalidNames(options.lookup ?? dnsLookup);
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

/**
 * RFC 6761 §6.4: names under `.invalid` never exist, and name resolution libraries should answer
 * so at once instead of asking DNS. glibc asks anyway; this keeps such lookups off the network (the
 * tests' unresolvable hosts rely on it) and answers like DNS would, ENOTFOUND.
 */
function answeringInvalidNames(resolve: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    if (/(^|\.)invalid\.?$/i.test(hostname)) process.nextTick(callback, noAddressError(hostname), []);
    else resolve(hostname, options, callback);
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
 * Address classification: Node's net.BlockList does the parsing and the subnet arithmetic; this
 * table only says which ranges are not public and what to call them in the log.
 * ---------------------------------------------------------------------------------------------- */

type Subnet = readonly [network: string, prefix: number];
interface NamedRange {
  name: string;
  list: BlockList;
}

// Most specific first: the first matching range names the refusal.
const IPV4_RANGES: readonly (readonly [name: string, subnets: readonly Subnet[]])[] = [
  // AWS, GCP, Azure, OpenStack…; AWS ECS task metadata; Alibaba Cloud.
  ['cloud metadata', [['169.254.169.254', 32], ['169.254.170.2', 32], ['100.100.100.200', 32]]],
  ['unspecified', [['0.0.0.0', 8]]], // Linux connects 0.0.0.0 to the local host
  ['private (RFC 1918)', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]]],
  ['carrier-grade NAT', [['100.64.0.0', 10]]],
  ['loopback', [['127.0.0.0', 8]]],
  ['link-local', [['169.254.0.0', 16]]],
  ['reserved (IETF protocol assignments)', [['192.0.0.0', 24]]],
  ['documentation', [['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24]]],
  ['reserved (6to4 relay anycast)', [['192.88.99.0', 24]]],
  ['benchmarking', [['198.18.0.0', 15]]],
  ['multicast', [['224.0.0.0', 4]]],
  ['reserved', [['240.0.0.0', 4]]], // includes broadcast 255.255.255.255
];

/**
 * IPv6 forms that carry an IPv4 address are classified by that address (public inside = public):
 * each non-public IPv4 range above is also refused inside them, under the same name.
 */
const IPV4_CARRIERS: readonly { name: string; embed: (network: string, prefix: number) => Subnet }[] = [
  { name: 'IPv4-mapped', embed: (network, prefix) => [`::ffff:${network}`, 96 + prefix] },
  { name: 'NAT64', embed: (network, prefix) => [`64:ff9b::${network}`, 96 + prefix] },
  // 2002:AABB:CCDD::/48 carries A.B.C.D in its second and third groups.
  { name: '6to4', embed: (network, prefix) => [`2002:${ipv4AsGroups(network)}::`, 16 + prefix] },
];

const IPV6_RANGES: readonly (readonly [name: string, subnets: readonly Subnet[]])[] = [
  ['unspecified', [['::', 128]]],
  ['loopback', [['::1', 128]]],
  ['cloud metadata', [['fd00:ec2::254', 128]]], // AWS IPv6 metadata endpoint
  ...IPV4_CARRIERS.flatMap(({ name, embed }) =>
    IPV4_RANGES.map(([inner, subnets]) => [`${name} ${inner}`, subnets.map(([network, prefix]) => embed(network, prefix))] as const),
  ),
  ['reserved (IPv4-compatible)', [['::', 96]]],
  ['NAT64 (local-use)', [['64:ff9b:1::', 48]]],
  ['reserved (discard-only)', [['100::', 64]]],
  ['documentation', [['2001:db8::', 32], ['3fff::', 20]]],
  ['reserved (IETF protocol assignments)', [['2001::', 23]]],
  ['unique local (fc00::/7)', [['fc00::', 7]]],
  ['link-local', [['fe80::', 10]]],
  ['site-local (deprecated)', [['fec0::', 10]]],
  ['multicast', [['ff00::', 8]]],
];

/**
 * Only 2000::/3 is allocated as global unicast; the IPv4 carriers outside it are public when the
 * IPv4 address inside is (the non-public ones matched above). Anything else is reserved.
 */
const PUBLIC_IPV6 = blockList([['2000::', 3], ['::ffff:0:0', 96], ['64:ff9b::', 96]], 'ipv6');

const ipv4Ranges = namedRanges(IPV4_RANGES, 'ipv4');
const ipv6Ranges = namedRanges(IPV6_RANGES, 'ipv6');

/**
 * Names the non-public range `ip` falls in (e.g. 'loopback', 'private (RFC 1918)', 'cloud metadata',
 * 'IPv4-mapped loopback'), or returns undefined for a public address. Anything that is not an IP
 * address is refused too ('not an IP address').
 */
export function isForbiddenAddress(ip: string): string | undefined {
  const address = ip.replace(/%.*$/, ''); // IPv6 zone id, e.g. fe80::1%eth0
  switch (isIP(address)) {
    case 4:
      return ipv4Ranges.find((range) => range.list.check(address, 'ipv4'))?.name;
    case 6: {
      const range = ipv6Ranges.find((candidate) => candidate.list.check(address, 'ipv6'));
      if (range !== undefined) return range.name;
      return PUBLIC_IPV6.check(address, 'ipv6') ? undefined : 'reserved';
    }
    default:
      return 'not an IP address';
  }
}

// Each list holds one family only: BlockList matches an IPv4 address against ::ffff: rules too.
function namedRanges(table: readonly (readonly [string, readonly Subnet[]])[], family: 'ipv4' | 'ipv6'): NamedRange[] {
  return table.map(([name, subnets]) => ({ name, list: blockList(subnets, family) }));
}

function blockList(subnets: readonly Subnet[], family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of subnets) list.addSubnet(network, prefix, family);
  return list;
}

/** `127.0.0.0` → `7f00:0`: URL parsing writes an IPv4-mapped address's last 32 bits as two groups. */
function ipv4AsGroups(ipv4: string): string {
  return new URL(`http://[::ffff:${ipv4}]`).hostname.slice('[::ffff:'.length, -1);
}
