import { readFile } from 'node:fs/promises';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { describe, expect, it } from 'vitest';
import { countBillableActions } from '../../src/temporal/billable-actions';

const committed = (name: string) =>
  readFile(new URL(`../replay/histories/${name}.json`, import.meta.url), 'utf8').then((text) => historyFromJSON(JSON.parse(text)));

/** The events after `afterId` up to and including `lastId`. */
const slice = (history: History, afterId: number, lastId: number): History => ({
  events: (history.events ?? []).filter((event) => Number(event.eventId) > afterId && Number(event.eventId) <= lastId),
});

/** A history from events written as `temporal workflow show --output json` prints them. */
const fromJson = (events: Record<string, unknown>[]): History => historyFromJSON({ events });

describe('countBillableActions', () => {
  it('counts the committed lifecycle history by kind', async () => {
    const history = await committed('metric-import-lifecycle');
    expect(countBillableActions(history)).toEqual({
      total: 60,
      byKind: { workflowStart: 1, activity: 32, activityRetry: 1, timer: 6, update: 5, signal: 1, searchAttributeUpsert: 7, markers: 7 },
    });
  });

  it('counts the committed continue-as-new history by kind', async () => {
    const history = await committed('metric-import-continue-as-new');
    expect(countBillableActions(history)).toEqual({
      total: 14,
      byKind: { workflowStart: 1, activity: 8, timer: 1, update: 1, searchAttributeUpsert: 1, markers: 2 },
    });
  });

  it('counts one scheduled import of the old workflow as eight actions', async () => {
    // Events 182 (the timer fired) to 218 (the next timer started) of the lifecycle history: a
    // scheduled import whose login failed, recorded before the bookkeeping was folded in.
    const cycle = slice(await committed('metric-import-lifecycle'), 181, 218);
    expect(countBillableActions(cycle)).toEqual({
      total: 8,
      byKind: { activity: 5, searchAttributeUpsert: 1, markers: 1, timer: 1 },
    });
  });

  it('counts every marker of one workflow task as one action, and each retry as one', () => {
    const history = fromJson([
      { eventId: '4', eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', workflowTaskCompletedEventAttributes: { meteringMetadata: { nonfirstLocalActivityExecutionAttempts: 2 } } },
      { eventId: '5', eventType: 'EVENT_TYPE_MARKER_RECORDED', markerRecordedEventAttributes: { markerName: 'core_patch', workflowTaskCompletedEventId: '4' } },
      { eventId: '6', eventType: 'EVENT_TYPE_MARKER_RECORDED', markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: '4' } },
      { eventId: '7', eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', activityTaskScheduledEventAttributes: { activityType: { name: 'runLook' } } },
      { eventId: '8', eventType: 'EVENT_TYPE_ACTIVITY_TASK_STARTED', activityTaskStartedEventAttributes: { scheduledEventId: '7', attempt: 4 } },
      { eventId: '9', eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', workflowTaskCompletedEventAttributes: {} },
      { eventId: '10', eventType: 'EVENT_TYPE_MARKER_RECORDED', markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: '9' } },
    ]);
    expect(countBillableActions(history)).toEqual({
      total: 8,
      byKind: { localActivityRetry: 2, activity: 1, activityRetry: 3, markers: 2 },
    });
  });

  it('bills a child workflow start twice and leaves the versioning search attribute out', () => {
    const keyword = { metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: 'IjEi' };
    const history = fromJson([
      { eventId: '1', eventType: 'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED', startChildWorkflowExecutionInitiatedEventAttributes: { workflowId: 'child' } },
      { eventId: '2', eventType: 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { TemporalChangeVersion: keyword } } } },
      { eventId: '3', eventType: 'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES', upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { ImportState: keyword } } } },
      { eventId: '4', eventType: 'EVENT_TYPE_WORKFLOW_TASK_FAILED', workflowTaskFailedEventAttributes: { cause: 'WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW' } },
      { eventId: '5', eventType: 'EVENT_TYPE_WORKFLOW_TASK_FAILED', workflowTaskFailedEventAttributes: { cause: 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND' } },
    ]);
    expect(countBillableActions(history)).toEqual({ total: 4, byKind: { childWorkflowStart: 2, searchAttributeUpsert: 1, workflowReset: 1 } });
  });

  it('counts nothing in an empty history', () => {
    expect(countBillableActions({})).toEqual({ total: 0, byKind: {} });
    expect(countBillableActions({ events: [] })).toEqual({ total: 0, byKind: {} });
  });
});
