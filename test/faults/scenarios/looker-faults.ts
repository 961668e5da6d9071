import { startBatch } from '../batch';
import { finishAndCompare, type Scenario } from '../scenario';
import { stopWorkers } from '../worker-signals';

/**
 * Looker misbehaves the ways operators meet: a third of the calls answered 503 or 429 (with
 * Retry-After) for a while, then recovery; one Look run that hangs until the worker's
 * LOOKER_TIMEOUT_SECONDS gives up on it; and every token expired in the middle of the cycle.
 */
export const lookerFaults: Scenario = {
  name: 'looker-faults',
  title: 'Looker 503/429, hung run, tokens expired',
  run: async (context) => {
    const { stack, progress, timings } = context;
    const batch = await startBatch(stack, { name: 'looker-faults', viaProxy: true });
    const workers = [await stack.startWorker({ taskQueue: batch.taskQueue, env: { LOOKER_TIMEOUT_SECONDS: String(timings.lookerTimeoutSeconds) } })];
    let calls = 0;
    let faulted = 0;
    // Every third call through the proxy, alternately a 503 and a 429 with Retry-After.
    stack.proxy.setOverride(() => {
      calls++;
      if (calls % 3 !== 0) return undefined;
      faulted++;
      return faulted % 2 === 0
        ? { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '2' }, body: JSON.stringify({ message: 'Too Many Requests' }) }
        : { status: 503, body: JSON.stringify({ message: 'Service Unavailable' }) };
    });
    const hang = stack.emulator.control.addFault({ type: 'hang', count: 1, match: { route: '/looks/:look_id/run/:result_format' } });
    try {
      progress.step(`creating the metrics; Looker answers a third of the calls with 503 or 429 for ${timings.flakyLookerMs / 1000} s, and one Look run hangs`);
      await batch.createMetrics();
      const flakyUntil = Date.now() + timings.flakyLookerMs;
      const mid = await batch.waitUntilFinished({ timeoutMs: timings.flakyLookerMs / 2, until: (s) => s.finished >= s.total / 3 });
      const expiredEarly = stack.emulator.control.expireTokens();
      progress.step(`expired every token (${expiredEarly}) with ${mid.finished}/${mid.total} imported`);
      await batch.waitUntilFinished({ timeoutMs: Math.max(0, flakyUntil - Date.now()), until: (s) => s.finished === s.total });
      stack.proxy.setOverride(undefined);
      const after = await batch.progress();
      const expiredLate = stack.emulator.control.expireTokens();
      progress.step(`Looker recovered after ${faulted} faulted answers of ${calls} calls; expired every token again (${expiredLate}) with ${after.finished}/${after.total} imported`);
      const result = await finishAndCompare(context, batch, '');
      const hung = stack.emulator.control.listFaults().find((fault) => fault.id === hang.id);
      return {
        ...result,
        notes: `${faulted} of ${calls} calls answered 503/429 over ${timings.flakyLookerMs / 1000} s; ${hung?.hits ?? 0} hung run; tokens expired twice`,
      };
    } finally {
      stack.proxy.setOverride(undefined);
      stack.emulator.control.removeFault(hang.id);
      await stopWorkers(workers);
      await batch.close();
    }
  },
};
