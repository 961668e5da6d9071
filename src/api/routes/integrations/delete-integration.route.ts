import { createRoute } from '@hono/zod-openapi';
import { deleteIntegrationUnlessUsed } from '../../../db/repositories/integrations';
import type { App } from '../../app';
import type { ApiDeps } from '../../deps';
import { ApiError, conflictResponse, problemResponses } from '../../errors';
import { integrationNotFound } from '../../lookups';
import { IdParam } from '../../schemas';

export const deleteIntegrationRoute = createRoute({
  method: 'delete',
  path: '/v1/integrations/{id}',
  tags: ['Integrations'],
  summary: 'Delete an integration no metric uses',
  description: 'Refused with 409 while metrics use the integration; the problem names them (detail, and one errors entry per metric). Delete or move those metrics first.',
  security: [{ bearerAuth: [] }],
  request: { params: IdParam },
  responses: {
    204: { description: 'Deleted, with its stored credentials and access token' },
    ...problemResponses,
    ...conflictResponse,
  },
});

export function registerDeleteIntegration(app: App, deps: ApiDeps): void {
  app.openapi(deleteIntegrationRoute, async (c) => {
    const { id } = c.req.valid('param');
    const result = await deleteIntegrationUnlessUsed(deps.db, c.get('principal').workspaceId, id);
    if (!result) throw integrationNotFound(id);
    if (!result.deleted) {
      const names = result.usedBy.map((metric) => `"${metric.name}" (${metric.id})`).join(', ');
      throw new ApiError(
        'conflict',
        `Integration ${id} is used by ${result.usedBy.length === 1 ? 'metric' : `${result.usedBy.length} metrics`} ${names}; delete ${result.usedBy.length === 1 ? 'it' : 'them'} first.`,
        result.usedBy.map((metric) => ({ pointer: '/path/id', message: `used by metric "${metric.name}" (${metric.id})` })),
      );
    }
    return c.body(null, 204);
  });
}
