import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { findIntegration } from '../../../db/repositories/integrations';
import { metrics } from '../../../db/schema';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { ApiError, problemResponses, unprocessableResponse } from '../../errors';
import { MetricSchema } from '../../schemas';
import { metricView } from '../../serializers';
import { FieldNameSchema, ImportTimeSchema, TimeZoneSchema } from './metric-input';
import { checkLookFields } from './look-fields-check';

const CreateMetricSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).openapi({ example: 'Daily revenue' }),
    integrationId: z.string().openapi({ example: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' }),
    lookId: z.string().trim().min(1).max(100).openapi({ example: '1' }),
    dateField: FieldNameSchema.openapi({ example: 'orders.created_date' }),
    valueField: FieldNameSchema.openapi({ example: 'orders.total_revenue' }),
    importTime: ImportTimeSchema.default('06:00'),
    timeZone: TimeZoneSchema.default('UTC'),
  })
  .openapi('CreateMetric');

export const createMetricRoute = createRoute({
  method: 'post',
  path: '/v1/metrics',
  tags: ['Metrics'],
  summary: 'Create a metric and start importing it',
  description:
    'Checks that the Look exists and has both fields, saves the metric and starts its import workflow, which backfills the whole history and then imports every day at importTime in timeZone. Answers 202: the backfill runs in the background.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CreateMetricSchema } } } },
  responses: {
    202: { description: 'Saved; the backfill has started', content: { 'application/json': { schema: MetricSchema } } },
    ...problemResponses,
    ...unprocessableResponse,
  },
});

export function registerCreateMetric(app: App, deps: ApiDeps): void {
  app.openapi(createMetricRoute, async (c) => {
    const input = c.req.valid('json');
    const { workspaceId } = c.get('principal');
    const integration = await findIntegration(deps.db, workspaceId, input.integrationId);
    if (!integration) {
      throw ApiError.field('not_found', '/body/integrationId', `integration ${input.integrationId} does not exist in this workspace`);
    }
    await checkLookFields(deps, integration.id, input);
    const id = randomUUID();
    const [row] = await deps.db
      .insert(metrics)
      .values({ id, workspaceId, ...input, integrationId: integration.id, state: 'backfilling' })
      .returning();
    try {
      await deps.workflows.start({ metricId: id, workspaceId, integrationId: integration.id });
    } catch (error) {
      // No workflow, no metric: a half-created metric would never import.
      await deps.db.delete(metrics).where(eq(metrics.id, id));
      throw error;
    }
    c.header('Location', `/v1/metrics/${id}`);
    return c.json(metricView(row!), 202);
  });
}
