// Workflow-sandbox tracing (docs/operations.md, "Tracing"): Temporal's OpenTelemetry workflow
// interceptors, made safe for the histories and the random sequence of workflows already running.
// Registered as a workflow interceptor module (src/temporal/tracing.ts), never imported by workflows.
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { getRandomStream, patched, type WorkflowInterceptors } from '@temporalio/workflow';

/**
 * A run records this patch marker on its first task. A history without it (a run started before
 * tracing existed) replays and continues untraced, exactly as it was recorded; its next run is traced.
 */
export const tracingPatchId = 'opentelemetry-tracing';

export const interceptors = (): WorkflowInterceptors => {
  // Span and trace ids come from a stream of their own: drawn from Math.random they would shift the
  // workflow's uuid4() sequence (import run ids) between a traced and an untraced replay.
  const ids = getRandomStream('opentelemetry-span-ids');
  let traced = false;
  const inbound = new OpenTelemetryInboundInterceptor();
  const outbound = new OpenTelemetryOutboundInterceptor();
  const whenTraced = <I, R>(method: (input: I, next: (input: I) => R) => R) => (input: I, next: (input: I) => R): R =>
    traced ? ids.with(() => method(input, next)) : next(input);
  return {
    inbound: [
      {
        execute: (input, next) => {
          traced = patched(tracingPatchId);
          return whenTraced(inbound.execute.bind(inbound))(input, next);
        },
        handleSignal: whenTraced(inbound.handleSignal.bind(inbound)),
        handleUpdate: whenTraced(inbound.handleUpdate.bind(inbound)),
        validateUpdate: whenTraced(inbound.validateUpdate.bind(inbound)),
        handleQuery: whenTraced(inbound.handleQuery.bind(inbound)),
      },
    ],
    outbound: [
      {
        scheduleActivity: whenTraced(outbound.scheduleActivity.bind(outbound)),
        scheduleLocalActivity: whenTraced(outbound.scheduleLocalActivity.bind(outbound)),
        startChildWorkflowExecution: whenTraced(outbound.startChildWorkflowExecution.bind(outbound)),
        signalWorkflow: whenTraced(outbound.signalWorkflow.bind(outbound)),
        getLogAttributes: (input, next) => (traced ? outbound.getLogAttributes(input, next) : next(input)),
        // continueAsNew is left alone: the next run starts a trace of its own instead of extending
        // this one for as long as the metric lives.
      },
    ],
    internals: [new OpenTelemetryInternalsInterceptor()],
  };
};
