import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { createApiKey } from '../../../db/repositories/api-keys';
import { isUuid } from '../../../db/repositories/integrations';
import { workspaces } from '../../../db/schema';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { ApiError, bodyProblemResponses, problemResponses } from '../../errors';
import { IdParam, NewApiKeySchema } from '../../schemas';
import { apiKeyView } from '../../serializers';

const CreateRootApiKeySchema = z
  .strictObject({ name: z.string().trim().min(1).max(200).openapi({ example: 'replacement key' }) })
  .openapi('CreateRootApiKey', { example: { name: 'replacement key' } });

export const createRootApiKeyRoute = createRoute({
  method: 'post',
  path: '/v1/admin/workspaces/{id}/api-keys',
  tags: ['Admin'],
  summary: "Give a workspace a key that no other key controls",
  description:
    "For operators (ADMIN_TOKEN): a key that is revoked only by itself being revoked, e.g. to replace a workspace's first key or to let a workspace back in whose keys were all revoked. Keys created with workspace keys always go when their creator goes. The key is in the response this once.",
  security: [{ adminToken: [] }],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: CreateRootApiKeySchema } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: NewApiKeySchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
  },
});

export function registerCreateRootApiKey(app: App, deps: ApiDeps): void {
  app.openapi(createRootApiKeyRoute, async (c) => {
    const { id } = c.req.valid('param');
    const [workspace] = isUuid(id) ? await deps.db.select({ id: workspaces.id }).from(workspaces).where(eq(workspaces.id, id)) : [];
    if (!workspace) throw ApiError.field('not_found', '/path/id', `workspace ${id} does not exist`);
    const { row, key } = await createApiKey(deps.db, workspace.id, c.req.valid('json').name);
    c.header('Location', `/v1/api-keys/${row.id}`);
    return c.json({ ...apiKeyView(row), key }, 201);
  });
}
