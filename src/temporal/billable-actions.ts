import type { History } from '@temporalio/common/lib/proto-utils';

type HistoryEvent = NonNullable<History['events']>[number];

/** Billable Temporal Cloud actions found in a workflow history, in total and by kind. */
export interface BillableActions {
  total: number;
  /** Only kinds that occurred, e.g. `{ activity: 3, timer: 1 }`. */
  byKind: Record<string, number>;
}

/** `WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW` in temporal.api.enums.v1.WorkflowTaskFailedCause. */
const resetCause = 20;
/** The search attribute the Go and Java SDKs upsert for versioning; Temporal does not bill it. */
const changeVersionAttribute = 'TemporalChangeVersion';

/**
 * Counts the billable actions a history shows, by Temporal Cloud's definition
 * (docs.temporal.io/cloud/actions; the rule and what a history cannot show are in docs/workflow.md,
 * "Billable actions"). Pass a whole history or a slice of its events (one import cycle).
 */
export function countBillableActions(history: History): BillableActions {
  const byKind: Record<string, number> = {};
  const add = (kind: string, count = 1) => {
    if (count > 0) byKind[kind] = (byKind[kind] ?? 0) + count;
  };
  // All markers one workflow task records (local activities, patches) are one action.
  const markerTasks = new Set<string>();
  for (const event of history.events ?? []) {
    const kind = simpleKind(event);
    if (kind) add(kind);
    if (event.activityTaskStartedEventAttributes) add('activityRetry', (event.activityTaskStartedEventAttributes.attempt ?? 1) - 1);
    if (event.markerRecordedEventAttributes) markerTasks.add(String(event.markerRecordedEventAttributes.workflowTaskCompletedEventId ?? event.eventId));
    const metering = event.workflowTaskCompletedEventAttributes?.meteringMetadata;
    if (metering) add('localActivityRetry', metering.nonfirstLocalActivityExecutionAttempts ?? 0);
    if (event.startChildWorkflowExecutionInitiatedEventAttributes) add('childWorkflowStart', 2);
    const upserted = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    if (upserted && Object.keys(upserted).some((name) => name !== changeVersionAttribute)) add('searchAttributeUpsert');
    if (Number(event.workflowTaskFailedEventAttributes?.cause) === resetCause) add('workflowReset');
  }
  add('markers', markerTasks.size);
  const total = Object.values(byKind).reduce((sum, n) => sum + n, 0);
  return { total, byKind };
}

/** Kinds that cost exactly one action per event of their type. */
function simpleKind(event: HistoryEvent): string | undefined {
  if (event.workflowExecutionStartedEventAttributes) return 'workflowStart';
  if (event.activityTaskScheduledEventAttributes) return 'activity';
  if (event.timerStartedEventAttributes) return 'timer';
  if (event.workflowExecutionSignaledEventAttributes) return 'signal';
  if (event.workflowExecutionUpdateAcceptedEventAttributes) return 'update';
  if (event.workflowExecutionOptionsUpdatedEventAttributes) return 'workflowOptionsUpdate';
  if (event.nexusOperationScheduledEventAttributes) return 'nexusOperation';
  if (event.nexusOperationCancelRequestedEventAttributes) return 'nexusCancel';
  return undefined;
}
