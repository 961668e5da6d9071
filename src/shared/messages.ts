import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MetricStatus, ScheduleChange, SourceConfigChange } from './types';

/** Validates against Looker, saves, and re-imports the whole history; returns the new config version. */
export const updateSourceConfig = defineUpdate<{ configVersion: number }, [SourceConfigChange]>('updateSourceConfig');
/**
 * Changes when the daily import runs; a field not given keeps the workflow's current value (merged
 * under the workflow's lock, so concurrent changes of time and zone both hold). Returns the next
 * import instant (ISO).
 */
export const updateSchedule = defineUpdate<{ nextImportAt: string | null }, [ScheduleChange]>('updateSchedule');
export const pause = defineUpdate<MetricStatus>('pause');
export const resume = defineUpdate<MetricStatus>('resume');
/** Starts an import at once (a manual re-run); ignored while one is already queued. */
export const importNow = defineSignal('importNow');
/** Ends the workflow (the metric was deleted). */
export const stop = defineSignal('stop');
export const getStatus = defineQuery<MetricStatus>('getStatus');
