import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses, unprocessableResponse } from '../../errors';
import { lookerProblem } from '../../looker-problems';
import { integrationOr404, lookerClientFor } from '../../lookups';
import { decodeCursor, encodeCursor, PageQuerySchema, pageSchema } from '../../pagination';
import { IdParam } from '../../schemas';

const LookSchema = z
  .object({
    id: z.string().openapi({ example: '1' }),
    title: z.string().openapi({ example: 'Daily revenue' }),
    description: z.string().nullable(),
    folder: z.object({ id: z.string(), name: z.string() }).nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi('Look');

const QuerySchema = PageQuerySchema.extend({
  search: z.string().trim().max(200).optional().openapi({ description: 'Case-insensitive part of the title.', example: 'revenue' }),
});

export const listLooksRoute = createRoute({
  method: 'get',
  path: '/v1/integrations/{id}/looks',
  tags: ['Integrations'],
  summary: "List or search the integration's Looks",
  description: "Asks Looker, with the integration's stored credentials; Looks are sorted by title. The cursor stands for a position in Looker's search, so pages shift if Looks are added meanwhile.",
  security: [{ bearerAuth: [] }],
  request: { params: IdParam, query: QuerySchema },
  responses: {
    200: { description: 'A page of Looks', content: { 'application/json': { schema: pageSchema(LookSchema, 'LookPage') } } },
    ...problemResponses,
    ...unprocessableResponse,
  },
});

export function registerListLooks(app: App, deps: ApiDeps): void {
  app.openapi(listLooksRoute, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const offset = query.cursor === undefined ? 0 : Number(decodeCursor(query.cursor, [(part) => /^\d{1,9}$/.test(part)])[0]);
    const integration = await integrationOr404(deps, c.get('principal').workspaceId, id);
    const client = await lookerClientFor(deps, integration);
    try {
      const page = await client.searchLooks({ title: query.search, limit: query.limit, offset });
      return c.json({ data: page.looks, nextCursor: page.hasMore ? encodeCursor([String(offset + query.limit)]) : null }, 200);
    } catch (error) {
      throw lookerProblem(error, {}, { logger: deps.logger });
    }
  });
}
