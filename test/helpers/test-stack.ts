import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createApp, type App } from '../../src/api/app';
import { createRateLimits } from '../../src/api/rate-limit';
import { generateEncryptionKey } from '../../src/crypto/secret-box';
import { createWorkspaceWithKey } from '../../src/db/repositories/workspaces';
import { createLogger, silentLogger, type Logger } from '../../src/logger';
import { startLookerEmulator, type LookerEmulator } from '../../src/looker-emulator';
import { startApiServer, type ApiServer } from '../../src/runtime/api-server';
import { activitiesFor, apiDepsFor, codecEndpointFrom, createServices, type Services } from '../../src/runtime/services';
import { connectTemporalClient, connectWorkerConnection } from '../../src/temporal/connection';
import { createMetricWorkflowGateway, type MetricWorkflowGateway } from '../../src/temporal/metric-workflow-gateway';
import { parsePayloadKeys } from '../../src/temporal/payload-codec';
import type { Tracing } from '../../src/telemetry/tracing';
import { createMetricWorker } from '../../src/temporal/worker';
import { devServerNow, emulatorClock } from './test-clock';

/** The Temporal UI the test API links to (and whose origin alone may call its codec endpoint). */
export const testTemporalUiUrl = 'http://127.0.0.1:8233';

export const emulatorCredentials = { clientId: 'test-client-id', clientSecret: 'test-client-secret-d41d8cd98f00b204' };

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestStack {
  apiUrl: string;
  apiKey: string;
  workspaceId: string;
  services: Services;
  client: Client;
  gateway: MetricWorkflowGateway;
  emulator: LookerEmulator;
  taskQueue: string;
  /** TEMPORAL_PAYLOAD_KEYS of the stack's clients and workers; child worker processes need the same. */
  payloadKeys: string;
  /** "Now" on the stack's Temporal server: the time-skipping server's clock, or the dev server's. */
  now(): Promise<number>;
  /** The app the server serves, e.g. to read its OpenAPI document or registered routes. */
  app: App;
  /** Calls the API over HTTP with the workspace's key (or `apiKey`). */
  http<T = unknown>(method: string, path: string, body?: unknown, options?: { apiKey?: string; headers?: Record<string, string> }): Promise<HttpResult<T>>;
  /** Starts one more worker on the stack's task queue (e.g. a second worker process stand-in). */
  startWorker(): Promise<{ worker: Worker; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

/**
 * The whole service against real infrastructure: the global setup's Postgres and Temporal (or a
 * time-skipping environment's), the Looker emulator, a worker on its own task queue and the API
 * over HTTP on a free loopback port.
 */
export async function startTestStack(
  options: {
    /** A Temporal server of the test's own (e.g. time-skipping), with its clock; the global dev server by default. */
    temporal?: { client: Client; connection: NativeConnection; namespace?: string; now: () => Promise<number> };
    seed?: string;
    maxRows?: number;
    logger?: Logger;
    tokenTtlSeconds?: number;
    /** Task queue for the stack's workflows and workers; a fresh random one by default. */
    taskQueue?: string;
    /** Start the in-process worker (default true); false when a test runs its own workers. */
    startWorker?: boolean;
    /** ENCRYPTION_KEYS for the services; random by default. Child worker processes need the same. */
    encryptionKeys?: string;
    /**
     * TEMPORAL_PAYLOAD_KEYS for the workers (and the client, on the global dev server); random by
     * default. A `temporal` of the test's own must come with a client built with the same keys.
     */
    payloadKeys?: string;
    /** CODEC_TOKEN of the API, which turns on /codec/decode for the UI's origin; unset (no codec endpoint) by default. */
    codecToken?: string;
    /** ADMIN_TOKEN of the API; unset (admin routes disabled) by default. */
    adminToken?: string;
    /** LOOKER_ALLOWED_HOSTS entries besides the emulator's, e.g. other loopback test servers. */
    lookerAllowedHosts?: string[];
    /** Forces the metric workflows the gateway starts to continue as new after this many history events. */
    continueAsNewAfterEvents?: number;
    /** A tracing SDK the test installed (startTracing): the stack's client and workers then trace. */
    tracing?: Tracing;
  } = {},
): Promise<TestStack> {
  const stops: (() => Promise<void>)[] = [];
  // TEST_LOG_LEVEL=info shows the service's logs while debugging a test.
  const logger = options.logger ?? (process.env.TEST_LOG_LEVEL ? createLogger({ level: process.env.TEST_LOG_LEVEL }) : silentLogger);
  const emulator = await startLookerEmulator({
    ...emulatorCredentials,
    seed: options.seed === undefined ? undefined : (await import('../../src/looker-emulator')).loadSeed(options.seed),
    tokenTtlSeconds: options.tokenTtlSeconds,
    now: emulatorClock(),
  });
  stops.push(() => emulator.close());
  const services = createServices({
    databaseUrl: inject('databaseUrl'),
    databasePoolSize: 10,
    encryptionKeys: options.encryptionKeys ?? `test:${generateEncryptionKey()}`,
    lookerAllowedHosts: [`127.0.0.1:${emulator.port}`, ...(options.lookerAllowedHosts ?? [])],
    lookerMaxRows: options.maxRows ?? 1_000_000,
    lookerTimeoutSeconds: 30,
    logger,
  });
  stops.push(() => services.close());

  const payloadKeysText = options.payloadKeys ?? testPayloadKeys();
  const payloadKeys = parsePayloadKeys(payloadKeysText);
  let client: Client;
  let connection: NativeConnection;
  const namespace = options.temporal?.namespace ?? 'default';
  if (options.temporal) {
    ({ client, connection } = options.temporal);
  } else {
    const settings = { address: inject('temporalAddress'), namespace, payloadKeys };
    const temporal = await connectTemporalClient(settings, options.tracing);
    stops.push(() => temporal.close());
    client = temporal.client;
    connection = await connectWorkerConnection(settings, logger);
    stops.push(() => connection.close());
  }

  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const gateway = createMetricWorkflowGateway(client, { taskQueue, continueAsNewAfterEvents: options.continueAsNewAfterEvents });
  const startWorker = async () => {
    const worker = await createMetricWorker({ connection, namespace, activities: activitiesFor(services), logger, taskQueue, payloadKeys, tracing: options.tracing });
    const running = worker.run();
    const stop = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    };
    return { worker, stop };
  };
  if (options.startWorker ?? true) {
    const first = await startWorker();
    stops.push(() => first.stop());
  }

  const app = createApp(
    apiDepsFor(services, {
      workflows: gateway,
      temporalNamespace: namespace,
      temporalUiUrl: testTemporalUiUrl,
      adminToken: options.adminToken,
      codecEndpoint: codecEndpointFrom(options.codecToken, payloadKeys, testTemporalUiUrl),
      // Test files make many calls with one key from one address; the limits have their own tests.
      rateLimits: createRateLimits({ perAddress: 1_000_000, perKey: 1_000_000, admin: 1_000_000, lookerChecks: 1_000_000 }),
    }),
  );
  const server: ApiServer = await startApiServer(app, { host: '127.0.0.1', port: 0 });
  stops.push(() => server.close());

  const { workspaceId, apiKey } = await createWorkspaceWithKey(services.database.db, { name: `test ${taskQueue}` });

  const http: TestStack['http'] = async (method, path, body, requestOptions = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${requestOptions.apiKey ?? apiKey}`, ...requestOptions.headers };
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (CSV, empty): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed as never, text };
  };

  return {
    apiUrl: server.url,
    apiKey,
    workspaceId,
    services,
    client,
    gateway,
    emulator,
    taskQueue,
    payloadKeys: payloadKeysText,
    now: options.temporal?.now ?? (() => Promise.resolve(devServerNow())),
    app,
    http,
    startWorker,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}

/** A fresh TEMPORAL_PAYLOAD_KEYS value: every stack encrypts its payloads with a key of its own. */
export function testPayloadKeys(): string {
  return `testpayload:${generateEncryptionKey()}`;
}
