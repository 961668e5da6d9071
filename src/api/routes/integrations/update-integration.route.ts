import { createRoute, z } from '@hono/zod-openapi';
import { updateIntegration, type IntegrationChanges, type IntegrationRow } from '../../../db/repositories/integrations';
import { metricsNeedingAttention } from '../../../db/repositories/metrics';
import { normaliseApiEndpoint } from '../../../looker/api-endpoint';
import { clientSecretAad } from '../../../looker/client-factory';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { withLookerCheckLimit } from './looker-check-limit';
import { ApiError, bodyProblemResponses, problemResponses, unprocessableResponse, rateLimitedResponse } from '../../errors';
import { integrationNotFound, integrationOr404 } from '../../lookups';
import { IdParam, IntegrationSchema } from '../../schemas';
import { integrationView } from '../../serializers';
import { ApiEndpointSchema, ClientIdSchema, ClientSecretSchema, IntegrationNameSchema, MaxConcurrentQueriesSchema, requireWorkingCredentials } from './credentials';

const UpdateIntegrationSchema = z
  .strictObject({
    name: IntegrationNameSchema.optional(),
    apiEndpoint: ApiEndpointSchema.optional(),
    clientId: ClientIdSchema.optional(),
    clientSecret: ClientSecretSchema.optional(),
    maxConcurrentQueries: MaxConcurrentQueriesSchema.optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), 'give at least one of name, apiEndpoint, clientId, clientSecret, maxConcurrentQueries')
  .openapi('UpdateIntegration', { example: { name: 'Acme Looker (production)', clientId: 'gQ8ghDfvnDxVhKcy3Y4F', clientSecret: 'Zq4pS2vTj7rXb9Wc' } });

type UpdateIntegration = z.infer<typeof UpdateIntegrationSchema>;

export const updateIntegrationRoute = createRoute({
  method: 'patch',
  path: '/v1/integrations/{id}',
  tags: ['Integrations'],
  summary: 'Rename an integration, change its credentials or its query cap',
  description:
    'Changed credentials are checked against Looker before anything is saved; the saved ones stay in use if the check fails. A new apiEndpoint must come with the clientSecret, so the stored secret is never sent to a host it was not saved for. The client secret is write-only. A new maxConcurrentQueries applies to the next query that waits for a slot.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: UpdateIntegrationSchema } } } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: IntegrationSchema } } },
    ...problemResponses,
    ...rateLimitedResponse,
    ...bodyProblemResponses,
    ...unprocessableResponse,
  },
});

export function registerUpdateIntegration(app: App, deps: ApiDeps): void {
  app.openapi(withLookerCheckLimit(updateIntegrationRoute, deps), async (c) => {
    const { workspaceId } = c.get('principal');
    const input = c.req.valid('json');
    const integration = await integrationOr404(deps, workspaceId, c.req.valid('param').id);
    const credentials = await checkedCredentialChanges(deps, integration, input);
    const changes: IntegrationChanges = {
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.maxConcurrentQueries === undefined ? {} : { maxConcurrentQueries: input.maxConcurrentQueries }),
      ...credentials,
    };
    const row = await updateIntegration(deps.db, workspaceId, integration.id, changes, { credentialsChanged: credentials !== undefined });
    if (!row) throw integrationNotFound(integration.id);
    if (credentials) await retryMetricsNeedingAttention(deps, workspaceId, integration.id);
    return c.json(integrationView(row), 200);
  });
}

/**
 * Fixed credentials should not wait for each metric's next import time: metrics that needed
 * attention retry at once. Best effort: a metric that cannot be resumed now recovers on schedule.
 */
async function retryMetricsNeedingAttention(deps: ApiDeps, workspaceId: string, integrationId: string): Promise<void> {
  for (const metricId of await metricsNeedingAttention(deps.db, workspaceId, integrationId)) {
    await deps.workflows.resume(metricId).catch((error: unknown) => deps.logger.warn({ metricId, err: error }, 'could not resume metric after credential change'));
  }
}

/** The credential columns to save, after Looker accepted them; undefined when none were given. */
async function checkedCredentialChanges(deps: ApiDeps, integration: IntegrationRow, input: UpdateIntegration): Promise<IntegrationChanges | undefined> {
  if (input.apiEndpoint === undefined && input.clientId === undefined && input.clientSecret === undefined) return undefined;
  if (input.apiEndpoint !== undefined && input.clientSecret === undefined) {
    const endpoint = normaliseApiEndpoint(input.apiEndpoint, { allowInsecureHosts: deps.lookerAllowedHosts });
    if (endpoint.ok && endpoint.apiEndpoint !== integration.apiEndpoint) {
      throw ApiError.field('validation_failed', '/body/clientSecret', 'is required when apiEndpoint changes: the stored secret is only ever sent to the endpoint it was saved for');
    }
  }
  const check = await requireWorkingCredentials(deps, {
    apiEndpoint: input.apiEndpoint ?? integration.apiEndpoint,
    clientId: input.clientId ?? integration.clientId,
    clientSecret: input.clientSecret ?? deps.secretBox.decrypt(integration.clientSecretSealed, clientSecretAad(integration.id)),
  });
  return {
    apiEndpoint: check.apiEndpoint,
    clientId: input.clientId ?? integration.clientId,
    ...(input.clientSecret === undefined
      ? {}
      : { clientSecretSealed: deps.secretBox.encrypt(input.clientSecret, clientSecretAad(integration.id)), secretKeyId: deps.secretBox.currentKeyId }),
    lastCheck: { ok: true, message: check.message },
  };
}
