import { loadConfig, workerTuningFrom } from '../config/env';
import { createLogger } from '../logger';
import { activitiesFor, createServices, serviceSettingsFrom, temporalSettingsFrom } from '../runtime/services';
import { connectWorkerConnection } from '../temporal/connection';
import { createMetricWorker } from '../temporal/worker';
import { runMain } from './run-main';

// Production worker: scale horizontally by running more of these on the same task queue.
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'metric-importer-worker' });
  const services = createServices(serviceSettingsFrom(config, logger));
  const connection = await connectWorkerConnection(temporalSettingsFrom(config), logger);
  try {
    const worker = await createMetricWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, activities: activitiesFor(services), logger, tuning: workerTuningFrom(config) });
    logger.info({ namespace: config.TEMPORAL_NAMESPACE }, 'worker started');
    // The SDK's runtime drains the worker on SIGINT/SIGTERM; run() resolves once it has.
    await worker.run();
  } finally {
    await connection.close();
    await services.close();
  }
});
