import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ImportSchedule, MetricStatus, SourceConfigChange } from './types';

/** Validates against Looker, saves, and re-imports the whole history; returns the new config version. */
export const updateSourceConfig = defineUpdate<{ configVersion: number }, [SourceConfigChange]>('updateSourceConfig');
/** Changes when the daily import runs; returns the next import instant (ISO). */
export const updateSchedule = defineUpdate<{ nextImportAt: string | null }, [ImportSchedule]>('updateSchedule');
export const pause = defineUpdate<MetricStatus>('pause');
export const resume = defineUpdate<MetricStatus>('resume');
/** Starts an import at once (a manual re-run); ignored while one is already queued. */
export const importNow = defineSignal('importNow');
/** Ends the workflow (the metric was deleted). */
export const stop = defineSignal('stop');
export const getStatus = defineQuery<MetricStatus>('getStatus');
