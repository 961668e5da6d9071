import type { z } from '@hono/zod-openapi';
import type { MetricRow } from '../../../db/repositories/metrics';
import type { MetricStatus } from '../../../shared/types';
import { WorkflowGatewayError } from '../../../temporal/metric-workflow-gateway';
import type { ApiDeps } from '../../deps';
import type { MetricDetailSchema } from '../../schemas';
import { metricView } from '../../serializers';
import { temporalUiLinks } from '../../temporal-ui';

type MetricDetail = z.infer<typeof MetricDetailSchema>;

/**
 * The stored metric with the workflow's live status merged in. When Temporal does not answer, or
 * the workflow is gone, the stored values are returned and `temporal` says why they are not live.
 */
export async function metricDetail(deps: ApiDeps, row: MetricRow): Promise<MetricDetail> {
  const view = metricView(row);
  const live = await liveStatus(deps, row.id);
  const temporalUiUrl = temporalUiLinks(deps).workflow(row.id);
  if (!('status' in live)) return { ...view, importing: null, lastImport: null, temporal: live.temporal, temporalUiUrl };
  const { status } = live;
  return {
    ...view,
    state: status.state,
    importTime: status.schedule.importTime,
    timeZone: status.schedule.timeZone,
    nextImportAt: status.nextImportAt,
    lastError: status.lastError,
    importing: status.importing,
    lastImport: status.lastImport,
    temporal: 'live',
    temporalUiUrl,
  };
}

async function liveStatus(deps: ApiDeps, metricId: string): Promise<{ status: MetricStatus } | { temporal: 'unavailable' | 'workflow_missing' }> {
  try {
    return { status: await deps.workflows.status(metricId) };
  } catch (error) {
    if (!(error instanceof WorkflowGatewayError)) throw error;
    if (error.kind === 'unavailable') return { temporal: 'unavailable' };
    if (error.kind === 'not_found') return { temporal: 'workflow_missing' };
    throw error;
  }
}
