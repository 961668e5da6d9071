import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { createApp } from '../api/app';
import { workerTuningFrom, type Config } from '../config/env';
import { runMigrations } from '../db/migrate';
import type { Logger } from '../logger';
import { startLookerEmulator, type LookerEmulator } from '../looker-emulator';
import { httpTimeoutsFrom, startApiServer, type ApiServer } from '../runtime/api-server';
import { reconcileTimingFrom, startWorkflowReconciler } from '../runtime/metric-workflow-reconciler';
import { activitiesFor, apiDepsFor, codecEndpointFrom, createServices, rateLimitsFrom, serviceSettingsFrom, temporalSettingsFrom, type Services } from '../runtime/services';
import { findOrInstallTemporalBinary } from '../temporal/binaries';
import { startTracing, tracingSettingsFrom } from '../telemetry/tracing';
import { connectTemporalClient, connectWorkerConnection } from '../temporal/connection';
import { createMetricWorkflowGateway } from '../temporal/metric-workflow-gateway';
import { createMetricWorker } from '../temporal/worker';
import { ensureDemoSetup } from './demo-setup';
import { startEmbeddedPostgres } from './embedded-postgres';
import { loadOrCreateLocalSecrets } from './local-secrets';
import { defaultDataDir, defaultToolsDir } from './paths';
import { countMetricsByState, startBackfillProgress } from './backfill-progress';
import { requireFreePort } from './free-port';
import { startTemporalDevServer } from './temporal-dev-server';

export const demoLookerCredentials = { clientId: 'demo-client-id', clientSecret: 'demo-client-secret' };

export interface LocalStack {
  apiUrl: string;
  temporalUiUrl: string | undefined;
  apiKey: string;
  demoIntegrationId: string;
  /** Opens the console signed in to the demo workspace; works once per start. */
  consoleSignInUrl: string;
  /** Where the operator signs in (with `token`) so the Temporal UI shows decoded payloads from `endpoint`. */
  codec: { signInUrl: string; token: string; endpoint: string };
  stop(): Promise<void>;
}

/**
 * Local mode: every piece the service needs, started in order on embedded defaults (Postgres,
 * the Temporal dev server, the Looker emulator), then the API and a worker in this process.
 * Each piece is skipped when its production setting (DATABASE_URL, TEMPORAL_ADDRESS) is given.
 */
export async function startLocalStack(config: Config, logger: Logger): Promise<LocalStack> {
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const onStop = (name: string, stop: () => Promise<void>) => stops.push({ name, stop });
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      await stop().catch((error: unknown) => logger.warn({ err: error, part: name }, 'error while stopping'));
      logger.debug({ part: name }, 'stopped');
    }
  };
  try {
    // Busy ports fail at once, before anything is installed or started.
    await requireFreePort('PORT', config.PORT, config.HOST);
    await requireFreePort('LOOKER_EMULATOR_PORT', config.LOOKER_EMULATOR_PORT, '127.0.0.1');
    const dataDir = path.resolve(config.DATA_DIR ?? defaultDataDir);
    await mkdir(dataDir, { recursive: true });
    const secrets = await loadOrCreateLocalSecrets(dataDir);

    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const postgres = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        database: 'metric_importer',
        password: secrets.postgresPassword,
        logger,
        handlesSignals: true,
      });
      onStop('postgres', () => postgres.stop());
      databaseUrl = postgres.url;
      logger.info('embedded Postgres started');
    }
    await runMigrations(databaseUrl).catch((error: unknown) => {
      throw new Error(`DATABASE_URL: cannot migrate the database (${error instanceof Error ? error.message : String(error)})`);
    });

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUiUrl = config.TEMPORAL_UI_URL;
    // The API listens on PORT (checked free above), so the UI can be told its codec endpoint now.
    const codecEndpointUrl = `http://${['0.0.0.0', '::'].includes(config.HOST) ? '127.0.0.1' : config.HOST}:${config.PORT}/codec`;
    const codecToken = config.CODEC_TOKEN ?? secrets.codecToken;
    if (!temporalAddress) {
      const binary = await findOrInstallTemporalBinary('cli', { toolsDir: defaultToolsDir, onProgress: (message) => logger.info(message) });
      const server = await startTemporalDevServer({
        binary,
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFilename: path.join(dataDir, 'temporal.sqlite'),
        uiCodecEndpoint: codecEndpointUrl,
        logger,
      });
      onStop('temporal dev server', () => server.stop());
      temporalAddress = server.address;
      temporalUiUrl ??= server.uiUrl;
      logger.info({ address: temporalAddress }, 'Temporal dev server started');
    }

    const emulator: LookerEmulator = await startLookerEmulator({
      host: '127.0.0.1',
      port: config.LOOKER_EMULATOR_PORT,
      ...demoLookerCredentials,
    }).catch((error: unknown) => {
      throw new Error(`LOOKER_EMULATOR_PORT: the Looker emulator cannot listen on ${config.LOOKER_EMULATOR_PORT} (${error instanceof Error ? error.message : String(error)})`);
    });
    onStop('looker emulator', () => emulator.close());

    // Local mode admits its own emulator through the SSRF guard, and nothing else private.
    const services: Services = createServices(
      serviceSettingsFrom(config, logger, {
        databaseUrl,
        encryptionKeys: secrets.encryptionKeys,
        extraAllowedHosts: [`127.0.0.1:${emulator.port}`],
      }),
    );
    onStop('database pool', () => services.close());

    const apiKey = config.LOCAL_API_KEY ?? secrets.apiKey;
    const demo = await ensureDemoSetup(services.database.db, services.secretBox, {
      apiKey,
      emulatorApiUrl: emulator.apiUrl,
      ...demoLookerCredentials,
    });

    const temporalSettings = temporalSettingsFrom(config, { address: temporalAddress, payloadKeys: secrets.temporalPayloadKeys });
    const tracing = startTracing(tracingSettingsFrom(config), 'metric-importer');
    if (tracing) onStop('tracing', () => tracing.shutdown());
    const temporal = await connectTemporalClient(temporalSettings, tracing);
    onStop('temporal client', () => temporal.close());
    const workerConnection = await connectWorkerConnection(temporalSettings, logger);
    onStop('worker connection', () => workerConnection.close());
    const worker: Worker = await createMetricWorker({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      activities: activitiesFor(services),
      logger,
      payloadKeys: temporalSettings.payloadKeys,
      tuning: workerTuningFrom(config),
      tracing,
    });
    const running = worker.run();
    onStop('worker', async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });

    const consoleSignInToken = randomBytes(24).toString('base64url');
    const workflows = createMetricWorkflowGateway(temporal.client);
    const app = createApp(
      apiDepsFor(services, {
        consoleLocalSignIn: { token: consoleSignInToken, apiKey },
        workflows,
        temporalUiUrl,
        temporalNamespace: config.TEMPORAL_NAMESPACE,
        adminToken: config.ADMIN_TOKEN,
        codecEndpoint: codecEndpointFrom(codecToken, temporalSettings.payloadKeys, temporalUiUrl),
        ...rateLimitsFrom(config),
        metricsToken: config.METRICS_TOKEN,
      }),
    );
    const server: ApiServer = await startApiServer(app, { host: config.HOST, port: config.PORT, ...httpTimeoutsFrom(config) });
    onStop('api server', () => server.close());
    // As in the production API: a crash between a metric's row and its workflow is repaired here.
    const reconciler = startWorkflowReconciler({
      sql: services.database.sql,
      workflows,
      logger,
      ...reconcileTimingFrom(config),
    });
    onStop('workflow reconciler', () => reconciler.stop());

    const progress = startBackfillProgress({
      countStates: () => countMetricsByState(services.database.db),
      logger,
      intervalMs: 5_000,
    });
    onStop('backfill progress', () => Promise.resolve(progress.stop()));

    return {
      apiUrl: server.url,
      temporalUiUrl,
      apiKey,
      demoIntegrationId: demo.integrationId,
      consoleSignInUrl: `${server.url}/console/local-sign-in?token=${consoleSignInToken}`,
      codec: { signInUrl: `${server.url}/codec/sign-in`, token: codecToken, endpoint: codecEndpointUrl },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
