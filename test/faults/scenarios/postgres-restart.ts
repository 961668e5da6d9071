import { startBatch } from '../batch';
import { finishAndCompare, type Scenario } from '../scenario';
import { stopWorkers } from '../worker-signals';

/** Postgres stops in the middle of a backfill burst and comes back on the same data and port. */
export const postgresRestart: Scenario = {
  name: 'postgres-restart',
  title: 'Postgres restarted mid-backfill',
  run: async (context) => {
    const { stack, progress, timings } = context;
    const batch = await startBatch(stack, { name: 'postgres-restart' });
    const workers = [await stack.startWorker({ taskQueue: batch.taskQueue })];
    try {
      progress.step('creating the metrics (a backfill burst)');
      await batch.createMetrics();
      const before = await batch.waitUntilFinished({ timeoutMs: timings.finishTimeoutMs, until: (s) => s.finished >= 5 });
      progress.step(`stopping Postgres for ${timings.postgresDownMs / 1000} s with ${before.total - before.finished} backfills unfinished`);
      await stack.restartPostgres(timings.postgresDownMs);
      progress.step('Postgres is back on the same data directory and port');
      return await finishAndCompare(context, batch, `Postgres down ${timings.postgresDownMs / 1000} s with ${before.total - before.finished} of ${before.total} backfills unfinished`);
    } finally {
      await stopWorkers(workers);
      await batch.close();
    }
  },
};
