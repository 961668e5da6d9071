import {
  ApplicationFailure,
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { TASK_QUEUE, metricIdOfWorkflow, metricWorkflowId } from '../shared/ids';
import { getStatus, importNow, pause, resume, updateSchedule, updateSourceConfig } from '../shared/messages';
import { ImportStateKey, IntegrationIdKey, MetricIdKey, WorkspaceIdKey } from '../shared/search-attributes';
import type { ImportSchedule, MetricStatus, ScheduleChange, SourceConfigChange } from '../shared/types';
import type { metricImportWorkflow } from '../workflows/metric-import.workflow';

export type GatewayErrorKind = 'not_found' | 'already_exists' | 'rejected' | 'unavailable';

/** Domain-level failures of the workflow gateway; the API maps each to one problem code. */
export class WorkflowGatewayError extends Error {
  constructor(
    readonly kind: GatewayErrorKind,
    message: string,
    /** For `rejected`: the failure type the workflow or its activity gave (e.g. `LookNotFound`). */
    readonly failureType?: string,
  ) {
    super(message);
    this.name = 'WorkflowGatewayError';
  }
}

export interface MetricWorkflowRef {
  metricId: string;
  workspaceId: string;
  integrationId: string;
  /** The saved schedule; when given, the workflow answers status queries from its first task. */
  schedule?: ImportSchedule;
  /**
   * What the Temporal UI shows for the workflow, so an operator can tell metrics apart (the id
   * alone is a UUID). Fixed at start: a later rename is not reflected. User metadata is a payload,
   * so the payload codec encodes it like any other.
   */
  describedAs?: { summary: string; details?: string };
}

/** Domain verbs over the per-metric workflow, so the API never handles SDK errors itself. */
export interface MetricWorkflowGateway {
  start(metric: MetricWorkflowRef): Promise<{ workflowId: string }>;
  status(metricId: string): Promise<MetricStatus>;
  updateSourceConfig(metricId: string, change: SourceConfigChange): Promise<{ configVersion: number }>;
  /** Fields not given keep the workflow's current value. */
  updateSchedule(metricId: string, change: ScheduleChange): Promise<{ nextImportAt: string | null }>;
  pause(metricId: string): Promise<MetricStatus>;
  resume(metricId: string): Promise<MetricStatus>;
  importNow(metricId: string): Promise<void>;
  terminate(metricId: string, reason: string): Promise<void>;
  /**
   * Ids of the metrics whose import workflow runs, for these workspaces only, as Temporal's
   * visibility store sees them: it may lag a moment behind starts and ends.
   */
  runningMetricIds(workspaceIds: readonly string[]): Promise<string[]>;
  /** Is the Temporal frontend answering? For /healthz. */
  reachable(): Promise<boolean>;
}

export function createMetricWorkflowGateway(
  client: Client,
  options: {
    taskQueue?: string;
    /** Deadline of the status query, so reads degrade quickly when Temporal is down. */
    statusTimeoutMs?: number;
    /**
     * Deadline of pause, resume, schedule changes and signals. Without one, an API request would
     * wait for as long as no worker runs, since the workflow answers updates only on a worker.
     */
    messageTimeoutMs?: number;
    /** Deadline of a source change, which the workflow checks against Looker first. */
    sourceChangeTimeoutMs?: number;
    /** Tests only: passed to every started workflow to force continue-as-new after this many history events. */
    continueAsNewAfterEvents?: number;
  } = {},
): MetricWorkflowGateway {
  const statusTimeoutMs = options.statusTimeoutMs ?? 5_000;
  const messageTimeoutMs = options.messageTimeoutMs ?? 30_000;
  const sourceChangeTimeoutMs = options.sourceChangeTimeoutMs ?? 180_000;
  const within = <T>(ms: number, fn: () => Promise<T>) => translate(() => client.connection.withDeadline(Date.now() + ms, fn));
  const handle = (metricId: string) => client.workflow.getHandle<typeof metricImportWorkflow>(metricWorkflowId(metricId));
  return {
    start: (metric) =>
      translate(async () => {
        const workflowId = metricWorkflowId(metric.metricId);
        await client.workflow.start<typeof metricImportWorkflow>('metricImportWorkflow', {
          workflowId,
          taskQueue: options.taskQueue ?? TASK_QUEUE,
          args: [
            {
              metricId: metric.metricId,
              ...(metric.schedule ? { schedule: metric.schedule } : {}),
              ...(options.continueAsNewAfterEvents === undefined ? {} : { continueAsNewAfterEvents: options.continueAsNewAfterEvents }),
            },
          ],
          workflowIdConflictPolicy: 'FAIL',
          ...(metric.describedAs ? { staticSummary: metric.describedAs.summary, staticDetails: metric.describedAs.details } : {}),
          typedSearchAttributes: [
            { key: MetricIdKey, value: metric.metricId },
            { key: IntegrationIdKey, value: metric.integrationId },
            { key: WorkspaceIdKey, value: metric.workspaceId },
            { key: ImportStateKey, value: 'backfilling' },
          ],
        });
        return { workflowId };
      }),
    status: (metricId) => within(statusTimeoutMs, () => handle(metricId).query(getStatus)),
    updateSourceConfig: (metricId, change) => within(sourceChangeTimeoutMs, () => handle(metricId).executeUpdate(updateSourceConfig, { args: [change] })),
    updateSchedule: (metricId, schedule) => within(messageTimeoutMs, () => handle(metricId).executeUpdate(updateSchedule, { args: [schedule] })),
    pause: (metricId) => within(messageTimeoutMs, () => handle(metricId).executeUpdate(pause)),
    resume: (metricId) => within(messageTimeoutMs, () => handle(metricId).executeUpdate(resume)),
    importNow: (metricId) => within(messageTimeoutMs, () => handle(metricId).signal(importNow)),
    terminate: (metricId, reason) =>
      within(messageTimeoutMs, async () => {
        try {
          await handle(metricId).terminate(reason);
        } catch (error) {
          // Already gone is what deleting wants.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
      }),
    runningMetricIds: (workspaceIds) =>
      translate(async () => {
        if (workspaceIds.length === 0) return [];
        const quoted = workspaceIds.map((id) => `'${id.replaceAll(/['\\]/g, '')}'`).join(', ');
        const query = `WorkflowType = 'metricImportWorkflow' AND ExecutionStatus = 'Running' AND ${WorkspaceIdKey.name} IN (${quoted})`;
        const ids: string[] = [];
        for await (const execution of client.workflow.list({ query })) {
          const metricId = metricIdOfWorkflow(execution.workflowId);
          if (metricId !== undefined) ids.push(metricId);
        }
        return ids;
      }),
    reachable: async () => {
      try {
        await client.connection.withDeadline(Date.now() + statusTimeoutMs, () => client.connection.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return false;
      }
    },
  };
}

async function translate<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new WorkflowGatewayError('not_found', 'The metric has no running import workflow.');
    }
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new WorkflowGatewayError('already_exists', 'An import workflow already runs for this metric.');
    }
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      throw new WorkflowGatewayError('rejected', cause instanceof Error ? rootMessage(cause) : error.message, rootFailureType(error));
    }
    // A query on a workflow that closed before it ever ran (e.g. terminated while no worker ran).
    if (grpcCode(error) === grpcFailedPrecondition) {
      throw new WorkflowGatewayError('not_found', "The metric's import workflow has ended.");
    }
    if (isDeadlineExceeded(error)) {
      throw new WorkflowGatewayError(
        'unavailable',
        "The metric's workflow did not answer in time: Temporal is unreachable or no worker is running. Try again shortly.",
      );
    }
    if (isUnreachable(error)) {
      throw new WorkflowGatewayError('unavailable', 'Temporal is unavailable; try again shortly.');
    }
    throw error;
  }
}

// gRPC status codes (grpc/status.h); @grpc/grpc-js is only a transitive dependency.
const grpcDeadlineExceeded = 4;
const grpcFailedPrecondition = 9;
const grpcUnavailable = 14;

function grpcCode(error: unknown): number | undefined {
  const grpc = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(grpc) ? Number(grpc.code) : undefined;
}

function isDeadlineExceeded(error: unknown): boolean {
  return (
    error instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    grpcCode(error) === grpcDeadlineExceeded ||
    (error instanceof Error && /DEADLINE_EXCEEDED/.test(error.message))
  );
}

/** The SDK wraps gRPC errors in ServiceError; UNAVAILABLE means Temporal did not answer. */
function isUnreachable(error: unknown): boolean {
  const code = grpcCode(error);
  if (code !== undefined) return code === grpcUnavailable;
  return error instanceof Error && /UNAVAILABLE|connect/i.test(error.message);
}

/** The type of the innermost ApplicationFailure, so callers can tell which input was refused. */
function rootFailureType(error: Error): string | undefined {
  let type: string | undefined;
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof ApplicationFailure && current.type) type = current.type;
  }
  return type;
}

/** The innermost failure message: an update failing in an activity nests ActivityFailure → ApplicationFailure. */
function rootMessage(error: Error): string {
  let current: Error = error;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
