import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { createRateLimits } from '../../src/api/rate-limit';
import { loadConfig, type WorkerTuning } from '../../src/config/env';
import { generateEncryptionKey } from '../../src/crypto/secret-box';
import { createWorkspaceWithKey } from '../../src/db/repositories/workspaces';
import { freePort } from '../../src/local/free-port';
import { defaultToolsDir } from '../../src/local/paths';
import { startTemporalDevServer } from '../../src/local/temporal-dev-server';
import { silentLogger } from '../../src/logger';
import { startLookerEmulator, type LookerEmulator } from '../../src/looker-emulator';
import { startApiServer } from '../../src/runtime/api-server';
import { activitiesFor, apiDepsFor, createServices, serviceSettingsFrom, type Services } from '../../src/runtime/services';
import { findOrInstallTemporalBinary } from '../../src/temporal/binaries';
import { connectTemporalClient, connectWorkerConnection } from '../../src/temporal/connection';
import { createMetricWorkflowGateway, type MetricWorkflowGateway } from '../../src/temporal/metric-workflow-gateway';
import { parsePayloadKeys } from '../../src/temporal/payload-codec';
import { TASK_QUEUE } from '../../src/shared/ids';
import { createMetricWorker } from '../../src/temporal/worker';
import type { Cleanup } from '../cleanup';
import { provisionDatabase } from '../database';
import { step } from '../progress';
import { createApiClient, type ApiClient } from './api-client';
import { benchSeed } from './looks-seed';

export interface E2eStack {
  api: ApiClient;
  workspaceId: string;
  integrationId: string;
  emulator: LookerEmulator;
  services: Services;
  gateway: MetricWorkflowGateway;
  temporal: Client;
  taskQueue: string;
  tuning: WorkerTuning;
  /** Where Postgres and Temporal came from, for the report. */
  infrastructure: string;
  /** The environment `src/cli/worker.ts` needs to serve this stack's task queue (workerProcesses). */
  workerEnv: Record<string, string>;
}

export interface E2eStackOptions {
  cleanup: Cleanup;
  looks: number;
  days: number;
  tuning: WorkerTuning;
  /** A migrated database to use as is (the tests' global one); otherwise provisioned like the write bench. */
  databaseUrl?: string;
  /** A Postgres server URL to create the throw-away database on (BENCH_DATABASE_URL). */
  databaseServerUrl?: string;
  /** A running Temporal frontend; otherwise the dev server from .tools, started here. */
  temporalAddress?: string;
  /**
   * No worker in this process: the caller starts production worker processes with `workerEnv`,
   * which poll the production task queue (so only on a Temporal server of the bench's own).
   */
  workerProcesses?: boolean;
}

const emulatorCredentials = { clientId: 'bench-client-id', clientSecret: 'bench-client-secret-0123456789' };

/**
 * The service as `npm start` runs it, in this process: Postgres, the Temporal dev server, the
 * Looker emulator (with `looks` Looks), the production services, one worker with the given tuning
 * and the API over loopback HTTP; then a workspace and one integration created through the API.
 */
export async function startE2eStack(options: E2eStackOptions): Promise<E2eStack> {
  const { cleanup } = options;
  const databaseUrl = options.databaseUrl ?? (await provisionDatabase(cleanup, options.databaseServerUrl)).url;

  let temporalAddress = options.temporalAddress;
  if (!temporalAddress) {
    const binary = await findOrInstallTemporalBinary('cli', { toolsDir: defaultToolsDir });
    const port = await freePort();
    const server = await step('starting the Temporal dev server', () => startTemporalDevServer({ binary, port, logger: silentLogger }));
    cleanup.add('stop the Temporal dev server', () => server.stop());
    temporalAddress = server.address;
  }

  const emulator = await startLookerEmulator({ ...emulatorCredentials, seed: benchSeed({ looks: options.looks, days: options.days }) });
  cleanup.add('stop the Looker emulator', () => emulator.close());

  // The settings `npm start` derives from the environment, with this run's database and emulator.
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress });
  const encryptionKeys = `bench:${generateEncryptionKey()}`;
  const payloadKeys = `bench:${generateEncryptionKey()}`;
  const services = createServices(
    serviceSettingsFrom(config, silentLogger, { databaseUrl, encryptionKeys, extraAllowedHosts: [`127.0.0.1:${emulator.port}`] }),
  );
  cleanup.add('close the database pool and dispatcher', () => services.close());

  const settings = { address: temporalAddress, namespace: config.TEMPORAL_NAMESPACE, payloadKeys: parsePayloadKeys(payloadKeys) };
  const temporal = await connectTemporalClient(settings);
  cleanup.add('close the Temporal client', () => temporal.close());
  const taskQueue = options.workerProcesses ? TASK_QUEUE : `bench-${randomUUID()}`;
  if (!options.workerProcesses) {
    const workerConnection = await connectWorkerConnection(settings, silentLogger);
    cleanup.add('close the worker connection', () => workerConnection.close());
    const worker = await createMetricWorker({
      connection: workerConnection,
      namespace: settings.namespace,
      activities: activitiesFor(services),
      logger: silentLogger,
      payloadKeys: settings.payloadKeys,
      taskQueue,
      tuning: options.tuning,
    });
    const running = worker.run();
    cleanup.add('stop the worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
  }

  const gateway = createMetricWorkflowGateway(temporal.client, { taskQueue });
  const app = createApp(
    apiDepsFor(services, {
      workflows: gateway,
      temporalNamespace: settings.namespace,
      // One bench key makes every call from one address; the limits are not what is measured.
      rateLimits: createRateLimits({ perAddress: 1_000_000, perKey: 1_000_000, admin: 1_000_000, lookerChecks: 1_000_000 }),
    }),
  );
  const server = await startApiServer(app, { host: '127.0.0.1', port: 0 });
  cleanup.add('stop the API server', () => server.close());

  const { workspaceId, apiKey } = await createWorkspaceWithKey(services.database.db, { name: `bench ${taskQueue}` });
  const api = createApiClient(server.url, apiKey);
  cleanup.add('close the API client', () => api.close());
  const integration = await api.call<{ id: string }>('POST', '/v1/integrations', {
    name: 'Bench Looker',
    apiEndpoint: emulator.apiUrl,
    ...emulatorCredentials,
  });
  return {
    api,
    workspaceId,
    integrationId: integration.id,
    emulator,
    services,
    gateway,
    temporal: temporal.client,
    taskQueue,
    tuning: options.tuning,
    workerEnv: {
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEYS: encryptionKeys,
      TEMPORAL_PAYLOAD_KEYS: payloadKeys,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: settings.namespace,
      LOOKER_ALLOWED_HOSTS: `127.0.0.1:${emulator.port}`,
    },
    infrastructure: `${options.databaseUrl ? 'given database' : options.databaseServerUrl ? 'BENCH_DATABASE_URL' : 'embedded Postgres'}, ${options.temporalAddress ? 'given Temporal server' : 'Temporal dev server from .tools'}`,
  };
}
