// OpenTelemetry tracing (docs/operations.md, "Tracing"). Off unless OTEL_EXPORTER_OTLP_ENDPOINT is
// set: then no SDK is installed and every span the code starts is the API's no-op span.
import { context, propagation, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Config } from '../config/env';

/** The installed SDK: the worker hands its processor to the workflow sandbox's span sink. */
export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Exports what is still buffered, then uninstalls the SDK. */
  shutdown(): Promise<void>;
}

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; spans go to `<endpoint>/v1/traces` as OTLP/HTTP JSON. */
  endpoint?: string;
  /** OTEL_SERVICE_NAME, else the process's own name (metric-importer-api, metric-importer-worker, …). */
  serviceName?: string;
}

export const tracingSettingsFrom = (config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>): TracingSettings => ({
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  serviceName: config.OTEL_SERVICE_NAME,
});

/** Installs the SDK process-wide when an endpoint is configured; undefined (tracing off) otherwise. */
export function startTracing(settings: TracingSettings, defaultServiceName: string): Tracing | undefined {
  if (!settings.endpoint) return undefined;
  const resource = envDetectorSync.detect().merge(new Resource({ 'service.name': settings.serviceName ?? defaultServiceName }));
  // OTEL_EXPORTER_OTLP_HEADERS (e.g. a collector's auth header) is still read by the exporter itself.
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The global tracer, the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return {
    spanProcessor,
    resource: provider.resource,
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** Service code's tracer: a no-op until startTracing installs the SDK (looked up per use, so a later install counts). */
export const serviceTracer = () => trace.getTracer('metric-importer');

/** Runs `fn` in an internal span (a no-op while tracing is off); a failure marks it with the error's class, never its message. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return serviceTracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.setAttribute('error.type', error instanceof Error ? error.name : 'unknown');
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
