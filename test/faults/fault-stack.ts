import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/api/app';
import { createRateLimits } from '../../src/api/rate-limit';
import { generateEncryptionKey } from '../../src/crypto/secret-box';
import { runMigrations } from '../../src/db/migrate';
import { generatePostgresPassword, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/local/embedded-postgres';
import { freePort } from '../../src/local/free-port';
import { defaultToolsDir } from '../../src/local/paths';
import { startTemporalDevServer, type TemporalDevServerHandle } from '../../src/local/temporal-dev-server';
import { silentLogger } from '../../src/logger';
import { startLookerEmulator, type LookerEmulator } from '../../src/looker-emulator';
import { startApiServer } from '../../src/runtime/api-server';
import { apiDepsFor, createServices, type Services } from '../../src/runtime/services';
import { findOrInstallTemporalBinary } from '../../src/temporal/binaries';
import { connectTemporalClient } from '../../src/temporal/connection';
import { createMetricWorkflowGateway } from '../../src/temporal/metric-workflow-gateway';
import { parsePayloadKeys } from '../../src/temporal/payload-codec';
import type { Client } from '@temporalio/client';
import { emulatorCredentials } from '../helpers/test-stack';
import { startLookerProxy, type LookerProxy } from '../helpers/looker-proxy';
import { spawnWorkerProcess } from '../integration/workflow/worker-processes';
import { faultSeed } from './fault-seed';
import { stopWorker } from './worker-signals';
import type { Progress } from './progress';

/** The API of one batch: its own task queue, so each scenario's workers see only its workflows. */
export interface BatchApi {
  url: string;
  taskQueue: string;
  close(): Promise<void>;
}

export interface WorkerProcessOptions {
  taskQueue: string;
  /** Extra environment for worker-process.ts, e.g. LOOKER_TIMEOUT_SECONDS. */
  env?: Record<string, string>;
}

/**
 * The whole service on infrastructure the suite owns, so a scenario can stop and start any part:
 * an embedded Postgres (same data dir and port across restarts), a Temporal dev server on a SQLite
 * file (same file and port), the Looker emulator with the fault seed behind a proxy that can answer
 * for it, the API in this process (or as its own process: `apiProcessEnv`) and workers as separate OS processes. Everything on 127.0.0.1.
 */
export interface FaultStack {
  services: Services;
  client: Client;
  emulator: LookerEmulator;
  /** A proxy in front of the emulator: integrations created with `viaProxy` call Looker through it. */
  proxy: LookerProxy;
  encryptionKeys: string;
  payloadKeys: string;
  /** host:port of the Temporal dev server (the same across restarts). */
  temporalAddress: string;
  /** The environment of an API process (src/cli/api.ts) on this stack, burst-sized rate limits included. */
  apiProcessEnv(): Record<string, string>;
  startApi(taskQueue: string): Promise<BatchApi>;
  startWorker(options: WorkerProcessOptions): Promise<ChildProcess>;
  /**
   * Worker processes that exited on their own with an error code (a crash, not a signal the suite
   * sent): a fault must not take a worker down, and nothing here would restart it.
   */
  crashedWorkers(): string[];
  /** Stops Postgres, waits `downMs`, starts it again on the same data directory and port. */
  restartPostgres(downMs: number): Promise<void>;
  /** Stops the Temporal dev server, waits `downMs`, starts it again on the same SQLite file and port. */
  restartTemporal(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultStack(progress: Progress): Promise<FaultStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'metric-importer-faults-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));

    const postgresOptions = {
      dataDir: path.join(dir, 'postgres'),
      database: 'faults',
      password: generatePostgresPassword(),
      logger: silentLogger,
      port: await freePort(),
    };
    let postgres: EmbeddedPostgresHandle = await startEmbeddedPostgres(postgresOptions);
    stops.push(() => postgres.stop());
    await runMigrations(postgres.url);
    progress.step(`Postgres on 127.0.0.1:${postgresOptions.port}, data in ${postgresOptions.dataDir}`);

    const temporalOptions = {
      binary: await findOrInstallTemporalBinary('cli', { toolsDir: defaultToolsDir, onProgress: (line) => progress.step(line) }),
      port: await freePort(),
      dbFilename: path.join(dir, 'temporal.sqlite'),
      logger: silentLogger,
    };
    let temporal: TemporalDevServerHandle = await startTemporalDevServer(temporalOptions);
    stops.push(() => temporal.stop());
    progress.step(`Temporal dev server on ${temporal.address}, state in ${temporalOptions.dbFilename}`);

    const emulator = await startLookerEmulator({ ...emulatorCredentials, seed: faultSeed() });
    stops.push(() => emulator.close());
    const proxy = await startLookerProxy(emulator.url);
    stops.push(() => proxy.close());
    const lookerAllowedHosts = [`127.0.0.1:${emulator.port}`, new URL(proxy.url).host];

    const encryptionKeys = `faults:${generateEncryptionKey()}`;
    const payloadKeys = `faultspayload:${generateEncryptionKey()}`;
    const services = createServices({
      databaseUrl: postgres.url,
      databasePoolSize: 10,
      encryptionKeys,
      lookerAllowedHosts,
      lookerMaxRows: 1_000_000,
      lookerTimeoutSeconds: 30,
      logger: silentLogger,
    });
    stops.push(() => services.close());
    const temporalClient = await connectTemporalClient({ address: temporal.address, namespace: 'default', payloadKeys: parsePayloadKeys(payloadKeys) });
    stops.push(() => temporalClient.close());

    const workers = new Set<ChildProcess>();
    const crashes: string[] = [];
    // Scenarios stop their own workers; these are the ones a failed scenario left behind.
    stops.push(() => Promise.all([...workers].map((worker) => stopWorker(worker, 'SIGKILL'))).then(() => undefined));

    return {
      services,
      client: temporalClient.client,
      emulator,
      proxy,
      encryptionKeys,
      payloadKeys,
      temporalAddress: temporal.address,
      apiProcessEnv: () => ({
        DATABASE_URL: postgres.url,
        TEMPORAL_ADDRESS: temporal.address,
        ENCRYPTION_KEYS: encryptionKeys,
        TEMPORAL_PAYLOAD_KEYS: payloadKeys,
        LOOKER_ALLOWED_HOSTS: lookerAllowedHosts.join(','),
        RATE_LIMIT_PER_ADDRESS: '100000',
        RATE_LIMIT_PER_KEY: '100000',
        LOOKER_CHECKS_PER_MINUTE: '100000',
        LOG_FORMAT: 'json',
      }),
      startApi: async (taskQueue) => {
        const app = createApp(
          apiDepsFor(services, {
            workflows: createMetricWorkflowGateway(temporalClient.client, { taskQueue }),
            temporalNamespace: 'default',
            // One client creates a burst of metrics; the limits have their own tests.
            rateLimits: createRateLimits({ perAddress: 1_000_000, perKey: 1_000_000, admin: 1_000_000, lookerChecks: 1_000_000 }),
          }),
        );
        const server = await startApiServer(app, { host: '127.0.0.1', port: 0 });
        return { url: server.url, taskQueue, close: () => server.close() };
      },
      startWorker: async (options) => {
        const worker = await spawnWorkerProcess(
          { databaseUrl: postgres.url, temporalAddress: temporal.address, payloadKeys, lookerAllowedHosts },
          { encryptionKeys, ...options },
        );
        workers.add(worker);
        worker.once('exit', (code) => {
          workers.delete(worker);
          if (code !== null && code !== 0) crashes.push(`worker process ${worker.pid} exited with code ${code} (its stderr is above)`);
        });
        return worker;
      },
      crashedWorkers: () => [...crashes],
      restartPostgres: async (downMs) => {
        await postgres.stop();
        await sleep(downMs);
        postgres = await startEmbeddedPostgres(postgresOptions);
      },
      restartTemporal: async (downMs) => {
        await temporal.stop();
        await sleep(downMs);
        temporal = await startTemporalDevServer(temporalOptions);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
