import { createApp } from '../api/app';
import { loadConfig, requireSetting } from '../config/env';
import { createLogger } from '../logger';
import { startApiServer } from '../runtime/api-server';
import { apiDepsFor, createServices } from '../runtime/services';
import { connectTemporalClient } from '../temporal/connection';
import { createMetricWorkflowGateway } from '../temporal/metric-workflow-gateway';
import { runMain, shutdownSignal } from './run-main';

// Production API process: stateless, scale it behind a load balancer.
runMain(async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'metric-importer-api' });
  const services = createServices({
    databaseUrl: requireSetting(config, 'DATABASE_URL', 'postgres://…'),
    databasePoolSize: config.DATABASE_POOL_SIZE,
    encryptionKeys: requireSetting(config, 'ENCRYPTION_KEYS', 'generate one with `openssl rand -base64 32` and set k1:<key>'),
    lookerAllowedHosts: config.LOOKER_ALLOWED_HOSTS,
    lookerMaxRows: config.LOOKER_MAX_ROWS,
    lookerTimeoutSeconds: config.LOOKER_TIMEOUT_SECONDS,
    logger,
  });
  const temporal = await connectTemporalClient({
    address: requireSetting(config, 'TEMPORAL_ADDRESS', 'host:port of the Temporal frontend'),
    namespace: config.TEMPORAL_NAMESPACE,
    apiKey: config.TEMPORAL_API_KEY,
  });
  const app = createApp(
    apiDepsFor(services, {
      workflows: createMetricWorkflowGateway(temporal.client),
      temporalUiUrl: config.TEMPORAL_UI_URL,
      temporalNamespace: config.TEMPORAL_NAMESPACE,
      adminToken: config.ADMIN_TOKEN,
    }),
  );
  const server = await startApiServer(app, { host: config.HOST, port: config.PORT });
  logger.info({ url: server.url }, 'API listening');
  await shutdownSignal();
  await server.close();
  await temporal.close();
  await services.close();
});
