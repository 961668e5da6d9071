import type { IntegrationRow } from '../db/repositories/integrations';
import type { MetricRow } from '../db/repositories/metrics';
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
