/** The one task queue every metric workflow and activity runs on. */
export const TASK_QUEUE = 'metric-import';

/** Workflow ids derive from the metric id, so starting twice can never create two workflows. */
export function metricWorkflowId(metricId: string): string {
  return `metric-import/${metricId}`;
}

const metricWorkflowIdPrefix = metricWorkflowId('');

/** The metric a workflow id belongs to; undefined for any other workflow. */
export function metricIdOfWorkflow(workflowId: string): string | undefined {
  return workflowId.startsWith(metricWorkflowIdPrefix) ? workflowId.slice(metricWorkflowIdPrefix.length) : undefined;
}
