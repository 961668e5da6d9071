// Workflow-sandbox tracing (docs/operations.md, "Tracing"), made safe for the histories and the
// random sequence of workflows already running. Registered as a workflow interceptor module
// (src/temporal/tracing.ts), never imported by workflows.
//
// Two generations, chosen per run by its patch marker:
// - `opentelemetry-tracing-2` (runs started from now on): spans with explicit parents held by
//   this run's interceptors. No AsyncLocalStorage: every enabled one in the workflow thread tags
//   every promise the thread creates, so one per cached workflow made each cached workflow cost
//   ~2.7 MB and the thread spend its time in garbage collection (docs/benchmarks.md, "Tracing and
//   the sticky cache").
// - `opentelemetry-tracing` (runs recorded before): Temporal's OpenTelemetry interceptors inside a
//   named random stream, exactly as they were recorded (their uuid4() draws from that stream).
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime';
import * as otel from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, SimpleSpanProcessor, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { SpanExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter';
import { ApplicationFailureCategory } from '@temporalio/common';
import {
  ApplicationFailure,
  ContinueAsNew,
  defaultPayloadConverter,
  getRandomStream,
  patched,
  workflowInfo,
  type Headers,
  type WorkflowInterceptors,
} from '@temporalio/workflow';

/** The first generation's marker: its runs replay and continue with the first generation's code. */
export const tracingPatchId = 'opentelemetry-tracing';
/** A run records this marker on its first task and is traced by this module's own spans. */
export const tracingPatchIdV2 = 'opentelemetry-tracing-2';

/** The header Temporal's OpenTelemetry interceptors carry the W3C trace context in (client and activities). */
const traceHeader = '_tracer-data';
const spanIdStream = 'opentelemetry-span-ids';
const propagator = new W3CTraceContextPropagator();

export const interceptors = (): WorkflowInterceptors => {
  let generation: 'untraced' | 'first' | 'second' = 'untraced';
  let first: ReturnType<typeof firstGeneration> | undefined;
  let run: RunTracing | undefined;
  const firstOr = <I, R>(pick: (interceptors: ReturnType<typeof firstGeneration>) => (input: I, next: (input: I) => R) => R) => (input: I, next: (input: I) => R): R =>
    generation === 'first' && first ? first.scoped(pick(first))(input, next) : next(input);
  return {
    inbound: [
      {
        execute: (input, next) => {
          if (patched(tracingPatchIdV2)) {
            generation = 'second';
            run = startRunTracing(input.headers);
            return run.around(`RunWorkflow:${workflowInfo().workflowType}`, run.root, () => next(input));
          }
          if (patched(tracingPatchId)) {
            generation = 'first';
            first = firstGeneration();
          }
          return firstOr((f) => f.inbound.execute.bind(f.inbound))(input, next);
        },
        handleSignal: firstOr((f) => f.inbound.handleSignal.bind(f.inbound)),
        handleUpdate: firstOr((f) => f.inbound.handleUpdate.bind(f.inbound)),
        validateUpdate: firstOr((f) => f.inbound.validateUpdate.bind(f.inbound)),
        handleQuery: firstOr((f) => f.inbound.handleQuery.bind(f.inbound)),
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) =>
          run ? run.aroundStart(`StartActivity:${input.activityType}`, input, next) : firstOr((f) => f.outbound.scheduleActivity.bind(f.outbound))(input, next),
        scheduleLocalActivity: (input, next) =>
          run ? run.aroundStart(`StartActivity:${input.activityType}`, input, next) : firstOr((f) => f.outbound.scheduleLocalActivity.bind(f.outbound))(input, next),
        startChildWorkflowExecution: firstOr((f) => f.outbound.startChildWorkflowExecution.bind(f.outbound)),
        signalWorkflow: firstOr((f) => f.outbound.signalWorkflow.bind(f.outbound)),
        getLogAttributes: (input, next) => {
          if (run) return next({ ...run.logAttributes(), ...input });
          return generation === 'first' && first ? first.outbound.getLogAttributes(input, next) : next(input);
        },
        // continueAsNew is left alone: the next run starts a trace of its own instead of extending
        // this one for as long as the metric lives.
      },
    ],
    internals: [
      {
        dispose: (input, next) => {
          // The first generation's dispose disables its context manager before it calls next.
          if (generation === 'first' && first) void first.internals.dispose(input, next);
          else next(input);
        },
      },
    ],
  };
};

/**
 * The first generation, as recorded: its span ids came from Math.random inside the named stream,
 * and so did everything else the run drew meanwhile, its import run ids included.
 */
function firstGeneration() {
  const ids = getRandomStream(spanIdStream);
  return {
    inbound: new OpenTelemetryInboundInterceptor(),
    outbound: new OpenTelemetryOutboundInterceptor(),
    internals: new OpenTelemetryInternalsInterceptor(),
    scoped:
      <I, R>(method: (input: I, next: (input: I) => R) => R) =>
      (input: I, next: (input: I) => R): R =>
        ids.with(() => method(input, next)),
  };
}

interface RunTracing {
  /** The context the run's span continues: the starter's (from the start headers) or none. */
  root: otel.Context;
  around<R>(name: string, parent: otel.Context, fn: () => Promise<R>): Promise<R>;
  aroundStart<I extends { headers: Headers }, R>(name: string, input: I, next: (input: I) => Promise<R>): Promise<R>;
  logAttributes(): Record<string, string>;
}

function startRunTracing(startHeaders: Headers): RunTracing {
  const provider = new BasicTracerProvider({ idGenerator: streamIdGenerator() });
  provider.addSpanProcessor(new SimpleSpanProcessor(new SpanExporter()));
  const tracer = provider.getTracer('@temporalio/interceptor-workflow');
  const root = extractContext(startHeaders);
  let runContext = root;
  const around = async <R>(name: string, parent: otel.Context, fn: (context: otel.Context) => Promise<R>): Promise<R> => {
    const span = tracer.startSpan(name, {}, parent);
    try {
      const result = await fn(otel.trace.setSpan(parent, span));
      span.setStatus({ code: otel.SpanStatusCode.OK });
      return result;
    } catch (error) {
      span.setStatus(failureStatus(error));
      throw error;
    } finally {
      span.end();
    }
  };
  return {
    root,
    around: (name, parent, fn) =>
      around(name, parent, (context) => {
        runContext = context;
        return fn();
      }),
    // next() runs synchronously inside, so the command is issued at the same point as untraced.
    aroundStart: (name, input, next) => around(name, runContext, (context) => next({ ...input, headers: { ...input.headers, [traceHeader]: injectContext(context) } })),
    logAttributes: (): Record<string, string> => {
      const spanContext = otel.trace.getSpanContext(runContext);
      return spanContext && otel.isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {};
    },
  };
}

/** Ids drawn from a random stream of their own, so tracing never shifts the workflow's uuid4() sequence. */
function streamIdGenerator(): IdGenerator {
  const ids = getRandomStream(spanIdStream);
  const hex = (bytes: number) => {
    let id = '';
    for (let i = 0; i < bytes * 2; i++) id += Math.floor(ids.random() * 16).toString(16);
    // W3C forbids an all-zero id.
    return /^0+$/.test(id) ? `${id.slice(0, -1)}1` : id;
  };
  return { generateTraceId: () => hex(16), generateSpanId: () => hex(8) };
}

function extractContext(headers: Headers): otel.Context {
  const encoded = headers[traceHeader];
  if (encoded === undefined) return otel.ROOT_CONTEXT;
  const carrier = defaultPayloadConverter.fromPayload<Record<string, string>>(encoded);
  return propagator.extract(otel.ROOT_CONTEXT, carrier, otel.defaultTextMapGetter);
}

function injectContext(context: otel.Context) {
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, otel.defaultTextMapSetter);
  return defaultPayloadConverter.toPayload(carrier);
}

function failureStatus(error: unknown): otel.SpanStatus {
  if (error instanceof ContinueAsNew) return { code: otel.SpanStatusCode.OK };
  const benign = error instanceof ApplicationFailure && error.category === ApplicationFailureCategory.BENIGN;
  return { code: benign ? otel.SpanStatusCode.UNSET : otel.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) };
}
