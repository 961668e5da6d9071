import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { metrics } from '../../../src/db/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricWorkflowId } from '../../../src/shared/ids';
import { importNow, stop } from '../../../src/shared/messages';
import { nextImportAt } from '../../../src/shared/schedule';
import { ImportStateKey } from '../../../src/shared/search-attributes';
import { eventually } from '../../helpers/eventually';
import type { TestStack } from '../../helpers/test-stack';
import {
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
  status,
} from './workflow-helpers';

/** Acceptance 2 and 3, plus the schedule update and concurrent messages, on the time-skipping server. */
describe('messages to the metric workflow', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;
  let integrationId: string;

  beforeAll(async () => {
    ({ env, stack } = await startTimeSkippingStack());
    integrationId = await createIntegration(stack);
  });
  afterAll(() => stopTimeSkippingStack({ env, stack }));

  it('re-imports when the source config changes to another field: the datapoints hold the new values and the import history shows the change', async () => {
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');

    expect(await stack.gateway.updateSourceConfig(metric.id, { valueField: 'orders.count' })).toEqual({ configVersion: 2 });
    const after = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'config_change');
    expect(after.state).toBe('active');
    expect(after.lastImport?.succeeded).toBe(true);

    const rows = await lookRows(stack, '1');
    const stored = await datapoints(stack, metric.id);
    expect(stored.size).toBe(rows.length);
    for (const row of rows) expect(Number(stored.get(String(row['orders.created_date'])))).toBe(Number(row['orders.count']));

    const runs = await importRuns(stack, metric.id);
    expect(runs.map((run) => [run.kind, run.status, run.valueField, run.configVersion])).toEqual([
      ['backfill', 'succeeded', 'orders.total_revenue', 1],
      ['config_change', 'succeeded', 'orders.count', 2],
    ]);
    expect([runs[1]!.inserted, runs[1]!.updated, runs[1]!.deleted]).toEqual([0, rows.length, 0]);

    // A field the Look does not have is refused before anything is saved or imported.
    await expect(stack.gateway.updateSourceConfig(metric.id, { valueField: 'orders.nope' })).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringContaining('orders.nope') as unknown,
    });
    // So is an empty change (by the update's validator, before it reaches history).
    await expect(stack.gateway.updateSourceConfig(metric.id, {})).rejects.toMatchObject({ kind: 'rejected' });
    const row = await metricRow(stack, metric.id);
    expect([row.valueField, row.configVersion, row.state]).toEqual(['orders.count', 2, 'active']);
    expect(await importRuns(stack, metric.id)).toHaveLength(2);
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('pauses (no import), resumes (next import at the next import time) and imports at once on "import now"', async () => {
    // The import time is twelve hours ahead (createMetric), so none comes due before the pause.
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const handle = stack.client.workflow.getHandle(metricWorkflowId(metric.id));

    const paused = await stack.gateway.pause(metric.id);
    expect(paused).toMatchObject({ state: 'paused', paused: true, nextImportAt: null });
    expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'paused', nextImportAt: null });
    expect((await handle.describe()).typedSearchAttributes.get(ImportStateKey)).toBe('paused');

    // Paused: three import times pass and "import now" is ignored; nothing is imported.
    await handle.signal(importNow);
    await env.sleep('3 days');
    expect((await status(stack, metric.id)).state).toBe('paused');
    expect(await importRuns(stack, metric.id)).toHaveLength(1);

    const resumedAt = await env.currentTimeMs();
    const resumed = await stack.gateway.resume(metric.id);
    expect(resumed.state).toBe('active');
    const due = nextImportAt(resumedAt, metric.schedule);
    const live = await eventuallyStatus(stack, metric.id, (s) => s.nextImportAt !== null);
    expect(live.nextImportAt).toBe(new Date(due).toISOString());
    await eventually(async () => ((await metricRow(stack, metric.id)).nextImportAt?.getTime() === due ? true : undefined));
    expect((await handle.describe()).typedSearchAttributes.get(ImportStateKey)).toBe('active');

    // Nothing until the import time, then exactly that one scheduled import.
    await skipTo(env, new Date(due - 60_000));
    expect(await importRuns(stack, metric.id)).toHaveLength(1);
    await skipTo(env, new Date(due + 60_000));
    await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'scheduled');
    const afterResume = await importRuns(stack, metric.id);
    expect(afterResume.map((run) => [run.kind, run.status, run.scheduledFor.getTime()])).toEqual([
      ['backfill', 'succeeded', afterResume[0]!.scheduledFor.getTime()],
      ['scheduled', 'succeeded', due],
    ]);

    // "Import now" starts an import at once: no time is skipped, yet a manual run completes,
    // due before the next scheduled import.
    const signalledAt = await env.currentTimeMs();
    await handle.signal(importNow);
    const manual = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'manual');
    expect(manual.lastImport?.succeeded).toBe(true);
    const manualDue = Date.parse(manual.lastImport!.scheduledFor);
    expect(manualDue).toBeGreaterThanOrEqual(signalledAt);
    expect(manualDue).toBeLessThan(Date.parse(manual.nextImportAt!));
    expect((await importRuns(stack, metric.id)).map((run) => run.kind)).toEqual(['backfill', 'scheduled', 'manual']);
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('moves the daily timer when the import time changes, and refuses a time or zone that is not one', async () => {
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const changedAt = await env.currentTimeMs();
    const schedule = { importTime: '18:30', timeZone: 'America/New_York' };

    const { nextImportAt: answered } = await stack.gateway.updateSchedule(metric.id, schedule);
    const due = nextImportAt(changedAt, schedule);
    expect(answered).toBe(new Date(due).toISOString());
    expect(await metricRow(stack, metric.id)).toMatchObject({ importTime: '18:30', timeZone: 'America/New_York', nextImportAt: new Date(due) });

    await expect(stack.gateway.updateSchedule(metric.id, { importTime: '25:00', timeZone: 'UTC' })).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringContaining('importTime') as unknown,
    });
    await expect(stack.gateway.updateSchedule(metric.id, { importTime: '06:00', timeZone: 'Mars/Olympus' })).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringContaining('timeZone') as unknown,
    });

    await skipTo(env, new Date(due + 60_000));
    const imported = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'scheduled');
    expect(imported.lastImport?.scheduledFor).toBe(new Date(due).toISOString());
    expect(imported.schedule).toEqual(schedule);
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('applies concurrent updates one at a time: the metric row ends equal to the workflow status', async () => {
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const schedules = ['07:00', '08:15', '09:30', '10:45'].map((importTime) => ({ importTime, timeZone: 'Europe/Berlin' }));

    const results = await Promise.allSettled([
      stack.gateway.updateSchedule(metric.id, schedules[0]!),
      stack.gateway.pause(metric.id),
      stack.gateway.updateSchedule(metric.id, schedules[1]!),
      stack.gateway.resume(metric.id),
      stack.gateway.updateSchedule(metric.id, schedules[2]!),
      stack.gateway.pause(metric.id),
      stack.gateway.resume(metric.id),
      stack.gateway.updateSchedule(metric.id, schedules[3]!),
    ]);
    expect(results.map((result) => result.status)).toEqual(results.map(() => 'fulfilled'));

    // The server decides the order, so the end state may be paused or active; either way the
    // metric row must say exactly what the workflow says.
    const rowMatchesStatus = () =>
      eventually(async () => {
        const live = await status(stack, metric.id);
        const row = await metricRow(stack, metric.id);
        const view = (state: string, schedule: { importTime: string; timeZone: string }, next: string | null) => ({ state, ...schedule, next });
        const fromRow = view(row.state, { importTime: row.importTime, timeZone: row.timeZone }, row.nextImportAt?.toISOString() ?? null);
        const fromLive = view(live.state, live.schedule, live.nextImportAt);
        return !live.importing && JSON.stringify(fromRow) === JSON.stringify(fromLive) ? fromLive : undefined;
      });
    const settled = await rowMatchesStatus();
    expect(settled.next === null).toBe(settled.state === 'paused');
    await stack.gateway.resume(metric.id);
    expect((await rowMatchesStatus()).state).toBe('active');
    const live = await status(stack, metric.id);
    expect(live.nextImportAt).toBe(new Date(nextImportAt(await env.currentTimeMs(), live.schedule)).toISOString());
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('ends on the stop signal once running handlers have answered', async () => {
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    const handle = stack.client.workflow.getHandle(metricWorkflowId(metric.id));
    const paused = stack.gateway.pause(metric.id);
    await handle.signal(stop);
    expect((await paused).state).toBe('paused');
    await expect(handle.result()).resolves.toBeUndefined();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('answers a status query right after the start when the starter passes the schedule', async () => {
    const metricId = randomUUID();
    const schedule = { importTime: '05:45', timeZone: 'Asia/Kolkata' };
    await stack.services.database.db.insert(metrics).values({
      id: metricId,
      workspaceId: stack.workspaceId,
      integrationId,
      name: 'Started with its schedule',
      lookId: '1',
      dateField: 'orders.created_date',
      valueField: 'orders.total_revenue',
      ...schedule,
    });
    await stack.gateway.start({ metricId, workspaceId: stack.workspaceId, integrationId, schedule });
    // No waiting: the handlers exist from the first workflow task on.
    expect(await status(stack, metricId)).toMatchObject({ metricId, state: 'backfilling', schedule, paused: false });
    // Active with its next import computed (a local activity right after the backfill).
    const active = await eventuallyStatus(stack, metricId, (s) => s.state === 'active' && s.nextImportAt !== null);
    expect(active.nextImportAt).toBe(new Date(nextImportAt(Date.parse(active.lastImport!.finishedAt), schedule)).toISOString());
    await stack.gateway.terminate(metricId, 'test done');
  });
});
