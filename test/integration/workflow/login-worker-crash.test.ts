import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import proto from '@temporalio/proto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../../../src/crypto/secret-box';
import { lookerTokens } from '../../../src/db/schema';
import { metricWorkflowId } from '../../../src/shared/ids';
import { eventually } from '../../helpers/eventually';
import { startTestStack, type TestStack } from '../../helpers/test-stack';
import { startWorkerProcess } from './worker-processes';
import { createIntegration, createMetric, eventuallyStatus, importRuns, testLogger } from './workflow-helpers';

/**
 * An `acquireLookerToken` attempt whose worker is gone (killed, or a task lost on its way to a
 * worker: both leave the attempt "started" with nobody running it) is handed to another worker by
 * the heartbeat timeout. Without one, the import sat out the whole 2-minute start-to-close with
 * nothing running (the e2e-workers bench: 7 of 300 imports stalled that way). Real time on the
 * dev server, like worker-crash.test.ts: the heartbeat timeout is the server's.
 */
describe('a worker killed while it logs in to Looker', () => {
  let stack: TestStack;
  let child: ChildProcess | undefined;
  const encryptionKeys = `test:${generateEncryptionKey()}`;
  const taskQueue = `login-crash-${randomUUID()}`;

  beforeAll(async () => {
    stack = await startTestStack({ seed: 'test', taskQueue, startWorker: false, encryptionKeys, logger: testLogger() });
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.stop();
  });

  it('has its login attempt retried by another worker once the heartbeat timeout expires', async () => {
    const integrationId = await createIntegration(stack);
    // Created with no worker polling: the import waits for one. The API's field check stored a
    // token; without it, the import has to log in.
    const metric = await createMetric(stack, integrationId);
    await stack.services.database.db.delete(lookerTokens).where(eq(lookerTokens.integrationId, integrationId));
    const loginsBefore = stack.emulator.control.counters().requests['POST /login'] ?? 0;
    const hang = stack.emulator.control.addFault({ type: 'hang', match: { path: '/login' } });

    child = await startWorkerProcess(stack, { encryptionKeys, taskQueue });
    await eventually(() => Promise.resolve((stack.emulator.control.counters().requests['POST /login'] ?? 0) > loginsBefore ? true : undefined));
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    stack.emulator.control.removeFault(hang.id);

    const worker2 = await stack.startWorker();
    try {
      // Well inside the 2-minute start-to-close the attempt used to wait out.
      const done = await eventuallyStatus(stack, metric.id, (s) => s.lastImport !== null, { timeoutMs: 100_000 });
      expect(done).toMatchObject({ state: 'active', lastError: null });
      expect(done.lastImport).toMatchObject({ kind: 'backfill', succeeded: true });
      expect((await importRuns(stack, metric.id)).map((run) => run.status)).toEqual(['succeeded']);

      // The dead worker's attempt ended by its heartbeat timeout, not by the start-to-close: the
      // retry's started event carries why the attempt before it failed.
      const history = await stack.client.workflow.getHandle(metricWorkflowId(metric.id)).fetchHistory();
      const events = history.events ?? [];
      const scheduledLogin = new Set(
        events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'acquireLookerToken').map((event) => String(event.eventId)),
      );
      const loginRetries = events.flatMap((event) => {
        const started = event.activityTaskStartedEventAttributes;
        return started && scheduledLogin.has(String(started.scheduledEventId)) && (started.attempt ?? 1) > 1
          ? [{ attempt: started.attempt, timeoutType: started.lastFailure?.timeoutFailureInfo?.timeoutType }]
          : [];
      });
      expect(loginRetries).toEqual([{ attempt: 2, timeoutType: proto.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT }]);

      await stack.gateway.terminate(metric.id, 'test done');
    } finally {
      await worker2.stop();
    }
  }, 180_000);
});
