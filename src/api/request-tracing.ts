import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { withLogContext } from '../logger';
import { serviceTracer } from '../telemetry/tracing';
import type { AppEnv } from './env';

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * One server span per request (continuing a caller's W3C `traceparent`), active while the request
 * runs so the workflow start and every log line join it; the request id goes on every log line too.
 * The span names the route template, never the path: paths carry Look ids and search terms.
 * Runs after `requestId()`, which echoes the id in `X-Request-Id`.
 */
export function traceRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = c.get('requestId');
    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter);
    const span = serviceTracer().startSpan(
      c.req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method, 'request.id': requestId } },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), () => withLogContext({ requestId }, next));
    } finally {
      const route = handlerRoute(c);
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${c.req.method} ${route}`);
      }
      span.setAttribute('http.response.status_code', c.res.status);
      if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}

/** The template of the route that handles the request (`/v1/metrics/:metricId`); none for a 404. */
function handlerRoute(c: Context<AppEnv>): string | undefined {
  return matchedRoutes(c).findLast((route) => route.method !== 'ALL')?.path;
}
