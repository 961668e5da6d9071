import { describe, expect, it } from 'vitest';
import {
  createHostMatcher,
  normaliseApiEndpoint,
  normaliseHostname,
  parseHostEntry,
} from '../../src/looker/api-endpoint';

const endpointOf = (input: string, allowInsecureHosts?: string[]) => {
  const result = normaliseApiEndpoint(input, { allowInsecureHosts });
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to be accepted, got: ${result.problem}`);
  return result;
};

const problemOf = (input: string, allowInsecureHosts?: string[]): string => {
  const result = normaliseApiEndpoint(input, { allowInsecureHosts });
  if (result.ok) throw new Error(`expected ${JSON.stringify(input)} to be rejected, got ${result.apiEndpoint}`);
  return result.problem;
};

describe('normaliseApiEndpoint accepts', () => {
  it.each([
    ['mycompany.cloud.looker.com', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['  mycompany.cloud.looker.com  ', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['MyCompany.Cloud.Looker.com', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['mycompany.looker.com:19999', 'https://mycompany.looker.com:19999/api/4.0'],
    ['https://mycompany.cloud.looker.com', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['https://mycompany.cloud.looker.com/', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['https://mycompany.cloud.looker.com/api/4.0', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['https://mycompany.cloud.looker.com/api/4.0/', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['https://mycompany.cloud.looker.com//api/4.0//', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['https://mycompany.looker.com:19999/api/4.0/', 'https://mycompany.looker.com:19999/api/4.0'],
    ['https://mycompany.cloud.looker.com/api', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['HTTPS://MYCOMPANY.CLOUD.LOOKER.COM', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['https://mycompany.cloud.looker.com:443/api/4.0', 'https://mycompany.cloud.looker.com/api/4.0'],
    ['https://0f1e2d3c-uuid.looker.app', 'https://0f1e2d3c-uuid.looker.app/api/4.0'],
    ['https://10.1.2.3:19999', 'https://10.1.2.3:19999/api/4.0'],
    ['https://[2001:DB8::1]:19999/', 'https://[2001:db8::1]:19999/api/4.0'],
  ])('%j → %s', (input, expected) => {
    const result = endpointOf(input);
    expect(result.apiEndpoint).toBe(expected);
    expect(result.note).toBeUndefined();
  });

  it.each([
    ['http://localhost:9999', 'http://localhost:9999/api/4.0'],
    ['http://127.0.0.1:9999/api/4.0', 'http://127.0.0.1:9999/api/4.0'],
    ['http://127.42.0.1', 'http://127.42.0.1/api/4.0'],
    ['http://[::1]:9999', 'http://[::1]:9999/api/4.0'],
    ['http://emulator.localhost:9999', 'http://emulator.localhost:9999/api/4.0'],
    ['http://localhost:80', 'http://localhost/api/4.0'],
  ])('plain http to loopback: %j → %s', (input, expected) => {
    expect(endpointOf(input).apiEndpoint).toBe(expected);
  });

  it.each([
    ['http://looker.internal:8080', ['looker.internal'], 'http://looker.internal:8080/api/4.0'],
    ['http://looker.internal:8080', ['looker.internal:8080'], 'http://looker.internal:8080/api/4.0'],
    ['http://Looker.Internal', ['looker.internal:80'], 'http://looker.internal/api/4.0'],
    ['http://10.1.2.3:8080', ['10.1.2.3'], 'http://10.1.2.3:8080/api/4.0'],
  ])('plain http to an allowed insecure host: %j with %j', (input, allowed, expected) => {
    expect(endpointOf(input, allowed).apiEndpoint).toBe(expected);
  });

  it.each([
    ['https://mycompany.cloud.looker.com/looks/42', '/looks/42'],
    ['https://mycompany.cloud.looker.com/browse', '/browse'],
    ['https://mycompany.cloud.looker.com/dashboards/7', '/dashboards/7'],
    ['mycompany.cloud.looker.com/explore/thelook/orders', '/explore/thelook/orders'],
  ])('a pasted web-UI URL %j, keeping the origin and saying so', (input, path) => {
    const result = endpointOf(input);
    expect(result.apiEndpoint).toBe('https://mycompany.cloud.looker.com/api/4.0');
    expect(result.note).toContain(path);
    expect(result.note).toContain('API Host URL');
    expect(result.note).toContain('19999');
  });

  it('an API call URL, keeping only the API base and saying so', () => {
    const result = endpointOf('https://mycompany.cloud.looker.com/api/4.0/looks/42');
    expect(result.apiEndpoint).toBe('https://mycompany.cloud.looker.com/api/4.0');
    expect(result.note).toContain('"/looks/42"');
  });
});

describe('normaliseApiEndpoint rejects', () => {
  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['https://my company.looker.com', /spaces/],
    ['mycompany .cloud.looker.com', /spaces/],
    ['https://mycompany.cloud.looker.com/api/3.1', /API 3\.1.*removed.*23\.18.*\/api\/4\.0/],
    ['https://mycompany.cloud.looker.com/api/3.0/', /API 3\.0.*removed.*\/api\/4\.0/],
    ['https://mycompany.cloud.looker.com/api/3.1/looks', /API 3\.1.*removed/],
    ['https://mycompany.cloud.looker.com/api/5.0', /"5\.0".*Looker API 4\.0/],
    ['ftp://mycompany.cloud.looker.com', /"ftp:\/\/".*https:\/\//],
    ['file:///etc/passwd', /"file:\/\/".*https:\/\//],
    ['https://user:pass@mycompany.cloud.looker.com', /user name or password.*client ID and client secret/],
    ['https://user@mycompany.cloud.looker.com', /user name or password/],
    ['https://mycompany.cloud.looker.com/api/4.0?x=1', /query string/],
    ['https://mycompany.cloud.looker.com/?', /query string/],
    ['https://mycompany.cloud.looker.com/#/looks', /fragment/],
    ['http://mycompany.cloud.looker.com', /http:\/\/.*unencrypted.*https:\/\/mycompany\.cloud\.looker\.com/],
    ['http://10.1.2.3:8080', /unencrypted/],
    ['https://mycompany.cloud.looker.com/some/page', /unexpected path "\/some\/page"/],
    ['https://', /not a valid URL/],
    ['mycompany.cloud.looker.com:99999', /not a valid URL/],
    // Found by the hostile-input suite: these used to become https://https/api/4.0, a host named "https".
    ['https:/user:pass@looker.invalid', /missing "\/\/" after "https:".*https:\/\/host/],
    ['https:mycompany.cloud.looker.com', /missing "\/\/" after "https:"/],
    ['javascript:alert(1)', /missing "\/\/" after "javascript:"/],
  ])('%j', (input, expected) => {
    expect(problemOf(input)).toMatch(expected);
  });

  it.each([
    ['http://looker.internal:8080', ['looker.internal:9090']],
    ['http://looker.internal', ['other.internal']],
  ])('plain http to a host outside the insecure allow-list: %j with %j', (input, allowed) => {
    expect(problemOf(input, allowed)).toMatch(/unencrypted/);
  });
});

describe('host allow-list entries', () => {
  it.each([
    ['looker.internal', { hostname: 'looker.internal' }],
    [' Looker.Internal:19999 ', { hostname: 'looker.internal', port: 19999 }],
    ['10.1.2.3:443', { hostname: '10.1.2.3', port: 443 }],
    ['0x7f.1:8080', { hostname: '127.0.0.1', port: 8080 }],
    ['2130706433', { hostname: '127.0.0.1' }],
    ['[::1]:9999', { hostname: '::1', port: 9999 }],
    ['[::1]', { hostname: '::1' }],
    ['::1', { hostname: '::1' }],
    ['fd00::0001', { hostname: 'fd00::1' }],
  ])('parses %j', (entry, expected) => {
    expect(parseHostEntry(entry)).toEqual(expected);
  });

  it.each(['', 'https://looker.internal', 'looker.internal:0', 'looker.internal:70000', 'user@host', 'host/path', 'a b'])(
    'rejects %j with a usable message',
    (entry) => {
      expect(() => parseHostEntry(entry)).toThrow(/use "host" or "host:port"/);
    },
  );

  it('matches by host (any port) or by host and port, in normalised form', () => {
    const matches = createHostMatcher(['looker.internal', '10.1.2.3:19999', '[::1]:9999']);
    expect(matches('LOOKER.internal', 443)).toBe(true);
    expect(matches('10.1.2.3', 19999)).toBe(true);
    expect(matches('10.1.2.3', 443)).toBe(false);
    expect(matches('::1', 9999)).toBe(true);
    expect(matches('[::1]', 9999)).toBe(true);
    expect(matches('::1', 9998)).toBe(false);
    expect(matches('other.internal', 443)).toBe(false);
  });

  it.each([
    ['Example.COM', 'example.com'],
    ['[::FFFF:127.0.0.1]', '::ffff:7f00:1'],
    ['::1', '::1'],
    ['0177.0.0.1', '127.0.0.1'],
  ])('normalises hostname %j → %j', (hostname, expected) => {
    expect(normaliseHostname(hostname)).toBe(expected);
  });
});
