import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import type { History } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activitiesFor } from '../../../src/runtime/services';
import { countBillableActions } from '../../../src/temporal/billable-actions';
import { eventually } from '../../helpers/eventually';
import type { TestStack } from '../../helpers/test-stack';
import {
  createIntegration,
  createMetric,
  datapoints,
  eventuallyStatus,
  importRuns,
  lookRows,
  maybeRecordHistory,
  metricRow,
  startTimeSkippingStack,
  stopTimeSkippingStack,
} from './workflow-helpers';

type HistoryEvent = NonNullable<History['events']>[number];

/**
 * Issue 10, target 3: a scheduled daily import in steady state costs at most 5 billable Temporal
 * actions, counted from the workflow's real history by `countBillableActions` (the rule is in
 * docs/workflow.md, "Billable actions"). A metric is backfilled, then lives through three daily
 * imports; each day is the events from its timer firing to the next day's timer starting. With
 * RECORD_REPLAY_HISTORY=1 the history is recorded for the replay test (metric-import-steady-state).
 */
describe('billable actions per scheduled daily import', () => {
  let env: TestWorkflowEnvironment;
  let stack: TestStack;

  beforeAll(async () => {
    ({ env, stack } = await startTimeSkippingStack());
  });
  afterAll(() => stopTimeSkippingStack({ env, stack }));

  it('costs at most 5 actions a day, with the token, Look run and upsert activities, and keeps the bookkeeping', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    const handle = stack.client.workflow.getHandle(metric.workflowId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');

    await env.sleep('3 days');
    const days = await eventually(async () => {
      const found = dailyCycles((await handle.fetchHistory()).events ?? []);
      return found.length === 3 ? found : undefined;
    });

    const perDay = days.map((events) => countBillableActions({ events }));
    // The backfill already recorded the run's patch marker, so every day is the steady state.
    expect(perDay.map((day) => day.byKind)).toEqual(Array.from({ length: 3 }, () => ({ timer: 1, activity: 3 })));
    for (const day of perDay) {
      expect(day.total).toBeLessThanOrEqual(5);
    }
    // The three activities of the design card, nothing else.
    expect(days.map(activityNames)).toEqual(Array.from({ length: 3 }, () => ['acquireLookerToken', 'runLook', 'upsertDatapoints']));

    // The bookkeeping the API reads is all there: runs, counts, state and the next import.
    const status = await eventuallyStatus(stack, metric.id, (s) => s.lastImport?.kind === 'scheduled' && s.nextImportAt !== null);
    const runs = await importRuns(stack, metric.id);
    expect(runs.map((run) => [run.kind, run.status])).toEqual([
      ['backfill', 'succeeded'],
      ['scheduled', 'succeeded'],
      ['scheduled', 'succeeded'],
      ['scheduled', 'succeeded'],
    ]);
    const rows = (await lookRows(stack, '1')).length;
    expect(runs.slice(1).map((run) => [run.rowsRead, run.inserted, run.updated, run.unchanged])).toEqual(
      Array.from({ length: 3 }, () => [rows, 0, 0, rows]),
    );
    expect((await datapoints(stack, metric.id)).size).toBe(rows);
    const row = await metricRow(stack, metric.id);
    expect(row).toMatchObject({ state: 'active', lastError: null });
    expect(row.nextImportAt?.toISOString()).toBe(status.nextImportAt);
    expect(status).toMatchObject({ state: 'active', lastError: null, lastImport: { succeeded: true } });
    const [lastImportAt] = await stack.services.database.sql<{ last_import_at: Date | null }[]>`
      select last_import_at from metrics where id = ${metric.id}`;
    expect(lastImportAt?.last_import_at).not.toBeNull();

    const { runId } = await handle.describe();
    await maybeRecordHistory(env.address, 'metric-import-steady-state', metric.workflowId, runId);
    await stack.gateway.terminate(metric.id, 'test done');
  });

  it('keeps the folded bookkeeping exact when an attempt is retried, and records a failure whose run never started', async () => {
    const integrationId = await createIntegration(stack);
    const metric = await createMetric(stack, integrationId);
    await eventuallyStatus(stack, metric.id, (s) => s.state === 'active');
    // The activities are driven directly, as the workflow's retries would call them.
    await stack.gateway.terminate(metric.id, 'activities driven by the test');
    const activities = activitiesFor(stack.services);
    const importRunId = randomUUID();
    // The login, runLook and the merge heartbeat, so they run in an activity context.
    const runLook = (id: string) => new MockActivityEnvironment().run((input: { importRunId: string }) => activities.runLook(input), { importRunId: id });
    type Login = typeof activities.acquireLookerToken;
    const login = (input: Parameters<Login>[0]) =>
      new MockActivityEnvironment().run<[Parameters<Login>[0]], Awaited<ReturnType<Login>>, Login>((given) => activities.acquireLookerToken(given), input);
    type Upsert = typeof activities.upsertDatapoints;
    const upsert = (input: Parameters<Upsert>[0]) => new MockActivityEnvironment().run<[Parameters<Upsert>[0]], Awaited<ReturnType<Upsert>>, Upsert>((given) => activities.upsertDatapoints(given), input);
    const start = { importRunId, metricId: metric.id, kind: 'manual' as const, scheduledFor: new Date(await env.currentTimeMs()).toISOString() };

    // The login's retry records the start once.
    await login({ start });
    await login({ start });
    expect((await importRuns(stack, metric.id)).filter((run) => run.id === importRunId)).toMatchObject([{ kind: 'manual', status: 'running' }]);

    // The upsert's retry after a lost result reports the same counts and the same next import.
    await runLook(importRunId);
    const afterMs = await env.currentTimeMs();
    const success = { metricState: 'active' as const, nextImport: { afterMs, schedule: metric.schedule } };
    const first = await upsert({ importRunId, replace: false, success });
    const retried = await upsert({ importRunId, replace: false, success });
    expect(retried).toEqual(first);
    expect(first.nextImportAtMs).toBeGreaterThan(afterMs);
    expect((await importRuns(stack, metric.id)).find((run) => run.id === importRunId)).toMatchObject({ status: 'succeeded' });
    expect((await metricRow(stack, metric.id)).nextImportAt?.getTime()).toBe(first.nextImportAtMs);

    // A schedule this worker cannot compute writes no next import; the workflow's local activity reports it.
    const unknownZone = randomUUID();
    await login({ start: { ...start, importRunId: unknownZone } });
    await runLook(unknownZone);
    const merged = await upsert({
      importRunId: unknownZone,
      replace: false,
      success: { metricState: 'active', nextImport: { afterMs, schedule: { importTime: '06:00', timeZone: 'Mars/Olympus' } } },
    });
    expect(merged.nextImportAtMs).toBeUndefined();
    expect((await metricRow(stack, metric.id)).nextImportAt?.getTime()).toBe(first.nextImportAtMs);

    // The login ran out of time before Postgres recorded the run: the failure still reaches the metric.
    await activities.finishImportRun({ importRunId: randomUUID(), metricId: metric.id, succeeded: false, error: 'Looker did not answer.', metricState: 'needs_attention' });
    expect(await metricRow(stack, metric.id)).toMatchObject({ state: 'needs_attention', lastError: 'Looker did not answer.' });
  });
});

/** Each scheduled import's events: from its timer firing up to and including the next timer's start. */
function dailyCycles(events: HistoryEvent[]): HistoryEvent[][] {
  const cycles: HistoryEvent[][] = [];
  let current: HistoryEvent[] | undefined;
  for (const event of events) {
    if (event.timerFiredEventAttributes) current = [];
    if (!current) continue;
    current.push(event);
    if (event.timerStartedEventAttributes) {
      cycles.push(current);
      current = undefined;
    }
  }
  return cycles;
}

function activityNames(events: HistoryEvent[]): string[] {
  return events.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}
