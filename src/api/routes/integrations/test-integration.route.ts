import { createRoute } from '@hono/zod-openapi';
import { updateIntegration } from '../../../db/repositories/integrations';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { withLookerCheckLimit } from './looker-check-limit';
import { problemResponses, rateLimitedResponse } from '../../errors';
import { integrationNotFound, integrationOr404, lookerClientFor } from '../../lookups';
import { IdParam, IntegrationSchema } from '../../schemas';
import { integrationView } from '../../serializers';
import { CredentialCheckSchema, credentialCheckView, runCredentialCheck } from './credentials';

const SavedCredentialCheckSchema = CredentialCheckSchema.extend({ integration: IntegrationSchema }).openapi('SavedCredentialCheck');

export const testIntegrationRoute = createRoute({
  method: 'post',
  path: '/v1/integrations/{id}/test',
  tags: ['Integrations'],
  summary: "Test a saved integration's credentials",
  description: 'The same test as POST /v1/integrations/test with the stored credentials; the result is recorded as the integration\'s lastCheck.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'The result of the test and the integration with it recorded', content: { 'application/json': { schema: SavedCredentialCheckSchema } } },
    ...problemResponses,
    ...rateLimitedResponse,
  },
});

export function registerTestIntegration(app: App, deps: ApiDeps): void {
  app.openapi(withLookerCheckLimit(testIntegrationRoute, deps), async (c) => {
    const { workspaceId } = c.get('principal');
    const integration = await integrationOr404(deps, workspaceId, c.req.valid('param').id);
    const check = credentialCheckView(await runCredentialCheck(await lookerClientFor(deps, integration), integration.apiEndpoint, null, deps.logger));
    const lastCheck = { ok: check.ok, message: check.message };
    const row = await updateIntegration(deps.db, workspaceId, integration.id, { lastCheck }, { credentialsChanged: false });
    if (!row) throw integrationNotFound(integration.id);
    return c.json({ ...check, integration: integrationView(row) }, 200);
  });
}
