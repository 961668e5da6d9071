/** Workflow-facing shapes: ids, dates and counts only — never secrets, tokens or datapoint values. */

export type MetricState = 'backfilling' | 'active' | 'paused' | 'needs_attention';
export type ImportKind = 'backfill' | 'scheduled' | 'manual' | 'config_change';

export type { ImportSchedule } from './schedule';
import type { ImportSchedule } from './schedule';

export interface MetricWorkflowInput {
  metricId: string;
  /**
   * The metric's schedule, when the starter knows it (it just saved the metric): the first run then
   * registers its handlers before its first await, so a status query right after the start is
   * answered. Without it the first run reads the schedule from the metric row first.
   */
  schedule?: ImportSchedule;
  /** Carried across continue-as-new; absent on the first run. */
  carried?: CarriedState;
  /** Tests only: continue as new after this many history events instead of when the server suggests. */
  continueAsNewAfterEvents?: number;
}

export interface LastImport {
  importRunId: string;
  kind: ImportKind;
  scheduledFor: string;
  finishedAt: string;
  succeeded: boolean;
}

/** Health of the metric's data, whether or not it is paused: the state it shows when not paused. */
export type MetricHealth = Exclude<MetricState, 'paused'>;

/**
 * Everything the workflow keeps across continue-as-new: small, ids and dates only. The published
 * state is derived: `paused ? 'paused' : health`.
 */
export interface CarriedState {
  schedule: ImportSchedule;
  paused: boolean;
  health: MetricHealth;
  /** An import owed at the next opportunity (e.g. a config change that arrived at continue-as-new). */
  pendingImport?: ImportKind;
  /**
   * A full import (backfill or config change) failed: the next import, whatever started it,
   * replaces the whole series so values of an old source config cannot linger.
   */
  replaceOwed?: boolean;
  lastImport?: LastImport;
  /** Workflow time of the last successful import; absent until the first one. */
  lastSucceededAt?: string;
  lastError?: string;
  /** The next import instant as last written to the metric row (null while paused). */
  nextImportAt?: string | null;
  /** The next scheduled import is the first import time after this (epoch ms); absent in older runs. */
  scheduleFromMs?: number;
  /** Imports that failed since the last success; absent in older runs. */
  failedInARow?: number;
}

export interface MetricStatus {
  metricId: string;
  state: MetricState;
  paused: boolean;
  schedule: ImportSchedule;
  importing: boolean;
  lastImport: LastImport | null;
  nextImportAt: string | null;
  lastError: string | null;
}

/** A change of schedule: either field or both (older callers always send both). */
export type ScheduleChange = Partial<ImportSchedule>;

export interface SourceConfigChange {
  lookId?: string;
  dateField?: string;
  valueField?: string;
  name?: string;
}

export interface ImportCounts {
  rowsRead: number;
  datapoints: number;
  skipped: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
}
