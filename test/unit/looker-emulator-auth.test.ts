import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed, startLookerEmulator, type LookerEmulator } from '../../src/looker-emulator';

const DOCS = 'https://cloud.google.com/looker/docs/r/err/4.0';
let emu: LookerEmulator;

beforeAll(async () => {
  emu = await startLookerEmulator({ clientId: 'test-id', clientSecret: 'test-secret', seed: loadSeed('test') });
});
afterAll(async () => {
  await emu.close();
});

function loginWithForm(id: string, secret: string): Promise<Response> {
  return fetch(`${emu.apiUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: id, client_secret: secret }).toString(),
  });
}

async function login(): Promise<string> {
  const res = await loginWithForm('test-id', 'test-secret');
  return ((await res.json()) as { access_token: string }).access_token;
}

const getUser = (authorization?: string) =>
  fetch(`${emu.apiUrl}/user`, { headers: authorization ? { authorization } : {} });

describe('POST /login', () => {
  it('returns an AccessToken for form-body credentials', async () => {
    const res = await loginWithForm('test-id', 'test-secret');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ access_token: expect.any(String) as unknown, token_type: 'Bearer', expires_in: 3600, refresh_token: null });
    expect(body.access_token).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  it('accepts query-parameter credentials too', async () => {
    const res = await fetch(`${emu.apiUrl}/login?client_id=test-id&client_secret=test-secret`, { method: 'POST' });
    expect(res.status).toBe(200);
  });

  it('mints a new token on every login', async () => {
    const [a, b] = await Promise.all([login(), login()]);
    expect(a).not.toBe(b);
  });

  it.each([
    ['wrong secret', 'test-id', 'nope'],
    ['wrong id', 'nope', 'test-secret'],
    ['empty credentials', '', ''],
  ])('answers %s with 404 Not found, as Looker does', async (_case, id, secret) => {
    const res = await loginWithForm(id, secret);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not found', documentation_url: `${DOCS}/404/post/login` });
  });

  it('answers missing credentials with 404', async () => {
    const res = await fetch(`${emu.apiUrl}/login`, { method: 'POST' });
    expect(res.status).toBe(404);
  });
});

describe('authentication on API routes', () => {
  it.each(['Bearer', 'bearer', 'token', 'TOKEN'])('accepts the "%s" scheme', async (scheme) => {
    const res = await getUser(`${scheme} ${await login()}`);
    expect(res.status).toBe(200);
  });

  it.each([
    ['no header', undefined],
    ['unknown token', 'Bearer not-a-real-token'],
    ['wrong scheme', 'Basic abc'],
  ])('answers %s with 401 Requires authentication.', async (_case, header) => {
    const res = await getUser(header);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Requires authentication.', documentation_url: `${DOCS}/401/get/user` });
  });

  it('answers 401 once tokens are expired, and a new login works again', async () => {
    const token = await login();
    expect((await getUser(`Bearer ${token}`)).status).toBe(200);
    expect(emu.control.expireTokens()).toBeGreaterThanOrEqual(1);
    expect((await getUser(`Bearer ${token}`)).status).toBe(401);
    expect((await getUser(`Bearer ${await login()}`)).status).toBe(200);
  });

  it('honours a shortened token lifetime, for live tokens and new logins', async () => {
    const token = await login();
    emu.control.setTokenTtl(0);
    try {
      expect((await getUser(`Bearer ${token}`)).status).toBe(401);
      const res = await loginWithForm('test-id', 'test-secret');
      const fresh = (await res.json()) as { access_token: string; expires_in: number };
      expect(fresh.expires_in).toBe(0);
      expect((await getUser(`Bearer ${fresh.access_token}`)).status).toBe(401);
    } finally {
      emu.control.setTokenTtl(3600);
    }
  });

  it('reports a configured ttl in expires_in', async () => {
    const short = await startLookerEmulator({ clientId: 'a', clientSecret: 'b', seed: loadSeed('test'), tokenTtlSeconds: 60 });
    try {
      const res = await fetch(`${short.apiUrl}/login`, { method: 'POST', body: new URLSearchParams({ client_id: 'a', client_secret: 'b' }) });
      expect(((await res.json()) as { expires_in: number }).expires_in).toBe(60);
    } finally {
      await short.close();
    }
  });
});

describe('DELETE /logout', () => {
  it('revokes the token with 204, then answers 404 for the same token', async () => {
    const token = await login();
    const first = await fetch(`${emu.apiUrl}/logout`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    expect((await getUser(`Bearer ${token}`)).status).toBe(401);
    const second = await fetch(`${emu.apiUrl}/logout`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(second.status).toBe(404);
    expect(await second.json()).toEqual({ message: 'Not found', documentation_url: `${DOCS}/404/delete/logout` });
  });
});

describe('GET /user', () => {
  it('returns the API user with string ids', async () => {
    const res = await getUser(`Bearer ${await login()}`);
    const user = (await res.json()) as Record<string, unknown>;
    expect(user).toMatchObject({
      id: '7',
      first_name: 'Test',
      last_name: 'User',
      display_name: 'Test User',
      email: 'test.user@example.com',
      is_disabled: false,
      is_service_account: false,
      role_ids: ['2'],
      group_ids: ['1'],
    });
  });

  it('supports the fields parameter', async () => {
    const res = await fetch(`${emu.apiUrl}/user?fields=id,email,credentials_api3(client_id)`, {
      headers: { authorization: `token ${await login()}` },
    });
    expect(await res.json()).toEqual({ id: '7', email: 'test.user@example.com', credentials_api3: [{ client_id: 'test-id' }] });
  });
});

describe('version discovery and health', () => {
  it.each(['/versions', '/api/4.0/versions'])('GET %s answers ApiVersion without auth', async (path) => {
    const res = await fetch(`${emu.url}${path}`);
    expect(res.status).toBe(200);
    const current = { version: '4.0', full_version: '4.0.26.12', status: 'current', swagger_url: `${emu.url}/api/4.0/swagger.json` };
    expect(await res.json()).toEqual({
      looker_release_version: '26.12.3',
      current_version: current,
      supported_versions: [current],
      api_server_url: emu.url,
      web_server_url: emu.url,
    });
  });

  it('GET /alive answers 200 with an empty body', async () => {
    const res = await fetch(`${emu.url}/alive`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('exposes url, apiUrl and port consistently', () => {
    expect(emu.url).toBe(`http://127.0.0.1:${emu.port}`);
    expect(emu.apiUrl).toBe(`${emu.url}/api/4.0`);
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/api/4.0/dashboards', `${DOCS}/404/get/dashboards`],
    ['GET', '/api/4.0/login', `${DOCS}/404/get/login`],
    ['POST', '/api/4.0/looks', `${DOCS}/404/post/looks`],
    ['GET', '/elsewhere', `${DOCS}/404/get/elsewhere`],
  ])('%s %s answers 404 with a Looker Error body', async (method, path, doc) => {
    const res = await fetch(`${emu.url}${path}`, { method });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not found', documentation_url: doc });
  });
});
