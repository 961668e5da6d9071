import type { RouteConfig } from '@hono/zod-openapi';
import type { ApiDeps } from '../../deps';
import { limiterFrom, rateLimitedPerKey } from '../../rate-limit';

/**
 * The route with the per-key limit on calls that contact a Looker host to check credentials.
 * All such routes share one budget per key, so switching between them gains nothing.
 */
export function withLookerCheckLimit<R extends RouteConfig>(route: R, deps: ApiDeps): R {
  return { ...route, middleware: [rateLimitedPerKey(limiterFrom(deps, 'lookerChecks'), deps.logger, 'Looker credential checks')] };
}
