import type { LookerClient } from '../looker/client';
import { findIntegration, type IntegrationRow } from '../db/repositories/integrations';
import { findMetric, type MetricRow } from '../db/repositories/metrics';
import type { ApiDeps } from './deps';
import { ApiError } from './errors';

/**
 * The workspace's integration or a 404 naming where the id came from. Another workspace's
 * integration is "not found" too: a key never learns that it exists.
 */
export async function integrationOr404(deps: ApiDeps, workspaceId: string, id: string, pointer = '/path/id'): Promise<IntegrationRow> {
  const row = await findIntegration(deps.db, workspaceId, id);
  if (!row) throw integrationNotFound(id, pointer);
  return row;
}

export function integrationNotFound(id: string, pointer = '/path/id'): ApiError {
  return ApiError.field('not_found', pointer, `integration ${id} does not exist in this workspace`);
}

export function metricNotFound(id: string, pointer = '/path/id'): ApiError {
  return ApiError.field('not_found', pointer, `metric ${id} does not exist in this workspace`);
}

export async function metricOr404(deps: ApiDeps, workspaceId: string, id: string): Promise<MetricRow> {
  const row = await findMetric(deps.db, workspaceId, id);
  if (!row) throw metricNotFound(id);
  return row;
}

/** A Looker client with the integration's stored credentials (it may vanish between the two reads). */
export async function lookerClientFor(deps: ApiDeps, integration: IntegrationRow): Promise<LookerClient> {
  const client = await deps.lookerClients.forIntegration(integration.id);
  if (!client) throw integrationNotFound(integration.id);
  return client;
}
