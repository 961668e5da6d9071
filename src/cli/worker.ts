import { loadConfig, workerTuningFrom } from '../config/env';
import { createLogger } from '../logger';
import { activitiesFor, createServices, serviceSettingsFrom, temporalSettingsFrom, workerMetricsEndpointFrom } from '../runtime/services';
import { startTracing, tracingSettingsFrom } from '../telemetry/tracing';
import { connectWorkerConnection } from '../temporal/connection';
import { createMetricWorker } from '../temporal/worker';
import { startWorkerHealthServer } from '../runtime/worker-health-server';
import { runMain } from './run-main';

// Production worker: scale horizontally by running more of these on the same task queue.
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'metric-importer-worker' });
  const tracing = startTracing(tracingSettingsFrom(config), 'metric-importer-worker');
  const services = createServices(serviceSettingsFrom(config, logger));
  const temporalSettings = temporalSettingsFrom(config);
  const connection = await connectWorkerConnection(temporalSettings, logger, { sdkMetricsPort: config.TEMPORAL_SDK_METRICS_PORT });
  try {
    const worker = await createMetricWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      activities: activitiesFor(services),
      logger,
      payloadKeys: temporalSettings.payloadKeys,
      workflowBundlePath: config.TEMPORAL_WORKFLOW_BUNDLE,
      tuning: workerTuningFrom(config),
      tracing,
    });
    const health =
      config.WORKER_HEALTH_PORT === undefined
        ? undefined
        : await startWorkerHealthServer({
            host: config.HOST,
            port: config.WORKER_HEALTH_PORT,
            polling: () => worker.getState() === 'RUNNING',
            metrics: workerMetricsEndpointFrom(services, config),
          });
    logger.info({ namespace: config.TEMPORAL_NAMESPACE, health: health?.url }, 'worker started');
    try {
      // The SDK's runtime drains the worker on SIGINT/SIGTERM; run() resolves once it has.
      await worker.run();
    } finally {
      await health?.close();
    }
  } finally {
    await connection.close();
    await services.close();
    await tracing?.shutdown();
  }
});
