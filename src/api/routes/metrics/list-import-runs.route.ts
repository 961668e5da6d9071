import { createRoute } from '@hono/zod-openapi';
import { listImportRuns } from '../../../db/repositories/import-runs';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses } from '../../errors';
import { metricOr404 } from '../../lookups';
import { keysetFromCursor, pageBody, PageQuerySchema, pageSchema } from '../../pagination';
import { IdParam, ImportRunSchema } from '../../schemas';
import { importRunView } from '../../serializers';
import { temporalUiLinks } from '../../temporal-ui';

export const listImportRunsRoute = createRoute({
  method: 'get',
  path: '/v1/metrics/{id}/import-runs',
  tags: ['Metrics'],
  summary: "A metric's import history, newest first",
  description: 'One entry per import: kind, timings, row counts, skip reasons, warnings (e.g. a possibly truncated Look), the error of a failed import, and the Temporal run that ran it.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam, query: PageQuerySchema },
  responses: {
    200: { description: 'A page of import runs, newest first', content: { 'application/json': { schema: pageSchema(ImportRunSchema, 'ImportRunPage') } } },
    ...problemResponses,
  },
});

export function registerListImportRuns(app: App, deps: ApiDeps): void {
  app.openapi(listImportRunsRoute, async (c) => {
    const { workspaceId } = c.get('principal');
    const query = c.req.valid('query');
    const after = keysetFromCursor(query.cursor);
    const metric = await metricOr404(deps, workspaceId, c.req.valid('param').id);
    const page = await listImportRuns(deps.db, workspaceId, metric.id, { limit: query.limit, after });
    const links = temporalUiLinks(deps);
    return c.json(pageBody(page, (run) => importRunView(run, links.run(metric.id, run.temporalRunId))), 200);
  });
}
