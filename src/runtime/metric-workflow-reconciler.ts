import type postgres from 'postgres';
import type { Config } from '../config/env';
import type { MetricState } from '../db/schema';
import type { Logger } from '../logger';
import { WorkflowGatewayError, type MetricWorkflowGateway } from '../temporal/metric-workflow-gateway';
import { workflowDescription } from '../temporal/workflow-description';

/**
 * Puts back the invariant "every metric has a running import workflow, and every import workflow
 * has its metric" after a process died between the two writes that keep it (create: row, then
 * workflow; delete: workflow, then row) or an operator ended a workflow by hand
 * (docs/operations.md, "Metric and workflow reconciliation").
 */
export interface ReconcilerDeps {
  /**
   * The pool. A sweep reserves one connection for its whole run: the advisory lock that lets one
   * process sweep at a time belongs to a session, and the sweep's reads go over the same one (in
   * plain SQL: Drizzle does not take a reserved connection).
   */
  sql: postgres.Sql;
  workflows: MetricWorkflowGateway;
  logger: Logger;
  /**
   * Metrics younger than this are left alone: their create request may still be starting the
   * workflow. Starting it twice is harmless (the id is the metric's), only wasted.
   */
  graceSeconds: number;
}

export type ReconcileResult =
  | { skipped: true }
  | { skipped: false; metrics: number; runningWorkflows: number; started: string[]; terminated: string[]; failed: string[] };

/** Any constant works; it only has to differ from other advisory locks on the same database. */
export const reconcilerLockKey = 0x6d6972_6563; // "mi" "rec"

/** Visibility queries stay well under Temporal's query length limit with this many ids each. */
const workspacesPerQuery = 100;
const metricsPerQuery = 1_000;

/** One sweep. Skipped when another process holds the lock: that one is sweeping. */
export async function reconcileMetricWorkflows(deps: ReconcilerDeps, signal?: AbortSignal): Promise<ReconcileResult> {
  const connection = await deps.sql.reserve();
  try {
    const [lock] = await connection<{ locked: boolean }[]>`select pg_try_advisory_lock(${reconcilerLockKey}) as locked`;
    if (!lock?.locked) return { skipped: true };
    try {
      return { skipped: false, ...(await sweep(connection, deps, signal)) };
    } finally {
      await connection`select pg_advisory_unlock(${reconcilerLockKey})`;
    }
  } finally {
    connection.release();
  }
}

/** Stops between repairs once `signal` aborts (shutdown); the next sweep, here or elsewhere, finishes the job. */
async function sweep(db: postgres.ReservedSql, deps: ReconcilerDeps, signal: AbortSignal | undefined) {
  const { workflows, logger } = deps;
  // Workflows of workspaces this database does not know are left alone: another deployment's on the
  // same namespace, or all of them when DATABASE_URL points at the wrong (or an empty) database.
  const workspaceIds = (await db<{ id: string }[]>`select id from workspaces`).map((row) => row.id);
  // Listed before the metrics are read: a metric created after this point is young and skipped,
  // and a workflow listed here whose metric is missing below surely lost it.
  const running = new Set<string>();
  for (const chunk of chunked(workspaceIds, workspacesPerQuery)) {
    for (const metricId of await workflows.runningMetricIds(chunk)) running.add(metricId);
  }
  const rows = await db<{ id: string; settled: boolean }[]>`
    select id, created_at <= now() - make_interval(secs => ${deps.graceSeconds}) as settled from metrics`;
  const existing = new Set(rows.map((row) => row.id));
  const missing = rows.filter((row) => row.settled && !running.has(row.id)).map((row) => row.id);
  const orphans = [...running].filter((metricId) => !existing.has(metricId));

  const started: string[] = [];
  const terminated: string[] = [];
  const failed: string[] = [];
  for (const chunk of chunked(missing, metricsPerQuery)) {
    const details = await db<MissingMetric[]>`
      select m.id, m.workspace_id, m.integration_id, m.name, m.look_id, m.date_field, m.value_field, m.import_time, m.time_zone, m.state,
             i.name as integration_name
      from metrics m join integrations i on i.id = m.integration_id
      where m.id = any(${chunk}::uuid[])`;
    for (const metric of details) {
      if (signal?.aborted) break;
      try {
        // No schedule: the workflow reads it, and whether the metric is paused, from the row.
        await workflows.start({
          metricId: metric.id,
          workspaceId: metric.workspace_id,
          integrationId: metric.integration_id,
          describedAs: workflowDescription(
            { name: metric.name, lookId: metric.look_id, dateField: metric.date_field, valueField: metric.value_field, importTime: metric.import_time, timeZone: metric.time_zone },
            { name: metric.integration_name },
          ),
        });
        started.push(metric.id);
        logger.warn({ metricId: metric.id, workspaceId: metric.workspace_id, state: metric.state }, 'reconciler started the missing import workflow of a metric');
      } catch (error) {
        // Visibility lagged behind a start: the workflow runs, which is all that was wanted.
        if (error instanceof WorkflowGatewayError && error.kind === 'already_exists') continue;
        failed.push(metric.id);
        logger.error({ metricId: metric.id, err: error }, 'reconciler could not start the import workflow of a metric');
      }
    }
  }
  for (const metricId of orphans) {
    if (signal?.aborted) break;
    try {
      await workflows.terminate(metricId, 'its metric no longer exists (reconciler)');
      terminated.push(metricId);
      logger.warn({ metricId }, 'reconciler terminated an import workflow whose metric no longer exists');
    } catch (error) {
      failed.push(metricId);
      logger.error({ metricId, err: error }, 'reconciler could not terminate an import workflow whose metric no longer exists');
    }
  }
  return { metrics: rows.length, runningWorkflows: running.size, started, terminated, failed };
}

interface MissingMetric {
  id: string;
  workspace_id: string;
  integration_id: string;
  name: string;
  look_id: string;
  date_field: string;
  value_field: string;
  import_time: string;
  time_zone: string;
  state: MetricState;
  integration_name: string;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** The reconciler's timing from the environment, the same in the API process and in local mode. */
export function reconcileTimingFrom(config: Config): { intervalSeconds: number; graceSeconds: number } {
  return { intervalSeconds: config.WORKFLOW_RECONCILE_INTERVAL_SECONDS, graceSeconds: config.WORKFLOW_RECONCILE_GRACE_SECONDS };
}

export interface WorkflowReconciler {
  /** Lets the repair in progress finish, then stops. */
  stop(): Promise<void>;
}

/**
 * Sweeps at once, then every `intervalSeconds` after the previous sweep ended (0: at start-up
 * only). A failed sweep (Temporal or Postgres unreachable) is logged and tried again next time.
 * `stop` cuts a sweep short after the repair in progress, so shutdown stays within its grace.
 */
export function startWorkflowReconciler(deps: ReconcilerDeps & { intervalSeconds: number }): WorkflowReconciler {
  let timer: NodeJS.Timeout | undefined;
  const stopping = new AbortController();
  let current: Promise<void> = Promise.resolve();
  const run = () => {
    current = reconcileMetricWorkflows(deps, stopping.signal).then(
      (result) => {
        if (result.skipped) deps.logger.debug('workflow reconciliation skipped: another process is sweeping');
        else {
          const { started, terminated, failed, metrics, runningWorkflows } = result;
          deps.logger.info(
            { metrics, runningWorkflows, started: started.length, terminated: terminated.length, failed: failed.length },
            'workflow reconciliation finished',
          );
        }
      },
      (error: unknown) => deps.logger.warn({ err: error }, 'workflow reconciliation failed; trying again at the next interval'),
    );
    void current.then(() => {
      if (!stopping.signal.aborted && deps.intervalSeconds > 0) timer = setTimeout(run, deps.intervalSeconds * 1000);
    });
  };
  run();
  return {
    stop: async () => {
      stopping.abort();
      clearTimeout(timer);
      await current;
    },
  };
}
