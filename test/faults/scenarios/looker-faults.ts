import type { Fault } from '../../../src/looker-emulator';
import { startBatch } from '../batch';
import { finishAndCompare, type Scenario } from '../scenario';
import { stopWorkers } from '../worker-signals';

/**
 * Looker misbehaves the ways operators meet: a third of the calls answered 503 or 429 (with
 * Retry-After) for a period, then recovery; every token expired in the middle of the cycle; and,
 * shortly before recovery, one Look run that hangs until the worker's LOOKER_TIMEOUT_SECONDS gives
 * up on it. The metrics are created one by one over the faulty period, so imports start (and
 * retry) all through it.
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
    let hang: Fault | undefined;
    const hangHits = () => stack.emulator.control.listFaults().find((fault) => fault.id === hang?.id)?.hits ?? 0;
    const loginsBefore = stack.emulator.control.counters().logins;
    try {
      const period = timings.flakyLookerMs;
      const recoveryAt = Date.now() + period;
      progress.step(`Looker answers a third of the calls with 503 or 429 for ${period / 1000} s; creating the metrics one by one over that period`);
      const creating = batch.createMetrics({ spreadOverMs: period * 0.95 });
      // Awaited below; a failed create must not end the process as an unhandled rejection meanwhile.
      creating.catch(() => undefined);
      const mid = await batch.waitUntilFinished({ timeoutMs: period / 2, until: () => false });
      const expiredMid = stack.emulator.control.expireTokens();
      progress.step(`expired every token (${expiredMid} live) with ${mid.total} metrics created, ${mid.finished} imported`);
      // The next Look run hangs; the worker gives up on it after Looker has recovered, so that
      // import is still owed at recovery and finishes on a retry.
      await batch.waitUntilFinished({ timeoutMs: Math.max(0, recoveryAt - period * 0.15 - Date.now()), until: () => false });
      hang = stack.emulator.control.addFault({ type: 'hang', count: 1, match: { route: '/looks/:look_id/run/:result_format' } });
      await creating;
      await batch.waitUntilFinished({ timeoutMs: Math.max(0, recoveryAt - Date.now()), until: () => false });
      stack.proxy.setOverride(undefined);
      const recovered = await batch.progress();
      const expiredAtRecovery = stack.emulator.control.expireTokens();
      progress.step(
        `Looker recovered (${faulted} of ${calls} calls faulted, ${hangHits()} Look run hanging) with ${recovered.total - recovered.finished} imports unfinished; expired every token again (${expiredAtRecovery} live)`,
      );
      const result = await finishAndCompare(context, batch, '');
      const logins = stack.emulator.control.counters().logins - loginsBefore;
      return {
        ...result,
        notes:
          `${faulted} of ${calls} Looker calls answered 503/429 over ${period / 1000} s, ${recovered.total - recovered.finished} imports unfinished at recovery; ` +
          `${hangHits()} Look run hung (worker gave up after ${timings.lookerTimeoutSeconds} s); tokens expired twice (${logins} logins)`,
      };
    } finally {
      stack.proxy.setOverride(undefined);
      if (hang) stack.emulator.control.removeFault(hang.id);
      await stopWorkers(workers);
      await batch.close();
    }
  },
};
