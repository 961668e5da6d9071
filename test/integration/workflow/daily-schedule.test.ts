import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestStack } from '../../helpers/test-stack';
import {
  berlinWallClock,
  createIntegration,
  createMetric,
  startTimeSkippingStack,
  stopTimeSkippingStack,
  datapoints,
  eventuallyStatus,
  importRuns,
  lookRows,
  metricRow,
  skipTo,
} from './workflow-helpers';

/**
 * Acceptance 1: the daily import fires at the metric's wall-clock time in its own time zone,
 * exactly once per local day, across both DST changes.
 *
 * The time-skipping test server cannot be set to a date, only moved forward, and it starts at the
 * real "now". So each test first skips the (still empty) server to a day shortly before a DST
 * change, then creates the metric — its workflow therefore genuinely lives through the change on
 * its own clock — and skips three days. Nothing about the schedule or the time zone is faked:
 * the workflow sleeps on durable timers computed by the real `nextImportAt` for Europe/Berlin.
 * `import_runs.scheduled_for` records the workflow time each run was due (under time skipping the
 * activities' own clock is real time, so `started_at` is not the workflow's clock).
 */
/**
 * 12:00 UTC on the Friday before the next EU clock change in `month` (March: spring, October:
 * autumn; the last Sunday at 01:00 UTC) that is still ahead of `nowMs`, and the following days.
 */
function fridayBeforeChange(nowMs: number, month: 'March' | 'October') {
  const monthIndex = month === 'March' ? 2 : 9;
  for (let year = new Date(nowMs).getUTCFullYear(); ; year += 1) {
    const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0));
    const friday = Date.UTC(year, monthIndex, lastDay.getUTCDate() - lastDay.getUTCDay() - 2, 12);
    if (friday > nowMs) {
      const day = (offset: number) => new Date(friday + offset * 86_400_000).toISOString().slice(0, 10);
      return { friday: new Date(friday), saturday: day(1), sunday: day(2), monday: day(3), tuesday: day(4) };
    }
  }
}

describe('daily import at the import time in the metric time zone', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let integrationId: string;

  beforeAll(async () => {
    ({ env, stack } = await startTimeSkippingStack());
    integrationId = await createIntegration(stack);
  });
  afterAll(() => stopTimeSkippingStack({ env, stack }));

  /** Creates the metrics at `createAt`, waits for their backfills, then skips three days. */
  async function threeDaysFrom(createAt: Date, importTimes: string[]) {
    await skipTo(env, createAt);
    const metrics = [];
    for (const importTime of importTimes) metrics.push(await createMetric(stack, integrationId, { importTime, timeZone: 'Europe/Berlin' }));
    for (const metric of metrics) await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    await env.sleep('3 days');
    const runs = [];
    for (const metric of metrics) {
      // The third import is due shortly before the skip ends; wait for its bookkeeping to land.
      await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'scheduled' && s.lastImport.scheduledFor >= new Date(createAt.getTime() + 2 * 86_400_000).toISOString());
      runs.push(await importRuns(stack, metric.id));
    }
    return { metrics, runs };
  }

  it('backfills the Look, then imports at 06:00 Berlin on each of three days across the spring change (CET → CEST)', async () => {
    // Friday 12:00 UTC; clocks go forward on Sunday at 02:00 CET.
    const days = fridayBeforeChange(await env.currentTimeMs(), 'March');
    const { metrics, runs } = await threeDaysFrom(days.friday, ['06:00', '02:30']);
    const [six, twoThirty] = runs;

    expect(six!.map((run) => run.kind)).toEqual(['backfill', 'scheduled', 'scheduled', 'scheduled']);
    expect(six!.every((run) => run.status === 'succeeded')).toBe(true);
    const scheduled = six!.filter((run) => run.kind === 'scheduled');
    expect(scheduled.map((run) => berlinWallClock(run.scheduledFor))).toEqual([`${days.saturday} 06:00`, `${days.sunday} 06:00`, `${days.monday} 06:00`]);
    // The same wall-clock time is an hour earlier in UTC once summer time starts.
    expect(scheduled.map((run) => run.scheduledFor.toISOString())).toEqual([
      `${days.saturday}T05:00:00.000Z`,
      `${days.sunday}T04:00:00.000Z`,
      `${days.monday}T04:00:00.000Z`,
    ]);

    // The backfill imported the Look's whole history, value for value.
    const expected = await lookRows(stack, '1');
    const stored = await datapoints(stack, metrics[0]!.id);
    expect(stored.size).toBe(expected.length);
    for (const row of expected) expect(Number(stored.get(String(row['orders.created_date'])))).toBeCloseTo(Number(row['orders.total_revenue']), 6);
    expect(six![0]!.inserted).toBe(expected.length);
    // Daily imports of an unchanged Look change nothing.
    expect(scheduled.map((run) => [run.inserted, run.updated, run.unchanged])).toEqual(scheduled.map(() => [0, 0, expected.length]));

    // 02:30 does not exist on the change day: that day's import runs at 03:30 CEST, still once.
    const gapDay = twoThirty!.filter((run) => run.kind === 'scheduled');
    expect(gapDay.map((run) => run.scheduledFor.toISOString())).toEqual([
      `${days.saturday}T01:30:00.000Z`, // 02:30 CET
      `${days.sunday}T01:30:00.000Z`, // 02:30 is skipped: 03:30 CEST
      `${days.monday}T00:30:00.000Z`, // 02:30 CEST
    ]);

    // The next import is already scheduled, in the workflow and on the metric row.
    const row = await metricRow(stack, metrics[0]!.id);
    expect(row.state).toBe('active');
    expect(row.nextImportAt?.toISOString()).toBe(`${days.tuesday}T04:00:00.000Z`);

    for (const metric of metrics) await stack.gateway.terminate(metric.id, 'test done');
  });

  it('imports at 06:00 Berlin on each of three days across the autumn change (CEST → CET), and 02:30 only once on the repeated hour', async () => {
    // Friday 12:00 UTC; clocks go back on Sunday at 03:00 CEST.
    const days = fridayBeforeChange(await env.currentTimeMs(), 'October');
    const { runs } = await threeDaysFrom(days.friday, ['06:00', '02:30']);
    const [six, twoThirty] = runs;

    const scheduled = six!.filter((run) => run.kind === 'scheduled');
    expect(scheduled.every((run) => run.status === 'succeeded')).toBe(true);
    expect(scheduled.map((run) => berlinWallClock(run.scheduledFor))).toEqual([`${days.saturday} 06:00`, `${days.sunday} 06:00`, `${days.monday} 06:00`]);
    expect(scheduled.map((run) => run.scheduledFor.toISOString())).toEqual([
      `${days.saturday}T04:00:00.000Z`,
      `${days.sunday}T05:00:00.000Z`,
      `${days.monday}T05:00:00.000Z`,
    ]);

    // 02:30 happens twice on the change day; only the first occurrence (CEST) imports.
    const repeated = twoThirty!.filter((run) => run.kind === 'scheduled');
    expect(repeated.map((run) => run.scheduledFor.toISOString())).toEqual([
      `${days.saturday}T00:30:00.000Z`, // 02:30 CEST
      `${days.sunday}T00:30:00.000Z`, // first 02:30 (CEST); the second, 01:30Z, is not another import
      `${days.monday}T01:30:00.000Z`, // 02:30 CET
    ]);
  });
});
