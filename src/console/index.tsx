import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import type { z } from '@hono/zod-openapi';
import { sessionCookie } from '../api/auth';
import type { ApiDeps } from '../api/deps';
import type { ApiKeySchema, ImportRunSchema, IntegrationSchema, MetricDetailSchema, MetricListItemSchema, MetricSchema } from '../api/schemas';
import { findConsoleSession } from '../db/repositories/console-sessions';
import { metricStates } from '../db/schema';
import { ApiReadError, readApi, type InProcessApi } from './api-reader';
import { loadAssets } from './assets';
import type { ConsoleEnv } from './env';
import { Layout } from './layout';
import { ApiKeysPage } from './pages/api-keys-page';
import { IntegrationFormPage, IntegrationsPage } from './pages/integration-pages';
import { MetricPage, MetricSourcePage, MetricsPage } from './pages/metric-pages';
import { registerSessionRoutes } from './session-routes';

type Page<T> = { data: T[]; nextCursor: string | null };
type Integration = z.infer<typeof IntegrationSchema>;
type Metric = z.infer<typeof MetricSchema>;

/** Same policy as /docs minus inline styles: scripts and styles only from files this process serves. */
export const consoleContentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

const immutable = 'public, max-age=31536000, immutable';

/** Pages need a live session; without one the browser goes to sign-in. */
function requireSession(deps: ApiDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const sessionId = getCookie(c, sessionCookie);
    const session = sessionId === undefined ? undefined : await findConsoleSession(deps.db, sessionId, Date.now());
    if (!session) return c.redirect('/console/sign-in', 303);
    c.set('principal', { workspaceId: session.workspaceId, apiKeyId: session.apiKeyId });
    c.set('csrfToken', session.csrfToken);
    await next();
  };
}

/** The web console under /console: server-rendered pages, small script islands calling /v1. */
export function createConsole(deps: ApiDeps, api: InProcessApi): Hono<ConsoleEnv> {
  const assets = loadAssets();
  const app = new Hono<ConsoleEnv>();
  app.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', consoleContentSecurityPolicy);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
  });
  app.use('*', bodyLimit({ maxSize: 16 * 1024 }));

  app.get('/assets/:file', (c) => {
    const asset = assets.byUrl.get(c.req.path);
    if (!asset) return c.text('No such asset; reload the page.', 404);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': asset.contentType, 'cache-control': immutable });
  });

  registerSessionRoutes(app, deps, assets.byName);

  const pages = new Hono<ConsoleEnv>();
  pages.use('*', requireSession(deps));
  const base = (c: { get(key: 'csrfToken'): string }) => ({ assets: assets.byName, csrfToken: c.get('csrfToken') });

  pages.get('/', (c) => c.redirect('/console/metrics', 303));

  pages.get('/integrations', async (c) => {
    const [integrations, metrics] = await Promise.all([
      readApi<Page<Integration>>(api, c, '/v1/integrations?limit=100'),
      readApi<Page<Metric>>(api, c, '/v1/metrics?limit=100'),
    ]);
    return c.html(<IntegrationsPage {...base(c)} integrations={integrations.data} metrics={metrics.data} />);
  });
  pages.get('/integrations/new', (c) => c.html(<IntegrationFormPage {...base(c)} />));
  pages.get('/integrations/:id/edit', async (c) => {
    const integration = await readApi<Integration>(api, c, `/v1/integrations/${encodeURIComponent(c.req.param('id'))}`);
    return c.html(<IntegrationFormPage {...base(c)} integration={integration} />);
  });

  pages.get('/metrics', async (c) => {
    const state = metricStates.find((s) => s === c.req.query('state'));
    const integrationId = c.req.query('integrationId') || undefined;
    const query = new URLSearchParams({ limit: '100', ...(state ? { state } : {}), ...(integrationId ? { integrationId } : {}) });
    const [metrics, integrations] = await Promise.all([
      readApi<Page<z.infer<typeof MetricListItemSchema>>>(api, c, `/v1/metrics?${query.toString()}`),
      readApi<Page<Integration>>(api, c, '/v1/integrations?limit=100'),
    ]);
    return c.html(<MetricsPage {...base(c)} metrics={metrics.data} integrations={integrations.data} state={state} integrationId={integrationId} />);
  });
  pages.get('/metrics/new', async (c) => {
    const integrations = await readApi<Page<Integration>>(api, c, '/v1/integrations?limit=100');
    return c.html(<MetricSourcePage {...base(c)} integrations={integrations.data} />);
  });
  pages.get('/metrics/:id/edit', async (c) => {
    const [metric, integrations] = await Promise.all([
      readApi<Metric>(api, c, `/v1/metrics/${encodeURIComponent(c.req.param('id'))}`),
      readApi<Page<Integration>>(api, c, '/v1/integrations?limit=100'),
    ]);
    return c.html(<MetricSourcePage {...base(c)} integrations={integrations.data} metric={metric} />);
  });
  pages.get('/metrics/:id', async (c) => {
    const id = encodeURIComponent(c.req.param('id'));
    const [metric, runs] = await Promise.all([
      readApi<z.infer<typeof MetricDetailSchema>>(api, c, `/v1/metrics/${id}`),
      readApi<Page<z.infer<typeof ImportRunSchema>>>(api, c, `/v1/metrics/${id}/import-runs?limit=20`),
    ]);
    const integration = await readApi<Integration>(api, c, `/v1/integrations/${metric.integrationId}`).catch(() => undefined);
    return c.html(<MetricPage {...base(c)} metric={metric} runs={runs.data} integration={integration} />);
  });

  pages.get('/api-keys', async (c) => {
    const keys = await readApi<Page<z.infer<typeof ApiKeySchema>>>(api, c, '/v1/api-keys?limit=100');
    return c.html(<ApiKeysPage {...base(c)} keys={keys.data} />);
  });

  pages.onError((error, c) => {
    if (error instanceof ApiReadError) {
      if (error.status === 401) return c.redirect('/console/sign-in', 303);
      const status = error.status === 404 ? 404 : 502;
      return c.html(
        <Layout title={error.status === 404 ? 'Not found' : 'Something went wrong'} {...base(c)}>
          <p class="error" role="alert">{error.message}</p>
          <p><a href="/console/metrics">Back to metrics</a></p>
        </Layout>,
        status,
      );
    }
    deps.logger.error({ requestId: c.get('requestId'), err: error }, 'console page failed');
    return c.html(
      <Layout title="Something went wrong" {...base(c)}>
        <p class="error" role="alert">The page could not be built; reload it, and quote request id {c.get('requestId')} if it keeps failing.</p>
      </Layout>,
      500,
    );
  });

  app.route('/', pages);
  return app;
}
