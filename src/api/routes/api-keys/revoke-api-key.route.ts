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
    'From now on the key gets 401, and so does every key created through it (directly or not): a key never outlives the key that created it. Revoked keys stay listed with revokedAt. Revoking a revoked key changes nothing. A revocation that would leave the workspace without an active key is refused (409): keys created through the key go with it, so its successor must come from another key or from the operator (POST /v1/admin/workspaces/{id}/api-keys).',
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
      throw ApiError.field(
        'conflict',
        '/path/id',
        'revoking this key would leave the workspace without an active key (the keys it created are revoked with it); create its successor with a key it did not create, or ask the operator for one, before revoking it',
      );
    }
    return c.json(apiKeyView(result.revoked), 200);
  });
}
