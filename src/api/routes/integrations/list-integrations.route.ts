import { createRoute } from '@hono/zod-openapi';
import { listIntegrations } from '../../../db/repositories/integrations';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses } from '../../errors';
import { keysetFromCursor, pageBody, PageQuerySchema, pageSchema } from '../../pagination';
import { IntegrationSchema } from '../../schemas';
import { integrationView } from '../../serializers';

export const listIntegrationsRoute = createRoute({
  method: 'get',
  path: '/v1/integrations',
  tags: ['Integrations'],
  summary: "The workspace's integrations",
  security: [{ bearerAuth: [] }],
  request: { query: PageQuerySchema },
  responses: {
    200: { description: 'A page of integrations, oldest first', content: { 'application/json': { schema: pageSchema(IntegrationSchema, 'IntegrationPage') } } },
    ...problemResponses,
  },
});

export function registerListIntegrations(app: App, deps: ApiDeps): void {
  app.openapi(listIntegrationsRoute, async (c) => {
    const query = c.req.valid('query');
    const page = await listIntegrations(deps.db, c.get('principal').workspaceId, { limit: query.limit, after: keysetFromCursor(query.cursor) });
    return c.json(pageBody(page, integrationView), 200);
  });
}
