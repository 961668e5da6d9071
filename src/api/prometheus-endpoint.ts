import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Histogram, Registry } from 'prom-client';
import { bearerTokenMatcher } from '../crypto/bearer-token';
import type { App } from './app';
import type { AppEnv } from './env';
import { ApiError } from './errors';

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every request and counts it by method, route template and status. The route is the
 * template the router matched (`/v1/metrics/:id`), never the path, so no id reaches a label; a
 * request no route matched is `unmatched`. The time runs until the response is ready to send.
 */
export function httpRequestMetrics(histogram: Histogram<'method' | 'route' | 'status'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const stop = histogram.startTimer();
    await next();
    const method = knownMethods.has(c.req.method) ? c.req.method : 'other';
    stop({ method, route: routeTemplate(matchedRoutes(c)), status: String(c.res.status) });
  };
}

/** The last matched route that is a handler; middleware (`app.use`) is registered for method ALL. */
function routeTemplate(routes: readonly { method: string; path: string }[]): string {
  return routes.findLast((route) => route.method !== 'ALL')?.path ?? 'unmatched';
}

/**
 * GET /metrics: the Prometheus text format, outside /v1 and so outside the rate limits and the
 * OpenAPI document. With METRICS_TOKEN set a scrape must send it as a Bearer token.
 */
export function registerPrometheusEndpoint(app: App, endpoint: { registry: Registry; token?: string }): void {
  // Open without METRICS_TOKEN: the series carry no ids or secrets (docs/operations.md, "Metrics").
  const authorized = endpoint.token === undefined ? () => true : bearerTokenMatcher(endpoint.token);
  app.get('/metrics', async (c) => {
    if (!authorized(c.req.header('authorization'))) throw new ApiError('unauthorized', 'Send the METRICS_TOKEN as "Authorization: Bearer <token>".');
    const body = await endpoint.registry.metrics();
    return c.body(body, 200, { 'content-type': endpoint.registry.contentType, 'cache-control': 'no-store' });
  });
}
