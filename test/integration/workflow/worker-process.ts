// A worker in its own OS process, wired exactly like `src/cli/worker.ts` (same services, activities
// and worker factory) but on the task queue the test gives it, so a test can SIGKILL it mid-import.
// Settings come from the environment: DATABASE_URL, ENCRYPTION_KEYS, TEMPORAL_PAYLOAD_KEYS, TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, LOOKER_ALLOWED_HOSTS, TASK_QUEUE, and optionally LOOKER_LEASE_SECONDS,
// LOOKER_TIMEOUT_SECONDS, WORKER_HEALTH_PORT (on 127.0.0.1), TEMPORAL_SDK_METRICS_PORT and METRICS_TOKEN.
import { createLogger } from '../../../src/logger';
import { activitiesFor, createServices, workerMetricsEndpointFrom } from '../../../src/runtime/services';
import { startWorkerHealthServer } from '../../../src/runtime/worker-health-server';
import { connectWorkerConnection } from '../../../src/temporal/connection';
import { parsePayloadKeys } from '../../../src/temporal/payload-codec';
import { createMetricWorker } from '../../../src/temporal/worker';

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'test-worker-process' });
  const services = createServices({
    databaseUrl: setting('DATABASE_URL'),
    databasePoolSize: 5,
    encryptionKeys: setting('ENCRYPTION_KEYS'),
    lookerAllowedHosts: setting('LOOKER_ALLOWED_HOSTS').split(','),
    lookerMaxRows: 1_000_000,
    lookerTimeoutSeconds: process.env.LOOKER_TIMEOUT_SECONDS ? Number(process.env.LOOKER_TIMEOUT_SECONDS) : 300,
    lookerLeaseSeconds: process.env.LOOKER_LEASE_SECONDS ? Number(process.env.LOOKER_LEASE_SECONDS) : undefined,
    logger,
  });
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const optionalPort = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const sdkMetricsPort = optionalPort('TEMPORAL_SDK_METRICS_PORT');
  const connection = await connectWorkerConnection({ address: setting('TEMPORAL_ADDRESS'), namespace }, logger, { sdkMetricsPort });
  try {
    const worker = await createMetricWorker({
      connection,
      namespace,
      activities: activitiesFor(services),
      logger,
      taskQueue: setting('TASK_QUEUE'),
      payloadKeys: parsePayloadKeys(setting('TEMPORAL_PAYLOAD_KEYS')),
    });
    const healthPort = optionalPort('WORKER_HEALTH_PORT');
    const health =
      healthPort === undefined
        ? undefined
        : await startWorkerHealthServer({
            host: '127.0.0.1',
            port: healthPort,
            polling: () => worker.getState() === 'RUNNING',
            metrics: workerMetricsEndpointFrom(services, { TEMPORAL_SDK_METRICS_PORT: sdkMetricsPort, METRICS_TOKEN: process.env.METRICS_TOKEN }),
          });
    // The parent waits for this line before it starts work for the worker.
    process.stdout.write('worker-ready\n');
    try {
      await worker.run();
    } finally {
      await health?.close();
    }
  } finally {
    await connection.close();
    await services.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`test worker process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
