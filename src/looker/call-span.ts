import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { serviceTracer } from '../telemetry/tracing';

/**
 * A client span for one Looker HTTP exchange, ended by `finish` once the answer has been read (a
 * Look run's time is mostly its body). Named and tagged by the path template: a Look id, the
 * query string (search terms), the host and the headers (the token) stay out of traces.
 */
export function startLookerCallSpan(method: string, path: string): { finish(status?: number, error?: unknown): void } {
  const template = lookerPathTemplate(path);
  const span = serviceTracer().startSpan(`Looker ${method} ${template}`, {
    kind: SpanKind.CLIENT,
    attributes: { 'http.request.method': method, 'url.template': template, 'looker.api_version': '4.0' },
  });
  return {
    finish: (status, error) => {
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      // The error's class only: messages may quote what Looker answered.
      if (error !== undefined) span.setAttribute('error.type', error instanceof Error ? error.name : 'unknown');
      if (error !== undefined || (status !== undefined && status >= 400)) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/** `/looks/42/run/json` → `/looks/{look_id}/run/json`. */
export function lookerPathTemplate(path: string): string {
  return path.replace(/^\/looks\/(?!search$)[^/]+/, '/looks/{look_id}');
}
