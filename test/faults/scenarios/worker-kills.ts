import { startBatch } from '../batch';
import { finishAndCompare, type Scenario } from '../scenario';
import { stopWorker, stopWorkers } from '../worker-signals';

/**
 * Three worker processes share the batch; one is SIGKILLed while Look runs are in flight, another
 * gets SIGTERM (a graceful shutdown) a little later, and the survivor finishes every import.
 */
export const workerKills: Scenario = {
  name: 'worker-kills',
  title: '3 workers: one SIGKILL, one SIGTERM',
  run: async (context) => {
    const { stack, progress, timings } = context;
    const batch = await startBatch(stack, { name: 'worker-kills' });
    progress.step('starting three worker processes');
    const [killed, terminated, survivor] = await Promise.all([0, 1, 2].map(() => stack.startWorker({ taskQueue: batch.taskQueue })));
    // Slow Look runs keep work in flight on every worker when the signals arrive.
    const slowRuns = stack.emulator.control.addFault({ type: 'latency', ms: 3_000, match: { route: '/looks/:look_id/run/:result_format' } });
    try {
      progress.step('creating the metrics; the signals arrive while the burst is still coming in');
      const creating = batch.createMetrics();
      // Awaited below; a failed create must not end the process as an unhandled rejection meanwhile.
      creating.catch(() => undefined);
      const first = await batch.waitUntilFinished({
        timeoutMs: timings.finishTimeoutMs,
        until: (s) => s.total >= 20 && s.running > 0 && stack.emulator.control.counters().runsInFlight > 0,
      });
      const inFlight = stack.emulator.control.counters().runsInFlight;
      progress.step(`SIGKILL to worker 1 (pid ${killed!.pid}) with ${inFlight} Look runs in flight, ${first.total} metrics created, ${first.finished} imported`);
      await stopWorker(killed!, 'SIGKILL');
      const second = await batch.waitUntilFinished({ timeoutMs: timings.finishTimeoutMs, until: (s) => s.total >= 40 && s.finished >= first.finished + 3 });
      progress.step(`SIGTERM to worker 2 (pid ${terminated!.pid}) with ${second.total} metrics created, ${second.finished} imported`);
      await stopWorker(terminated!, 'SIGTERM');
      await creating;
      stack.emulator.control.removeFault(slowRuns.id);
      return await finishAndCompare(
        context,
        batch,
        `SIGKILL with ${inFlight} Look runs in flight (${first.finished}/${first.total} imported), SIGTERM at ${second.finished}/${second.total}; the third worker finished`,
      );
    } finally {
      stack.emulator.control.removeFault(slowRuns.id);
      await stopWorkers([killed!, terminated!, survivor!]);
      await batch.close();
    }
  },
};
