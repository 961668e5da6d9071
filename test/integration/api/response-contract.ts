import type { RouteConfig } from '@hono/zod-openapi';
import { expect } from 'vitest';
import type { ZodType } from 'zod';
import type { App } from '../../../src/api/app';

/**
 * Paths served by the app that are not API routes and so have no contract (the document itself,
 * the docs page, the web console, and Prometheus' /metrics, documented in docs/operations.md).
 */
export const nonApiPaths = [/^\/openapi\.json$/, /^\/docs(\/.*)?$/, /^\/console(\/.*)?$/, /^\/metrics$/];

interface DocumentedRoute {
  method: string;
  /** OpenAPI form, e.g. /v1/metrics/{id}. */
  path: string;
  pattern: RegExp;
  config: RouteConfig;
}

/** Every route registered through `app.openapi`, with its zod contract. */
export function documentedRoutes(app: App): DocumentedRoute[] {
  return app.openAPIRegistry.definitions.flatMap((definition) =>
    definition.type === 'route'
      ? [
          {
            method: definition.route.method.toUpperCase(),
            path: definition.route.path,
            pattern: new RegExp(`^${definition.route.path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
            config: definition.route,
          },
        ]
      : [],
  );
}

/**
 * Asserts that a response is what the route documents: the status is listed, the content type is
 * one the route declares, and the body parses with the declared zod schema without losing any
 * property (so an undocumented field, a leaked secret for instance, fails too).
 */
export function assertMatchesContract(app: App, method: string, url: string, response: { status: number; contentType: string | null; body: unknown; text: string }): void {
  const path = new URL(url, 'http://api').pathname;
  if (nonApiPaths.some((pattern) => pattern.test(path))) return;
  const route = documentedRoutes(app).find((candidate) => candidate.method === method.toUpperCase() && candidate.pattern.test(path));
  expect(route, `${method} ${path} is not a documented route`).toBeDefined();
  const documented = route!.config.responses[String(response.status)] as { content?: Record<string, { schema: ZodType }> } | undefined;
  expect(documented, `${method} ${route!.path} answered ${response.status}, which its contract does not list`).toBeDefined();
  if (!documented!.content) {
    expect(response.text, `${method} ${route!.path} ${response.status} documents no body`).toBe('');
    return;
  }
  const mediaType = (response.contentType ?? '').split(';')[0]!.trim();
  const content = documented!.content[mediaType];
  expect(content, `${method} ${route!.path} ${response.status} answered ${mediaType}, not one of ${Object.keys(documented!.content).join(', ')}`).toBeDefined();
  const body = mediaType === 'text/csv' ? response.text : response.body;
  const parsed = content!.schema.safeParse(body);
  expect(parsed.success ? [] : parsed.error.issues, `${method} ${route!.path} ${response.status} body does not match its schema`).toEqual([]);
  expect(parsed.data, `${method} ${route!.path} ${response.status} body has properties its schema does not document`).toEqual(body);
}
