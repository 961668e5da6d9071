import { loadConfig, requireSetting } from '../config/env';
import { createLogger } from '../logger';
import { activitiesFor, createServices } from '../runtime/services';
import { connectWorkerConnection } from '../temporal/connection';
import { createMetricWorker } from '../temporal/worker';
import { runMain } from './run-main';

// Production worker: scale horizontally by running more of these on the same task queue.
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'metric-importer-worker' });
  const services = createServices({
    databaseUrl: requireSetting(config, 'DATABASE_URL', 'postgres://…'),
    databasePoolSize: config.DATABASE_POOL_SIZE,
    encryptionKeys: requireSetting(config, 'ENCRYPTION_KEYS', 'generate one with `openssl rand -base64 32` and set k1:<key>'),
    lookerAllowedHosts: config.LOOKER_ALLOWED_HOSTS,
    lookerMaxRows: config.LOOKER_MAX_ROWS,
    lookerTimeoutSeconds: config.LOOKER_TIMEOUT_SECONDS,
    logger,
  });
  const connection = await connectWorkerConnection({
    address: requireSetting(config, 'TEMPORAL_ADDRESS', 'host:port of the Temporal frontend'),
    namespace: config.TEMPORAL_NAMESPACE,
    apiKey: config.TEMPORAL_API_KEY,
  }, logger);
  try {
    const worker = await createMetricWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, activities: activitiesFor(services), logger });
    logger.info({ namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
    // The SDK's runtime drains the worker on SIGINT/SIGTERM; run() resolves once it has.
    await worker.run();
  } finally {
    await connection.close();
    await services.close();
  }
});
