import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { bodyProblemResponses, conflictResponse, problemResponses, unprocessableResponse } from '../../errors';
import { metricOr404 } from '../../lookups';
import { IdParam, MetricDetailSchema } from '../../schemas';
import { FieldNameSchema, LookIdSchema, MetricNameSchema } from './metric-input';
import { metricDetail } from './metric-detail';
import { sourceChangeProblem } from './source-change-problem';

const UpdateMetricSchema = z
  .strictObject({
    name: MetricNameSchema.optional(),
    lookId: LookIdSchema.optional(),
    dateField: FieldNameSchema.optional().openapi({ example: 'orders.created_date' }),
    valueField: FieldNameSchema.optional().openapi({ example: 'orders.count' }),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), 'give at least one of name, lookId, dateField, valueField')
  .openapi('UpdateMetric', { example: { name: 'Daily orders', valueField: 'orders.count' } });

export const updateMetricRoute = createRoute({
  method: 'patch',
  path: '/v1/metrics/{id}',
  tags: ['Metrics'],
  summary: "Rename a metric or change its source (Look, date field, value field)",
  description:
    "The metric's workflow checks the change against Looker (the Look exists and has both fields) and saves it; a refused change is a 422 naming the field and changes nothing. A changed Look or field re-imports the whole history in the background: the datapoints are replaced by what the new source returns.",
  security: [{ bearerAuth: [] }],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: UpdateMetricSchema } } } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: MetricDetailSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
    ...conflictResponse,
    ...unprocessableResponse,
  },
});

export function registerUpdateMetric(app: App, deps: ApiDeps): void {
  app.openapi(updateMetricRoute, async (c) => {
    const { workspaceId } = c.get('principal');
    const metric = await metricOr404(deps, workspaceId, c.req.valid('param').id);
    try {
      await deps.workflows.updateSourceConfig(metric.id, c.req.valid('json'));
    } catch (error) {
      throw sourceChangeProblem(error);
    }
    return c.json(await metricDetail(deps, await metricOr404(deps, workspaceId, metric.id)), 200);
  });
}
