/** Workflow-facing shapes: ids, dates and counts only — never secrets, tokens or datapoint values. */

export type MetricState = 'backfilling' | 'active' | 'paused' | 'needs_attention';
export type ImportKind = 'backfill' | 'scheduled' | 'manual' | 'config_change';

export type { ImportSchedule } from './schedule';
import type { ImportSchedule } from './schedule';

export interface MetricWorkflowInput {
  metricId: string;
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

export interface CarriedState {
  schedule: ImportSchedule;
  paused: boolean;
  state: MetricState;
  /** An import owed at the next opportunity (e.g. a config change that arrived at continue-as-new). */
  pendingImport?: ImportKind;
  lastImport?: LastImport;
  lastError?: string;
  nextImportAt?: string;
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
