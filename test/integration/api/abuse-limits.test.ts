import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/api/app';
import { createRateLimits, type RateLimitSettings } from '../../../src/api/rate-limit';
import { createApiKey } from '../../../src/db/repositories/api-keys';
import { createConsoleSession } from '../../../src/db/repositories/console-sessions';
import { startApiServer, type ApiServer, type HttpTimeouts } from '../../../src/runtime/api-server';
import { apiDepsFor } from '../../../src/runtime/services';
import { eventually } from '../../helpers/eventually';
import { adminToken, startApiTestStack, type ApiTestStack, type Problem } from './api-stack';

const generous: RateLimitSettings = { perAddress: 1000, perKey: 1000, admin: 1000, lookerChecks: 1000 };

/**
 * Acceptance 5 (abuse limits): per-address, per-key and admin limits answer 429 with Retry-After
 * and recover; the client address cannot be spoofed unless proxies are configured; a slow client
 * cannot hold a connection.
 */
describe('abuse limits', () => {
  let api: ApiTestStack;
  const servers: ApiServer[] = [];
  let nowMs = 0;

  beforeAll(async () => {
    api = await startApiTestStack();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** An app over the stack's services with these limits, on the test's clock. */
  function appWith(limits: Partial<RateLimitSettings>, extra: { trustProxyHops?: number; adminToken?: string } = {}): App {
    const rateLimits = createRateLimits({ ...generous, ...limits }, () => nowMs);
    return createApp(apiDepsFor(api.stack.services, { workflows: api.stack.gateway, temporalNamespace: 'default', rateLimits, ...extra }));
  }

  /** The app on a real loopback socket, so the limits see a client address. */
  async function serve(app: App, timeouts: Partial<HttpTimeouts> = {}): Promise<string> {
    const server = await startApiServer(app, { host: '127.0.0.1', port: 0, ...timeouts });
    servers.push(server);
    return server.url;
  }

  const get = (url: string, key = api.stack.apiKey, headers: Record<string, string> = {}) =>
    fetch(url, { headers: { authorization: `Bearer ${key}`, ...headers } });

  async function expectRateLimited(response: Response, retryAfter: string, detail: RegExp): Promise<void> {
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe(retryAfter);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as Problem;
    expect(problem).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(problem.detail).toMatch(detail);
  }

  it('per API key: past the budget a 429 with Retry-After, another key unaffected, and the budget refills', async () => {
    const url = await serve(appWith({ perKey: 5 }));
    const other = (await createApiKey(api.stack.services.database.db, api.stack.workspaceId, 'abuse: other key')).key;
    for (let i = 0; i < 5; i += 1) expect((await get(`${url}/v1/integrations`)).status).toBe(200);
    await expectRateLimited(await get(`${url}/v1/metrics`), '12', /^Too many requests with this API key; try again in 12 s\.$/);
    expect((await get(`${url}/v1/integrations`, other)).status).toBe(200);

    nowMs += 12_000;
    expect((await get(`${url}/v1/integrations`)).status).toBe(200);
    expect((await get(`${url}/v1/integrations`)).status).toBe(429);
  });

  it('per address: counted before authentication, so guessing keys is limited too; X-Forwarded-For is ignored by default', async () => {
    const url = await serve(appWith({ perAddress: 3 }));
    expect((await get(`${url}/v1/integrations`, 'mi_live_guess')).status).toBe(401);
    expect((await get(`${url}/v1/integrations`, api.stack.apiKey, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(200);
    expect((await get(`${url}/v1/integrations`, api.stack.apiKey, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(200);
    await expectRateLimited(
      await get(`${url}/v1/integrations`, api.stack.apiKey, { 'x-forwarded-for': '198.51.100.3' }),
      '20',
      /^Too many requests from this address; try again in 20 s\.$/,
    );
    // Health checks from the load balancer are not API calls.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    nowMs += 20_000;
    expect((await get(`${url}/v1/integrations`)).status).toBe(200);
  });

  it('behind TRUST_PROXY_HOPS proxies, the address is the entry the nearest proxy appended, not what the client wrote', async () => {
    const url = await serve(appWith({ perAddress: 2 }, { trustProxyHops: 1 }));
    const via = (client: string, spoofed = '203.0.113.9') => get(`${url}/v1/integrations`, api.stack.apiKey, { 'x-forwarded-for': `${spoofed}, ${client}` });
    expect((await via('192.0.2.1', 'a')).status).toBe(200);
    expect((await via('192.0.2.1', 'b')).status).toBe(200);
    expect((await via('192.0.2.1', 'c')).status).toBe(429);
    expect((await via('192.0.2.2')).status).toBe(200);
  });

  it('admin routes: a stricter limit per address, counted before the token is checked', async () => {
    const url = await serve(appWith({ admin: 2 }, { adminToken }));
    const create = (token: string) =>
      fetch(`${url}/v1/admin/workspaces`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'abuse' }) });
    expect((await create('wrong-token-guess-0123456789abcdef')).status).toBe(401);
    expect((await create(adminToken)).status).toBe(201);
    await expectRateLimited(await create(adminToken), '30', /^Too many admin requests from this address; try again in 30 s\.$/);
    // Workspace routes keep their own, larger budget.
    expect((await get(`${url}/v1/integrations`)).status).toBe(200);
    nowMs += 30_000;
    expect((await create('wrong-token-guess-0123456789abcdef')).status).toBe(401);
  });

  it('admin routes switched off stay a plain 404, however often they are called', async () => {
    const url = await serve(appWith({ admin: 1 }));
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${url}/v1/admin/workspaces`, { method: 'POST' })).status).toBe(404);
  });

  it("the console's pages read the API in process: they count against the session key's budget, not the address's", async () => {
    const url = await serve(appWith({ perAddress: 2, perKey: 1000 }));
    const { db } = api.stack.services.database;
    const [key] = await db.query.apiKeys.findMany({ where: (keys, { eq }) => eq(keys.workspaceId, api.stack.workspaceId), limit: 1 });
    const { sessionId } = await createConsoleSession(db, { workspaceId: api.stack.workspaceId, apiKeyId: key!.id }, Date.now());
    for (let i = 0; i < 5; i += 1) {
      const page = await fetch(`${url}/console/metrics`, { headers: { cookie: `mi_session=${sessionId}` }, redirect: 'manual' });
      expect(page.status).toBe(200);
    }
  });

  describe('slow clients (real sockets on loopback)', () => {
    const timeouts = { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50 };

    /** Opens a socket, sends `head`, then drips one more byte of `drip` every 50 ms; resolves with what the server sent once it closes. */
    function slowClient(url: string, head: string, drip: string): Promise<{ received: string; closedByServer: boolean }> {
      const { hostname, port } = new URL(url);
      return new Promise((resolve) => {
        const socket: Socket = connect(Number(port), hostname);
        let received = '';
        let sent = 0;
        const timer = setInterval(() => {
          if (sent < drip.length && socket.writable) socket.write(drip[sent++]!);
        }, 50);
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearInterval(timer);
          resolve({ received, closedByServer: sent < drip.length });
        });
        socket.write(head);
      });
    }

    it('a client that never finishes its headers gets 408 and the connection is closed', async () => {
      const url = await serve(appWith({}), timeouts);
      const result = await slowClient(url, 'GET /v1/integrations HTTP/1.1\r\nHost: api\r\n', 'X-Slow: '.padEnd(10_000, 'a'));
      expect(result.closedByServer).toBe(true);
      expect(result.received).toMatch(/^HTTP\/1\.1 408 /);
      // Others are served meanwhile and afterwards.
      expect((await get(`${url}/v1/integrations`)).status).toBe(200);
    });

    it('a client that never finishes its body gets 408 and the connection is closed; nothing is stored', async () => {
      const url = await serve(appWith({}), timeouts);
      const body = JSON.stringify({ name: 'slow', apiKey: 'x'.repeat(2000) });
      const head =
        'POST /v1/api-keys HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${api.stack.apiKey}\r\nContent-Length: ${body.length}\r\n\r\n`;
      const keysBefore = await api.http<{ data: unknown[] }>('GET', '/v1/api-keys?limit=100');
      const result = await slowClient(url, head, body);
      expect(result.closedByServer).toBe(true);
      expect(result.received).toMatch(/^HTTP\/1\.1 408 /);
      await eventually(async () => ((await get(`${url}/v1/integrations`)).status === 200 ? true : undefined));
      expect((await api.http<{ data: unknown[] }>('GET', '/v1/api-keys?limit=100')).body.data).toHaveLength(keysBefore.body.data.length);
    });
  });
});
