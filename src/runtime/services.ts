import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { requireSetting, type Config } from '../config/env';
import type { Dispatcher } from 'undici';
import { createActivities } from '../activities';
import type { CodecEndpointSettings } from '../api/codec-routes';
import type { ApiDeps } from '../api/deps';
import { createRateLimits, type RateLimits } from '../api/rate-limit';
import { defaultLookerLeaseSeconds, defaultRateLimitSettings, defaultSharedResultMaxAgeSeconds } from '../config/env';
import { createSecretBox, parseEncryptionKeys, type EncryptionKeys, type SecretBox } from '../crypto/secret-box';
import { createDatabase, type Database } from '../db/client';
import { expectedMigration, migrationState } from '../db/migration-status';
import { createGuardedDispatcher } from '../looker/address-guard';
import { createLookerClientFactory, type LookerClientFactory } from '../looker/client-factory';
import { createQuerySlots } from '../looker/query-slots';
import { createSharedLookResults } from '../looker/shared-look-results';
import type { Logger } from '../logger';
import { createMetricStateRegistry } from '../observability/metric-state-gauge';
import { createPrometheusMetrics, type PrometheusMetrics } from '../observability/prometheus';
import type { TemporalSettings } from '../temporal/connection';
import { sdkMetricsUrl } from '../temporal/runtime-logger';
import type { WorkerMetricsEndpoint } from './worker-health-server';
import { createEncryptionCodec, parsePayloadKeys } from '../temporal/payload-codec';
import type { MetricWorkflowGateway } from '../temporal/metric-workflow-gateway';

export interface ServiceSettings {
  databaseUrl: string;
  databasePoolSize: number;
  /** Server-side timeouts of every pool connection; createDatabase's defaults when absent. */
  databaseStatementTimeoutMs?: number;
  databaseIdleInTransactionTimeoutMs?: number;
  encryptionKeys: string;
  lookerAllowedHosts: readonly string[];
  lookerMaxRows: number;
  lookerTimeoutSeconds: number;
  /** Lease of a Looker query slot or of a shared Look run, renewed while held (default 20 s). */
  lookerLeaseSeconds?: number;
  /** How old a shared Look result a backfill may use (LOOKER_SHARED_RESULT_MAX_AGE_SECONDS). */
  lookerSharedResultMaxAgeSeconds?: number;
  logger: Logger;
}

/** What both the API and the worker need, built once per process. */
export interface Services {
  database: Database;
  secretBox: SecretBox;
  dispatcher: Dispatcher;
  lookerClients: LookerClientFactory;
  /** The process's Prometheus series, recorded by its activities, Looker clients and API. */
  prometheus: PrometheusMetrics;
  settings: ServiceSettings;
  close(): Promise<void>;
}

/** Read once: the journal ships with the build and does not change while it runs. */
const expectedMigrationOfThisBuild = expectedMigration();

export function createServices(settings: ServiceSettings): Services {
  const secretBox = createSecretBox(parseEncryptionKeysOrExplain(settings.encryptionKeys));
  const database = createDatabase(settings.databaseUrl, {
    max: settings.databasePoolSize,
    statementTimeoutMs: settings.databaseStatementTimeoutMs,
    idleInTransactionTimeoutMs: settings.databaseIdleInTransactionTimeoutMs,
  });
  const dispatcher = createGuardedDispatcher({
    allowedHosts: settings.lookerAllowedHosts,
    headersTimeoutMs: settings.lookerTimeoutSeconds * 1000,
    bodyTimeoutMs: settings.lookerTimeoutSeconds * 1000,
  });
  const prometheus = createPrometheusMetrics();
  const lookerClients = createLookerClientFactory({
    db: database.db,
    secretBox,
    dispatcher,
    runTimeoutMs: settings.lookerTimeoutSeconds * 1000,
    querySlots: createQuerySlots({
      db: database.db,
      logger: settings.logger,
      leaseMs: lookerLeaseMs(settings),
      onWait: (seconds, outcome) => prometheus.lookerQuerySlotWait.observe({ outcome }, seconds),
    }),
    onLookerRequest: ({ endpoint, outcome, seconds }) => prometheus.lookerRequestDuration.observe({ endpoint, outcome }, seconds),
  });
  return {
    database,
    secretBox,
    dispatcher,
    lookerClients,
    prometheus,
    settings,
    close: async () => {
      await dispatcher.close();
      await database.close();
    },
  };
}

function parseEncryptionKeysOrExplain(value: string) {
  return explainKeyError('ENCRYPTION_KEYS', () => parseEncryptionKeys(value));
}

function explainKeyError<T>(variable: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${variable}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const lookerLeaseMs = (settings: ServiceSettings) => (settings.lookerLeaseSeconds ?? defaultLookerLeaseSeconds) * 1000;

export function activitiesFor(services: Services) {
  const { settings } = services;
  return createActivities({
    db: services.database.db,
    lookerClients: services.lookerClients,
    logger: settings.logger,
    maxRows: settings.lookerMaxRows,
    prometheus: services.prometheus,
    sharedLookResults: createSharedLookResults({
      db: services.database.db,
      logger: settings.logger,
      leaseMs: lookerLeaseMs(settings),
      backfillMaxAgeMs: (settings.lookerSharedResultMaxAgeSeconds ?? defaultSharedResultMaxAgeSeconds) * 1000,
    }),
  });
}

export function apiDepsFor(
  services: Services,
  extra: {
    workflows: MetricWorkflowGateway;
    temporalUiUrl?: string;
    temporalNamespace: string;
    adminToken?: string;
    codecEndpoint?: CodecEndpointSettings;
    /** The limits from the configuration (rateLimitsFrom); the settings' defaults otherwise. */
    rateLimits?: RateLimits;
    /** TRUST_PROXY_HOPS; 0 by default (X-Forwarded-For ignored). */
    trustProxyHops?: number;
    consoleLocalSignIn?: ApiDeps['consoleLocalSignIn'];
    /** METRICS_TOKEN: a scrape of /metrics must send it; /metrics is open without it. */
    metricsToken?: string;
  },
): ApiDeps {
  return {
    db: services.database.db,
    secretBox: services.secretBox,
    lookerClients: services.lookerClients,
    workflows: extra.workflows,
    logger: services.settings.logger,
    lookerAllowedHosts: services.settings.lookerAllowedHosts,
    temporalUiUrl: extra.temporalUiUrl,
    temporalNamespace: extra.temporalNamespace,
    adminToken: extra.adminToken,
    codecEndpoint: extra.codecEndpoint,
    rateLimits: extra.rateLimits ?? createRateLimits(defaultRateLimitSettings),
    trustProxyHops: extra.trustProxyHops ?? 0,
    consoleLocalSignIn: extra.consoleLocalSignIn,
    prometheus: services.prometheus,
    // The metric-state gauge queries Postgres, so only the API (not every worker) reports it.
    metricsEndpoint: {
      registry: Registry.merge([services.prometheus.registry, createMetricStateRegistry(services.database.db, services.settings.logger)]),
      token: extra.metricsToken,
    },
    probes: {
      postgres: async () => {
        try {
          await services.database.db.execute(sql`select 1`);
          return true;
        } catch {
          return false;
        }
      },
      temporal: () => extra.workflows.reachable(),
      migrations: () => migrationState(services.database.sql, expectedMigrationOfThisBuild).catch(() => 'unknown' as const),
    },
  };
}

/**
 * Service settings from the parsed configuration. Production processes require DATABASE_URL and
 * ENCRYPTION_KEYS; local mode passes the ones it provisioned itself.
 */
export function serviceSettingsFrom(
  config: Config,
  logger: Logger,
  provisioned: { databaseUrl?: string; encryptionKeys?: string; extraAllowedHosts?: readonly string[] } = {},
): ServiceSettings {
  return {
    databaseUrl: provisioned.databaseUrl ?? requireSetting(config, 'DATABASE_URL', 'postgres://user:password@host:5432/database'),
    databasePoolSize: config.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_SECONDS * 1000,
    databaseIdleInTransactionTimeoutMs: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS * 1000,
    encryptionKeys:
      config.ENCRYPTION_KEYS ?? provisioned.encryptionKeys ?? requireSetting(config, 'ENCRYPTION_KEYS', 'generate a key with `openssl rand -base64 32` and set k1:<key>'),
    lookerAllowedHosts: [...config.LOOKER_ALLOWED_HOSTS, ...(provisioned.extraAllowedHosts ?? [])],
    lookerMaxRows: config.LOOKER_MAX_ROWS,
    lookerTimeoutSeconds: config.LOOKER_TIMEOUT_SECONDS,
    lookerLeaseSeconds: config.LOOKER_LEASE_SECONDS,
    lookerSharedResultMaxAgeSeconds: config.LOOKER_SHARED_RESULT_MAX_AGE_SECONDS,
    logger,
  };
}

/** The API's abuse limits from the configuration. */
export function rateLimitsFrom(config: Config): { rateLimits: RateLimits; trustProxyHops: number } {
  return {
    rateLimits: createRateLimits({
      perAddress: config.RATE_LIMIT_PER_ADDRESS,
      perKey: config.RATE_LIMIT_PER_KEY,
      admin: config.ADMIN_RATE_LIMIT,
      lookerChecks: config.LOOKER_CHECKS_PER_MINUTE,
    }),
    trustProxyHops: config.TRUST_PROXY_HOPS,
  };
}

export function temporalSettingsFrom(config: Config, provisioned: { address?: string; payloadKeys?: string } = {}): TemporalSettings {
  const payloadKeysText =
    config.TEMPORAL_PAYLOAD_KEYS ??
    provisioned.payloadKeys ??
    requireSetting(config, 'TEMPORAL_PAYLOAD_KEYS', 'generate a key with `openssl rand -base64 32` and set p1:<key>; every API and worker process needs the same value');
  // Parsed before TEMPORAL_ADDRESS is required, so a bad key is reported even without an address.
  const payloadKeys = explainKeyError('TEMPORAL_PAYLOAD_KEYS', () => parsePayloadKeys(payloadKeysText));
  return {
    address: provisioned.address ?? requireSetting(config, 'TEMPORAL_ADDRESS', 'host:port of the Temporal frontend'),
    namespace: config.TEMPORAL_NAMESPACE,
    apiKey: config.TEMPORAL_API_KEY,
    payloadKeys,
  };
}

/**
 * The codec endpoint for the Temporal UI: on with CODEC_TOKEN, decoding with the workers' payload
 * keys, callable from the UI's origin (TEMPORAL_UI_URL) only.
 */
export function codecEndpointFrom(
  token: string | undefined,
  payloadKeys: EncryptionKeys,
  temporalUiUrl: string | undefined,
): CodecEndpointSettings | undefined {
  if (token === undefined) return undefined;
  return { codec: createEncryptionCodec(payloadKeys), token, allowedOrigins: temporalUiUrl ? [new URL(temporalUiUrl).origin] : [] };
}

/** The worker's /metrics: its own series plus the Temporal SDK's, when TEMPORAL_SDK_METRICS_PORT is set. */
export function workerMetricsEndpointFrom(services: Services, config: Pick<Config, 'TEMPORAL_SDK_METRICS_PORT' | 'METRICS_TOKEN'>): WorkerMetricsEndpoint {
  return {
    registry: services.prometheus.registry,
    sdkMetricsUrl: config.TEMPORAL_SDK_METRICS_PORT === undefined ? undefined : sdkMetricsUrl(config.TEMPORAL_SDK_METRICS_PORT),
    token: config.METRICS_TOKEN,
  };
}
