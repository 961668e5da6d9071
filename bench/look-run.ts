import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import type postgres from 'postgres';
import { request, type Dispatcher } from 'undici';
import { createLookerActivities, type RunLookResult } from '../src/activities/looker.activities';
import { createSecretBox } from '../src/crypto/secret-box';
import type { Db } from '../src/db/client';
import { createGuardedDispatcher } from '../src/looker/address-guard';
import { clientSecretAad, createLookerClientFactory } from '../src/looker/client-factory';
import { createSharedLookResults } from '../src/looker/shared-look-results';
import { defaultLookerLeaseSeconds, defaultSharedResultMaxAgeSeconds } from '../src/config/env';
import { silentLogger } from '../src/logger';
import type { Cleanup } from './cleanup';
import { createImportRun, createMetric } from './fixtures';
import { collectGarbage } from './gc';
import { note, step } from './progress';
import { timed, type Samples } from './stats';
import { createPrometheusMetrics } from '../src/observability/prometheus';

export interface LookRunBenchResult {
  rows: number;
  responseBytes: number;
  ours: Samples;
  /** Raw GET with the body read as text; raw GET plus JSON.parse. */
  baselines: { label: string; samples: Samples }[];
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** The test seed's Look 11: 100,000 daily rows. */
const look = { lookId: '11', dateField: 'orders.created_date', valueField: 'orders.count' };
const expectedRows = 100_000;
const maxRows = 1_000_000;

/**
 * The whole `runLook` activity (token from the shared store, Look run over HTTP, parse, stage)
 * against a raw HTTP GET of the same Look with its body read as text, and the same GET plus
 * `JSON.parse` (what any importer must do at least). The emulator runs in its
 * own process, so it does not share the bench's event loop.
 */
export async function benchLookRun(options: { db: Db; sql: postgres.Sql; repeats: number; cleanup: Cleanup }): Promise<LookRunBenchResult> {
  const { db, sql, repeats, cleanup } = options;
  const credentials = { clientId: `bench-${randomBytes(4).toString('hex')}`, clientSecret: randomBytes(16).toString('hex') };
  const emulator = await step('starting the Looker emulator (test seed) in a child process', () => startEmulatorProcess(credentials, cleanup));
  const apiEndpoint = `${emulator.url}/api/4.0`;

  const secretBox = createSecretBox({ current: { id: 'bench', key: randomBytes(32) } });
  const integrationId = randomUUID();
  const fixture = await createMetric(
    db,
    {
      id: integrationId,
      apiEndpoint,
      clientId: credentials.clientId,
      clientSecretSealed: secretBox.encrypt(credentials.clientSecret, clientSecretAad(integrationId)),
      secretKeyId: secretBox.currentKeyId,
    },
    look,
  );
  // The same dispatcher for both sides, as the worker builds it (address guard, loopback allowed).
  const dispatcher = createGuardedDispatcher({ allowedHosts: ['127.0.0.1'] });
  cleanup.add('close the HTTP dispatcher', () => dispatcher.close());
  const activities = createLookerActivities({
    db,
    lookerClients: createLookerClientFactory({ db, secretBox, dispatcher }),
    logger: silentLogger,
    maxRows,
    prometheus: createPrometheusMetrics(),
    sharedLookResults: createSharedLookResults({ db, logger: silentLogger, leaseMs: defaultLookerLeaseSeconds * 1000, backfillMaxAgeMs: defaultSharedResultMaxAgeSeconds * 1000 }),
  });
  const activityEnvironment = new MockActivityEnvironment();

  const ours = async (): Promise<number> => {
    const importRunId = await createImportRun(db, fixture, look, 'scheduled');
    const { ms, result } = await timed(() =>
      activityEnvironment.run<[], RunLookResult, () => Promise<RunLookResult>>(() => activities.runLook({ importRunId })),
    );
    if (result.rowsRead !== expectedRows || result.datapoints !== expectedRows || result.skipped !== 0) {
      throw new Error(`runLook read ${result.rowsRead} rows into ${result.datapoints} datapoints, expected ${expectedRows}`);
    }
    await sql`delete from staged_datapoints where import_run_id = ${importRunId}`;
    await sql`vacuum staged_datapoints`;
    return ms;
  };
  const token = await login(apiEndpoint, credentials, dispatcher);
  let responseBytes = 0;
  const rawGet = async (): Promise<number> => {
    const { ms, result } = await timed(() => fetchLook(apiEndpoint, token, dispatcher));
    responseBytes = Buffer.byteLength(result);
    return ms;
  };
  const rawGetAndDecode = async (): Promise<number> => {
    const { ms, result } = await timed(async () => JSON.parse(await fetchLook(apiEndpoint, token, dispatcher)) as unknown[]);
    if (result.length !== expectedRows) throw new Error(`the Look returned ${result.length} rows, expected ${expectedRows}`);
    return ms;
  };

  const methods = [
    { label: 'runLook activity', run: ours, samples: { ms: [] as number[] } },
    { label: 'raw HTTP GET, body as text', run: rawGet, samples: { ms: [] as number[] } },
    { label: 'raw HTTP GET + JSON.parse', run: rawGetAndDecode, samples: { ms: [] as number[] } },
  ];
  await step('Look run: warm-up (one run each; logs in)', async () => {
    for (const method of methods) await method.run();
  });
  for (let rep = 0; rep < repeats; rep++) {
    for (let k = 0; k < methods.length; k++) {
      const method = methods[(rep + k) % methods.length]!;
      collectGarbage();
      method.samples.ms.push(await step(`Look run › run ${rep + 1}/${repeats} › ${method.label}`, method.run));
    }
  }
  const [oursMethod, ...baselines] = methods;
  return {
    rows: expectedRows,
    responseBytes,
    ours: oursMethod!.samples,
    baselines: baselines.map((method) => ({ label: method.label, samples: method.samples })),
  };
}

async function login(apiEndpoint: string, credentials: { clientId: string; clientSecret: string }, dispatcher: Dispatcher): Promise<string> {
  const response = await request(`${apiEndpoint}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: credentials.clientId, client_secret: credentials.clientSecret }).toString(),
    dispatcher,
  });
  const body = (await response.body.json()) as { access_token?: unknown };
  if (response.statusCode !== 200 || typeof body.access_token !== 'string') throw new Error(`emulator login answered HTTP ${response.statusCode}`);
  return body.access_token;
}

/** The same request the client sends for a Look run, body read as text and nothing else. */
async function fetchLook(apiEndpoint: string, token: string, dispatcher: Dispatcher): Promise<string> {
  const url = new URL(`${apiEndpoint}/looks/${look.lookId}/run/json`);
  for (const [key, value] of Object.entries({ limit: maxRows, apply_formatting: false, apply_vis: false, cache: true })) {
    url.searchParams.set(key, String(value));
  }
  const response = await request(url, { headers: { accept: 'application/json', authorization: `Bearer ${token}` }, dispatcher });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`Look run answered HTTP ${response.statusCode}`);
  return text;
}

/** Starts `npm run looker-emulator`'s entry point on a free port and waits for its ready line. */
async function startEmulatorProcess(credentials: { clientId: string; clientSecret: string }, cleanup: Cleanup): Promise<{ url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'src/cli/looker-emulator.ts'),
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--seed',
      'test',
      '--client-id',
      credentials.clientId,
      '--client-secret',
      credentials.clientSecret,
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanup.add(`stop the Looker emulator (pid ${child.pid})`, () => stopChild(child));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the Looker emulator exited (code ${code}) before it was ready: ${stderr.trim()}`)));
    setTimeout(() => reject(new Error('the Looker emulator was not ready within 60 s')), 60_000).unref();
  });
  const url = await ready;
  note(`Looker emulator at ${url} (pid ${child.pid})`);
  return { url };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
