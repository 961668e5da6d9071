import { createRoute } from '@hono/zod-openapi';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { withLookerCheckLimit } from './looker-check-limit';
import { bodyProblemResponses, problemResponses, rateLimitedResponse } from '../../errors';
import { checkCredentials, CredentialCheckSchema, credentialCheckView, CredentialsSchema } from './credentials';

export const testCredentialsRoute = createRoute({
  method: 'post',
  path: '/v1/integrations/test',
  tags: ['Integrations'],
  summary: 'Test Looker credentials before saving them',
  description:
    'Normalises the endpoint, checks that it answers like a Looker API 4.0, logs in and reads the user the key belongs to. Nothing is saved. A failed test is a normal answer (200, ok: false) whose outcome tells what to fix: invalid_endpoint, address_refused, host_not_found, unreachable, not_looker, credentials_rejected, looker_unavailable or request_rejected.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: CredentialsSchema } } } },
  responses: {
    200: { description: 'The result of the test', content: { 'application/json': { schema: CredentialCheckSchema } } },
    ...problemResponses,
    ...rateLimitedResponse,
    ...bodyProblemResponses,
  },
});

export function registerTestCredentials(app: App, deps: ApiDeps): void {
  app.openapi(withLookerCheckLimit(testCredentialsRoute, deps), async (c) => c.json(credentialCheckView(await checkCredentials(deps, c.req.valid('json'))), 200));
}
