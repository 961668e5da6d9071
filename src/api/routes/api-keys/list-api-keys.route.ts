import { createRoute } from '@hono/zod-openapi';
import { listApiKeys } from '../../../db/repositories/api-keys';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { problemResponses } from '../../errors';
import { keysetFromCursor, pageBody, PageQuerySchema, pageSchema } from '../../pagination';
import { ApiKeySchema } from '../../schemas';
import { apiKeyView } from '../../serializers';

export const listApiKeysRoute = createRoute({
  method: 'get',
  path: '/v1/api-keys',
  tags: ['API keys'],
  summary: "The workspace's API keys, revoked ones included",
  description: 'Shows each key\'s prefix, name, creation, last use and revocation; never the key or its hash.',
  security: [{ bearerAuth: [] }],
  request: { query: PageQuerySchema },
  responses: {
    200: { description: 'A page of keys, oldest first', content: { 'application/json': { schema: pageSchema(ApiKeySchema, 'ApiKeyPage') } } },
    ...problemResponses,
  },
});

export function registerListApiKeys(app: App, deps: ApiDeps): void {
  app.openapi(listApiKeysRoute, async (c) => {
    const query = c.req.valid('query');
    const page = await listApiKeys(deps.db, c.get('principal').workspaceId, { limit: query.limit, after: keysetFromCursor(query.cursor) });
    return c.json(pageBody(page, apiKeyView), 200);
  });
}
