import { createRoute } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses } from '../../errors';
import { integrationOr404 } from '../../lookups';
import { IdParam, IntegrationSchema } from '../../schemas';
import { integrationView } from '../../serializers';

export const getIntegrationRoute = createRoute({
  method: 'get',
  path: '/v1/integrations/{id}',
  tags: ['Integrations'],
  summary: 'One integration (the client secret is never returned)',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'The integration', content: { 'application/json': { schema: IntegrationSchema } } },
    ...problemResponses,
  },
});

export function registerGetIntegration(app: App, deps: ApiDeps): void {
  app.openapi(getIntegrationRoute, async (c) => {
    const integration = await integrationOr404(deps, c.get('principal').workspaceId, c.req.valid('param').id);
    return c.json(integrationView(integration), 200);
  });
}
