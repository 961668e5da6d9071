import { startBatch } from '../batch';
import { finishAndCompare, type Scenario } from '../scenario';
import { stopWorkers } from '../worker-signals';

/** The Temporal dev server stops in the middle of imports and comes back on its SQLite file. */
export const temporalRestart: Scenario = {
  name: 'temporal-restart',
  title: 'Temporal dev server restarted mid-import',
  run: async (context) => {
    const { stack, progress, timings } = context;
    const batch = await startBatch(stack, { name: 'temporal-restart' });
    const workers = [await stack.startWorker({ taskQueue: batch.taskQueue })];
    try {
      progress.step('creating the metrics');
      await batch.createMetrics();
      const before = await batch.waitUntilFinished({ timeoutMs: timings.finishTimeoutMs, until: (s) => s.finished >= 5 });
      progress.step(`stopping the Temporal dev server for ${timings.temporalDownMs / 1000} s with ${before.total - before.finished} imports unfinished`);
      await stack.restartTemporal(timings.temporalDownMs);
      progress.step('the Temporal dev server is back on the same SQLite file and port');
      return await finishAndCompare(
        context,
        batch,
        `Temporal down ${timings.temporalDownMs / 1000} s with ${before.total - before.finished} of ${before.total} imports unfinished`,
      );
    } finally {
      await stopWorkers(workers);
      await batch.close();
    }
  },
};
