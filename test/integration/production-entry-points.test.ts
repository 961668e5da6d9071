import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateEncryptionKey } from '../../src/crypto/secret-box';
import { freePort } from '../../src/local/free-port';
import { startLookerEmulator } from '../../src/looker-emulator';
import { eventually } from '../helpers/eventually';
import { devServerNow, emulatorClock, importTimeAhead } from '../helpers/test-clock';
import { createTestDatabase } from '../helpers/test-database';

const run = promisify(execFile);

/** Runs a production entry point as `npm run <script>` would, with exactly the given environment. */
async function entryPoint(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.resolve('src/cli', script)], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('production entry points', () => {
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  it('db:migrate creates every table on an empty database, and running it again changes nothing', async () => {
    const server = new URL(inject('databaseUrl'));
    server.pathname = '/postgres';
    const database = await createTestDatabase(server.toString());
    drops.push(() => database.drop());

    const first = await entryPoint('migrate.ts', { DATABASE_URL: database.url });
    expect(first).toMatchObject({ code: 0, stdout: 'migrations applied\n' });
    const second = await entryPoint('migrate.ts', { DATABASE_URL: database.url });
    expect(second.code).toBe(0);

    const sql = postgres(database.url, { max: 1, onnotice: () => undefined });
    try {
      const tables = await sql<{ table_name: string }[]>`
        select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
      expect(tables.map((t) => t.table_name)).toEqual([
        'api_keys',
        'console_sessions',
        'datapoints',
        'import_runs',
        'integrations',
        'looker_query_slots',
        'looker_tokens',
        'metrics',
        'shared_look_results',
        'staged_datapoints',
        'workspaces',
      ]);
    } finally {
      await sql.end();
    }
  });

  it.each([
    ['migrate.ts', {}, 'metric-importer: DATABASE_URL: is required'],
    ['api.ts', {}, 'metric-importer: DATABASE_URL: is required'],
    ['worker.ts', { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' }, 'metric-importer: ENCRYPTION_KEYS: is required'],
    ['api.ts', { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', ENCRYPTION_KEYS: 'k1:short' }, 'metric-importer: ENCRYPTION_KEYS: '],
    ['worker.ts', { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', ENCRYPTION_KEYS: `k1:${generateEncryptionKey()}` }, 'metric-importer: TEMPORAL_PAYLOAD_KEYS: is required'],
    [
      'api.ts',
      { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', ENCRYPTION_KEYS: `k1:${generateEncryptionKey()}`, TEMPORAL_PAYLOAD_KEYS: 'p1:short' },
      'metric-importer: TEMPORAL_PAYLOAD_KEYS: TEMPORAL_PAYLOAD_KEYS entry 1',
    ],
  ])('%s refuses to start without its settings, naming the variable in one line (%j)', async (script, env, expected) => {
    const result = await entryPoint(script, env);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(expected);
  });

  it('worker.ts refuses to start when TEMPORAL_SDK_METRICS_PORT is taken, naming the variable', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const result = await entryPoint('worker.ts', {
        DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
        ENCRYPTION_KEYS: `k1:${generateEncryptionKey()}`,
        TEMPORAL_PAYLOAD_KEYS: `p1:${generateEncryptionKey()}`,
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        TEMPORAL_SDK_METRICS_PORT: String((busy.address() as AddressInfo).port),
      });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(/^metric-importer: TEMPORAL_SDK_METRICS_PORT: Failed to start prometheus metrics exporter.*set it to a free port$/);
    } finally {
      busy.close();
    }
  });
});

/** The production build (npm run build) in a folder of its own, where node_modules still resolves. */
async function productionBuild(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = path.resolve('node_modules/.cache', `metric-importer-build-${randomBytes(4).toString('hex')}`);
  await run(process.execPath, ['--import', 'tsx', path.resolve('src/cli/build-production.ts'), dir]);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A long-running entry point (api, worker) of the production build as its own process, started with
 * plain node as the image does, and stopped with SIGTERM like a platform would.
 */
function startProcess(build: string, script: string, env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [path.join(build, 'cli', script)], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

describe('production processes from the production build: one API and two workers', () => {
  let build: Awaited<ReturnType<typeof productionBuild>>;
  beforeAll(async () => {
    build = await productionBuild();
  }, 180_000);
  afterAll(async () => {
    await build?.remove();
  });

  it('imports a metric end to end through separate api and worker processes run by plain node, which stop cleanly on SIGTERM', async () => {
    const server = new URL(inject('databaseUrl'));
    server.pathname = '/postgres';
    const database = await createTestDatabase(server.toString());
    const emulator = await startLookerEmulator({ clientId: 'prod-client', clientSecret: 'prod-secret-7c1d9e0b2a4f', now: emulatorClock() });
    const port = await freePort();
    const adminToken = 'production-admin-token-0123456789abcdef';
    const env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      ENCRYPTION_KEYS: `k1:${generateEncryptionKey()}`,
      TEMPORAL_PAYLOAD_KEYS: `p1:${generateEncryptionKey()}`,
      ADMIN_TOKEN: adminToken,
      LOOKER_ALLOWED_HOSTS: `127.0.0.1:${emulator.port}`,
      PORT: String(port),
    };
    const workerEnv = { ...env, TEMPORAL_WORKFLOW_BUNDLE: path.join(build.dir, 'workflow-bundle.js') };
    // The release order: migrate once, then start the API and any number of workers.
    await run(process.execPath, [path.join(build.dir, 'cli', 'migrate.js')], { env: { PATH: process.env.PATH ?? '', ...env } });
    const healthPort = await freePort();
    const processes = [
      startProcess(build.dir, 'api.js', env),
      startProcess(build.dir, 'worker.js', { ...workerEnv, WORKER_HEALTH_PORT: String(healthPort), TEMPORAL_SDK_METRICS_PORT: String(await freePort()) }),
      startProcess(build.dir, 'worker.js', workerEnv),
    ];
    try {
      const api = `http://127.0.0.1:${port}`;
      // Ready means Postgres and Temporal answer and the schema is this build's.
      await eventually(async () => ((await fetch(`${api}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined));
      const post = async <T>(route: string, token: string, body: unknown): Promise<{ status: number; body: T }> => {
        const response = await fetch(`${api}${route}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as T };
      };

      const workspace = await post<{ apiKey: { key: string } }>('/v1/admin/workspaces', adminToken, { name: 'Production check' });
      expect(workspace.status).toBe(201);
      const key = workspace.body.apiKey.key;
      const integration = await post<{ id: string }>('/v1/integrations', key, {
        name: 'Looker',
        apiEndpoint: emulator.url,
        clientId: 'prod-client',
        clientSecret: 'prod-secret-7c1d9e0b2a4f',
      });
      expect(integration.status).toBe(201);
      const metric = await post<{ id: string }>('/v1/metrics', key, {
        name: 'Weekly orders',
        integrationId: integration.body.id,
        lookId: '2',
        dateField: 'orders.created_week',
        valueField: 'orders.count',
        importTime: importTimeAhead(devServerNow(), 'UTC'),
      });
      expect(metric.status).toBe(202);
      const page = await eventually(async () => {
        const response = await fetch(`${api}/v1/metrics/${metric.body.id}/datapoints?limit=1000`, { headers: { authorization: `Bearer ${key}` } });
        const body = (await response.json()) as { data: unknown[] };
        return body.data.length === 104 ? body : undefined;
      });
      expect(page.data).toHaveLength(104);
      // The worker's health port says ready once it polls; the image's HEALTHCHECK probes it.
      const workerReady = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      expect(workerReady.status).toBe(200);
      // Both serve Prometheus metrics; the worker's carry the Temporal SDK's, relayed from its exporter.
      const apiMetrics = await (await fetch(`${api}/metrics`)).text();
      expect(apiMetrics).toContain('metric_importer_http_request_duration_seconds_count{method="POST",route="/v1/metrics",status="202"} 1');
      const workerMetrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
      expect(workerMetrics).toContain('# TYPE metric_importer_imports_total counter');
      expect(workerMetrics).toMatch(/^temporal_worker_task_slots_available\{/m);
      const healthcheck = (extra: Record<string, string>) =>
        run(process.execPath, [path.join(build.dir, 'cli', 'healthcheck.js')], { env: { PATH: process.env.PATH ?? '', ...extra } }).then(
          () => 0,
          (error: { code: number }) => error.code,
        );
      expect(await healthcheck({ PORT: String(port) })).toBe(0);
      expect(await healthcheck({ WORKER_HEALTH_PORT: String(healthPort) })).toBe(0);
      expect(await healthcheck({ PORT: String(await freePort()) })).toBe(1);
      // The workers ran the workflow code bundled at build time: no webpack at start-up.
      for (const worker of processes.slice(1)) {
        expect(worker.output()).toContain('worker started');
        expect(worker.output()).not.toContain('Workflow bundle created');
      }
    } finally {
      for (const { child } of processes) child.kill('SIGTERM');
      const codes = await Promise.all(processes.map((p) => p.exited));
      await emulator.close();
      await database.drop();
      expect(codes).toEqual([0, 0, 0]);
    }
  });
});
