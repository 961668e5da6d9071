import { z } from 'zod';
import { looksLikeApiKey } from '../crypto/api-keys';
import { parseHostEntry } from '../looker/api-endpoint';

/** A backfill may use a shared Look result at most this old (docs/workflow.md, "Shared Look runs"). */
export const defaultSharedResultMaxAgeSeconds = 300;
/** Lease of a query slot or a shared run, renewed every third of it: a killed worker's frees this much later. */
export const defaultLookerLeaseSeconds = 20;

/** Calls per minute and API process for each abuse limit (docs/security.md#rate-limits). */
export const defaultRateLimitSettings = { perAddress: 1200, perKey: 600, admin: 10, lookerChecks: 10 } as const;

const perMinute = (fallback: number) => z.coerce.number().int().min(1).max(100_000).default(fallback);

/**
 * Worker concurrency defaults, chosen with `npm run bench -- e2e-backfill` on 2 cores (see
 * docs/benchmarks.md, "Worker tuning"). Workflow tasks must be at least 2 (an SDK rule).
 */
export const defaultWorkerTuning = {
  maxConcurrentActivityTaskExecutions: 20,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxCachedWorkflows: 1_000,
} as const;

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

const postgresUrl = z
  .string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be a URL like postgres://user:password@host:5432/database');

const hostList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim().toLowerCase())
      .filter(Boolean),
  )
  .superRefine((entries, ctx) => {
    for (const entry of entries) {
      try {
        parseHostEntry(entry);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      }
    }
  });

/** Every environment variable the service reads; the README's configuration table mirrors it. */
export const configSchema = z.object({
  PORT: port(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_STATEMENT_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(120),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_UI_URL: z.url().optional(),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  WORKER_HEALTH_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  // The Temporal SDK's own Prometheus exporter, on 127.0.0.1 only; the worker's /metrics relays it.
  TEMPORAL_SDK_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  // When set, GET /metrics (API and worker health port) requires it as a Bearer token.
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  ENCRYPTION_KEYS: z.string().min(1).optional(),
  TEMPORAL_PAYLOAD_KEYS: z.string().min(1).optional(),
  ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  CODEC_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  LOCAL_API_KEY: z
    .string()
    .refine(looksLikeApiKey, 'must be a key in the generated format, mi_live_ and 43 base64url characters; unset it to use the generated key')
    .optional(),
  LOOKER_ALLOWED_HOSTS: hostList.default([]),
  // Calls per minute and process (docs/security.md#rate-limits).
  LOOKER_CHECKS_PER_MINUTE: perMinute(defaultRateLimitSettings.lookerChecks),
  RATE_LIMIT_PER_ADDRESS: perMinute(defaultRateLimitSettings.perAddress),
  RATE_LIMIT_PER_KEY: perMinute(defaultRateLimitSettings.perKey),
  ADMIN_RATE_LIMIT: perMinute(defaultRateLimitSettings.admin),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  // A slow client cannot hold a connection: the headers, then the whole request, must arrive in time.
  HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
  HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  // Metric/workflow reconciliation in the API (docs/operations.md#metric-and-workflow-reconciliation).
  WORKFLOW_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  WORKFLOW_RECONCILE_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  LOOKER_MAX_ROWS: z.coerce.number().int().min(1).max(5_000_000).default(1_000_000),
  LOOKER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  LOOKER_SHARED_RESULT_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(3600).default(defaultSharedResultMaxAgeSeconds),
  LOOKER_LEASE_SECONDS: z.coerce.number().int().min(3).max(600).default(defaultLookerLeaseSeconds),
  LOOKER_EMULATOR_PORT: port(9999),
  // Worker tuning (docs/benchmarks.md, "Worker tuning"): per worker process.
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().min(1).max(1_000).default(defaultWorkerTuning.maxConcurrentActivityTaskExecutions),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(1_000).default(defaultWorkerTuning.maxConcurrentWorkflowTaskExecutions),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).default(defaultWorkerTuning.maxCachedWorkflows),
  DATA_DIR: z.string().min(1).optional(),
  // Tracing (docs/operations.md, "Tracing"): off unless an OTLP/HTTP collector is named.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
}).refine((config) => config.HTTP_HEADERS_TIMEOUT_SECONDS <= config.HTTP_REQUEST_TIMEOUT_SECONDS, {
    path: ['HTTP_HEADERS_TIMEOUT_SECONDS'],
    message: 'must not exceed HTTP_REQUEST_TIMEOUT_SECONDS (the headers are part of the request)',
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once; the error is one line per bad variable, naming it and the problem.
 * An empty variable counts as unset, as compose's `${ADMIN_TOKEN:-}` passes one.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'environment');
    return `${name}: ${issue.message} (got ${JSON.stringify(redactValue(name, env[name]))})`;
  });
  throw new ConfigError(`Invalid configuration — ${lines.join('; ')}`);
}

function redactValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (/KEY|TOKEN|SECRET/.test(name)) return '[redacted]';
  if (name === 'DATABASE_URL') return value.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  return value;
}

export type WorkerTuning = { -readonly [K in keyof typeof defaultWorkerTuning]: number };

/** The worker's concurrency options from the parsed configuration. */
export function workerTuningFrom(config: Config): WorkerTuning {
  return {
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  };
}

/** Production processes need real infrastructure; local mode fills these in itself. */
export function requireSetting<K extends keyof Config>(config: Config, key: K, hint: string): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null) throw new ConfigError(`${key}: is required (${hint})`);
  return value;
}
