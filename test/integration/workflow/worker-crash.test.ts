import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../../../src/crypto/secret-box';
import { eventually } from '../../helpers/eventually';
import { startTestStack, type TestStack } from '../../helpers/test-stack';
import { startWorkerProcess } from './worker-processes';
import { createIntegration, createMetric, datapoints, eventuallyStatus, importRuns, testLogger } from './workflow-helpers';


/**
 * Acceptance 6 on the dev server (a real Temporal server: sticky queues, heartbeat timeouts and
 * retries behave as in production). Worker 1 is a separate OS process that is SIGKILLed while its
 * Look run hangs in the emulator; worker 2 finishes the import once the heartbeat timeout (30 s)
 * hands the activity over. This file runs in real time: the time-skipping server does not skip
 * while an activity is outstanding, so it would gain nothing here.
 */
describe('a worker killed in the middle of an import', () => {
  let stack: TestStack;
  let child: ChildProcess | undefined;
  const encryptionKeys = `test:${generateEncryptionKey()}`;
  const taskQueue = `crash-${randomUUID()}`;

  beforeAll(async () => {
    stack = await startTestStack({ seed: 'test', taskQueue, startWorker: false, encryptionKeys, logger: testLogger() });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.stop();
  });

  const startWorker = () => startWorkerProcess(stack, { encryptionKeys, taskQueue });

  it('is finished by another worker, and the datapoints equal those of an undisturbed run', async () => {
    const integrationId = await createIntegration(stack);
    child = await startWorker();

    // The Look run hangs (a slow warehouse query) while worker 1 runs it.
    const hang = stack.emulator.control.addFault({ type: 'hang', match: { path: '/looks/1/run/json' } });
    const metric = await createMetric(stack, integrationId);
    await eventually(() => Promise.resolve(stack.emulator.control.counters().runsInFlight === 1 ? true : undefined));
    const [inFlight] = await importRuns(stack, metric.id);
    expect([inFlight?.kind, inFlight?.status]).toEqual(['backfill', 'running']);

    // Worker 1 dies without a word: no graceful shutdown, no activity failure reported.
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    stack.emulator.control.removeFault(hang.id);

    // Worker 2 (in this process) takes over once the heartbeat timeout expires.
    const worker2 = await stack.startWorker();
    try {
      const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport !== null, { timeoutMs: 120_000 });
      expect(done).toMatchObject({ state: 'active', lastError: null });
      expect(done.lastImport).toMatchObject({ kind: 'backfill', succeeded: true, importRunId: inFlight!.id });
      // One import run, continued rather than restarted; the Look was run twice (the hung attempt and the retry).
      const runs = await importRuns(stack, metric.id);
      expect(runs.map((run) => [run.id, run.status])).toEqual([[inFlight!.id, 'succeeded']]);
      expect(stack.emulator.control.counters().requestsByPath['GET /looks/1/run/json']).toBe(2);

      // The undisturbed run: the same Look imported by a metric nobody interferes with.
      const control = await createMetric(stack, integrationId);
      await eventuallyStatus(stack, control.id, (s) => s.lastImport?.succeeded === true);
      const recovered = await datapoints(stack, metric.id);
      const undisturbed = await datapoints(stack, control.id);
      expect(recovered.size).toBeGreaterThan(700);
      expect(recovered).toEqual(undisturbed);
      expect(runs[0]!.inserted).toBe(undisturbed.size);

      for (const id of [metric.id, control.id]) await stack.gateway.terminate(id, 'test done');
    } finally {
      await worker2.stop();
    }
  }, 180_000);
});
