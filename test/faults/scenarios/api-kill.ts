import { sql } from 'drizzle-orm';
import { WorkflowNotFoundError } from '@temporalio/client';
import { TASK_QUEUE, metricWorkflowId } from '../../../src/shared/ids';
import { createMetricWorkflowGateway } from '../../../src/temporal/metric-workflow-gateway';
import { startApiProcess, type ApiProcess } from '../../helpers/api-process';
import { eventually } from '../../helpers/eventually';
import { startTcpGate } from '../../helpers/tcp-gate';
import { startBatch } from '../batch';
import { sleep } from '../fault-stack';
import { finishAndCompare, type Scenario } from '../scenario';
import { stopWorkers } from '../worker-signals';

/** Creates in flight at once; each is held at its workflow start when the kill comes. */
const concurrency = 10;
/** Answered creates before Temporal is held: with the held ones, at least 50 metrics. */
const answeredBeforeHold = 40;
/** WORKFLOW_RECONCILE_GRACE_SECONDS of both API processes. */
const graceSeconds = 1;

/**
 * The API (src/cli/api.ts, its own process) is SIGKILLed during a burst of creates while its calls
 * to Temporal are held (test/helpers/tcp-gate.ts), so some metrics have a row and no workflow, then
 * started again: its start-up reconciliation starts the missing workflows. A create that never got
 * a row is simply absent; every metric with a row must import like the undisturbed run.
 */
export const apiKill: Scenario = {
  name: 'api-kill',
  title: 'API process SIGKILLed mid-burst of creates, restarted',
  run: async (context) => {
    const { stack, progress } = context;
    const gate = await startTcpGate(stack.temporalAddress);
    const apiEnv = { ...stack.apiProcessEnv(), WORKFLOW_RECONCILE_GRACE_SECONDS: String(graceSeconds), WORKFLOW_RECONCILE_INTERVAL_SECONDS: '0' };
    const apis: ApiProcess[] = [];
    progress.step('starting the API process (its Temporal calls through a gate) and a worker on its task queue');
    const first = await startApiProcess({ ...apiEnv, TEMPORAL_ADDRESS: gate.address });
    apis.push(first);
    const batch = await startBatch(stack, { name: 'api-kill', api: { url: first.url, taskQueue: TASK_QUEUE, close: () => stopWorkers(apis.map((api) => api.child)) } });
    const workers = [await stack.startWorker({ taskQueue: TASK_QUEUE })];
    const gateway = createMetricWorkflowGateway(stack.client);
    const status = async (metricId: string) => {
      try {
        return (await stack.client.workflow.getHandle(metricWorkflowId(metricId)).describe()).status.name;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'NONE';
        throw error;
      }
    };
    const rowCount = async () => {
      const [row] = await stack.services.database.db.execute<{ n: string }>(sql`select count(*) as n from metrics where workspace_id = ${batch.workspaceId}`);
      return Number(row?.n ?? 0);
    };
    try {
      progress.step(`creating the metrics, ${concurrency} at a time`);
      const creating = batch.createMetrics({ concurrency });
      // Every create still open fails at the kill; the scenario counts metrics from the rows.
      creating.catch(() => undefined);
      await eventually(() => Promise.resolve(batch.metrics.length >= answeredBeforeHold ? true : undefined), { timeoutMs: 300_000, intervalMs: 20 });
      gate.hold();
      // Each lane's next create writes its row, then waits on its held workflow start (an answer
      // already on its way still arrives, and its lane goes on to the next create).
      await eventually(async () => ((await rowCount()) >= batch.metrics.length + concurrency ? true : undefined), { timeoutMs: 60_000, intervalMs: 50 });
      const answered = batch.metrics.length;
      const rowsAtKill = await rowCount();
      progress.step(`SIGKILL to the API (pid ${first.child.pid}) with ${answered} creates answered, ${rowsAtKill} metric rows, its Temporal calls held`);
      first.child.kill('SIGKILL');
      await first.exited;
      gate.cut();
      gate.release();
      await creating.catch(() => undefined);
      await batch.adoptStoredMetrics();
      const withoutWorkflow = [];
      for (const metric of batch.metrics) if ((await status(metric.id)) !== 'RUNNING') withoutWorkflow.push(metric.id);
      progress.step(`${batch.metrics.length} metrics have a row, ${withoutWorkflow.length} of them no workflow; restarting the API past the ${graceSeconds} s grace`);
      await sleep(graceSeconds * 1000 + 500);
      const restarted = await startApiProcess(apiEnv);
      apis.push(restarted);
      const sweep = restarted.logs().find((line) => line.msg === 'workflow reconciliation finished') ?? {};
      const repaired = restarted.logs().filter((line) => line.msg === 'reconciler started the missing import workflow of a metric').length;
      const ended = restarted.logs().filter((line) => line.msg === 'reconciler terminated an import workflow whose metric no longer exists').length;
      progress.step(`the restarted API's reconciler started ${String(sweep.started)} workflows, terminated ${String(sweep.terminated)}, failed ${String(sweep.failed)}`);

      // The invariant, both ways, for this workspace.
      const rows = new Set(batch.metrics.map((metric) => metric.id));
      const lacking = [];
      for (const id of rows) if ((await status(id)) !== 'RUNNING') lacking.push(id);
      // Visibility may still list a workflow that has just ended; its own description is current.
      const orphans = [];
      for (const id of await gateway.runningMetricIds([batch.workspaceId])) if (!rows.has(id) && (await status(id)) === 'RUNNING') orphans.push(id);
      if (lacking.length > 0 || orphans.length > 0 || sweep.failed !== 0) {
        throw new Error(
          `after the restart ${lacking.length} metrics have no running workflow (${lacking.join(', ')}), ${orphans.length} running workflows no metric (${orphans.join(', ')}), the sweep failed ${String(sweep.failed)}`,
        );
      }
      const result = await finishAndCompare(
        context,
        batch,
        `SIGKILL with ${answered} creates answered and ${rowsAtKill - answered} unanswered with their row written; ${batch.metrics.length} metrics with a row, ${withoutWorkflow.length} of them without workflow; ` +
          `the restarted API's reconciler started ${repaired} workflows and terminated ${ended}; afterwards every metric had a running workflow and every workflow its metric`,
      );
      return result;
    } finally {
      await stopWorkers(workers);
      await batch.close();
      await gate.close();
    }
  },
};
