import { randomUUID } from 'node:crypto';
import { createRoute, type z } from '@hono/zod-openapi';
import { integrations } from '../../../db/schema';
import { clientSecretAad } from '../../../looker/client-factory';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { withLookerCheckLimit } from './looker-check-limit';
import { bodyProblemResponses, problemResponses, unprocessableResponse, rateLimitedResponse } from '../../errors';
import { IntegrationSchema } from '../../schemas';
import { integrationView } from '../../serializers';
import { IntegrationInputSchema, requireWorkingCredentials } from './credentials';

export const createIntegrationRoute = createRoute({
  method: 'post',
  path: '/v1/integrations',
  tags: ['Integrations'],
  summary: 'Connect a Looker instance',
  description:
    'Checks the credentials against Looker first (the API endpoint answers like Looker API 4.0, the client ID and secret log in) and saves only when they work. The client secret is encrypted at rest and never returned.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: IntegrationInputSchema } } } },
  responses: {
    201: { description: 'Saved', content: { 'application/json': { schema: IntegrationSchema } } },
    ...problemResponses,
    ...rateLimitedResponse,
    ...bodyProblemResponses,
    ...unprocessableResponse,
  },
});

export function registerCreateIntegration(app: App, deps: ApiDeps): void {
  app.openapi(withLookerCheckLimit(createIntegrationRoute, deps), async (c) => {
    const input = c.req.valid('json');
    const check = await requireWorkingCredentials(deps, input);
    const id = randomUUID();
    const [row] = await deps.db
      .insert(integrations)
      .values({
        id,
        workspaceId: c.get('principal').workspaceId,
        name: input.name,
        apiEndpoint: check.apiEndpoint,
        clientId: input.clientId,
        clientSecretSealed: deps.secretBox.encrypt(input.clientSecret, clientSecretAad(id)),
        secretKeyId: deps.secretBox.currentKeyId,
        lastCheckAt: new Date(),
        lastCheckOk: true,
        lastCheckMessage: check.message,
        maxConcurrentQueries: input.maxConcurrentQueries,
      })
      .returning();
    c.header('Location', `/v1/integrations/${id}`);
    return c.json(integrationView(row!), 201);
  });
}

export type CreateIntegrationResponse = z.infer<typeof IntegrationSchema>;
