import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { consoleSessions } from '../../../src/db/schema';
import { apiDepsFor } from '../../../src/runtime/services';
import { startTestStack, type TestStack } from '../../helpers/test-stack';

interface Fetcher {
  (path: string, init?: RequestInit): Promise<Response>;
}

/** Pastes `apiKey` into the sign-in form as a browser would (form token cookie + hidden field). */
async function signIn(fetcher: Fetcher, apiKey: string, headers: Record<string, string> = {}): Promise<Response> {
  const form = await fetcher('/console/sign-in', { headers });
  const formCookie = cookieFrom(form, 'mi_signin');
  const token = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  return fetcher('/console/sign-in', {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: `mi_signin=${formCookie}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ csrf: token, apiKey }),
  });
}

function setCookieHeader(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

function cookieFrom(response: Response, name: string): string {
  return setCookieHeader(response, name)?.split(';')[0]?.slice(name.length + 1) ?? '';
}

async function csrfFrom(fetcher: Fetcher, session: string): Promise<string> {
  const page = await fetcher('/console/metrics', { headers: { cookie: `mi_session=${session}` } });
  return /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? '';
}

describe('console sessions', () => {
  let stack: TestStack;
  let fetcher: Fetcher;

  beforeAll(async () => {
    stack = await startTestStack();
    fetcher = (path, init) => fetch(`${stack.apiUrl}${path}`, { redirect: 'manual', ...init });
  });
  afterAll(() => stack?.stop());

  it('sends pages without a session to sign-in, and refuses /v1 without a key or a session', async () => {
    const page = await fetcher('/console/metrics');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/sign-in');
    expect((await fetcher('/v1/metrics')).status).toBe(401);
    expect((await fetcher('/v1/metrics', { headers: { cookie: 'mi_session=made-up' } })).status).toBe(401);
  });

  it('exchanges an API key for an HttpOnly SameSite=Strict session cookie, stored only as a hash', async () => {
    const wrong = await signIn(fetcher, 'mi_live_' + 'x'.repeat(43));
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('this key is unknown or was revoked');
    expect(setCookieHeader(wrong, 'mi_session')).toBeUndefined();

    const response = await signIn(fetcher, stack.apiKey);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/metrics');
    const cookie = setCookieHeader(response, 'mi_session')!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/);
    const session = cookieFrom(response, 'mi_session');
    const rows = await stack.services.database.db.select().from(consoleSessions).where(eq(consoleSessions.workspaceId, stack.workspaceId));
    expect(rows.map((r) => r.sessionHash)).toContain(createHash('sha256').update(session).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(session);

    const behindTls = await signIn(fetcher, stack.apiKey, { 'x-forwarded-proto': 'https' });
    expect(setCookieHeader(behindTls, 'mi_session')).toMatch(/; Secure/);
  });

  it('refuses a sign-in post that did not come from its own form', async () => {
    const response = await fetcher('/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'guess', apiKey: stack.apiKey }),
    });
    expect(response.status).toBe(403);
    expect(setCookieHeader(response, 'mi_session')).toBeUndefined();
  });

  it('lets a session read the API, but change nothing without its CSRF token', async () => {
    const session = cookieFrom(await signIn(fetcher, stack.apiKey), 'mi_session');
    const headers = { cookie: `mi_session=${session}`, 'content-type': 'application/json' };
    expect((await fetcher('/v1/metrics', { headers })).status).toBe(200);
    const body = JSON.stringify({ name: 'from the console' });

    const missing = await fetcher('/v1/api-keys', { method: 'POST', headers, body });
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { detail: string }).detail).toContain('x-csrf-token');
    const forged = await fetcher('/v1/api-keys', { method: 'POST', headers: { ...headers, 'x-csrf-token': 'forged' }, body });
    expect(forged.status).toBe(403);

    const token = await csrfFrom(fetcher, session);
    const created = await fetcher('/v1/api-keys', { method: 'POST', headers: { ...headers, 'x-csrf-token': token }, body });
    expect(created.status).toBe(201);
    // Another session's token does not fit this one.
    const other = cookieFrom(await signIn(fetcher, stack.apiKey), 'mi_session');
    expect((await fetcher('/v1/api-keys', { method: 'POST', headers: { ...headers, 'x-csrf-token': await csrfFrom(fetcher, other) }, body })).status).toBe(403);
  });

  it('ends the sessions of a revoked key', async () => {
    const second = await stack.http<{ id: string; key: string }>('POST', '/v1/api-keys', { name: 'laptop' });
    const session = cookieFrom(await signIn(fetcher, second.body.key), 'mi_session');
    expect((await fetcher('/console/metrics', { headers: { cookie: `mi_session=${session}` } })).status).toBe(200);

    expect((await stack.http('POST', `/v1/api-keys/${second.body.id}/revoke`)).status).toBe(200);
    const page = await fetcher('/console/metrics', { headers: { cookie: `mi_session=${session}` } });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/sign-in');
    const api = await fetcher('/v1/metrics', { headers: { cookie: `mi_session=${session}` } });
    expect(api.status).toBe(401);
    expect(((await api.json()) as { detail: string }).detail).toContain('sign in again');
  });

  it('signs out: the session stops working', async () => {
    const session = cookieFrom(await signIn(fetcher, stack.apiKey), 'mi_session');
    const token = await csrfFrom(fetcher, session);
    const refused = await fetcher('/console/sign-out', {
      method: 'POST',
      headers: { cookie: `mi_session=${session}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'forged' }),
    });
    expect(refused.status).toBe(403);
    const out = await fetcher('/console/sign-out', {
      method: 'POST',
      headers: { cookie: `mi_session=${session}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: token }),
    });
    expect(out.status).toBe(200);
    expect(setCookieHeader(out, 'mi_session')).toMatch(/Max-Age=0/);
    expect((await fetcher('/console/metrics', { headers: { cookie: `mi_session=${session}` } })).status).toBe(303);
  });

  it('serves pages under a strict CSP and assets under content-hashed names cached for a year', async () => {
    const page = await fetcher('/console/sign-in');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    const script = /<script src="(\/console\/assets\/console\.[0-9a-f]{12}\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetcher(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetcher('/console/assets/console.000000000000.js')).status).toBe(404);
  });

  it('local mode: the one-time link signs in to its workspace once; without local mode there is no such link', async () => {
    const local = createApp(
      apiDepsFor(stack.services, { workflows: stack.gateway, temporalNamespace: 'default', consoleLocalSignIn: { token: 'one-time-token', apiKey: stack.apiKey } }),
    );
    const first = await local.request('/console/local-sign-in?token=one-time-token');
    expect(first.status).toBe(303);
    const session = cookieFrom(first, 'mi_session');
    expect((await local.request('/v1/metrics', { headers: { cookie: `mi_session=${session}` } })).status).toBe(200);
    expect((await local.request('/console/local-sign-in?token=one-time-token')).status).toBe(403);
    expect((await local.request('/console/local-sign-in?token=wrong')).status).toBe(403);
    expect((await stack.app.request('/console/local-sign-in?token=one-time-token')).status).toBe(403);
  });
});
