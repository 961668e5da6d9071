import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTimeAhead } from '../../helpers/test-clock';
import type { TestStack } from '../../helpers/test-stack';
import { createIntegration, createMetric, datapoints, eventuallyStatus, importRuns, lookRows, startTimeSkippingStack, stopTimeSkippingStack } from './workflow-helpers';

const runPath = 'GET /looks/1/run/json';

/**
 * The daily cycle: metrics on one Look due at the same instant share one Look run, and that run is
 * a new one: the backfills' result, only seconds old in real time but fetched the day before on the
 * workflow's clock, is never used for a scheduled import (docs/workflow.md, "Shared Look runs").
 */
describe('scheduled imports of one Look due together', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    ({ env, stack } = await startTimeSkippingStack());
  });
  afterAll(() => stopTimeSkippingStack({ env, stack }));

  it('share one new Look run, each metric importing its own field', async () => {
    const integrationId = await createIntegration(stack);
    const importTime = importTimeAhead(await stack.now(), 'Europe/Berlin');
    const fields = ['orders.total_revenue', 'orders.count'];
    const metrics = [];
    for (let i = 0; i < 6; i++) metrics.push(await createMetric(stack, integrationId, { importTime, valueField: fields[i % 2] }));
    for (const metric of metrics) await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'backfill' && s.lastImport.succeeded);
    expect(stack.emulator.control.counters().requestsByPath[runPath]).toBe(1);

    // The Look changes overnight: the scheduled imports must see the new row.
    const rows = await lookRows(stack, '1');
    const newest = rows.map((row) => String(row['orders.created_date'])).sort().at(-1)!;
    const nextDay = new Date(Date.parse(newest) + 86_400_000).toISOString().slice(0, 10);
    stack.emulator.control.appendLookRows('1', [{ 'orders.created_date': nextDay, 'orders.total_revenue': 1234.5, 'orders.count': 17 }]);
    const before = stack.emulator.control.counters().requestsByPath[runPath] ?? 0;

    await env.sleep('13 hours');
    for (const metric of metrics) {
      const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'scheduled', { timeoutMs: 60_000 });
      expect(done.lastImport).toMatchObject({ succeeded: true });
    }
    expect((stack.emulator.control.counters().requestsByPath[runPath] ?? 0) - before).toBe(1);
    for (const [i, metric] of metrics.entries()) {
      expect((await datapoints(stack, metric.id)).get(nextDay)).toBe(i % 2 === 0 ? '1234.5' : '17');
      expect((await importRuns(stack, metric.id)).map((run) => [run.kind, run.status])).toEqual([
        ['backfill', 'succeeded'],
        ['scheduled', 'succeeded'],
      ]);
    }
    for (const metric of metrics) await stack.gateway.terminate(metric.id, 'test done');
  }, 120_000);
});
