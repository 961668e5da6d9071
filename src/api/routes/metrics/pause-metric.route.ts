import { createRoute } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { conflictResponse, problemResponses } from '../../errors';
import { metricOr404 } from '../../lookups';
import { IdParam, MetricDetailSchema } from '../../schemas';
import { metricDetail } from './metric-detail';

export const pauseMetricRoute = createRoute({
  method: 'post',
  path: '/v1/metrics/{id}/pause',
  tags: ['Metrics'],
  summary: 'Pause the daily import',
  description: 'No import runs until the metric is resumed; an import already running finishes. Pausing a paused metric changes nothing.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'Paused', content: { 'application/json': { schema: MetricDetailSchema } } },
    ...problemResponses,
    ...conflictResponse,
  },
});

export function registerPauseMetric(app: App, deps: ApiDeps): void {
  app.openapi(pauseMetricRoute, async (c) => {
    const { workspaceId } = c.get('principal');
    const metric = await metricOr404(deps, workspaceId, c.req.valid('param').id);
    await deps.workflows.pause(metric.id);
    return c.json(await metricDetail(deps, await metricOr404(deps, workspaceId, metric.id)), 200);
  });
}
