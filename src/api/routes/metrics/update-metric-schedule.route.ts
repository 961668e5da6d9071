import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { bodyProblemResponses, conflictResponse, problemResponses, unprocessableResponse } from '../../errors';
import { metricOr404 } from '../../lookups';
import { IdParam, MetricDetailSchema } from '../../schemas';
import { ImportTimeSchema, TimeZoneSchema } from './metric-input';
import { metricDetail } from './metric-detail';

const UpdateScheduleSchema = z
  .strictObject({ importTime: ImportTimeSchema.optional(), timeZone: TimeZoneSchema.optional() })
  .refine((input) => input.importTime !== undefined || input.timeZone !== undefined, 'give importTime, timeZone or both')
  .openapi('UpdateSchedule', { example: { importTime: '07:30', timeZone: 'America/New_York' } });

export const updateMetricScheduleRoute = createRoute({
  method: 'patch',
  path: '/v1/metrics/{id}/schedule',
  tags: ['Metrics'],
  summary: 'Change when the daily import runs',
  description: 'The import time and time zone; the one not given keeps its value. The next import moves at once (nextImportAt in the answer).',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: UpdateScheduleSchema } } } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: MetricDetailSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
    ...conflictResponse,
    ...unprocessableResponse,
  },
});

export function registerUpdateMetricSchedule(app: App, deps: ApiDeps): void {
  app.openapi(updateMetricScheduleRoute, async (c) => {
    const { workspaceId } = c.get('principal');
    const input = c.req.valid('json');
    const metric = await metricOr404(deps, workspaceId, c.req.valid('param').id);
    // Only the given fields: the workflow merges them with its schedule under its lock, so a
    // concurrent change of the other field is not reverted from a stale row.
    await deps.workflows.updateSchedule(metric.id, {
      ...(input.importTime === undefined ? {} : { importTime: input.importTime }),
      ...(input.timeZone === undefined ? {} : { timeZone: input.timeZone }),
    });
    return c.json(await metricDetail(deps, await metricOr404(deps, workspaceId, metric.id)), 200);
  });
}
