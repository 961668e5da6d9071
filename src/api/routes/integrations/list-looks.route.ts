import { createRoute, z } from '@hono/zod-openapi';
import { findIntegration } from '../../../db/repositories/integrations';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { ApiError, problemResponses, unprocessableResponse } from '../../errors';
import { lookerProblem } from '../../looker-problems';
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

const LookPageSchema = z
  .object({ data: z.array(LookSchema), nextOffset: z.number().int().nullable() })
  .openapi('LookPage');

const QuerySchema = z.object({
  search: z.string().trim().max(200).optional().openapi({ description: 'Case-insensitive part of the title.', example: 'revenue' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const listLooksRoute = createRoute({
  method: 'get',
  path: '/v1/integrations/{id}/looks',
  tags: ['Integrations'],
  summary: "List or search the integration's Looks",
  security: [{ bearerAuth: [] }],
  request: { params: IdParam, query: QuerySchema },
  responses: {
    200: { description: 'A page of Looks', content: { 'application/json': { schema: LookPageSchema } } },
    ...problemResponses,
    ...unprocessableResponse,
  },
});

export function registerListLooks(app: App, deps: ApiDeps): void {
  app.openapi(listLooksRoute, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const integration = await findIntegration(deps.db, c.get('principal').workspaceId, id);
    if (!integration) throw new ApiError('not_found', `Integration ${id} does not exist in this workspace.`);
    const client = await deps.lookerClients.forIntegration(integration.id);
    if (!client) throw new ApiError('not_found', `Integration ${id} does not exist in this workspace.`);
    try {
      const page = await client.searchLooks({ title: query.search, limit: query.limit, offset: query.offset });
      return c.json({ data: page.looks, nextOffset: page.hasMore ? query.offset + query.limit : null }, 200);
    } catch (error) {
      throw lookerProblem(error);
    }
  });
}
