/**
 * `npm run load`: many concurrent clients against the API over loopback HTTP, mixed reads and
 * writes, for a bounded time. Reports status counts (no 5xx allowed), latency percentiles per kind
 * of call, and checks every acknowledged write against the database: none lost, none duplicated,
 * every rename's last acknowledged value stored. Exits non-zero when any of that fails.
 * See docs/reliability.md ("Load").
 *
 * Environment (all optional):
 *   LOAD_PROFILE           `smoke` (10 clients, 15 s) or `full` (default: 50 clients, 180 s)
 *   LOAD_CLIENTS           concurrent clients (overrides the profile)
 *   LOAD_DURATION_SECONDS  how long clients keep sending (overrides the profile)
 *   BENCH_DATABASE_URL     a Postgres server on 127.0.0.1 to create the throw-away database on;
 *                          default: an embedded Postgres in a temp dir
 *
 * Nothing leaves the machine: the API, Postgres and the Looker emulator listen on 127.0.0.1.
 * Metric routes are not in the mix: they need a Temporal server and worker (their load is the
 * fault suite's subject); the workflow gateway here is never called.
 */
import { Client } from '@temporalio/client';
import { inArray, sql } from 'drizzle-orm';
import { Agent, fetch } from 'undici';
import { createApp } from '../src/api/app';
import { createRateLimits } from '../src/api/rate-limit';
import { generateEncryptionKey } from '../src/crypto/secret-box';
import { integrations, workspaces } from '../src/db/schema';
import { createWorkspaceWithKey } from '../src/db/repositories/workspaces';
import { silentLogger } from '../src/logger';
import { startLookerEmulator } from '../src/looker-emulator';
import { startApiServer } from '../src/runtime/api-server';
import { apiDepsFor, createServices } from '../src/runtime/services';
import { createMetricWorkflowGateway } from '../src/temporal/metric-workflow-gateway';
import { Cleanup } from './cleanup';
import { checkedServerUrl, provisionDatabase } from './database';
import { note, step } from './progress';

const profiles = { smoke: { clients: 10, seconds: 15 }, full: { clients: 50, seconds: 180 } } as const;
const credentials = { clientId: 'load-client-id', clientSecret: 'load-client-secret-0123456789' };
const workspaceCount = 5;

type Kind = 'list integrations' | 'get integration' | 'list api keys' | 'list looks' | 'create integration' | 'rename integration' | 'create api key';

/** The mix: weights per kind of call (reads 75 %, writes 25 %). */
const mix: [Kind, number][] = [
  ['list integrations', 30],
  ['get integration', 25],
  ['list api keys', 10],
  ['list looks', 10],
  ['create integration', 5],
  ['rename integration', 15],
  ['create api key', 5],
];

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<number> {
  const profileName = process.env.LOAD_PROFILE ?? 'full';
  if (profileName !== 'smoke' && profileName !== 'full') throw new Error(`LOAD_PROFILE must be smoke or full, got "${profileName}"`);
  const profile = profiles[profileName];
  const clients = intFromEnv('LOAD_CLIENTS', profile.clients);
  const seconds = intFromEnv('LOAD_DURATION_SECONDS', profile.seconds);
  const cleanup = new Cleanup();
  process.once('SIGINT', () => void cleanup.runAll().then(() => process.exit(130)));
  try {
    const given = process.env.BENCH_DATABASE_URL;
    const database = await provisionDatabase(cleanup, given ? checkedServerUrl(given) : undefined);
    const emulator = await startLookerEmulator({ ...credentials });
    cleanup.add('stop the Looker emulator', () => emulator.close());
    const services = createServices({
      databaseUrl: database.url,
      databasePoolSize: 10,
      encryptionKeys: `load:${generateEncryptionKey()}`,
      lookerAllowedHosts: [`127.0.0.1:${emulator.port}`],
      lookerMaxRows: 1_000_000,
      lookerTimeoutSeconds: 30,
      logger: silentLogger,
    });
    cleanup.add('close database pool and dispatcher', () => services.close());
    // Never connected: no route in the mix reaches Temporal.
    const workflows = createMetricWorkflowGateway(new Client(), { taskQueue: 'load-unused' });
    // The limits are tested elsewhere; here they would only measure themselves.
    const rateLimits = createRateLimits({ perAddress: 10_000_000, perKey: 10_000_000, admin: 10_000_000, lookerChecks: 10_000_000 });
    const app = createApp(apiDepsFor(services, { workflows, temporalNamespace: 'default', rateLimits }));
    const server = await startApiServer(app, { host: '127.0.0.1', port: 0 });
    cleanup.add('stop the API server', () => server.close());
    const { db } = services.database;

    const tenants = await step(`creating ${workspaceCount} workspaces, each with an integration`, () =>
      Promise.all(
        Array.from({ length: workspaceCount }, async (_, index) => {
          const { workspaceId, apiKey } = await createWorkspaceWithKey(db, { name: `load ${index}` });
          return { workspaceId, apiKey };
        }),
      ),
    );

    const agent = new Agent({ connections: clients, pipelining: 1 });
    cleanup.add('close the client agent', () => agent.close());
    const call = async (method: string, path: string, apiKey: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: agent,
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
    };

    const latencies = new Map<Kind, number[]>(mix.map(([kind]) => [kind, []]));
    const statuses = new Map<string, number>();
    /** Acknowledged writes: created integration id → its last acknowledged name; created key ids. */
    const createdIntegrations = new Map<string, { workspace: number; name: string }>();
    const createdKeys = new Set<string>();
    const totalWeight = mix.reduce((sum, [, weight]) => sum + weight, 0);
    const deadline = performance.now() + seconds * 1000;

    async function client(clientIndex: number): Promise<void> {
      const tenantIndex = clientIndex % workspaceCount;
      const tenant = tenants[tenantIndex]!;
      const own: string[] = [];
      let sequence = 0;
      while (performance.now() < deadline) {
        let pick = Math.random() * totalWeight;
        const kind = mix.find(([, weight]) => (pick -= weight) < 0)?.[0] ?? 'list integrations';
        sequence += 1;
        const started = performance.now();
        const result = await perform(kind, tenant.apiKey, own, `client ${clientIndex} #${sequence}`);
        latencies.get(kind)!.push(performance.now() - started);
        const key = `${kind} ${result.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        // A rename by a client with no integration yet is a create (see perform), so go by the answer.
        const isIntegration = result.body !== undefined && 'apiEndpoint' in result.body;
        if (isIntegration && result.status === 201) own.push(String(result.body!.id));
        if (isIntegration && (result.status === 201 || result.status === 200)) {
          createdIntegrations.set(String(result.body!.id), { workspace: tenantIndex, name: String(result.body!.name) });
        }
        if (kind === 'create api key' && result.status === 201) createdKeys.add(String(result.body!.id));
      }
    }

    /** One call; a client renames only integrations it created, so its last acknowledged rename is the expected name. */
    async function perform(kind: Kind, apiKey: string, own: string[], label: string) {
      const mine = own[Math.floor(Math.random() * own.length)];
      switch (kind) {
        case 'list integrations':
          return call('GET', '/v1/integrations?limit=20', apiKey);
        case 'get integration':
          return mine === undefined ? call('GET', '/v1/integrations?limit=1', apiKey) : call('GET', `/v1/integrations/${mine}`, apiKey);
        case 'list api keys':
          return call('GET', '/v1/api-keys?limit=20', apiKey);
        case 'list looks':
          return mine === undefined ? call('GET', '/v1/integrations?limit=1', apiKey) : call('GET', `/v1/integrations/${mine}/looks?limit=10`, apiKey);
        case 'create integration':
          return call('POST', '/v1/integrations', apiKey, { name: `load ${label}`, apiEndpoint: emulator.url, ...credentials });
        case 'rename integration':
          return mine === undefined
            ? call('POST', '/v1/integrations', apiKey, { name: `load ${label}`, apiEndpoint: emulator.url, ...credentials })
            : call('PATCH', `/v1/integrations/${mine}`, apiKey, { name: `renamed ${label}` });
        case 'create api key':
          return call('POST', '/v1/api-keys', apiKey, { name: `load ${label}` });
      }
    }

    note(`${clients} clients for ${seconds} s (profile ${profileName}) against ${server.url}`);
    const started = performance.now();
    await step('running the load', () => Promise.all(Array.from({ length: clients }, (_, index) => client(index))));
    const elapsedSeconds = (performance.now() - started) / 1000;

    const tenantIds = tenants.map((tenant) => tenant.workspaceId);
    const stored = await db.select({ id: integrations.id, name: integrations.name, workspaceId: integrations.workspaceId }).from(integrations).where(inArray(integrations.workspaceId, tenantIds));
    const storedById = new Map(stored.map((row) => [row.id, row]));
    const lost = [...createdIntegrations.keys()].filter((id) => !storedById.has(id));
    const unacknowledged = stored.filter((row) => !createdIntegrations.has(row.id));
    const [nameCounts] = await db.execute<{ duplicated: number }>(
      sql`select count(*)::int as duplicated from (select name from integrations where workspace_id in ${tenantIds} group by workspace_id, name having count(*) > 1) d`,
    );
    const wrongName = [...createdIntegrations].filter(([id, expected]) => storedById.get(id)?.name !== expected.name || storedById.get(id)?.workspaceId !== tenantIds[expected.workspace]);
    const [keys] = await db.execute<{ count: number }>(sql`select count(*)::int as count from api_keys where workspace_id in ${tenantIds}`);
    const keysLost = createdKeys.size + workspaceCount - keys!.count;
    const [workspaceRows] = await db.select({ count: sql<number>`count(*)::int` }).from(workspaces);

    const serverErrors = [...statuses].filter(([key]) => Number(key.split(' ').at(-1)) >= 500).reduce((sum, [, count]) => sum + count, 0);
    const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);

    const lines = [
      `load: ${clients} clients, ${seconds} s, profile ${profileName}; Postgres: ${database.source}`,
      `requests: ${total} in ${elapsedSeconds.toFixed(1)} s (${(total / elapsedSeconds).toFixed(0)} per s); 5xx: ${serverErrors}`,
      '',
      '| call | count | p50 ms | p95 ms | p99 ms | max ms |',
      '|---|---:|---:|---:|---:|---:|',
      ...mix.map(([kind]) => {
        const sorted = [...latencies.get(kind)!].sort((a, b) => a - b);
        const f = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(1));
        return `| ${kind} | ${sorted.length} | ${f(percentile(sorted, 50))} | ${f(percentile(sorted, 95))} | ${f(percentile(sorted, 99))} | ${f(sorted.at(-1) ?? Number.NaN)} |`;
      }),
      '',
      `statuses: ${[...statuses].sort().map(([key, count]) => `${key}: ${count}`).join('; ')}`,
      `writes acknowledged: ${createdIntegrations.size} integrations (${[...statuses].filter(([key]) => key.startsWith('rename integration 200')).reduce((s, [, c]) => s + c, 0)} renames), ${createdKeys.size} API keys; workspaces in the database: ${workspaceRows!.count}`,
      `lost integrations: ${lost.length}; stored but never acknowledged: ${unacknowledged.length}; duplicated names: ${nameCounts!.duplicated}; wrong name or workspace: ${wrongName.length}; lost API keys: ${keysLost}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const ok = serverErrors === 0 && lost.length === 0 && unacknowledged.length === 0 && nameCounts!.duplicated === 0 && wrongName.length === 0 && keysLost === 0;
    note(ok ? 'load: all checks passed' : 'load: FAILED (see the counts above)');
    return ok ? 0 : 1;
  } finally {
    await cleanup.runAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
