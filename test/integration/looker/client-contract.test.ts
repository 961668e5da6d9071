import { createServer } from 'node:net';
import { eq } from 'drizzle-orm';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { toApplicationFailure } from '../../../src/activities/failures';
import { lookerTokens } from '../../../src/db/schema';
import { createGuardedDispatcher } from '../../../src/looker/address-guard';
import { LookerClient, type LookerClientOptions } from '../../../src/looker/client';
import { createLookerClientFactory } from '../../../src/looker/client-factory';
import { LookerError } from '../../../src/looker/errors';
import { suggestFields } from '../../../src/looker/parse-look-result';
import { createPostgresTokenStore } from '../../../src/looker/postgres-token-store';
import { tokenExpiryMarginMs } from '../../../src/looker/token-store';
import { loadSeed, startLookerEmulator, type LookerEmulator } from '../../../src/looker-emulator';
import { FailureType } from '../../../src/shared/failure-types';
import { createLookerDbFixture, type LookerDbFixture } from '../../helpers/looker-integration';
import { startLookerProxy, type LookerProxy } from '../../helpers/looker-proxy';

const credentials = { clientId: 'contract-client-id', clientSecret: 'contract-secret-Zx9+q/7w=3' };
const runPath = '/looks/1/run/json';

/**
 * The Looker client against the emulator over real HTTP (loopback only), with the production
 * pieces around it: the SSRF-guarded dispatcher (allow-listing 127.0.0.1) and the shared Postgres
 * token store with a real SecretBox. A recording proxy shows what went over the wire and stands in
 * for answers the emulator has no fault for (redirects, odd headers, servers echoing secrets).
 */
describe('Looker client contract (emulator over HTTP)', () => {
  let emulator: LookerEmulator;
  let proxy: LookerProxy;
  let fixture: LookerDbFixture;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    emulator = await startLookerEmulator({ ...credentials, seed: loadSeed('test') });
    proxy = await startLookerProxy(emulator.url);
    fixture = await createLookerDbFixture(inject('databaseUrl'));
    dispatcher = createGuardedDispatcher({ allowedHosts: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
    await dispatcher?.close();
    await fixture?.close();
  });
  beforeEach(() => {
    emulator.control.reset();
    proxy.setOverride(undefined);
    proxy.exchanges.length = 0;
  });

  /** The shared store of one integration's token for the emulator's client id, as the factory builds it. */
  function postgresStore(binding: { integrationId: string; apiEndpoint: string }, now?: () => number) {
    return createPostgresTokenStore({
      db: fixture.database.db,
      secretBox: fixture.secretBox,
      binding: { ...binding, clientId: credentials.clientId },
      leaseMs: 40_000,
      now,
    });
  }

  /** A client for a fresh integration row (own shared token), built the way workers build it. */
  async function integrationClient(options: { viaProxy?: boolean; clientSecret?: string; runTimeoutMs?: number; requestTimeoutMs?: number } = {}) {
    const apiEndpoint = options.viaProxy ? proxy.apiUrl : emulator.apiUrl;
    const integrationId = await fixture.createIntegration({ apiEndpoint, ...credentials, clientSecret: options.clientSecret ?? credentials.clientSecret });
    const factory = createLookerClientFactory({
      db: fixture.database.db,
      secretBox: fixture.secretBox,
      dispatcher,
      requestTimeoutMs: options.requestTimeoutMs,
      runTimeoutMs: options.runTimeoutMs,
    });
    const client = await factory.forIntegration(integrationId);
    if (!client) throw new Error('integration row missing');
    const tokenStore = postgresStore({ integrationId, apiEndpoint });
    return { client, integrationId, tokenStore };
  }

  /** A client with options the factory does not expose (clock, body limit), on the Postgres store. */
  async function customClient(options: Partial<LookerClientOptions> & { now?: () => number } = {}) {
    const apiEndpoint = options.apiEndpoint ?? emulator.apiUrl;
    const integrationId = await fixture.createIntegration({ apiEndpoint, ...credentials });
    const tokenStore = postgresStore({ integrationId, apiEndpoint }, options.now);
    const client = new LookerClient({ ...credentials, dispatcher, tokenStore, ...options, apiEndpoint });
    return { client, integrationId, tokenStore };
  }

  describe('every call succeeds against the emulator', () => {
    it('GET /versions needs no token and identifies Looker API 4.0', async () => {
      const { client } = await integrationClient();
      await expect(client.versions()).resolves.toEqual({ lookerReleaseVersion: '26.12.3', apiVersions: ['4.0'] });
      expect(emulator.control.counters().logins).toBe(0);
    });

    it('logs in with a form body (never the query), sends Bearer tokens, no SDK app-id header, and stores the token encrypted', async () => {
      const { client, integrationId, tokenStore } = await integrationClient({ viaProxy: true });
      const before = Date.now();
      const { expiresAt } = await client.ensureToken();
      await client.me();

      const [login, user] = proxy.exchanges;
      expect(login?.request.method).toBe('POST');
      expect(login?.request.path).toBe('/api/4.0/login');
      expect([...(login?.request.query.keys() ?? [])]).toEqual([]);
      expect(login?.request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(login?.request.body))).toEqual({ client_id: credentials.clientId, client_secret: credentials.clientSecret });
      expect(login?.request.headers.authorization).toBeUndefined();
      const issued = (JSON.parse(login?.response.body ?? '{}') as { access_token: string }).access_token;

      expect(user?.request.path).toBe('/api/4.0/user');
      expect(user?.request.headers.authorization).toBe(`Bearer ${issued}`);
      for (const { request } of proxy.exchanges) {
        expect(Object.keys(request.headers).filter((name) => name.startsWith('x-looker'))).toEqual([]);
      }

      // Looker's expires_in is 3600 s; the store holds the token sealed, never in clear.
      expect(expiresAt.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 3_600_000);
      const [row] = await fixture.database.db.select().from(lookerTokens).where(eq(lookerTokens.integrationId, integrationId));
      expect(row?.accessTokenSealed).toMatch(/^v1:/);
      expect(row?.accessTokenSealed).not.toContain(issued);
      expect((await tokenStore.read())?.accessToken).toBe(issued);
      expect(emulator.control.counters().logins).toBe(1);
    });

    it('GET /user returns the API user with a string id', async () => {
      const { client } = await integrationClient();
      await expect(client.me()).resolves.toEqual({ id: '7', displayName: 'Test User', email: 'test.user@example.com' });
    });

    it('checkCredentials probes /versions, really logs in (even with a stored token) and reads the user', async () => {
      const { client } = await integrationClient();
      await client.ensureToken();
      const result = await client.checkCredentials();
      expect(result).toEqual({ lookerReleaseVersion: '26.12.3', user: { id: '7', displayName: 'Test User', email: 'test.user@example.com' } });
      expect(emulator.control.counters().logins).toBe(2);
    });

    it('pages through /looks/search until the last page, sorted by title, soft-deleted Looks excluded', async () => {
      const { client } = await integrationClient({ viaProxy: true });
      const seen: { id: string; title: string }[] = [];
      const pages: boolean[] = [];
      for (let offset = 0; ; offset += 4) {
        const page = await client.searchLooks({ limit: 4, offset });
        seen.push(...page.looks);
        pages.push(page.hasMore);
        if (!page.hasMore) break;
      }
      // 13 live Looks in pages of 4: the last page knows it is last (X-Total-Count), no empty page fetched.
      expect(pages).toEqual([true, true, true, false]);
      expect(seen).toHaveLength(13);
      expect(new Set(seen.map((look) => look.id)).size).toBe(13);
      expect(seen.map((look) => look.id)).not.toContain('12');
      const titles = seen.map((look) => look.title);
      expect(titles).toEqual([...titles].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
      const searches = proxy.exchanges.filter((exchange) => exchange.request.path === '/api/4.0/looks/search');
      expect(searches.map((exchange) => exchange.request.query.get('offset'))).toEqual(['0', '4', '8', '12']);
      expect(searches.every((exchange) => exchange.request.query.get('limit') === '4')).toBe(true);
    });

    it('searches titles case-insensitively as a substring', async () => {
      const { client } = await integrationClient();
      const { looks, hasMore } = await client.searchLooks({ title: 'REVENUE', limit: 50, offset: 0 });
      expect(hasMore).toBe(false);
      expect(looks.map((look) => look.title).sort()).toEqual([
        'Daily revenue',
        'Monthly revenue',
        'Quarterly revenue',
        'Revenue by region (duplicate dates)',
        'Yearly revenue',
      ]);
      expect(looks[0]?.folder).toEqual({ id: '2', name: 'KPIs' });
    });

    it('GET /looks/{id} returns the Look with its query; the query limit stays a string', async () => {
      const { client } = await integrationClient();
      await expect(client.getLook('1')).resolves.toEqual({
        id: '1',
        title: 'Daily revenue',
        description: 'Revenue and order count per day, 2022-07-01 to 2024-06-30.',
        folder: { id: '2', name: 'KPIs' },
        updatedAt: '2024-05-02T14:05:00.000+00:00',
        model: 'ecommerce',
        explore: 'orders',
        fields: ['orders.created_date', 'orders.total_revenue', 'orders.count'],
        pivots: [],
        queryLimit: '5000',
      });
    });

    it('reads a Look’s fields with types from a one-row json_detail run, enough to suggest date and value fields', async () => {
      const { client } = await integrationClient({ viaProxy: true });
      const fields = await client.lookFields('1');
      expect(fields.map((field) => [field.name, field.type, field.category])).toEqual(
        expect.arrayContaining([
          ['orders.created_date', 'date_date', 'dimension'],
          ['orders.total_revenue', 'sum', 'measure'],
          ['orders.count', 'count', 'measure'],
        ]),
      );
      expect(suggestFields(fields)).toEqual({ dateField: 'orders.created_date', valueField: 'orders.total_revenue' });
      const run = proxy.exchanges.find((exchange) => exchange.request.path === '/api/4.0/looks/1/run/json_detail');
      expect(run?.request.query.get('limit')).toBe('1');
      expect(emulator.control.counters().runs['1']).toBe(1);
    });

    it('runs a Look as json with limit and apply_formatting=false: raw rows, native numbers', async () => {
      const { client } = await integrationClient({ viaProxy: true });
      const rows = (await client.runLook('1', { limit: 10 })) as Record<string, unknown>[];
      expect(rows).toHaveLength(10);
      expect(Object.keys(rows[0] ?? {})).toEqual(['orders.created_date', 'orders.total_revenue', 'orders.count']);
      expect(rows[0]?.['orders.created_date']).toBe('2024-06-30');
      expect(rows.every((row) => typeof row['orders.total_revenue'] === 'number' && typeof row['orders.count'] === 'number')).toBe(true);
      const run = proxy.exchanges.find((exchange) => exchange.request.path === `/api/4.0${runPath}`);
      expect(run?.request.query.get('limit')).toBe('10');
      expect(run?.request.query.get('apply_formatting')).toBe('false');
      expect(run?.request.headers.accept).toBe('application/json');
    });

    it('the run limit overrides the saved query limit (Look 13 saves 500 of its 1,000 rows)', async () => {
      const { client } = await integrationClient();
      await expect(client.runLook('13', { limit: 5000 })).resolves.toHaveLength(1000);
    });

    it('a missing or soft-deleted Look is LookNotFound on get, fields and run', async () => {
      const { client } = await integrationClient();
      for (const lookId of ['999', '12']) {
        for (const call of [() => client.getLook(lookId), () => client.lookFields(lookId), () => client.runLook(lookId, { limit: 10 })]) {
          const error = await lookerFailure(call());
          expect(error.type).toBe(FailureType.LookNotFound);
          expect(error.message).toContain(`Look ${lookId} was not found`);
        }
      }
    });

    it('ids are strings, also when a (3.x-era) server sends numbers', async () => {
      const { client } = await integrationClient({ viaProxy: true });
      const look = await client.getLook('1');
      const page = await client.searchLooks({ limit: 50, offset: 0 });
      for (const id of [look.id, look.folder?.id, (await client.me()).id, ...page.looks.flatMap((l) => [l.id, l.folder?.id])]) {
        expect(typeof id).toBe('string');
      }

      proxy.setOverride((request) => {
        if (request.path === '/api/4.0/user') return { body: JSON.stringify({ id: 14, first_name: 'Plain', last_name: 'User', email: null }) };
        if (request.path === '/api/4.0/looks/search') return { body: JSON.stringify([{ id: 42, title: 'Old', folder: { id: 3, name: 'F' } }]) };
        return undefined;
      });
      await expect(client.me()).resolves.toEqual({ id: '14', displayName: 'Plain User', email: null });
      const old = await client.searchLooks({ limit: 50, offset: 0 });
      expect(old.looks[0]).toMatchObject({ id: '42', folder: { id: '3', name: 'F' } });
    });
  });

  describe('tokens', () => {
    it('reuses the shared token across calls and clients until it is within the expiry margin', async () => {
      let offsetMs = 0;
      const now = () => Date.now() + offsetMs;
      const { client, integrationId } = await customClient({ now });
      const { expiresAt } = await client.ensureToken();
      await client.runLook('2', { limit: 5 });
      await client.me();
      // Another client of the same integration (another activity) uses the same token.
      const sibling = new LookerClient({
        apiEndpoint: emulator.apiUrl,
        ...credentials,
        dispatcher,
        tokenStore: postgresStore({ integrationId, apiEndpoint: emulator.apiUrl }, now),
        now,
      });
      await sibling.runLook('2', { limit: 5 });
      expect(emulator.control.counters().logins).toBe(1);

      // Just outside the margin: still reused.
      offsetMs = expiresAt.getTime() - tokenExpiryMarginMs - 1_000 - Date.now();
      await client.runLook('2', { limit: 5 });
      expect(emulator.control.counters().logins).toBe(1);

      // Inside the margin: a new login before the call, although Looker would still accept the old token.
      offsetMs = expiresAt.getTime() - tokenExpiryMarginMs + 1_000 - Date.now();
      await client.runLook('2', { limit: 5 });
      const counters = emulator.control.counters();
      expect(counters.logins).toBe(1 + 1);
      expect(counters.runs['2']).toBe(4);
      expect(counters.requestsByPath['GET /looks/2/run/json']).toBe(4); // no 401 was needed
      const renewed = await client.ensureToken();
      expect(renewed.expiresAt.getTime()).toBeGreaterThan(expiresAt.getTime());
    });

    it('an expired token costs exactly one re-login, then the call succeeds', async () => {
      const { client } = await integrationClient();
      await client.ensureToken();
      expect(emulator.control.expireTokens()).toBeGreaterThanOrEqual(1);
      await expect(client.runLook('1', { limit: 10 })).resolves.toHaveLength(10);
      const counters = emulator.control.counters();
      expect(counters.logins).toBe(2);
      expect(counters.requestsByPath[`GET ${runPath}`]).toBe(2); // the 401, then the retry
      expect(counters.runs['1']).toBe(1);
    });

    it('a token refused again right after a fresh login is TokenExpired, after exactly one re-login', async () => {
      const { client } = await integrationClient();
      await client.ensureToken();
      emulator.control.addFault({ type: 'error', status: 401, message: 'Requires authentication.', match: { path: runPath } });
      const error = await lookerFailure(client.runLook('1', { limit: 10 }));
      expect(error.type).toBe(FailureType.TokenExpired);
      expect(toApplicationFailure(error).nonRetryable).toBe(false);
      expect(emulator.control.counters().logins).toBe(2);
      expect(emulator.control.counters().requestsByPath[`GET ${runPath}`]).toBe(2);
    });
  });

  describe('failures end in the right error type', () => {
    it('bad credentials (Looker answers 404) → CredentialsRejected, non-retryable, nothing stored', async () => {
      const { client, tokenStore } = await integrationClient({ clientSecret: 'not-the-secret' });
      for (const call of [() => client.ensureToken(), () => client.runLook('1', { limit: 10 }), () => client.checkCredentials()]) {
        const error = await lookerFailure(call());
        expect(error.type).toBe(FailureType.CredentialsRejected);
        expect(toApplicationFailure(error).nonRetryable).toBe(true);
      }
      expect(emulator.control.counters()).toMatchObject({ logins: 0, failedLogins: 3 });
      await expect(tokenStore.read()).resolves.toBeUndefined();
    });

    it('429 → RateLimited carrying the Retry-After delay, which becomes the activity’s nextRetryDelay', async () => {
      const { client } = await integrationClient();
      emulator.control.addFault({ type: 'rate-limit', retryAfterSeconds: 7, count: 1, match: { path: runPath } });
      const error = await lookerFailure(client.runLook('1', { limit: 10 }));
      expect(error.type).toBe(FailureType.RateLimited);
      expect(error.details).toEqual({ status: 429, retryAfterMs: 7_000 });
      expect(error.message).toContain('7 s');
      const failure = toApplicationFailure(error);
      expect(failure.type).toBe(FailureType.RateLimited);
      expect(failure.nonRetryable).toBe(false);
      expect(failure.nextRetryDelay).toBe(7_000);
      // The fault was one-shot: the retry goes through.
      await expect(client.runLook('1', { limit: 10 })).resolves.toHaveLength(10);
    });

    it('429 on login is RateLimited too', async () => {
      const { client } = await integrationClient();
      emulator.control.addFault({ type: 'rate-limit', retryAfterSeconds: 3, match: { path: '/login' } });
      const error = await lookerFailure(client.ensureToken());
      expect(error.type).toBe(FailureType.RateLimited);
      expect(error.details.retryAfterMs).toBe(3_000);
    });

    it('reads Retry-After whatever its spelling: capitalised name, seconds, HTTP date; nonsense or absent = 30 s', async () => {
      const { client } = await integrationClient({ viaProxy: true });
      await client.ensureToken();
      const cases: [Record<string, string>, (ms: number | undefined) => void][] = [
        [{ 'Retry-After': '12' }, (ms) => expect(ms).toBe(12_000)],
        [{ 'RETRY-AFTER': ' 5 ' }, (ms) => expect(ms).toBe(5_000)],
        [{ 'Retry-After': new Date(Date.now() + 120_000).toUTCString() }, (ms) => expect(ms).toBeGreaterThan(100_000)],
        [{ 'retry-after': '1.5' }, (ms) => expect(ms).toBe(1_500)],
        [{ 'Retry-After': 'soon' }, (ms) => expect(ms).toBe(30_000)],
        [{}, (ms) => expect(ms).toBe(30_000)],
      ];
      for (const [headers, check] of cases) {
        proxy.setOverride((request) =>
          request.path.endsWith('/run/json')
            ? { status: 429, headers: { 'content-type': 'application/json', ...headers }, body: '{"message":"Too Many Requests"}' }
            : undefined,
        );
        const error = await lookerFailure(client.runLook('1', { limit: 10 }));
        expect(error.type).toBe(FailureType.RateLimited);
        check(error.details.retryAfterMs);
        expect(toApplicationFailure(error).nextRetryDelay).toBe(error.details.retryAfterMs);
      }
    });

    it('5xx → Unavailable (retryable) with the status', async () => {
      const { client } = await integrationClient();
      for (const status of [500, 502, 503, 504]) {
        const fault = emulator.control.addFault({ type: 'error', status, match: { path: runPath } });
        const error = await lookerFailure(client.runLook('1', { limit: 10 }));
        expect(error.type).toBe(FailureType.Unavailable);
        expect(error.details.status).toBe(status);
        expect(toApplicationFailure(error).nonRetryable).toBe(false);
        emulator.control.removeFault(fault.id);
      }
      emulator.control.addFault({ type: 'error', status: 503, match: { path: '/login' } });
      const { client: other } = await integrationClient();
      expect((await lookerFailure(other.ensureToken())).type).toBe(FailureType.Unavailable);
    });

    it('4xx other than 401/404/429 → RequestRejected (non-retryable) quoting Looker’s message', async () => {
      const { client } = await integrationClient();
      emulator.control.addFault({ type: 'error', status: 422, message: 'Validation Failed', match: { path: runPath } });
      const error = await lookerFailure(client.runLook('1', { limit: 10 }));
      expect(error.type).toBe(FailureType.RequestRejected);
      expect(error.message).toContain('HTTP 422');
      expect(error.message).toContain('Validation Failed');
      expect(toApplicationFailure(error).nonRetryable).toBe(true);
    });

    it('a hanging Look run with a short client timeout → Unavailable', async () => {
      const { client } = await integrationClient({ runTimeoutMs: 300 });
      await client.ensureToken();
      const hang = emulator.control.addFault({ type: 'hang', match: { path: runPath } });
      const error = await lookerFailure(client.runLook('1', { limit: 10 }));
      expect(error.type).toBe(FailureType.Unavailable);
      expect(error.message).toMatch(/no answer within/);
      expect(emulator.control.counters().runs['1']).toBeUndefined();
      emulator.control.removeFault(hang.id);
      await expect(client.runLook('1', { limit: 10 })).resolves.toHaveLength(10);
    });

    it('a hanging metadata call (and login) with a short client timeout → Unavailable', async () => {
      const { client } = await integrationClient({ requestTimeoutMs: 300 });
      emulator.control.addFault({ type: 'hang', match: { path: '/login' } });
      expect((await lookerFailure(client.me())).type).toBe(FailureType.Unavailable);
      emulator.control.clearFaults();
      emulator.control.addFault({ type: 'hang', match: { path: '/user' } });
      expect((await lookerFailure(client.me())).type).toBe(FailureType.Unavailable);
    });

    it('nobody listening → Unavailable', async () => {
      const port = await closedPort();
      const { client } = await customClient({ apiEndpoint: `http://127.0.0.1:${port}/api/4.0` });
      const error = await lookerFailure(client.runLook('1', { limit: 10 }));
      expect(error.type).toBe(FailureType.Unavailable);
      expect(error.message).toContain('ECONNREFUSED');
    });

    it('malformed JSON → MalformedResponse (retryable) on runs, metadata and login', async () => {
      const { client } = await integrationClient();
      await client.ensureToken();
      for (const [path, call] of [
        [runPath, () => client.runLook('1', { limit: 10 })],
        ['/looks/1/run/json_detail', () => client.lookFields('1')],
        ['/looks/search', () => client.searchLooks({ limit: 5, offset: 0 })],
        ['/looks/1', () => client.getLook('1')],
        ['/user', () => client.me()],
      ] as const) {
        const fault = emulator.control.addFault({ type: 'malformed-json', match: { path } });
        const error = await lookerFailure(call());
        expect(error.type, path).toBe(FailureType.MalformedResponse);
        expect(toApplicationFailure(error).nonRetryable).toBe(false);
        emulator.control.removeFault(fault.id);
      }
      const { client: fresh } = await integrationClient();
      emulator.control.addFault({ type: 'malformed-json', match: { path: '/login' } });
      expect((await lookerFailure(fresh.ensureToken())).type).toBe(FailureType.MalformedResponse);
    });

    it('a redirect is not followed: NotLooker, and the token never reaches the redirect target', async () => {
      const { client } = await integrationClient({ viaProxy: true });
      await client.ensureToken();
      proxy.setOverride((request) =>
        request.path.endsWith('/run/json') || request.path === '/api/4.0/versions'
          ? { status: 302, headers: { location: `${emulator.apiUrl}${request.path.replace('/api/4.0', '')}?stolen=1` }, body: '' }
          : undefined,
      );
      emulator.control.resetCounters();
      for (const call of [() => client.runLook('1', { limit: 10 }), () => client.versions()]) {
        const error = await lookerFailure(call());
        expect(error.type).toBe(FailureType.NotLooker);
        expect(error.message).toContain('redirect');
        expect(error.message).not.toContain('stolen');
      }
      // Only the proxy saw the requests; the Location was never requested.
      expect(emulator.control.counters().requests).toEqual({});
      expect(proxy.exchanges.filter((exchange) => exchange.response.status === 302)).toHaveLength(2);
    });

    it('a web server that is not Looker’s API → NotLooker (versions and login)', async () => {
      const { client } = await integrationClient({ viaProxy: true });
      proxy.setOverride(() => ({ headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>Sign in</title>' }));
      expect((await lookerFailure(client.versions())).type).toBe(FailureType.NotLooker);
      expect((await lookerFailure(client.ensureToken())).type).toBe(FailureType.NotLooker);
      proxy.setOverride(() => ({ status: 404, headers: { 'content-type': 'text/html' }, body: 'Not Found' }));
      expect((await lookerFailure(client.ensureToken())).type).toBe(FailureType.NotLooker);
    });

    it('answers beyond their limits → RequestRejected, while they stream', async () => {
      const { client } = await customClient({ responseLimits: { metadataBytes: 2 * 1024, rowBytes: 40 } });
      const list = await lookerFailure(client.searchLooks({ limit: 100, offset: 0 }));
      expect(list.type).toBe(FailureType.RequestRejected);
      expect(list.message).toContain("Looker's answer to GET /looks/search is larger than 2 KB");
      // A run keeps the fields it was asked for; a row larger than rowBytes is refused.
      const wide = await lookerFailure(client.runLook('11', { limit: 100_000 }));
      expect(wide.type).toBe(FailureType.RequestRejected);
      expect(wide.message).toContain("A row of the Look's result is larger than 1 KB");
      // With the default limits the same Look reads; rows after the first keep only the asked fields.
      const { client: plain } = await customClient();
      const fields = ['orders.created_date', 'orders.total_revenue'];
      const rows = (await plain.runLook('1', { limit: 10, fields })) as Record<string, unknown>[];
      expect(rows).toHaveLength(10);
      expect(Object.keys(rows[0] ?? {}).length).toBeGreaterThan(fields.length);
      for (const row of rows.slice(1)) expect(Object.keys(row).sort()).toEqual(fields);
    });
  });

  describe('error messages never carry the client secret or an access token', () => {
    it('covers every error type, with a server that echoes credentials back in bodies and headers', async () => {
      const { client } = await integrationClient({ viaProxy: true });
      await client.ensureToken();
      const echo = (request: { headers: Record<string, unknown>; body: string }) =>
        `${String(request.headers.authorization)} ${request.body} ${credentials.clientSecret} ${encodeURIComponent(credentials.clientSecret)}`;
      const tokenFrom = (request: { headers: Record<string, unknown> }) => String(request.headers.authorization).replace(/^Bearer /, '');

      const errors: LookerError[] = [];
      const scenario = async (override: Parameters<LookerProxy['setOverride']>[0], call: () => Promise<unknown>) => {
        proxy.setOverride(override);
        errors.push(await lookerFailure(call()));
        proxy.setOverride(undefined);
      };

      const run = (path: string) => path.endsWith('/run/json');
      const json = { 'content-type': 'application/json' };
      // RequestRejected: Looker's message and field errors are quoted.
      await scenario(
        (r) => (run(r.path) ? { status: 422, body: JSON.stringify({ message: `bad ${echo(r)}`, errors: [{ field: tokenFrom(r), message: echo(r) }] }) } : undefined),
        () => client.runLook('1', { limit: 10 }),
      );
      // RateLimited, Unavailable, LookNotFound, MalformedResponse: bodies that echo everything.
      await scenario((r) => (run(r.path) ? { status: 429, headers: { ...json, 'retry-after': '2' }, body: JSON.stringify({ message: echo(r) }) } : undefined), () =>
        client.runLook('1', { limit: 10 }),
      );
      await scenario((r) => (run(r.path) ? { status: 503, body: JSON.stringify({ message: echo(r) }) } : undefined), () => client.runLook('1', { limit: 10 }));
      await scenario((r) => (run(r.path) ? { status: 404, body: JSON.stringify({ message: echo(r) }) } : undefined), () => client.runLook('1', { limit: 10 }));
      await scenario((r) => (run(r.path) ? { status: 200, headers: json, body: `[{"token":"${echo(r)}` } : undefined), () => client.runLook('1', { limit: 10 }));
      // TokenExpired: 401 twice, echoing the rejected token; the client logs in once in between.
      await scenario((r) => (run(r.path) ? { status: 401, body: JSON.stringify({ message: `Requires authentication. ${echo(r)}` }) } : undefined), () =>
        client.runLook('1', { limit: 10 }),
      );
      // NotLooker: a redirect whose Location carries the token and the secret in path and query.
      await scenario(
        (r) => (run(r.path) ? { status: 307, headers: { location: `http://127.0.0.1:9/${tokenFrom(r)}/${credentials.clientSecret}?t=${tokenFrom(r)}` } } : undefined),
        () => client.runLook('1', { limit: 10 }),
      );
      // CredentialsRejected: a login 404 that quotes the posted form.
      await scenario((r) => (r.path === '/api/4.0/login' ? { status: 404, body: JSON.stringify({ message: `Not found: ${r.body}` }) } : undefined), () =>
        client.checkCredentials(),
      );
      // Unavailable by timeout, and by a refused connection.
      const { client: slow } = await integrationClient({ runTimeoutMs: 200 });
      emulator.control.addFault({ type: 'hang', match: { path: runPath } });
      errors.push(await lookerFailure(slow.runLook('1', { limit: 10 })));
      emulator.control.clearFaults();

      const types = new Set(errors.map((error) => error.type));
      expect([...types].sort()).toEqual(
        [
          FailureType.CredentialsRejected,
          FailureType.TokenExpired,
          FailureType.LookNotFound,
          FailureType.RateLimited,
          FailureType.Unavailable,
          FailureType.MalformedResponse,
          FailureType.RequestRejected,
          FailureType.NotLooker,
        ].sort(),
      );

      // Every token the emulator issued in this test, plus the secret in every spelling a server could echo.
      const tokens = proxy.exchanges
        .filter((exchange) => exchange.request.path === '/api/4.0/login' && exchange.response.status === 200)
        .map((exchange) => (JSON.parse(exchange.response.body) as { access_token: string }).access_token);
      expect(tokens.length).toBeGreaterThanOrEqual(2);
      const sensitive = [credentials.clientSecret, encodeURIComponent(credentials.clientSecret), new URLSearchParams({ s: credentials.clientSecret }).toString().slice(2), ...tokens];
      for (const error of errors) {
        const failure = toApplicationFailure(error);
        const surfaces = [error.message, error.stack ?? '', JSON.stringify(error), failure.message, failure.stack ?? ''];
        for (const surface of surfaces) {
          for (const value of sensitive) expect(surface, `${error.type}: ${error.message}`).not.toContain(value);
        }
      }
      // The scrubbing left the rest of the message readable.
      const rejected = errors.find((error) => error.type === FailureType.RequestRejected);
      expect(rejected?.message).toContain('[redacted]');
      expect(rejected?.message).toContain('HTTP 422');
    });
  });
});

async function lookerFailure(promise: Promise<unknown>): Promise<LookerError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a LookerError, got ${JSON.stringify(outcome.value)?.slice(0, 200)}`);
  expect(outcome.error).toBeInstanceOf(LookerError);
  return outcome.error as LookerError;
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
