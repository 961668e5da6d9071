import { createRoute } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { conflictResponse, problemResponses } from '../../errors';
import { metricOr404 } from '../../lookups';
import { IdParam, MetricDetailSchema } from '../../schemas';
import { metricDetail } from './metric-detail';

export const resumeMetricRoute = createRoute({
  method: 'post',
  path: '/v1/metrics/{id}/resume',
  tags: ['Metrics'],
  summary: 'Resume a paused metric, or retry one that needs attention',
  description:
    'A paused metric imports again at its next import time. A metric in needs_attention imports at once, to check that the problem is fixed. Resuming an active metric changes nothing.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'Resumed', content: { 'application/json': { schema: MetricDetailSchema } } },
    ...problemResponses,
    ...conflictResponse,
  },
});

export function registerResumeMetric(app: App, deps: ApiDeps): void {
  app.openapi(resumeMetricRoute, async (c) => {
    const { workspaceId } = c.get('principal');
    const metric = await metricOr404(deps, workspaceId, c.req.valid('param').id);
    await deps.workflows.resume(metric.id);
    return c.json(await metricDetail(deps, await metricOr404(deps, workspaceId, metric.id)), 200);
  });
}
