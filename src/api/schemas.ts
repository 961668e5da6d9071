import { z } from '@hono/zod-openapi';
import { importRunKinds, importRunStatuses, metricStates } from '../db/schema';

/** Response shapes shared by several routes. Secrets are never part of any of them. */

export const IdParam = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' }),
});

const timestamp = z.string().openapi({ example: '2026-11-30T06:00:00.000Z', format: 'date-time' });

export const WorkspaceSchema = z.object({ id: z.string(), name: z.string(), createdAt: timestamp }).openapi('Workspace');

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string().openapi({ example: 'CI pipeline' }),
    prefix: z.string().openapi({ example: 'mi_live_3kQd', description: 'The first characters of the key, to tell keys apart.' }),
    createdAt: timestamp,
    lastUsedAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    createdByKeyId: z.string().nullable().openapi({ description: 'The key that created this one; revoking it revokes this one. Null for keys the operator created.' }),
  })
  .openapi('ApiKey');

export const NewApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({
    example: 'mi_live_3kQdq1mYc0R7u4oTtM1y8oX1Gq9bLr2sWd5vJe6hN0c',
    description: 'The full key. Shown this once: only its hash is stored, so it cannot be shown again.',
  }),
}).openapi('NewApiKey');

export const IntegrationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.literal('looker'),
    apiEndpoint: z.string().openapi({ example: 'https://acme.cloud.looker.com/api/4.0' }),
    clientId: z.string(),
    hasClientSecret: z.literal(true).openapi({ description: 'The client secret is write-only; it is never returned.' }),
    maxConcurrentQueries: z.number().int().openapi({ example: 8, description: 'Most Looker queries the service runs at once for this integration, over all workers.' }),
    lastCheck: z
      .object({ at: z.string(), ok: z.boolean(), message: z.string().nullable() })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Integration');

export const MetricStateSchema = z.enum(metricStates);

export const MetricSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    integrationId: z.string(),
    lookId: z.string(),
    dateField: z.string(),
    valueField: z.string(),
    importTime: z.string().openapi({ example: '06:00' }),
    timeZone: z.string().openapi({ example: 'Europe/Berlin' }),
    state: MetricStateSchema,
    lastImportAt: z.string().nullable(),
    nextImportAt: z.string().nullable(),
    lastError: z.string().nullable(),
    workflowId: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Metric');

export const DatapointSchema = z
  .object({
    date: z.string().openapi({ example: '2026-11-29', description: 'First day of the period the value covers.' }),
    value: z.string().openapi({ example: '1088.5', description: 'Exact decimal, as a string.' }),
  })
  .openapi('Datapoint');

export const MetricListItemSchema = MetricSchema.extend({
  latestDatapoint: DatapointSchema.nullable().openapi({ description: 'The datapoint with the latest date (the last value); null before the first import stored one.' }),
}).openapi('MetricListItem');

const count = z.number().int().nullable();

export const ImportRunSchema = z
  .object({
    id: z.string(),
    kind: z.enum(importRunKinds).openapi({ description: 'backfill: first import; config_change: re-import after a source change; scheduled: daily; manual: import now.' }),
    status: z.enum(importRunStatuses),
    scheduledFor: timestamp.openapi({ description: 'When the import was due.' }),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    lookId: z.string(),
    dateField: z.string(),
    valueField: z.string(),
    counts: z.object({ rowsRead: count, inserted: count, updated: count, unchanged: count, deleted: count, skipped: count }),
    skipReasons: z.record(z.string(), z.number().int()).nullable().openapi({ example: { null_value: 12, missing_date: 1 } }),
    warnings: z.array(z.string()),
    firstDate: z.string().nullable().openapi({ example: '2024-12-01' }),
    lastDate: z.string().nullable().openapi({ example: '2026-11-29' }),
    error: z.string().nullable(),
    temporalRunId: z.string().nullable().openapi({
      description: "The run of the metric's workflow (metric-import/<metricId>) that ran this import; null for imports recorded before run ids were kept.",
    }),
    temporalUiUrl: z.string().nullable().openapi({
      description: 'That run in the Temporal UI; null when no TEMPORAL_UI_URL is configured or the run is unknown.',
      example: 'http://127.0.0.1:8233/namespaces/default/workflows/metric-import%2F1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed/0f4e3c0a-6f55-4b8e-9a51-3d1f0c8f2b7e/history',
    }),
  })
  .openapi('ImportRun');

export const MetricDetailSchema = MetricSchema.extend({
  importing: z.boolean().nullable().openapi({ description: 'An import is running right now; null when Temporal is unavailable.' }),
  lastImport: z
    .object({ importRunId: z.string(), kind: z.enum(importRunKinds), scheduledFor: timestamp, finishedAt: timestamp, succeeded: z.boolean() })
    .nullable(),
  temporal: z.enum(['live', 'unavailable', 'workflow_missing']).openapi({
    description:
      'live: state, nextImportAt and lastError come from the running workflow. unavailable: Temporal did not answer; the fields are the last values stored in the database. workflow_missing: the workflow is gone (e.g. terminated by an operator); the metric no longer imports.',
  }),
  temporalUiUrl: z.string().nullable().openapi({ example: 'http://127.0.0.1:8233/namespaces/default/workflows/metric-import%2F1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' }),
}).openapi('MetricDetail');
