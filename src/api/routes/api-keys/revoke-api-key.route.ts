import { createRoute } from '@hono/zod-openapi';
import { revokeApiKey } from '../../../db/repositories/api-keys';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { ApiError, conflictResponse, problemResponses } from '../../errors';
import { ApiKeySchema, IdParam } from '../../schemas';
import { apiKeyView } from '../../serializers';

export const revokeApiKeyRoute = createRoute({
  method: 'post',
  path: '/v1/api-keys/{id}/revoke',
  tags: ['API keys'],
  summary: 'Revoke an API key',
  description:
    'From now on the key gets 401. The key stays listed with revokedAt. Revoking a revoked key changes nothing. The last active key of a workspace cannot be revoked (409): create its successor first.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'Revoked', content: { 'application/json': { schema: ApiKeySchema } } },
    ...problemResponses,
    ...conflictResponse,
  },
});

export function registerRevokeApiKey(app: App, deps: ApiDeps): void {
  app.openapi(revokeApiKeyRoute, async (c) => {
    const { id } = c.req.valid('param');
    const result = await revokeApiKey(deps.db, c.get('principal').workspaceId, id);
    if (!result) throw ApiError.field('not_found', '/path/id', `API key ${id} does not exist in this workspace`);
    if ('lastActiveKey' in result) {
      throw ApiError.field('conflict', '/path/id', 'this is the workspace\'s last active key; create another key (POST /v1/api-keys) before revoking it');
    }
    return c.json(apiKeyView(result.revoked), 200);
  });
}
