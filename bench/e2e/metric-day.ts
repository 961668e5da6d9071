import type { History } from '@temporalio/common/lib/proto-utils';
import { metricWorkflowId } from '../../src/shared/ids';
import { countBillableActions } from '../../src/temporal/billable-actions';
import { median } from '../stats';
import { waitUntil } from './pool';
import type { E2eStack } from './stack';

export interface MetricDayActions {
  sampleMetrics: number;
  /** Median over the samples of the billable actions from one day's timer to the next day's. */
  perMetricDay: number;
  /** The first sample's day, by kind, as countBillableActions names them. */
  byKind: Record<string, number>;
}

type HistoryEvent = NonNullable<History['events']>[number];

/**
 * Waits until every sample workflow has lived one scheduled day (its wait for the import time,
 * the import, and the start of the next day's wait), then counts the billable actions of that day
 * in its real history: the events from the first timer started up to the next one.
 */
export async function countMetricDayActions(stack: E2eStack, metricIds: readonly string[], options: { timeoutMs: number }): Promise<MetricDayActions> {
  const days = new Map<string, HistoryEvent[]>();
  await waitUntil(
    'the sample metrics to finish one scheduled day',
    async () => {
      for (const metricId of metricIds) {
        if (days.has(metricId)) continue;
        const history = await stack.temporal.workflow.getHandle(metricWorkflowId(metricId)).fetchHistory();
        const day = oneDay(history.events ?? []);
        if (day) days.set(metricId, day);
      }
      return days.size === metricIds.length;
    },
    { intervalMs: 2_000, timeoutMs: options.timeoutMs },
  );
  const counts = [...days.values()].map((events) => countBillableActions({ events }));
  return { sampleMetrics: metricIds.length, perMetricDay: median(counts.map((count) => count.total)), byKind: counts[0]?.byKind ?? {} };
}

/** The events of one scheduled day, or undefined while the next day's timer has not started. */
function oneDay(events: HistoryEvent[]): HistoryEvent[] | undefined {
  const timers = events.flatMap((event, index) => (event.timerStartedEventAttributes ? [index] : []));
  if (timers.length < 2) return undefined;
  return events.slice(timers[0], timers[1]);
}
