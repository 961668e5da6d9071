import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { createVerifiedApiKeys, verifiedApiKeyTtlMs } from '../../../src/api/verified-api-keys';
import { apiKeys } from '../../../src/db/schema';
import { apiDepsFor } from '../../../src/runtime/services';
import { eventually } from '../../helpers/eventually';
import { adminToken, startApiTestStack, type ApiTestStack, type Page, type Problem } from './api-stack';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface NewApiKey extends ApiKey {
  key: string;
}

describe('workspaces and API keys', () => {
  let api: ApiTestStack;

  beforeAll(async () => {
    api = await startApiTestStack();
  });
  afterAll(async () => {
    await api?.stop();
  });

  const newWorkspace = async (name: string) => {
    const created = await api.http<{ workspace: { id: string; name: string }; apiKey: NewApiKey }>('POST', '/v1/admin/workspaces', { name }, { apiKey: adminToken });
    expect(created.status).toBe(201);
    return created.body;
  };

  describe('admin routes', () => {
    it('create a workspace and its first key with the ADMIN_TOKEN; the key works at once', async () => {
      const { workspace, apiKey } = await newWorkspace('Acme analytics');
      expect(workspace.name).toBe('Acme analytics');
      expect(apiKey).toMatchObject({ name: 'first key', prefix: apiKey.key.slice(0, 12), revokedAt: null });
      expect(apiKey.key).toMatch(/^mi_live_[A-Za-z0-9_-]{43}$/);
      const integrations = await api.http<Page<unknown>>('GET', '/v1/integrations', undefined, { apiKey: apiKey.key });
      expect(integrations.status).toBe(200);
      expect(integrations.body.data).toEqual([]);
    });

    it('refuse a missing or wrong admin token, and a workspace key', async () => {
      for (const apiKey of ['wrong-admin-token-0000000000000000', api.stack.apiKey]) {
        const refused = await api.http<Problem>('POST', '/v1/admin/workspaces', { name: 'Intruder' }, { apiKey });
        expect(refused.status).toBe(401);
        expect(refused.body.code).toBe('unauthorized');
      }
    });

    it('do not exist when ADMIN_TOKEN is not configured: 404, like any unknown route', async () => {
      const app = createApp(apiDepsFor(api.stack.services, { workflows: api.stack.gateway, temporalNamespace: 'default' }));
      const init = { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) };
      const disabled = await app.request('/v1/admin/workspaces', init);
      const unknown = await app.request('/v1/admin/nothing-here', init);
      expect(disabled.status).toBe(404);
      const [disabledBody, unknownBody] = [(await disabled.json()) as Problem, (await unknown.json()) as Problem];
      expect(disabledBody.code).toBe('not_found');
      expect(disabledBody.detail).toBe('No route POST /v1/admin/workspaces.');
      expect(unknownBody.detail).toBe('No route POST /v1/admin/nothing-here.');
    });
  });

  it('shows a new key once; lists show prefix, name and dates but never the key or its hash', async () => {
    const { apiKey: first } = await newWorkspace('Key listing');
    const as = { apiKey: first.key };
    const created = await api.http<NewApiKey>('POST', '/v1/api-keys', { name: 'CI pipeline' }, as);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/api-keys/${created.body.id}`);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 12));

    const listed = await api.http<Page<ApiKey>>('GET', '/v1/api-keys', undefined, as);
    expect(listed.body.data.map((key) => key.name)).toEqual(['first key', 'CI pipeline']);
    const [row] = await api.stack.services.database.db.select({ keyHash: apiKeys.keyHash }).from(apiKeys).where(eq(apiKeys.id, created.body.id));
    for (const secret of [first.key, created.body.key, row!.keyHash]) expect(listed.text).not.toContain(secret);
    for (const key of listed.body.data) expect(Object.keys(key).sort()).toEqual(['createdAt', 'createdByKeyId', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt']);

    const paged = await api.http<Page<ApiKey>>('GET', '/v1/api-keys?limit=1', undefined, as);
    const rest = await api.http<Page<ApiKey>>('GET', `/v1/api-keys?limit=1&cursor=${paged.body.nextCursor}`, undefined, as);
    expect([...paged.body.data, ...rest.body.data].map((key) => key.name)).toEqual(['first key', 'CI pipeline']);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('records when a key was last used', async () => {
    const { apiKey } = await newWorkspace('Key usage');
    const as = { apiKey: apiKey.key };
    await api.http('GET', '/v1/metrics', undefined, as);
    const used = await eventually(async () => {
      const keys = await api.http<Page<ApiKey>>('GET', '/v1/api-keys', undefined, as);
      return keys.body.data[0]?.lastUsedAt ?? undefined;
    });
    expect(Date.parse(used)).toBeGreaterThanOrEqual(Date.parse(apiKey.createdAt));
  });

  it('revokes a key: it gets 401 from then on, stays listed, and revoking again changes nothing', async () => {
    const { apiKey: first } = await newWorkspace('Key revocation');
    const as = { apiKey: first.key };
    const second = (await api.http<NewApiKey>('POST', '/v1/api-keys', { name: 'to revoke' }, as)).body;
    // Used just before: the API remembers it as active for a few seconds, and the revocation forgets that.
    expect((await api.http('GET', '/v1/integrations', undefined, { apiKey: second.key })).status).toBe(200);

    const revoked = await api.http<ApiKey>('POST', `/v1/api-keys/${second.id}/revoke`, undefined, as);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();

    const refused = await api.http<Problem>('GET', '/v1/integrations', undefined, { apiKey: second.key });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'unauthorized', detail: 'The API key is unknown or was revoked.' });

    const again = await api.http<ApiKey>('POST', `/v1/api-keys/${second.id}/revoke`, undefined, as);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const listed = await api.http<Page<ApiKey>>('GET', '/v1/api-keys', undefined, as);
    expect(listed.body.data.find((key) => key.id === second.id)?.revokedAt).toBe(revoked.body.revokedAt);
  });

  it('remembers an active key for a few seconds: a revocation through another API process applies here once they pass', async () => {
    const { workspace, apiKey: first } = await newWorkspace('Key revoked elsewhere');
    const second = (await api.http<NewApiKey>('POST', '/v1/api-keys', { name: 'revoked elsewhere' }, { apiKey: first.key })).body;
    const { db } = api.stack.services.database;
    let now = 1_000;
    const keys = createVerifiedApiKeys({ db, ttlMs: verifiedApiKeyTtlMs, now: () => now });
    expect(await keys.find(second.key)).toEqual({ id: second.id, workspaceId: workspace.id });

    // Another process revokes it: this one believes the key until its few seconds are over.
    await db.update(apiKeys).set({ revokedAt: sql`now()` }).where(eq(apiKeys.id, second.id));
    now += verifiedApiKeyTtlMs - 1;
    expect(await keys.find(second.key)).toMatchObject({ id: second.id });
    now += 1;
    expect(await keys.find(second.key)).toBeUndefined();
    expect(await keys.find(second.key)).toBeUndefined();
    expect(verifiedApiKeyTtlMs).toBeLessThanOrEqual(5_000);

    // A revocation in this process forgets at once.
    expect(await keys.find(first.key)).toMatchObject({ id: first.id });
    await db.update(apiKeys).set({ revokedAt: sql`now()` }).where(eq(apiKeys.id, first.id));
    keys.forgetAll();
    expect(await keys.find(first.key)).toBeUndefined();
  });

  it('refuses to revoke the last active key, which would lock the workspace out', async () => {
    const { apiKey } = await newWorkspace('Last key');
    const refused = await api.http<Problem>('POST', `/v1/api-keys/${apiKey.id}/revoke`, undefined, { apiKey: apiKey.key });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/would leave the workspace without an active key/);
    expect((await api.http('GET', '/v1/api-keys', undefined, { apiKey: apiKey.key })).status).toBe(200);
  });

  it('answers 401 problems for a missing or malformed Authorization header', async () => {
    const response = await fetch(`${api.stack.apiUrl}/v1/metrics`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(((await response.json()) as Problem).detail).toMatch(/Authorization: Bearer <key>/);
    const wrong = await api.http<Problem>('GET', '/v1/metrics', undefined, { apiKey: 'mi_live_not-a-real-key' });
    expect(wrong.status).toBe(401);
  });
});
