import { createRoute, z } from '@hono/zod-openapi';
import { createApiKey } from '../../../db/repositories/api-keys';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { bodyProblemResponses, problemResponses } from '../../errors';
import { NewApiKeySchema } from '../../schemas';
import { apiKeyView } from '../../serializers';

const CreateApiKeySchema = z
  .strictObject({ name: z.string().trim().min(1).max(200).openapi({ example: 'CI pipeline' }) })
  .openapi('CreateApiKey', { example: { name: 'CI pipeline' } });

export const createApiKeyRoute = createRoute({
  method: 'post',
  path: '/v1/api-keys',
  tags: ['API keys'],
  summary: 'Create an API key for this workspace',
  description:
    'The key is in the response this once: only its hash is stored, so store it now. The new key is bound to the key that created it: revoking that key revokes this one too (createdByKeyId). Keys that outlive every other key come from the operator (POST /v1/admin/workspaces/{id}/api-keys).',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeySchema } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: NewApiKeySchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
  },
});

export function registerCreateApiKey(app: App, deps: ApiDeps): void {
  app.openapi(createApiKeyRoute, async (c) => {
    const { name } = c.req.valid('json');
    const { workspaceId, apiKeyId } = c.get('principal');
    const { row, key } = await createApiKey(deps.db, workspaceId, name, apiKeyId);
    c.header('Location', `/v1/api-keys/${row.id}`);
    return c.json({ ...apiKeyView(row), key }, 201);
  });
}
