/**
 * Safety rule for this file: no test may open a connection outside 127.0.0.0/8 and ::1, even if the
 * guard were broken. Non-loopback addresses therefore only appear in `isForbiddenAddress` checks and
 * in `createGuardedLookup` checks, which resolve but never connect. End-to-end dispatcher tests
 * only ever resolve to loopback addresses.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AddressRefusedError,
  createGuardedDispatcher,
  createGuardedLookup,
  isForbiddenAddress,
} from '../../src/looker/address-guard';

describe('isForbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.5', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.170.2', 'cloud metadata'],
    ['100.100.100.200', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.8', 'reserved (IETF protocol assignments)'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fd00::1', 'unique local (fc00::/7)'],
    ['fc00::1', 'unique local (fc00::/7)'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.5', 'IPv4-mapped private (RFC 1918)'],
    ['::ffff:169.254.169.254', 'IPv4-mapped cloud metadata'],
    ['::127.0.0.1', 'reserved (IPv4-compatible)'],
    ['64:ff9b::7f00:1', 'NAT64 loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 cloud metadata'],
    ['64:ff9b:1::1', 'NAT64 (local-use)'],
    ['2002:7f00:1::1', '6to4 loopback'],
    ['2002:c0a8:101::1', '6to4 private (RFC 1918)'],
    ['2002:a9fe:a9fe::1', '6to4 cloud metadata'],
    ['64:ff9b::c0a8:101', 'NAT64 private (RFC 1918)'],
    ['::ffff:100.64.0.1', 'IPv4-mapped carrier-grade NAT'],
    ['::ffff:255.255.255.255', 'IPv4-mapped reserved'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'reserved (IETF protocol assignments)'],
    ['100::1', 'reserved (discard-only)'],
    ['3fff::1', 'documentation'],
    ['4000::1', 'reserved'],
    ['::2', 'reserved (IPv4-compatible)'],
  ])('%s is %s', (ip, range) => {
    expect(isForbiddenAddress(ip)).toBe(range);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '192.167.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '::ffff:172.32.0.1',
    '64:ff9b::101:101',
  ])('%s is public', (ip) => {
    expect(isForbiddenAddress(ip)).toBeUndefined();
  });

  it.each(['', 'example.com', '1.2.3', '127.1', '2130706433', '::ffff:999.0.0.1'])(
    'refuses %j, which is not an IP address',
    (text) => {
      expect(isForbiddenAddress(text)).toBe('not an IP address');
    },
  );
});

/* A resolver the test controls; it answers asynchronously like DNS and records every call. */
function fakeResolver(answers: Record<string, LookupAddress[]>) {
  const calls: { hostname: string; options: LookupOptions }[] = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push({ hostname, options });
    const addresses = answers[hostname];
    process.nextTick(() => {
      if (addresses === undefined) callback(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      else if (options.all === true) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
    });
  };
  return { lookup, calls };
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

/** Runs a lookup function once; resolves to its answer or its error. Opens no socket. */
function runLookup(lookup: LookupFunction, hostname: string, options: LookupOptions) {
  return new Promise<{ error: Error | null; address: string | LookupAddress[]; family?: number }>((resolve) => {
    lookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
  });
}

describe('createGuardedLookup (resolution only, never connects)', () => {
  it.each([
    ['a private address', [v4('10.0.0.5')], '10.0.0.5', 'private (RFC 1918)'],
    ['the cloud metadata address', [v4('169.254.169.254')], '169.254.169.254', 'cloud metadata'],
    ['a unique local IPv6 address', [v6('fd00::1')], 'fd00::1', 'unique local (fc00::/7)'],
    ['an IPv4-mapped loopback address', [v6('::ffff:127.0.0.1')], '::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['public and private addresses mixed', [v4('8.8.8.8'), v4('10.0.0.5')], '10.0.0.5', 'private (RFC 1918)'],
    ['public IPv4 with loopback IPv6', [v4('8.8.8.8'), v6('::1')], '::1', 'loopback'],
  ])('refuses a host resolving to %s', async (_case, addresses, address, range) => {
    const resolver = fakeResolver({ 'looker.example.com': addresses });
    const result = await runLookup(createGuardedLookup(resolver.lookup), 'looker.example.com', { all: true });
    expect(result.error).toBeInstanceOf(AddressRefusedError);
    expect(result.error).toMatchObject({ host: 'looker.example.com', address, range });
    // The address and its range stay out of the message: a tenant must not map the internal network.
    expect(result.error?.message).toContain('Refused to connect to looker.example.com: the host is not allowed');
    expect(result.error?.message).not.toContain(address);
    expect(result.error?.message).not.toContain(range);
    expect(result.error?.message).toContain('LOOKER_ALLOWED_HOSTS');
  });

  it('returns every checked address when all public, in the shape net.connect asked for', async () => {
    const addresses = [v4('8.8.8.8'), v6('2606:4700:4700::1111')];
    const resolver = fakeResolver({ 'looker.example.com': addresses });
    const guarded = createGuardedLookup(resolver.lookup);

    expect(await runLookup(guarded, 'looker.example.com', { all: true })).toEqual({ error: null, address: addresses });
    expect(await runLookup(guarded, 'looker.example.com', {})).toEqual({ error: null, address: '8.8.8.8', family: 4 });
    // The guard always asks for every address, whatever the caller asked for.
    expect(resolver.calls.map((call) => call.options.all)).toEqual([true, true]);
  });

  it('passes resolver errors through and treats an empty answer as not found', async () => {
    const resolver = fakeResolver({ 'empty.example.com': [] });
    const guarded = createGuardedLookup(resolver.lookup);
    expect((await runLookup(guarded, 'missing.example.com', { all: true })).error).toMatchObject({ code: 'ENOTFOUND' });
    expect((await runLookup(guarded, 'empty.example.com', { all: true })).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('createGuardedDispatcher (end to end, loopback only)', () => {
  let server: Server;
  let port: number;
  const hits: string[] = [];
  const dispatchers: Dispatcher[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/secret' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ host: req.headers.host }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    hits.length = 0;
    await Promise.all(dispatchers.splice(0).map((dispatcher) => dispatcher.close()));
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });

  const guarded = (options: Parameters<typeof createGuardedDispatcher>[0]): Dispatcher => {
    const dispatcher = createGuardedDispatcher(options);
    dispatchers.push(dispatcher);
    return dispatcher;
  };

  const loopbackResolver = () =>
    fakeResolver({ 'looker.test': [v4('127.0.0.1')], 'mapped.test': [v6('::ffff:127.0.0.1')] });

  it('refuses a hostname that resolves to loopback, with one lookup and no connection', async () => {
    const resolver = loopbackResolver();
    const dispatcher = guarded({ lookup: resolver.lookup });

    const error = await request(`http://looker.test:${port}/alive`, { dispatcher }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AddressRefusedError);
    expect(error).toMatchObject({ host: 'looker.test', address: '127.0.0.1', range: 'loopback' });
    expect((error as Error).message).toContain('"looker.test"');
    expect((error as Error).message).not.toMatch(/127\.0\.0\.1|loopback/);
    expect(resolver.calls).toHaveLength(1);
    expect(hits).toEqual([]);
  });

  it('refuses a hostname that resolves to an IPv4-mapped loopback address', async () => {
    const dispatcher = guarded({ lookup: loopbackResolver().lookup });
    const error = await request(`http://mapped.test:${port}/`, { dispatcher }).catch((e: unknown) => e);
    expect(error).toMatchObject({ host: 'mapped.test', address: '::ffff:127.0.0.1', range: 'IPv4-mapped loopback' });
    expect(hits).toEqual([]);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1', 'loopback'],
    ['2130706433', '127.0.0.1', 'loopback'],
    ['0x7f.1', '127.0.0.1', 'loopback'],
    ['0177.0.0.1', '127.0.0.1', 'loopback'],
    ['127.1', '127.0.0.1', 'loopback'],
    ['[::1]', '::1', 'loopback'],
    ['[::ffff:127.0.0.1]', '::ffff:7f00:1', 'IPv4-mapped loopback'],
  ])('refuses the literal host %s (normalised to %s) without a lookup', async (host, address, range) => {
    const resolver = loopbackResolver();
    const dispatcher = guarded({ lookup: resolver.lookup });

    const error = await request(`http://${host}:${port}/`, { dispatcher }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AddressRefusedError);
    expect(error).toMatchObject({ host: address, address, range });
    expect((error as Error).message).toContain(`Refused to connect to ${address}: the host is not allowed`);
    expect((error as Error).message).not.toContain(range);
    expect(resolver.calls).toEqual([]);
    expect(hits).toEqual([]);
  });

  it('connects to an allow-listed host:port', async () => {
    const dispatcher = guarded({ allowedHosts: [`127.0.0.1:${port}`] });
    const response = await request(`http://127.0.0.1:${port}/alive`, { dispatcher });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    expect(hits).toEqual(['/alive']);
  });

  it('matches allow-list entries in normalised form (0x7f.1 is 127.0.0.1)', async () => {
    const dispatcher = guarded({ allowedHosts: [`0x7f.1:${port}`] });
    const response = await request(`http://127.0.0.1:${port}/alive`, { dispatcher });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  it('connects an allow-listed hostname to the address its one lookup returned, keeping the Host header', async () => {
    // ".test" names never resolve in real DNS: reaching the server proves the socket used our answer.
    const resolver = loopbackResolver();
    const dispatcher = guarded({ allowedHosts: ['looker.test'], lookup: resolver.lookup });

    const response = await request(`http://looker.test:${port}/alive`, { dispatcher });

    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ host: `looker.test:${port}` });
    expect(resolver.calls.map((call) => call.hostname)).toEqual(['looker.test']);
  });

  it('still refuses when the allow-list entry names another port', async () => {
    const dispatcher = guarded({ allowedHosts: ['127.0.0.1:1'] });
    const error = await request(`http://127.0.0.1:${port}/`, { dispatcher }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect(hits).toEqual([]);
  });

  it('does not follow redirects: the 3xx reaches the caller', async () => {
    const dispatcher = guarded({ allowedHosts: [`127.0.0.1:${port}`] });
    const response = await request(`http://127.0.0.1:${port}/redirect`, { dispatcher });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/secret');
    await response.body.dump();
    expect(hits).toEqual(['/redirect']);
  });

  it.each(['looker.acme.invalid', 'LOOKER.INVALID.', 'invalid'])(
    'answers %s (RFC 6761 .invalid) as not found without asking the resolver, allow-listed or not',
    async (host) => {
      const resolver = loopbackResolver();
      for (const allowedHosts of [[], [host.toLowerCase()]]) {
        const dispatcher = guarded({ lookup: resolver.lookup, allowedHosts });
        const error = await request(`http://${host}:${port}/`, { dispatcher }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'ENOTFOUND' });
      }
      expect(resolver.calls).toEqual([]);
      expect(hits).toEqual([]);
    },
  );

  it('bounds DNS resolution by the connect timeout', async () => {
    const hangingLookup: LookupFunction = () => undefined;
    const dispatcher = guarded({ lookup: hangingLookup, connectTimeoutMs: 50 });
    const error = await request(`http://looker.test:${port}/`, { dispatcher }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UND_ERR_CONNECT_TIMEOUT' });
  });

  it('rejects a malformed allow-list entry when the dispatcher is created', () => {
    expect(() => createGuardedDispatcher({ allowedHosts: ['https://looker.internal'] })).toThrow(/use "host" or "host:port"/);
  });
});
