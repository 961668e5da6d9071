import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/api/app';
import { createRateLimits } from '../../../src/api/rate-limit';
import { encodeCursor } from '../../../src/api/pagination';
import { generateApiKey } from '../../../src/crypto/api-keys';
import type { Db } from '../../../src/db/client';
import { createApiKey } from '../../../src/db/repositories/api-keys';
import { createWorkspaceWithKey } from '../../../src/db/repositories/workspaces';
import { ensureDemoSetup } from '../../../src/local/demo-setup';
import { freePort } from '../../../src/local/free-port';
import { apiDepsFor } from '../../../src/runtime/services';
import { assertMatchesContract } from './response-contract';
import { createIntegration, emulatorCredentials, snapshotDatabase, startApiTestStack, type ApiTestStack, type Problem } from './api-stack';

interface CredentialCheck {
  ok: boolean;
  outcome: string;
  message: string;
  field: string | null;
}

describe('security: what a hostile tenant or a stray request gets', () => {
  let api: ApiTestStack;

  beforeAll(async () => {
    api = await startApiTestStack();
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** An app over the stack's services with its own dependencies, called in-process. */
  function appWith(overrides: Partial<Parameters<typeof apiDepsFor>[1]> & { db?: Db } = {}): App {
    const { db, ...extra } = overrides;
    const deps = apiDepsFor(api.stack.services, { workflows: api.stack.gateway, temporalNamespace: 'default', ...extra });
    return createApp(db === undefined ? deps : { ...deps, db });
  }

  const call = (app: App, method: string, path: string, key: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  describe('SSRF refusals and network errors', () => {
    it('a host name that resolves to a private address is refused without naming the address or its range; the log has them', async () => {
      const endpoint = `http://localhost:${await freePort()}`;
      const result = await api.http<CredentialCheck>('POST', '/v1/integrations/test', { apiEndpoint: endpoint, ...emulatorCredentials });
      expect(result.body).toMatchObject({ ok: false, outcome: 'address_refused', field: 'apiEndpoint' });
      expect(result.body.message).toContain('Refused to connect to localhost: the host is not allowed');
      expect(result.body.message).toContain('LOOKER_ALLOWED_HOSTS');
      expect(result.body.message).not.toMatch(/127\.0\.0\.1|::1|loopback|resolves to/);

      const saved = await api.http<Problem>('POST', '/v1/integrations', { name: 'probe', apiEndpoint: endpoint, ...emulatorCredentials });
      expect(saved.status).toBe(422);
      expect(saved.text).not.toMatch(/127\.0\.0\.1|::1|loopback/);

      const logged = api
        .logs()
        .split('\n')
        .filter((line) => line.includes('Looker endpoint not reachable') && line.includes('localhost'));
      expect(logged.some((line) => /"address":"(127\.0\.0\.1|::1)"/.test(line) && line.includes('"range":"loopback"'))).toBe(true);
    });

    it('a port that refuses the connection answers "no server answered", not the network error code', async () => {
      const result = await api.http<CredentialCheck>('POST', '/v1/integrations/test', { apiEndpoint: api.strangers.closedPortUrl, ...emulatorCredentials });
      expect(result.body).toMatchObject({ ok: false, outcome: 'unreachable', field: 'apiEndpoint' });
      expect(result.body.message).toMatch(/^No server answered at http:\/\/127\.0\.0\.1:\d+\/api\/4\.0: check the host and port/);
      expect(result.body.message).not.toMatch(/ECONNREFUSED|network error|refused/i);
      expect(api.logs()).toContain('"networkCode":"ECONNREFUSED"');
    });
  });

  describe('a host name that does not exist is the user\'s input, not an outage', () => {
    // RFC 6761: .invalid never resolves, and the guard answers it without asking DNS.
    const missingHost = 'https://looker.acme-typo.invalid';

    it('create and update answer 422 naming apiEndpoint and saving nothing; both credential tests say host_not_found', async () => {
      const before = await snapshotDatabase(api);
      const created = await api.http<Problem>('POST', '/v1/integrations', { name: 'typo', apiEndpoint: missingHost, ...emulatorCredentials });
      expect(created.status).toBe(422);
      expect(created.body).toMatchObject({ code: 'looker_rejected', errors: [{ pointer: '/body/apiEndpoint' }] });
      expect(created.body.detail).toMatch(/^apiEndpoint: Host not found: the host name looker\.acme-typo\.invalid does not exist in DNS; check the spelling/);
      expect(await snapshotDatabase(api)).toEqual(before);

      const tested = await api.http<CredentialCheck>('POST', '/v1/integrations/test', { apiEndpoint: missingHost, ...emulatorCredentials });
      expect(tested.status).toBe(200);
      expect(tested.body).toMatchObject({ ok: false, outcome: 'host_not_found', field: 'apiEndpoint' });

      const integration = await createIntegration(api, 'soon mistyped');
      const saved = await snapshotDatabase(api);
      const updated = await api.http<Problem>('PATCH', `/v1/integrations/${integration.id}`, { apiEndpoint: missingHost, clientSecret: emulatorCredentials.clientSecret });
      expect(updated.status).toBe(422);
      expect(updated.body.errors?.[0]?.pointer).toBe('/body/apiEndpoint');
      expect(updated.body.detail).toContain('Host not found');
      expect(await snapshotDatabase(api)).toEqual(saved);
    });

    it('a host that resolves and does not answer, or answers 5xx, is still 503 upstream_unavailable', async () => {
      const silent = await api.http<Problem>('POST', '/v1/integrations', { name: 'down', apiEndpoint: api.strangers.closedPortUrl, ...emulatorCredentials });
      expect(silent.status).toBe(503);
      expect(silent.body).toMatchObject({ code: 'upstream_unavailable', errors: [{ pointer: '/body/apiEndpoint' }] });
      expect(silent.body.detail).toMatch(/No server answered/);

      const fault = api.stack.emulator.control.addFault({ type: 'error', status: 503, match: { path: '/versions' } });
      try {
        const failing = await api.http<Problem>('POST', '/v1/integrations', { name: 'failing', apiEndpoint: api.stack.emulator.url, ...emulatorCredentials });
        expect(failing.status).toBe(503);
        expect(failing.body.code).toBe('upstream_unavailable');
      } finally {
        api.stack.emulator.control.removeFault(fault.id);
      }
    });
  });

  describe('rate limit on Looker credential checks, per API key', () => {
    it('the (N+1)th check within the window gets a 429 problem with Retry-After; another key is unaffected; create and update share the budget', async () => {
      let nowMs = 0;
      const app = appWith({ rateLimits: createRateLimits({ perAddress: 1000, perKey: 1000, admin: 1000, lookerChecks: 3 }, () => nowMs) });
      const key = api.stack.apiKey;
      const other = (await createApiKey(api.stack.services.database.db, api.stack.workspaceId, 'rate limit: other key')).key;
      const check = { apiEndpoint: api.stack.emulator.url, ...emulatorCredentials };

      for (let i = 0; i < 3; i += 1) expect((await call(app, 'POST', '/v1/integrations/test', key, check)).status).toBe(200);
      const limited = await call(app, 'POST', '/v1/integrations/test', key, check);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toBe('application/problem+json');
      expect(limited.headers.get('retry-after')).toBe('20');
      const problem = (await limited.clone().json()) as Problem;
      expect(problem).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(problem.detail).toMatch(/Too many Looker credential checks with this API key; try again in 20 s/);
      const text = await limited.text();
      assertMatchesContract(app, 'POST', '/v1/integrations/test', { status: 429, contentType: limited.headers.get('content-type'), body: problem, text });

      expect((await call(app, 'POST', '/v1/integrations', key, { name: 'limited', ...check })).status).toBe(429);
      expect((await call(app, 'PATCH', `/v1/integrations/${randomUUID()}`, key, { clientSecret: 'x' })).status).toBe(429);
      expect((await call(app, 'POST', '/v1/integrations/test', other, check)).status).toBe(200);
      // Reads are not limited.
      expect((await call(app, 'GET', '/v1/integrations', key)).status).toBe(200);

      nowMs += 20_000;
      expect((await call(app, 'POST', '/v1/integrations/test', key, check)).status).toBe(200);
      expect((await call(app, 'POST', '/v1/integrations/test', key, check)).status).toBe(429);
    });
  });

  describe('HTTP hardening', () => {
    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('/docs/%s is a 404, not a 500', async (name) => {
      const response = await fetch(`${api.stack.apiUrl}/docs/${name}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    });

    it('the docs page may not be framed, has no base or form targets', async () => {
      const page = await fetch(`${api.stack.apiUrl}/docs`);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).toContain("form-action 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
    });

    it.each(['/v1/integrations', '/v1/metrics', '/v1/api-keys'])('a forged cursor with a date that does not exist is a 400 naming the cursor on %s', async (path) => {
      for (const at of ['2026-13-45T99:99:99.000000Z', '2026-02-30T00:00:00.000000Z', '0000-01-01T00:00:00.000000Z']) {
        const result = await api.http<Problem>('GET', `${path}?cursor=${encodeCursor([at, randomUUID()])}`);
        expect(result.status, at).toBe(400);
        expect(result.body.errors?.[0]?.pointer).toBe('/query/cursor');
      }
    });

    it('a malformed API key is refused before any database query; a well-formed unknown one costs one lookup', async () => {
      const touched: string[] = [];
      const real = api.stack.services.database.db;
      const counting = new Proxy(real, {
        get(target, property, receiver) {
          touched.push(String(property));
          return Reflect.get(target, property, receiver) as unknown;
        },
      });
      const app = appWith({ db: counting });
      for (const key of ['not-a-key', 'mi_live_short', `mi_live_${'a'.repeat(42)}!`]) {
        const response = await call(app, 'GET', '/v1/integrations', key);
        expect(response.status, key).toBe(401);
        expect(((await response.json()) as Problem).detail).toBe('The API key is unknown or was revoked.');
      }
      expect(touched).toEqual([]);
      expect((await call(app, 'GET', '/v1/integrations', generateApiKey().key)).status).toBe(401);
      expect(touched.length).toBeGreaterThan(0);
    });
  });

  describe('API keys', () => {
    it('a key never outlives the key that created it: revoking a key revokes the keys created through it', async () => {
      const { db } = api.stack.services.database;
      const { apiKey: root } = await createWorkspaceWithKey(db, { name: `key chain ${randomUUID()}` });
      const app = appWith();
      const child = (await (await call(app, 'POST', '/v1/api-keys', root, { name: 'child' })).json()) as { id: string; key: string; createdByKeyId: string | null };
      const grandchild = (await (await call(app, 'POST', '/v1/api-keys', child.key, { name: 'grandchild' })).json()) as { id: string; key: string; createdByKeyId: string };
      expect(grandchild.createdByKeyId).toBe(child.id);

      // Any key of the workspace may revoke any other; the keys created through it go with it.
      expect((await call(app, 'POST', `/v1/api-keys/${child.id}/revoke`, grandchild.key)).status).toBe(200);
      expect((await call(app, 'GET', '/v1/integrations', child.key)).status).toBe(401);
      expect((await call(app, 'GET', '/v1/integrations', grandchild.key)).status).toBe(401);
      expect((await call(app, 'GET', '/v1/integrations', root)).status).toBe(200);
    });

    it('the workspace cannot be emptied through a key chain; the operator can give it a key no other key controls', async () => {
      const { db } = api.stack.services.database;
      const { workspaceId, apiKey: root, apiKeyId: rootId } = await createWorkspaceWithKey(db, { name: `key chain ${randomUUID()}` });
      const app = appWith({ adminToken: 'admin-token-for-security-tests-0123456789' });
      const successor = (await (await call(app, 'POST', '/v1/api-keys', root, { name: 'successor made by the root key' })).json()) as { key: string };

      const refused = await call(app, 'POST', `/v1/api-keys/${rootId}/revoke`, successor.key);
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as Problem).detail).toMatch(/would leave the workspace without an active key/);

      const fromOperator = await call(app, 'POST', `/v1/admin/workspaces/${workspaceId}/api-keys`, 'admin-token-for-security-tests-0123456789', { name: 'replacement' });
      expect(fromOperator.status).toBe(201);
      const replacement = (await fromOperator.json()) as { key: string; createdByKeyId: string | null };
      expect(replacement.createdByKeyId).toBeNull();
      expect((await call(app, 'POST', `/v1/api-keys/${rootId}/revoke`, replacement.key)).status).toBe(200);
      expect((await call(app, 'GET', '/v1/integrations', root)).status).toBe(401);
      expect((await call(app, 'GET', '/v1/integrations', successor.key)).status).toBe(401);
      expect((await call(app, 'GET', '/v1/integrations', replacement.key)).status).toBe(200);

      const unknown = await call(app, 'POST', `/v1/admin/workspaces/${randomUUID()}/api-keys`, 'admin-token-for-security-tests-0123456789', { name: 'nowhere' });
      expect(unknown.status).toBe(404);
    });

    it('changing LOCAL_API_KEY revokes the previous demo key, and leaves keys people created alone', async () => {
      const { db } = api.stack.services.database;
      const demo = { emulatorApiUrl: api.stack.emulator.apiUrl, ...emulatorCredentials };
      const first = generateApiKey().key;
      const second = generateApiKey().key;
      const { workspaceId } = await ensureDemoSetup(db, api.stack.services.secretBox, { ...demo, apiKey: first });
      const own = await createApiKey(db, workspaceId, 'made by a person');
      const app = appWith();
      expect((await call(app, 'GET', '/v1/integrations', first)).status).toBe(200);

      // The next start with another LOCAL_API_KEY: a new API process (an app that never saw the old key).
      await ensureDemoSetup(db, api.stack.services.secretBox, { ...demo, apiKey: second });
      const restarted = appWith();
      expect((await call(restarted, 'GET', '/v1/integrations', first)).status).toBe(401);
      expect((await call(restarted, 'GET', '/v1/integrations', second)).status).toBe(200);
      expect((await call(restarted, 'GET', '/v1/integrations', own.key)).status).toBe(200);
    });
  });
});
