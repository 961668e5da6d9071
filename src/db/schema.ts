import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const workspaces = pgTable('workspaces', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** First characters of the key, shown so people can tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the key; the key itself is shown once and never stored. */
    keyHash: text('key_hash').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /**
     * The key that created this one through the API; null for keys the operator (ADMIN_TOKEN) or
     * local mode created. Revoking a key revokes the keys it created, so none outlives its creator.
     */
    createdByKeyId: uuid('created_by_key_id').references((): AnyPgColumn => apiKeys.id),
  },
  (t) => [uniqueIndex('api_keys_key_hash_idx').on(t.keyHash), index('api_keys_workspace_idx').on(t.workspaceId)],
);

export const integrations = pgTable(
  'integrations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    type: text('type', { enum: ['looker'] }).notNull().default('looker'),
    /** Canonical form, always ending in /api/4.0. */
    apiEndpoint: text('api_endpoint').notNull(),
    clientId: text('client_id').notNull(),
    /** AES-256-GCM sealed string; it embeds the key id used, so keys can rotate. */
    clientSecretSealed: text('client_secret_sealed').notNull(),
    secretKeyId: text('secret_key_id').notNull(),
    lastCheckAt: timestamp('last_check_at', { withTimezone: true }),
    lastCheckOk: boolean('last_check_ok'),
    lastCheckMessage: text('last_check_message'),
    /** Most Looker queries this service runs at once for the integration, over all workers (query-slots.ts). */
    maxConcurrentQueries: integer('max_concurrent_queries').notNull().default(8),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('integrations_workspace_idx').on(t.workspaceId)],
);

/**
 * One row per Looker query in flight for an integration (src/looker/query-slots.ts): a worker holds
 * it while the query runs and renews its lease; a killed worker's row expires with its lease.
 */
export const lookerQuerySlots = pgTable(
  'looker_query_slots',
  {
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    holder: uuid('holder').notNull(),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.holder] })],
);

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * The latest outcome of a Look run shared by every metric on that (integration, Look, row limit)
 * (src/looker/shared-look-results.ts), and the lease of the worker running it now. Short-lived:
 * rows older than the sharing window are deleted.
 */
export const sharedLookResults = pgTable(
  'shared_look_results',
  {
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    lookId: text('look_id').notNull(),
    rowLimit: integer('row_limit').notNull(),
    /** The fields each row but the first keeps (the first is whole, for the parser's diagnostics). */
    fields: text('fields').array(),
    /** gzip of the run's JSON rows, as the client returned them; null while none is stored. */
    result: bytea('result'),
    /** A Looker failure of the latest run, shared only with runs that waited for it. */
    failure: jsonb('failure').$type<{ type: string; message: string; details: Record<string, unknown> }>(),
    /** Database time the producing run was leased, before it started (freshness, never later than the fetch). */
    fetchedAt: timestamp('fetched_at', { withTimezone: true }),
    /** The same instant on the Temporal server's clock, as the producing activity estimated it (never later). */
    fetchedAtWorkflowMs: bigint('fetched_at_workflow_ms', { mode: 'number' }),
    leaseHolder: uuid('lease_holder'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.lookId, t.rowLimit] }), index('shared_look_results_updated_idx').on(t.updatedAt)],
);

/**
 * One row per (integration, endpoint, client id): the shared access token issued for exactly that
 * endpoint and client, and the lease of whoever is logging in for it. A token is only ever read
 * back for the same binding, so it cannot follow a changed endpoint (docs/security.md).
 */
export const lookerTokens = pgTable(
  'looker_tokens',
  {
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'cascade' }),
    apiEndpoint: text('api_endpoint').notNull(),
    clientId: text('client_id').notNull(),
    /** Null while nobody has logged in yet (a lease row) or after the token was invalidated. */
    accessTokenSealed: text('access_token_sealed'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** The refresh that may log in now; others wait for it or for the lease to expire. */
    leaseHolder: uuid('lease_holder'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.apiEndpoint, t.clientId] })],
);

export const metricStates = ['backfilling', 'active', 'paused', 'needs_attention'] as const;
export type MetricState = (typeof metricStates)[number];

export const metrics = pgTable(
  'metrics',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => integrations.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    lookId: text('look_id').notNull(),
    dateField: text('date_field').notNull(),
    valueField: text('value_field').notNull(),
    importTime: text('import_time').notNull().default('06:00'),
    timeZone: text('time_zone').notNull().default('UTC'),
    state: text('state', { enum: metricStates }).notNull().default('backfilling'),
    /** Bumped on every source change so a stale import cannot overwrite a newer config's data. */
    configVersion: integer('config_version').notNull().default(1),
    /**
     * The workflow's id of the source change that produced `configVersion`: a retried attempt of
     * that change finds it here and knows it was applied (and that a re-import is owed).
     */
    sourceChangeId: uuid('source_change_id'),
    lastImportAt: timestamp('last_import_at', { withTimezone: true }),
    nextImportAt: timestamp('next_import_at', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('metrics_workspace_idx').on(t.workspaceId), index('metrics_integration_idx').on(t.integrationId)],
);

export const datapoints = pgTable(
  'datapoints',
  {
    metricId: uuid('metric_id')
      .notNull()
      .references(() => metrics.id, { onDelete: 'cascade' }),
    date: date('date', { mode: 'string' }).notNull(),
    value: numeric('value').notNull(),
    importRunId: uuid('import_run_id').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.metricId, t.date] })],
);

export const importRunKinds = ['backfill', 'scheduled', 'manual', 'config_change'] as const;
export type ImportRunKind = (typeof importRunKinds)[number];
export const importRunStatuses = ['running', 'succeeded', 'failed'] as const;
export type ImportRunStatus = (typeof importRunStatuses)[number];

export const importRuns = pgTable(
  'import_runs',
  {
    id: uuid('id').primaryKey(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    metricId: uuid('metric_id')
      .notNull()
      .references(() => metrics.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: importRunKinds }).notNull(),
    status: text('status', { enum: importRunStatuses }).notNull().default('running'),
    /** Workflow time the run was due: under time skipping only this is the workflow's clock. */
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().default(sql`now()`),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    lookId: text('look_id').notNull(),
    dateField: text('date_field').notNull(),
    valueField: text('value_field').notNull(),
    configVersion: integer('config_version').notNull(),
    rowsRead: integer('rows_read'),
    inserted: integer('inserted'),
    updated: integer('updated'),
    unchanged: integer('unchanged'),
    deleted: integer('deleted'),
    /**
     * The merge discarded the run's rows because the metric's source changed after the run started;
     * kept so a retry of that merge reports it again, as the first attempt did.
     */
    stale: boolean('stale').notNull().default(false),
    skipped: integer('skipped'),
    skipReasons: jsonb('skip_reasons').$type<Record<string, number>>(),
    warnings: jsonb('warnings').$type<string[]>(),
    firstDate: date('first_date', { mode: 'string' }),
    lastDate: date('last_date', { mode: 'string' }),
    error: text('error'),
    /**
     * The Temporal run (of workflow metric-import/<metricId>) that ran this import: the workflow
     * continues as new, so each run holds a stretch of imports. Null for imports recorded before
     * it was kept.
     */
    temporalRunId: text('temporal_run_id'),
  },
  (t) => [index('import_runs_metric_idx').on(t.metricId, t.startedAt)],
);

/**
 * Rows parsed from one Look run, waiting to be merged into datapoints by the upsert activity.
 * No foreign key to the run: its check costs a lookup per staged row, and staging already holds
 * the run row locked. The trigger `import_runs_drop_staged_rows` (a migration) drops the rows of a
 * deleted run instead of a cascade (docs/benchmarks.md, "Per-import cost").
 */
export const stagedDatapoints = pgTable(
  'staged_datapoints',
  {
    importRunId: uuid('import_run_id').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    value: numeric('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.importRunId, t.date] })],
);

/**
 * Web console sessions: an API key exchanged once for an opaque id kept in an HttpOnly cookie.
 * Only the id's hash is stored; a session lives while its key is unrevoked and it has not expired.
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** SHA-256 of the session id in the cookie. */
    sessionHash: text('session_hash').notNull(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    apiKeyId: uuid('api_key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('console_sessions_hash_idx').on(t.sessionHash), index('console_sessions_api_key_idx').on(t.apiKeyId)],
);
