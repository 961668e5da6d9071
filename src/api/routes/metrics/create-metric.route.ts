import { randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { metrics } from '../../../db/schema';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { bodyProblemResponses, conflictResponse, problemResponses, unprocessableResponse } from '../../errors';
import { checkLookFields } from '../../look-fields-check';
import { integrationOr404, lookerClientFor } from '../../lookups';
import { MetricSchema } from '../../schemas';
import { metricView } from '../../serializers';
import { WorkflowGatewayError } from '../../../temporal/metric-workflow-gateway';
import { workflowDescription } from '../../../temporal/workflow-description';
import { FieldNameSchema, ImportTimeSchema, LookIdSchema, MetricNameSchema, TimeZoneSchema } from './metric-input';

const CreateMetricSchema = z
  .strictObject({
    name: MetricNameSchema,
    integrationId: z.string().openapi({ example: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed' }),
    lookId: LookIdSchema,
    dateField: FieldNameSchema.openapi({ example: 'orders.created_date' }),
    valueField: FieldNameSchema.openapi({ example: 'orders.total_revenue' }),
    importTime: ImportTimeSchema.default('06:00'),
    timeZone: TimeZoneSchema.default('UTC'),
  })
  .openapi('CreateMetric', {
    example: {
      name: 'Daily revenue',
      integrationId: '1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed',
      lookId: '1',
      dateField: 'orders.created_date',
      valueField: 'orders.total_revenue',
      importTime: '06:00',
      timeZone: 'Europe/Berlin',
    },
  });

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
    ...bodyProblemResponses,
    ...conflictResponse,
    ...unprocessableResponse,
  },
});

export function registerCreateMetric(app: App, deps: ApiDeps): void {
  app.openapi(createMetricRoute, async (c) => {
    const input = c.req.valid('json');
    const { workspaceId } = c.get('principal');
    const integration = await integrationOr404(deps, workspaceId, input.integrationId, '/body/integrationId');
    await checkLookFields(await lookerClientFor(deps, integration), input, '/body/lookId');
    const id = randomUUID();
    const [row] = await deps.db
      .insert(metrics)
      .values({ id, workspaceId, ...input, integrationId: integration.id, state: 'backfilling' })
      .returning();
    try {
      await deps.workflows.start({
        metricId: id,
        workspaceId,
        integrationId: integration.id,
        schedule: { importTime: input.importTime, timeZone: input.timeZone },
        describedAs: workflowDescription(input, integration),
      });
    } catch (error) {
      // The id is new, so only the reconciler can have started this workflow first: it is this metric's.
      if (!(error instanceof WorkflowGatewayError && error.kind === 'already_exists')) {
        // No workflow, no metric: a half-created metric would never import.
        await deps.db.delete(metrics).where(eq(metrics.id, id));
        throw error;
      }
    }
    c.header('Location', `/v1/metrics/${id}`);
    return c.json(metricView(row!), 202);
  });
}
