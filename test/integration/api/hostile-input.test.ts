import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { isIP } from 'node:net';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/api/app';
import { createRateLimits } from '../../../src/api/rate-limit';
import { createWorkspaceWithKey } from '../../../src/db/repositories/workspaces';
import { createLogger } from '../../../src/logger';
import { isForbiddenAddress } from '../../../src/looker/address-guard';
import { createLookerClientFactory } from '../../../src/looker/client-factory';
import { apiDepsFor } from '../../../src/runtime/services';
import { adminToken, createIntegration, createMetric, startApiTestStack, waitUntilSettled, type ApiTestStack, type Problem } from './api-stack';
import { operationsOf, requestArbitrary, type HostileRequest, type OpenApiDocument, type Operation, type Pools } from './hostile-requests';
import { assertMatchesContract, documentedRoutes } from './response-contract';

/** HOSTILE_SEED varies the generated requests (default fixed); HOSTILE_RUNS sets requests per route. */
const seed = Number(process.env.HOSTILE_SEED ?? 20261201);
const runsPerRoute = Number(process.env.HOSTILE_RUNS ?? 1000);

/** The committed OpenAPI document names the routes at collection time; openapi.test.ts keeps it equal to the served one. */
const routeNames = operationsOf(JSON.parse(readFileSync(new URL('./openapi.snapshot.json', import.meta.url), 'utf8')) as OpenApiDocument).map(
  (operation) => `${operation.method} ${operation.path}`,
);

/**
 * Routes whose success may start background work (a workflow update, an import) get ids that are
 * never the tenant's own, so a 2xx cannot change rows while the next request is being judged.
 */
const noRealIds = new Set(['DELETE /v1/integrations/{id}', 'DELETE /v1/metrics/{id}', 'POST /v1/api-keys/{id}/revoke', 'PATCH /v1/metrics/{id}', 'PATCH /v1/metrics/{id}/schedule', 'POST /v1/metrics/{id}/pause', 'POST /v1/metrics/{id}/resume', 'POST /v1/metrics/{id}/import-now']);

/**
 * Acceptance 4: every route of the OpenAPI document gets ≥ 1,000 generated hostile requests
 * (in-process, real Postgres, Temporal dev server, the Looker emulator on loopback). None may answer
 * 5xx; a 4xx is a problem naming the field and leaves the tenant's stored rows as they were; every
 * answer matches the route's documented contract.
 */
describe(`hostile input at every route (HOSTILE_SEED=${seed}, ${runsPerRoute} requests per route)`, () => {
  let api: ApiTestStack;
  let app: App;
  let operations: Operation[];
  let pools: Pools;
  const errors: string[] = [];
  /** Origins the service tried to reach that are neither loopback, `.invalid` nor refused by the SSRF guard: must stay empty. */
  const escaped: string[] = [];

  beforeAll(async () => {
    api = await startApiTestStack();
    const { db } = api.stack.services.database;
    const integration = await createIntegration(api, 'Hostile-input target');
    const metric = await createMetric(api, integration.id);
    await waitUntilSettled(api, metric.id);
    const foreign = await createWorkspaceWithKey(db, { name: 'hostile-input: another tenant' });
    const foreignIntegration = await createIntegration(api, 'Another tenant', { apiKey: foreign.apiKey });
    const [ownKey] = await db.execute<{ id: string }>(sql`select id from api_keys where workspace_id = ${api.stack.workspaceId} limit 1`);
    pools = {
      realIds: { id: [integration.id, metric.id, ownKey!.id, api.stack.workspaceId], lookId: ['1', '2', '999'] },
      foreignIds: [foreign.workspaceId, foreign.apiKeyId, foreignIntegration.id],
      safeEndpoints: [api.stack.emulator.url, api.stack.emulator.apiUrl, api.strangers.htmlUrl, api.strangers.json404Url],
    };

    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        errors.push(chunk.toString('utf8'));
        done();
      },
    });
    const services = api.stack.services;
    const deps = apiDepsFor(services, {
      workflows: api.stack.gateway,
      temporalNamespace: 'default',
      adminToken,
      rateLimits: createRateLimits({ perAddress: 1_000_000, perKey: 1_000_000, admin: 1_000_000, lookerChecks: 1_000_000 }),
    });
    const lookerClients = createLookerClientFactory({ db, secretBox: services.secretBox, dispatcher: loopbackOnly(services.dispatcher, escaped), runTimeoutMs: 30_000 });
    app = createApp({ ...deps, lookerClients, logger: createLogger({ level: 'error', destination: sink }) });
    const document = (await (await app.request('/openapi.json')).json()) as OpenApiDocument;
    operations = operationsOf(document);
  });
  afterAll(async () => {
    await api?.stop();
  });

  /**
   * The tenant's stored rows (and the number of workspaces and keys), as one digest. Rows are
   * identified by their row version (xmin): any insert, update or delete changes the digest. API
   * keys are compared by content instead, because every request updates last_used_at by design.
   */
  async function tenantDigest(): Promise<string> {
    const ws = api.stack.workspaceId;
    const versions = (table: string, where: ReturnType<typeof sql>) =>
      sql`(select count(*) || ':' || coalesce(sum(xmin::text::bigint), 0) from ${sql.identifier(table)} t where ${where})`;
    const [row] = await api.stack.services.database.db.execute<{ digest: string }>(sql`
      select md5(concat_ws('|',
        (select count(*) from workspaces), (select count(*) from api_keys),
        (select string_agg((to_jsonb(t) - 'last_used_at')::text, ',' order by t.id) from api_keys t where workspace_id = ${ws}),
        ${versions('workspaces', sql`id = ${ws}`)},
        ${versions('integrations', sql`workspace_id = ${ws}`)},
        ${versions('metrics', sql`workspace_id = ${ws}`)},
        ${versions('import_runs', sql`workspace_id = ${ws}`)},
        ${versions('console_sessions', sql`workspace_id = ${ws}`)},
        ${versions('datapoints', sql`metric_id in (select id from metrics where workspace_id = ${ws})`)}
      )) as digest`);
    return row!.digest;
  }

  it('covers every route the app serves', () => {
    expect(operations.map((operation) => `${operation.method} ${operation.path}`).sort()).toEqual([...routeNames].sort());
    expect(routeNames.length).toBeGreaterThan(20);
  });

  it.each(routeNames)('%s', { timeout: 600_000 }, async (name) => {
    const operation = operations.find((candidate) => `${candidate.method} ${candidate.path}` === name)!;
    const auth = operation.path.startsWith('/v1/admin/') ? `Bearer ${adminToken}` : `Bearer ${api.stack.apiKey}`;
    const useRealIds = !noRealIds.has(name);
    let digest = await tenantDigest();
    let sent = 0;
    escaped.length = 0;

    const details = await fc.check(
      fc.asyncProperty(requestArbitrary(operation, pools, auth, useRealIds), async (request) => {
        sent += 1;
        errors.length = 0;
        const response = await app.request(request.url, { method: request.method, headers: request.headers, body: request.body });
        const text = await response.text();
        const where = `${name} ← ${describeRequest(request)} → ${response.status} ${text.slice(0, 300)}`;
        expect(response.status, `${where}\n${errors.join('')}`).toBeLessThan(500);
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // CSV or empty
        }
        // A path trick can resolve to no route at all (`/v1/metrics/..` is `/v1/`): no contract then, but still a problem.
        const path = new URL(request.url, 'http://api').pathname;
        const routed = documentedRoutes(app).some((route) => route.method === request.method && route.pattern.test(path));
        if (routed) assertMatchesContract(app, request.method, request.url, { status: response.status, contentType: response.headers.get('content-type'), body, text });
        else expect(response.headers.get('content-type'), where).toBe('application/problem+json');

        const after = await tenantDigest();
        if (response.status >= 400) {
          expect(after, `a ${response.status} changed stored rows: ${where}`).toBe(digest);
          if ([400, 413, 415, 422].includes(response.status)) {
            const pointers = (body as Problem).errors?.map((error) => error.pointer) ?? [];
            expect(pointers.length, `the error names no field: ${where}`).toBeGreaterThan(0);
            for (const pointer of pointers) expect(pointer, where).toMatch(/^\/(body|query|path|headers)(\/|$)/);
          }
        }
        digest = after;
      }),
      { seed, numRuns: runsPerRoute, endOnFailure: true },
    );
    if (details.failed) {
      const reason = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(`${name}: failed after ${details.numRuns} requests (rerun with HOSTILE_SEED=${details.seed}): ${reason.slice(0, 3000)}`);
    }
    expect(sent).toBeGreaterThanOrEqual(runsPerRoute);
    expect(escaped, 'the service tried to reach a host outside loopback').toEqual([]);
  });
});

function describeRequest(request: HostileRequest): string {
  const body = request.body === undefined ? '' : ` body(${request.body.length} B) ${JSON.stringify(request.body.slice(0, 200))}`;
  return `${request.method} ${request.url.slice(0, 200)} [${request.recipe.slice(0, 200)}] ${JSON.stringify(request.headers).slice(0, 200)}${body}`;
}

/**
 * The service's own dispatcher (SSRF guard included), behind a check that only lets through
 * origins that cannot leave the machine: loopback, `.invalid` names (answered without DNS) and IP
 * literals the guard refuses before connecting. Anything else is recorded and fails the call.
 */
function loopbackOnly(inner: Dispatcher, escaped: string[]): Dispatcher {
  return inner.compose((dispatch) => (options, handler) => {
    const origin = String(options.origin);
    const host = new URL(origin).hostname.replace(/^\[(.*)\]$/, '$1');
    const local = host === 'localhost' || /(^|\.)invalid\.?$/.test(host) || (isIP(host) !== 0 && isForbiddenAddress(host) !== undefined);
    if (!local) {
      escaped.push(origin);
      throw new Error(`hostile-input test: refused to reach ${origin}`);
    }
    return dispatch(options, handler);
  });
}
