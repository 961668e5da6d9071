import { createRoute, z } from '@hono/zod-openapi';
import { createWorkspaceWithKey } from '../../../db/repositories/workspaces';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { bodyProblemResponses, problemResponses } from '../../errors';
import { NewApiKeySchema, WorkspaceSchema } from '../../schemas';
import { apiKeyView, workspaceView } from '../../serializers';

const CreateWorkspaceSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).openapi({ example: 'Acme analytics' }),
    keyName: z.string().trim().min(1).max(200).default('first key').openapi({ example: 'first key', description: 'Name of the first API key.' }),
  })
  .openapi('CreateWorkspace', { example: { name: 'Acme analytics', keyName: 'first key' } });

const CreatedWorkspaceSchema = z.object({ workspace: WorkspaceSchema, apiKey: NewApiKeySchema }).openapi('CreatedWorkspace');

export const createWorkspaceRoute = createRoute({
  method: 'post',
  path: '/v1/admin/workspaces',
  tags: ['Admin'],
  summary: 'Create a workspace and its first API key',
  description:
    "For operators: authenticated with the ADMIN_TOKEN, not a workspace key. The route answers 404 when ADMIN_TOKEN is not configured. The API key is in the response this once; hand it to the workspace's owner.",
  security: [{ adminToken: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CreateWorkspaceSchema } } } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: CreatedWorkspaceSchema } } },
    ...problemResponses,
    ...bodyProblemResponses,
  },
});

export function registerCreateWorkspace(app: App, deps: ApiDeps): void {
  app.openapi(createWorkspaceRoute, async (c) => {
    const input = c.req.valid('json');
    const created = await createWorkspaceWithKey(deps.db, input);
    return c.json({ workspace: workspaceView(created.workspace), apiKey: { ...apiKeyView(created.keyRow), key: created.apiKey } }, 201);
  });
}
