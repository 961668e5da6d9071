import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertMatchesContract, nonApiPaths } from './response-contract';
import { startApiTestStack, type ApiTestStack } from './api-stack';

interface Operation {
  summary?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
type OpenApiDocument = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { example?: unknown }> } };

const sampleIntegration = {
  id: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed',
  name: 'Acme Looker',
  type: 'looker',
  apiEndpoint: 'https://acme.cloud.looker.com/api/4.0',
  clientId: 'gQ8ghDfvnDxVhKcy3Y4F',
  hasClientSecret: true,
  maxConcurrentQueries: 8,
  lastCheck: null,
  createdAt: '2026-11-30T06:00:00.000Z',
  updatedAt: '2026-11-30T06:00:00.000Z',
};

describe('OpenAPI document and reference page', () => {
  let api: ApiTestStack;
  let document: OpenApiDocument;

  beforeAll(async () => {
    api = await startApiTestStack();
    const response = await fetch(`${api.stack.apiUrl}/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('matches the committed snapshot, so every contract change shows up in review', async () => {
    // After an intended API change: npx vitest run --project integration test/integration/api/openapi.test.ts -u
    await expect(`${JSON.stringify(document, null, 2)}\n`).toMatchFileSnapshot('./openapi.snapshot.json');
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

  it('documents every route the app serves', () => {
    const served = api.stack.app.routes
      .filter((route) => route.method !== 'ALL' && !nonApiPaths.some((pattern) => pattern.test(route.path)))
      .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !served.includes(route))).toEqual([]);
  });

  it('gives every operation a summary, its parameters, a request schema for bodies and response schemas', () => {
    for (const { path, method, operation } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(operation.summary, where).toBeTruthy();
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1])) {
        expect(operation.parameters?.find((parameter) => parameter.in === 'path' && parameter.name === name)?.schema, `${where} path parameter ${name}`).toBeDefined();
      }
      if (method === 'patch' || operation.requestBody) {
        expect(operation.requestBody?.content['application/json']?.schema, `${where} request body`).toBeDefined();
      }
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      expect(success.length, `${where} success response`).toBeGreaterThan(0);
      for (const [status, response] of success) {
        if (status !== '204') expect(Object.values(response.content ?? {})[0]?.schema, `${where} ${status} schema`).toBeDefined();
      }
      if (path !== '/healthz' && path !== '/readyz') {
        expect(operation.security, `${where} security`).toBeDefined();
        for (const status of ['400', '401', '404', '500']) {
          expect(operation.responses[status]?.content?.['application/problem+json']?.schema?.$ref, `${where} ${status}`).toBe('#/components/schemas/Problem');
        }
      }
    }
  });

  it('has an example for every request body, so readers (and the tenant-isolation test) can send one', () => {
    for (const { path, method, operation } of operations()) {
      const schema = operation.requestBody?.content['application/json']?.schema as { $ref?: string } | undefined;
      if (!schema) continue;
      const name = schema.$ref?.split('/').at(-1);
      expect(name && document.components.schemas[name]?.example, `${method.toUpperCase()} ${path} body example`).toBeTruthy();
    }
  });

  it('checks responses against the contract: every API test call goes through this check', async () => {
    const integrations = await api.stack.http('GET', '/v1/integrations');
    const actual = { status: 200, contentType: 'application/json', body: integrations.body, text: integrations.text };
    expect(() => assertMatchesContract(api.stack.app, 'GET', '/v1/integrations', actual)).not.toThrow();
    const leaky = { ...actual, body: { data: [{ ...sampleIntegration, clientSecret: 'oops' }], nextCursor: null } };
    expect(() => assertMatchesContract(api.stack.app, 'GET', '/v1/integrations', leaky)).toThrow(/properties its schema does not document/);
    expect(() => assertMatchesContract(api.stack.app, 'GET', '/v1/integrations', { ...actual, status: 418 })).toThrow(/does not list/);
    expect(() => assertMatchesContract(api.stack.app, 'GET', '/v1/integrations', { ...actual, body: { data: 'nope' } })).toThrow(/does not match its schema/);
    expect(() => assertMatchesContract(api.stack.app, 'GET', '/v1/undocumented', actual)).toThrow(/not a documented route/);
  });

  it('serves an interactive reference at /docs from packaged assets, without any other host', async () => {
    const page = await fetch(`${api.stack.apiUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.every((asset) => asset.startsWith('/docs/'))).toBe(true);
    for (const asset of assets) {
      const response = await fetch(`${api.stack.apiUrl}${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    const bundle = await fetch(`${api.stack.apiUrl}/docs/swagger-ui-bundle.js`);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await (await fetch(`${api.stack.apiUrl}/docs/init.js`)).text()).toContain("url: '/openapi.json'");
    const unknown = await fetch(`${api.stack.apiUrl}/docs/package.json`);
    expect(unknown.status).toBe(404);
  });
});
