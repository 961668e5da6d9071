import type { ApiKeyRow } from '../db/repositories/api-keys';
import type { ImportRunRow } from '../db/repositories/import-runs';
import type { IntegrationRow } from '../db/repositories/integrations';
import type { MetricListRow, MetricRow } from '../db/repositories/metrics';
import type { WorkspaceRow } from '../db/repositories/workspaces';
import { metricWorkflowId } from '../shared/ids';

/** The only way an integration leaves the API: the sealed secret is never mapped. */
export function integrationView(row: IntegrationRow) {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    apiEndpoint: row.apiEndpoint,
    clientId: row.clientId,
    hasClientSecret: true as const,
    maxConcurrentQueries: row.maxConcurrentQueries,
    lastCheck: row.lastCheckAt ? { at: row.lastCheckAt.toISOString(), ok: row.lastCheckOk ?? false, message: row.lastCheckMessage } : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function metricView(row: MetricRow) {
  return {
    id: row.id,
    name: row.name,
    integrationId: row.integrationId,
    lookId: row.lookId,
    dateField: row.dateField,
    valueField: row.valueField,
    importTime: row.importTime,
    timeZone: row.timeZone,
    state: row.state,
    lastImportAt: row.lastImportAt?.toISOString() ?? null,
    nextImportAt: row.nextImportAt?.toISOString() ?? null,
    lastError: row.lastError,
    workflowId: metricWorkflowId(row.id),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function metricListItemView({ metric, latestDatapoint }: MetricListRow) {
  return { ...metricView(metric), latestDatapoint };
}

export function workspaceView(row: WorkspaceRow) {
  return { id: row.id, name: row.name, createdAt: row.createdAt.toISOString() };
}

/** Never the hash, never the key: only what identifies a key. */
export function apiKeyView(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    createdByKeyId: row.createdByKeyId,
  };
}

/** `runUrl` is the run's page in the Temporal UI, when both the UI and the run are known. */
export function importRunView(row: ImportRunRow, runUrl: string | null) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    scheduledFor: row.scheduledFor.toISOString(),
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    lookId: row.lookId,
    dateField: row.dateField,
    valueField: row.valueField,
    counts: {
      rowsRead: row.rowsRead,
      inserted: row.inserted,
      updated: row.updated,
      unchanged: row.unchanged,
      deleted: row.deleted,
      skipped: row.skipped,
    },
    skipReasons: row.skipReasons,
    warnings: row.warnings ?? [],
    firstDate: row.firstDate,
    lastDate: row.lastDate,
    error: row.error,
    temporalRunId: row.temporalRunId,
    temporalUiUrl: runUrl,
  };
}
