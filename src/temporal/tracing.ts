import { fileURLToPath } from 'node:url';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Tracing } from '../telemetry/tracing';

/**
 * Bundled into every workflow bundle (the production build's too), whether or not this process
 * exports spans, so every worker runs the same workflow code (src/workflows/tracing-interceptors.ts).
 */
export const workflowInterceptorModules = [fileURLToPath(new URL('../workflows/tracing-interceptors.ts', import.meta.url))];

/**
 * The worker's part of tracing: spans around each activity (continuing the workflow's trace from
 * the activity's headers) when tracing is on, and always the sink through which the sandbox hands
 * over its spans (dropped when tracing is off). `bundled`: the workflow code comes from a prebuilt
 * bundle, which already holds the interceptor modules.
 */
export function workerTracingOptions(tracing: Tracing | undefined, { bundled }: { bundled: boolean }): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      ...(bundled ? {} : { workflowModules: workflowInterceptorModules }),
      activity: tracing
        ? [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })]
        : [],
    },
    sinks: { exporter: makeWorkflowExporter(tracing?.spanProcessor ?? new NoopSpanProcessor(), tracing?.resource ?? Resource.empty()) },
  };
}

/** A client's workflow calls (start, signal, update, query) as spans whose context travels in the call's headers. */
export function clientTracingInterceptors(tracing: Tracing | undefined): ClientInterceptors | undefined {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}
