import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { History } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
