import { createRoute } from '@hono/zod-openapi';
import { deleteMetric } from '../../../db/repositories/metrics';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses } from '../../errors';
import { metricNotFound, metricOr404 } from '../../lookups';
import { IdParam } from '../../schemas';

export const deleteMetricRoute = createRoute({
  method: 'delete',
  path: '/v1/metrics/{id}',
  tags: ['Metrics'],
  summary: 'Delete a metric, its datapoints and its import history',
  description:
    'Stops the import workflow first (an import in flight is cut off), then deletes the metric; its datapoints and import runs are deleted with it. Export them first (GET /v1/metrics/{id}/datapoints?format=csv) to keep them. If Temporal is unavailable nothing is deleted (503); retrying is safe.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    204: { description: 'Deleted' },
    ...problemResponses,
  },
});

export function registerDeleteMetric(app: App, deps: ApiDeps): void {
  app.openapi(deleteMetricRoute, async (c) => {
    const { workspaceId } = c.get('principal');
    const metric = await metricOr404(deps, workspaceId, c.req.valid('param').id);
    // Workflow first: a workflow left running without its metric would fail every import.
    await deps.workflows.terminate(metric.id, 'metric deleted through the API');
    if (!(await deleteMetric(deps.db, workspaceId, metric.id))) throw metricNotFound(metric.id);
    return c.body(null, 204);
  });
}
