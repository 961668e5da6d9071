import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually';
import { devServerNow } from '../../helpers/test-clock';
import { startTestStack, type TestStack } from '../../helpers/test-stack';
import { createIntegration, createMetric, datapoints, importRuns, status, testLogger } from './workflow-helpers';

/**
 * Design §3.3: if no worker runs at the import time, the import runs as soon as one is back, and
 * that one import covers the missed day because the Look returns its history. On the dev server in
 * real time: the time-skipping server does not advance while a workflow task waits for a worker.
 */
describe('an import time that passes while no worker runs', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ seed: 'test', startWorker: false, logger: testLogger() });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('imports once as soon as a worker is back, for the time it was due, including the data that arrived meanwhile', async () => {
    const integrationId = await createIntegration(stack);
    const firstWorker = await stack.startWorker();
    // The next whole UTC minute at least 40 s away: time for the backfill to finish first.
    const due = new Date(Math.ceil((devServerNow() + 40_000) / 60_000) * 60_000);
    const metric = await createMetric(stack, integrationId, { importTime: due.toISOString().slice(11, 16), timeZone: 'UTC' });
    await eventually(async () => {
      const current = await status(stack, metric.id);
      return current.lastImport?.succeeded && current.nextImportAt === due.toISOString() ? true : undefined;
    });
    await firstWorker.stop();

    // New data reaches Looker while nothing imports, and the import time passes.
    stack.emulator.control.appendLookRows('1', [{ 'orders.created_date': '2024-07-01', 'orders.total_revenue': 1234.5, 'orders.count': 7 }]);
    await new Promise((resolve) => setTimeout(resolve, due.getTime() + 3_000 - devServerNow()));
    expect((await importRuns(stack, metric.id)).map((run) => run.kind)).toEqual(['backfill']);

    const secondWorker = await stack.startWorker();
    try {
      const runs = await eventually(async () => {
        const all = await importRuns(stack, metric.id);
        return all.length === 2 && all[1]?.status === 'succeeded' ? all : undefined;
      });
      expect(runs.map((run) => run.kind)).toEqual(['backfill', 'scheduled']);
      expect(runs[1]?.scheduledFor.toISOString()).toBe(due.toISOString());
      expect(runs[1]).toMatchObject({ inserted: 1, updated: 0 });
      expect((await datapoints(stack, metric.id)).get('2024-07-01')).toBe('1234.5');
    } finally {
      await secondWorker.stop();
    }
  }, 180_000);
});
