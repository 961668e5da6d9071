import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import type { ApiDeps } from '../../../src/api/deps';
import { createPrometheusMetrics } from '../../../src/observability/prometheus';
import {
  adminToken,
  createIntegration,
  createMetric,
  emulatorCredentials,
  snapshotDatabase,
  startApiTestStack,
  waitUntilSettled,
  type ApiTestStack,
  type Integration,
  type Metric,
  type Page,
  type Problem,
} from './api-stack';

interface Operation {
  requestBody?: { content: { 'application/json': { schema: { $ref: string } } } };
}

/** The routes as documented; building the document needs no running dependencies, only the Prometheus series the app registers. */
const prometheus = createPrometheusMetrics();
const document = createApp({ prometheus, metricsEndpoint: { registry: prometheus.registry } } as ApiDeps).getOpenAPIDocument({ openapi: '3.0.3', info: { title: 'metric-importer', version: '1' } });
const operations = Object.entries(document.paths ?? {}).flatMap(([path, methods]) =>
  Object.entries(methods as Record<string, Operation>).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
);
// Admin routes take the operator's token, not a workspace key: workspace keys get 401 there (checked below).
const adminRoutes = operations.filter(({ path }) => path.startsWith('/v1/admin/'));
const withPathParams = operations.filter(({ path }) => path.includes('{') && !path.startsWith('/v1/admin/'));
const withoutPathParams = operations.filter(({ path }) => !path.includes('{'));

function bodyExample(operation: Operation): unknown {
  const ref = operation.requestBody?.content['application/json'].schema.$ref;
  return ref ? (document.components?.schemas?.[ref.split('/').at(-1)!] as { example?: unknown }).example : undefined;
}

/**
 * Acceptance 5: a key of workspace A gets 404 for every object of workspace B on every route.
 * Routes with path parameters are derived from the OpenAPI document, so a new route is covered
 * without touching this file; a new route without path parameters fails until it is classified.
 */
describe('tenant isolation', () => {
  let api: ApiTestStack;
  const b = {} as { apiKey: string; secondKeyId: string; integration: Integration; metric: Metric };
  let aIntegration: Integration;

  beforeAll(async () => {
    api = await startApiTestStack();
    const workspace = await api.http<{ apiKey: { key: string } }>('POST', '/v1/admin/workspaces', { name: 'Workspace B' }, { apiKey: adminToken });
    expect(workspace.status).toBe(201);
    b.apiKey = workspace.body.apiKey.key;
    const asB = { apiKey: b.apiKey };
    b.integration = await createIntegration(api, 'Workspace B Looker', asB);
    b.metric = await createMetric(api, b.integration.id, { name: 'Workspace B revenue' }, asB);
    await waitUntilSettled(api, b.metric.id, asB);
    b.secondKeyId = (await api.http<{ id: string }>('POST', '/v1/api-keys', { name: 'Workspace B second key' }, asB)).body.id;
    aIntegration = await createIntegration(api, 'Workspace A Looker');
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** Workspace B's object for each resource that appears as `{id}` in a path. */
  const objectOf = (path: string): string => {
    if (path.startsWith('/v1/integrations/')) return b.integration.id;
    if (path.startsWith('/v1/metrics/')) return b.metric.id;
    if (path.startsWith('/v1/api-keys/')) return b.secondKeyId;
    throw new Error(`No workspace-B object for ${path}: add its resource to objectOf`);
  };
  const urlFor = (path: string) => path.replace('{id}', objectOf(path)).replace('{lookId}', '1');

  it.each(withPathParams)("$method $path answers 404 for workspace B's object and changes nothing", async ({ method, path, operation }) => {
    const before = await snapshotDatabase(api);
    const result = await api.http<Problem>(method, urlFor(path), bodyExample(operation));
    expect(result.status).toBe(404);
    expect(result.body.code).toBe('not_found');
    expect(result.text).not.toMatch(/Workspace B/);
    expect(await snapshotDatabase(api)).toEqual(before);
  });

  it.each(withPathParams.filter(({ method }) => method === 'GET'))("$method $path answers workspace B's own key (the 404 above is scoping, not a broken route)", async ({ method, path }) => {
    const result = await api.http(method, urlFor(path), undefined, { apiKey: b.apiKey });
    expect(result.status).toBe(200);
  });

  it("hides workspace B's datapoints as CSV too", async () => {
    const result = await api.http('GET', `/v1/metrics/${b.metric.id}/datapoints?format=csv`);
    expect(result.status).toBe(404);
    expect(result.text).not.toContain('date,value');
  });

  /** Routes without path parameters reach no single object: each states how it stays inside the workspace. */
  const unscoped: Record<string, () => Promise<void>> = {
    'GET /healthz': async () => {
      // Holds no workspace data.
    },
    'GET /readyz': async () => {
      // Holds no workspace data: reachability and the schema version only.
    },
    'POST /v1/admin/workspaces': async () => {
      const result = await api.http('POST', '/v1/admin/workspaces', { name: 'Not allowed' });
      expect(result.status).toBe(401); // a workspace key is not the admin token
    },
    'POST /v1/integrations/test': async () => {
      // Tests the credentials in its body; reads nothing stored.
    },
    'GET /v1/integrations': async () => {
      const ids = (await api.http<Page<Integration>>('GET', '/v1/integrations?limit=200')).body.data.map((item) => item.id);
      expect(ids).toContain(aIntegration.id);
      expect(ids).not.toContain(b.integration.id);
    },
    'POST /v1/integrations': async () => {
      const created = await api.http<Integration>('POST', '/v1/integrations', { name: 'Another A Looker', apiEndpoint: api.stack.emulator.url, ...emulatorCredentials });
      expect(created.status).toBe(201);
      expect((await api.http('GET', `/v1/integrations/${created.body.id}`, undefined, { apiKey: b.apiKey })).status).toBe(404);
    },
    'GET /v1/metrics': async () => {
      const listed = await api.http<Page<Metric>>('GET', '/v1/metrics?limit=200');
      expect(listed.body.data.map((item) => item.id)).not.toContain(b.metric.id);
      const filtered = await api.http<Problem>('GET', `/v1/metrics?integrationId=${b.integration.id}`);
      expect(filtered.status).toBe(404);
      expect(filtered.body.errors?.[0]?.pointer).toBe('/query/integrationId');
    },
    'POST /v1/metrics': async () => {
      const result = await api.http<Problem>('POST', '/v1/metrics', { ...(bodyExample(operationOf('POST', '/v1/metrics')) as object), integrationId: b.integration.id });
      expect(result.status).toBe(404);
      expect(result.body.errors?.[0]?.pointer).toBe('/body/integrationId');
    },
    'GET /v1/api-keys': async () => {
      const keys = (await api.http<Page<{ id: string; name: string }>>('GET', '/v1/api-keys?limit=200')).body;
      expect(keys.data.length).toBeGreaterThan(0);
      expect(keys.data.map((key) => key.id)).not.toContain(b.secondKeyId);
    },
    'POST /v1/api-keys': async () => {
      const created = await api.http<{ key: string }>('POST', '/v1/api-keys', { name: 'Another A key' });
      expect(created.status).toBe(201);
      expect((await api.http('GET', `/v1/metrics/${b.metric.id}`, undefined, { apiKey: created.body.key })).status).toBe(404);
    },
  };
  const operationOf = (method: string, path: string) => operations.find((op) => op.method === method && op.path === path)!.operation;

  it.each(withoutPathParams)('$method $path keeps to the workspace of the key', async ({ method, path }) => {
    const check = unscoped[`${method} ${path}`];
    expect(check, `${method} ${path} has no path parameter: say in this test how it stays inside the workspace`).toBeDefined();
    await check!();
  });

  it.each(adminRoutes.filter(({ path }) => path.includes('{')))("$method $path refuses a workspace key (401) and changes nothing", async ({ method, path, operation }) => {
    const before = await snapshotDatabase(api);
    const result = await api.http<Problem>(method, path.replace('{id}', api.stack.workspaceId), bodyExample(operation));
    expect(result.status).toBe(401);
    expect(await snapshotDatabase(api)).toEqual(before);
  });

  it("leaves workspace B's objects as they were", async () => {
    const asB = { apiKey: b.apiKey };
    expect((await api.http<Integration>('GET', `/v1/integrations/${b.integration.id}`, undefined, asB)).body.name).toBe('Workspace B Looker');
    expect((await api.http<Metric>('GET', `/v1/metrics/${b.metric.id}`, undefined, asB)).body).toMatchObject({ name: 'Workspace B revenue', state: 'active' });
    const keys = (await api.http<Page<{ id: string; revokedAt: string | null }>>('GET', '/v1/api-keys', undefined, asB)).body.data;
    expect(keys.find((key) => key.id === b.secondKeyId)?.revokedAt).toBeNull();
  });
});
