import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../app';
import type { ApiDeps } from '../deps';

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    postgres: z.enum(['up', 'down']),
    temporal: z.enum(['up', 'down']),
  })
  .openapi('Health');

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Reachability of Postgres and Temporal',
  responses: {
    200: { description: 'Everything is reachable', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'Postgres or Temporal is down', content: { 'application/json': { schema: HealthSchema } } },
  },
});

export function registerHealth(app: App, deps: ApiDeps): void {
  app.openapi(healthRoute, async (c) => {
    const [postgres, temporal] = await Promise.all([deps.probes.postgres(), deps.probes.temporal()]);
    const body = {
      status: postgres && temporal ? ('ok' as const) : ('degraded' as const),
      postgres: postgres ? ('up' as const) : ('down' as const),
      temporal: temporal ? ('up' as const) : ('down' as const),
    };
    return postgres && temporal ? c.json(body, 200) : c.json(body, 503);
  });
}
