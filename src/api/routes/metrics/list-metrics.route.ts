import { createRoute, z } from '@hono/zod-openapi';
import { listMetrics } from '../../../db/repositories/metrics';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses } from '../../errors';
import { integrationOr404 } from '../../lookups';
import { keysetFromCursor, pageBody, PageQuerySchema, pageSchema } from '../../pagination';
import { MetricListItemSchema, MetricStateSchema } from '../../schemas';
import { metricListItemView } from '../../serializers';

const QuerySchema = PageQuerySchema.extend({
  integrationId: z.string().optional().openapi({ description: 'Only metrics of this integration (404 if the workspace has no such integration).' }),
  state: MetricStateSchema.optional().openapi({ description: 'Only metrics in this state.' }),
});

export const listMetricsRoute = createRoute({
  method: 'get',
  path: '/v1/metrics',
  tags: ['Metrics'],
  summary: "The workspace's metrics",
  description: 'Stored state only, for speed, with each metric\'s latest datapoint; GET /v1/metrics/{id} adds the live workflow status.',
  security: [{ bearerAuth: [] }],
  request: { query: QuerySchema },
  responses: {
    200: { description: 'A page of metrics, oldest first', content: { 'application/json': { schema: pageSchema(MetricListItemSchema, 'MetricPage') } } },
    ...problemResponses,
  },
});

export function registerListMetrics(app: App, deps: ApiDeps): void {
  app.openapi(listMetricsRoute, async (c) => {
    const { workspaceId } = c.get('principal');
    const query = c.req.valid('query');
    const after = keysetFromCursor(query.cursor);
    // A filter naming another workspace's integration is a 404, never an empty list that confirms it exists.
    const integration = query.integrationId === undefined ? undefined : await integrationOr404(deps, workspaceId, query.integrationId, '/query/integrationId');
    const page = await listMetrics(deps.db, workspaceId, { integrationId: integration?.id, state: query.state }, { limit: query.limit, after });
    return c.json(pageBody(page, metricListItemView), 200);
  });
}
