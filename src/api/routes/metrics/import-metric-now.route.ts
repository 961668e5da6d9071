import { createRoute } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { ApiError, conflictResponse, problemResponses } from '../../errors';
import { metricOr404 } from '../../lookups';
import { IdParam, MetricDetailSchema } from '../../schemas';
import { metricDetail } from './metric-detail';

export const importMetricNowRoute = createRoute({
  method: 'post',
  path: '/v1/metrics/{id}/import-now',
  tags: ['Metrics'],
  summary: 'Import now, outside the schedule',
  description:
    'Queues one import of the whole Look (kind manual) and answers 202; watch GET /v1/metrics/{id}/import-runs. While an import runs, one more is queued after it. A paused metric refuses with 409: resume it first.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    202: { description: 'Queued', content: { 'application/json': { schema: MetricDetailSchema } } },
    ...problemResponses,
    ...conflictResponse,
  },
});

export function registerImportMetricNow(app: App, deps: ApiDeps): void {
  app.openapi(importMetricNowRoute, async (c) => {
    const { workspaceId } = c.get('principal');
    const metric = await metricOr404(deps, workspaceId, c.req.valid('param').id);
    // The live status, not the stored state: the workflow is what would ignore the signal.
    if ((await deps.workflows.status(metric.id)).paused) {
      throw ApiError.field('conflict', '/path/id', 'the metric is paused; resume it (POST /v1/metrics/{id}/resume) before importing');
    }
    await deps.workflows.importNow(metric.id);
    return c.json(await metricDetail(deps, metric), 202);
  });
}
