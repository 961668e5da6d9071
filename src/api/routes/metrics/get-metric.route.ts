import { createRoute } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses } from '../../errors';
import { metricOr404 } from '../../lookups';
import { IdParam, MetricDetailSchema } from '../../schemas';
import { metricDetail } from './metric-detail';

export const getMetricRoute = createRoute({
  method: 'get',
  path: '/v1/metrics/{id}',
  tags: ['Metrics'],
  summary: 'One metric with its live import status',
  description:
    'The stored metric merged with the workflow\'s live status (state, importing, last and next import, last error) and a link to the workflow in the Temporal UI. If Temporal does not answer, the stored values are returned with temporal: "unavailable".',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'The metric', content: { 'application/json': { schema: MetricDetailSchema } } },
    ...problemResponses,
  },
});

export function registerGetMetric(app: App, deps: ApiDeps): void {
  app.openapi(getMetricRoute, async (c) => {
    const metric = await metricOr404(deps, c.get('principal').workspaceId, c.req.valid('param').id);
    return c.json(await metricDetail(deps, metric), 200);
  });
}
