import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricWorkflowId } from '../../../src/shared/ids';
import { importNow } from '../../../src/shared/messages';
import type { TestStack } from '../../helpers/test-stack';
import { eventually } from '../../helpers/eventually';
import {
  berlinWallClock,
  createIntegration,
  createMetric,
  startTimeSkippingStack,
  stopTimeSkippingStack,
  eventuallyStatus,
  importRuns,
  maybeRecordHistory,
  metricRow,
  skipTo,
  status,
} from './workflow-helpers';

/**
 * Acceptance 8: continue-as-new, forced by a low history-length threshold (the test-only
 * `continueAsNewAfterEvents` input; in production the server's suggestion triggers it), carries
 * the schedule, pause flag and import state into the next run. With RECORD_REPLAY_HISTORY=1 the
 * first run's history (backfill, schedule change, continue-as-new) is recorded for the replay test.
 */
/** The first 12:00 UTC at least a minute after `nowMs`. */
function nextNoonUtc(nowMs: number): number {
  const noon = new Date(nowMs + 60_000);
  noon.setUTCHours(12, 0, 0, 0);
  if (noon.getTime() < nowMs + 60_000) noon.setUTCDate(noon.getUTCDate() + 1);
  return noon.getTime();
}

describe('continue-as-new', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    ({ env, stack } = await startTimeSkippingStack({ continueAsNewAfterEvents: 60 }));
  });
  afterAll(() => stopTimeSkippingStack({ env, stack }));

  it('keeps the schedule, the pause and the import state across runs', async () => {
    // From the next 12:00 UTC on, well after 07:15 Berlin: the days below are counted from it.
    const start = nextNoonUtc(await env.currentTimeMs());
    await skipTo(env, new Date(start));
    const day = (offset: number) => new Date(start + offset * 86_400_000).toISOString().slice(0, 10);
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    const handle = stack.client.workflow.getHandle(metricWorkflowId(metric.id));
    const firstRunId = (await handle.describe()).runId;
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const schedule = { importTime: '07:15', timeZone: 'Europe/Berlin' };
    await stack.gateway.updateSchedule(metric.id, schedule);

    // Two days: two imports at the new time, each in a run of its own.
    await env.sleep('2 days');
    const afterTwoDays = await eventuallyStatus(
      stack,
      metric.id,
      (s) => s.lastImport !== null && berlinWallClock(new Date(s.lastImport.scheduledFor)) === `${day(2)} 07:15`,
    );
    const secondRunId = (await handle.describe()).runId;
    expect(secondRunId).not.toBe(firstRunId);
    expect(afterTwoDays).toMatchObject({ state: 'active', schedule, lastError: null });
    expect(berlinWallClock(new Date(afterTwoDays.nextImportAt!))).toBe(`${day(3)} 07:15`);
    expect(afterTwoDays.lastImport).toMatchObject({ kind: 'scheduled', succeeded: true });
    await maybeRecordHistory(env.address, 'metric-import-continue-as-new', metric.workflowId, firstRunId);

    // Paused, then enough (ignored) signals to pass the threshold while paused: the next run is paused too.
    await stack.gateway.pause(metric.id);
    await eventually(async () => {
      await handle.signal(importNow);
      return (await handle.describe()).runId !== secondRunId ? true : undefined;
    });
    const pausedRun = await status(stack, metric.id);
    expect(pausedRun).toMatchObject({ state: 'paused', paused: true, schedule, nextImportAt: null });
    expect(pausedRun.lastImport).toEqual(afterTwoDays.lastImport);
    await env.sleep('2 days');
    expect((await importRuns(stack, metric.id)).filter((run) => run.kind === 'scheduled')).toHaveLength(2);

    // Resumed in the new run: imports carry on at 07:15 Berlin.
    await stack.gateway.resume(metric.id);
    const resumed = await eventuallyStatus(stack, metric.id, (s) => s.nextImportAt !== null);
    await skipTo(env, new Date(Date.parse(resumed.nextImportAt!) + 60_000));
    await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.scheduledFor === resumed.nextImportAt);
    const scheduled = (await importRuns(stack, metric.id)).filter((run) => run.kind === 'scheduled');
    expect(scheduled.map((run) => berlinWallClock(run.scheduledFor))).toEqual([`${day(1)} 07:15`, `${day(2)} 07:15`, `${day(5)} 07:15`]);
    expect(scheduled.every((run) => run.status === 'succeeded')).toBe(true);
    expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'active', importTime: '07:15', timeZone: 'Europe/Berlin' });
    await stack.gateway.terminate(metric.id, 'test done');
  });
});
