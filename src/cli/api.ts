import { createApp } from '../api/app';
import { loadConfig } from '../config/env';
import { createLogger } from '../logger';
import { httpTimeoutsFrom, startApiServer } from '../runtime/api-server';
import { reconcileTimingFrom, startWorkflowReconciler } from '../runtime/metric-workflow-reconciler';
import { apiDepsFor, codecEndpointFrom, createServices, rateLimitsFrom, serviceSettingsFrom, temporalSettingsFrom } from '../runtime/services';
import { startTracing, tracingSettingsFrom } from '../telemetry/tracing';
import { connectTemporalClient } from '../temporal/connection';
import { createMetricWorkflowGateway } from '../temporal/metric-workflow-gateway';
import { runMain, shutdownSignal } from './run-main';

// Production API process: stateless, scale it behind a load balancer.
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, name: 'metric-importer-api' });
  const tracing = startTracing(tracingSettingsFrom(config), 'metric-importer-api');
  const services = createServices(serviceSettingsFrom(config, logger));
  const temporalSettings = temporalSettingsFrom(config);
  const temporal = await connectTemporalClient(temporalSettings, tracing);
  const workflows = createMetricWorkflowGateway(temporal.client);
  const app = createApp(
    apiDepsFor(services, {
      workflows,
      temporalUiUrl: config.TEMPORAL_UI_URL,
      temporalNamespace: config.TEMPORAL_NAMESPACE,
      adminToken: config.ADMIN_TOKEN,
      codecEndpoint: codecEndpointFrom(config.CODEC_TOKEN, temporalSettings.payloadKeys, config.TEMPORAL_UI_URL),
      ...rateLimitsFrom(config),
      metricsToken: config.METRICS_TOKEN,
    }),
  );
  const server = await startApiServer(app, { host: config.HOST, port: config.PORT, ...httpTimeoutsFrom(config) });
  logger.info({ url: server.url }, 'API listening');
  // A process killed between a metric's row and its workflow leaves them apart: put them back together.
  const reconciler = startWorkflowReconciler({
    sql: services.database.sql,
    workflows,
    logger,
    ...reconcileTimingFrom(config),
  });
  await shutdownSignal();
  await Promise.all([
    server.close({ onCut: () => logger.warn('shutdown drain time over: cutting off the requests still in flight') }),
    reconciler.stop(),
  ]);
  await temporal.close();
  await services.close();
  await tracing?.shutdown();
});
