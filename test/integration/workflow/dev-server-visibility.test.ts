import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricWorkflowId } from '../../../src/shared/ids';
import { importNow } from '../../../src/shared/messages';
import { eventually } from '../../helpers/eventually';
import { startTestStack, type TestStack } from '../../helpers/test-stack';
import { createIntegration, createMetric, eventuallyStatus, temporalCli, testLogger } from './workflow-helpers';

interface ListedExecution {
  execution?: { workflowId?: string; runId?: string };
  status?: string;
}

/**
 * Acceptance 9 on the dev server (the one with real visibility and the registered search
 * attributes): the Temporal CLI finds a metric's workflow by MetricId, with its ImportState —
 * also after continue-as-new, which must carry the search attributes into the new run.
 */
describe('finding a metric’s workflow with the Temporal CLI', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ seed: 'test', continueAsNewAfterEvents: 60, logger: testLogger() });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** `temporal workflow list --query …` against the dev server, parsed. */
  async function list(query: string): Promise<ListedExecution[]> {
    const stdout = await temporalCli(['workflow', 'list', '--address', inject('temporalAddress'), '--namespace', 'default', '--query', query, '--output', 'json']);
    const text = stdout.trim();
    if (text === '') return [];
    try {
      const parsed: unknown = JSON.parse(text);
      return (Array.isArray(parsed) ? parsed : [parsed]) as ListedExecution[];
    } catch {
      return text.split('\n').map((line) => JSON.parse(line) as ListedExecution);
    }
  }

  it('lists the workflow by MetricId and ImportState, before and after continue-as-new', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    const workflowId = metricWorkflowId(metric.id);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const handle = stack.client.workflow.getHandle(workflowId);
    const firstRunId = (await handle.describe()).runId;

    const found = await eventually(async () => {
      const executions = await list(`MetricId='${metric.id}'`);
      return executions.length > 0 ? executions : undefined;
    });
    expect(found.map((e) => e.execution?.workflowId)).toEqual([workflowId]);
    await eventually(async () => ((await list(`MetricId='${metric.id}' AND ImportState='active'`)).length === 1 ? true : undefined));
    // Another metric's id finds nothing.
    expect(await list(`MetricId='00000000-0000-0000-0000-000000000000'`)).toEqual([]);

    // Manual imports grow the history past the test threshold: the workflow continues as new.
    await eventually(
      async () => {
        if ((await handle.describe()).runId !== firstRunId) return true;
        await handle.signal(importNow);
        await eventuallyStatus(stack, metric.id, (s) => !s.importing);
        return undefined;
      },
      { timeoutMs: 60_000 },
    );
    const { runId } = await handle.describe();

    const running = await eventually(async () => {
      const executions = await list(`MetricId='${metric.id}' AND ImportState='active' AND ExecutionStatus='Running'`);
      return executions.length === 1 && executions[0]?.execution?.runId === runId ? executions : undefined;
    });
    expect(running[0]?.execution?.workflowId).toBe(workflowId);
    const all = await eventually(async () => {
      const executions = await list(`MetricId='${metric.id}'`);
      return executions.length >= 2 ? executions : undefined;
    });
    expect(new Set(all.map((e) => e.execution?.workflowId))).toEqual(new Set([workflowId]));
    expect(all.map((e) => e.execution?.runId)).toContain(firstRunId);
    await stack.gateway.terminate(metric.id, 'test done');
  }, 120_000);
});
