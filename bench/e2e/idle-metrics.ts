import { metrics } from '../../src/db/schema';
import { metricWorkflowId } from '../../src/shared/ids';
import { ImportStateKey, IntegrationIdKey, MetricIdKey, WorkspaceIdKey } from '../../src/shared/search-attributes';
import type { CarriedState } from '../../src/shared/types';
import type { metricImportWorkflow } from '../../src/workflows/metric-import.workflow';
import { metricSource } from './looks-seed';
import { forEachConcurrently } from './pool';
import type { E2eStack } from './stack';

/** Workflow starts in flight at once. */
const startConcurrency = 32;

/**
 * `count` metrics that are already imported and wait for their next import time: rows saved as
 * the API saves them (state active), and each workflow started in the state a metric carries
 * across continue-as-new after its backfill (health active, nothing owed). This skips the
 * backfills, which scenario 1 measures, so 10,000 idle metrics take minutes, not hours.
 */
export async function startIdleMetrics(
  stack: E2eStack,
  options: { count: number; looks: number; importTime: string; prefix: string; onStarted?: () => void },
): Promise<string[]> {
  const { db } = stack.services.database;
  const ids: string[] = [];
  for (let start = 0; start < options.count; start += 1_000) {
    const rows = Array.from({ length: Math.min(1_000, options.count - start) }, (_, k) => ({
      workspaceId: stack.workspaceId,
      integrationId: stack.integrationId,
      name: `${options.prefix}${start + k}`,
      ...metricSource(start + k, options.looks),
      importTime: options.importTime,
      timeZone: 'UTC',
      state: 'active' as const,
    }));
    ids.push(...(await db.insert(metrics).values(rows).returning({ id: metrics.id })).map((row) => row.id));
  }
  const carried: CarriedState = {
    schedule: { importTime: options.importTime, timeZone: 'UTC' },
    paused: false,
    health: 'active',
    scheduleFromMs: Date.now(),
  };
  await forEachConcurrently(ids.length, startConcurrency, async (i) => {
    const metricId = ids[i]!;
    // The search attributes the gateway sets at a start, with the carried state's value.
    await stack.temporal.workflow.start<typeof metricImportWorkflow>('metricImportWorkflow', {
      workflowId: metricWorkflowId(metricId),
      taskQueue: stack.taskQueue,
      args: [{ metricId, carried }],
      typedSearchAttributes: [
        { key: MetricIdKey, value: metricId },
        { key: IntegrationIdKey, value: stack.integrationId },
        { key: WorkspaceIdKey, value: stack.workspaceId },
        { key: ImportStateKey, value: 'active' },
      ],
    });
    options.onStarted?.();
  });
  return ids;
}
