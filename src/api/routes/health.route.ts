import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../app';
import type { ApiDeps } from '../deps';

const LivenessSchema = z.object({ status: z.literal('ok') }).openapi('Liveness');

const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    postgres: z.enum(['up', 'down']),
    temporal: z.enum(['up', 'down']),
    migrations: z
      .enum(['current', 'behind', 'ahead', 'unknown'])
      .openapi({ description: '`behind`: run the migrate job; `ahead`: a newer build migrated the database; `unknown`: Postgres is down.' }),
  })
  .openapi('Readiness');

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness: the process answers',
  description: 'Depends on nothing outside the process, so an orchestrator never restarts the API because Postgres or Temporal is down.',
  responses: {
    200: { description: 'The process is alive', content: { 'application/json': { schema: LivenessSchema } } },
  },
});

export const readinessRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Operations'],
  summary: 'Readiness: Postgres and Temporal reachable, migrations at this build’s version',
  responses: {
    200: { description: 'Ready to serve', content: { 'application/json': { schema: ReadinessSchema } } },
    503: { description: 'A dependency is down or the schema is not this build’s', content: { 'application/json': { schema: ReadinessSchema } } },
  },
});

export function registerHealth(app: App, deps: ApiDeps): void {
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(readinessRoute, async (c) => {
    const [postgres, temporal, migrations] = await Promise.all([deps.probes.postgres(), deps.probes.temporal(), deps.probes.migrations()]);
    const ready = postgres && temporal && migrations === 'current';
    const body = {
      status: ready ? ('ready' as const) : ('not_ready' as const),
      postgres: postgres ? ('up' as const) : ('down' as const),
      temporal: temporal ? ('up' as const) : ('down' as const),
      migrations,
    };
    return ready ? c.json(body, 200) : c.json(body, 503);
  });
}
