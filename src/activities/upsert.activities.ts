import { mergeStagedRun } from '../db/datapoint-merge';
import { inSpan } from '../telemetry/tracing';
import type { ActivityDeps } from './deps';
import { metricGone, translated } from './failures';
import { recordImportSucceeded, type ImportSuccess } from './metric-bookkeeping.activities';

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** True when the metric's source changed after this run started: its rows were discarded. */
  stale: boolean;
}

const nothing = { inserted: 0, updated: 0, unchanged: 0, deleted: 0 };

/** Merges a run's staged rows into datapoints in one transaction, once, whatever the retries (src/db/datapoint-merge.ts). */
export function createUpsertActivities({ db, logger }: ActivityDeps) {
  return {
    /**
     * `replace` also deletes stored dates the run does not contain; `discard` stores nothing and only
     * clears the run's stage (a result the workflow refused, see docs/workflow.md "Replace").
     */
    upsertDatapoints({
      importRunId,
      replace,
      discard = false,
      success,
    }: {
      importRunId: string;
      replace: boolean;
      discard?: boolean;
      /** Given, a merge that is not stale also records the run's success (`recordImportSucceeded`). */
      success?: ImportSuccess;
    }): Promise<UpsertResult & { nextImportAtMs?: number }> {
      return translated(logger, 'upsertDatapoints', async () => {
        // Counts only on the span: datapoint values stay out of traces as out of history.
        const merged = await inSpan('Upsert datapoints', { 'import_run.id': importRunId, 'datapoints.replace': replace, 'datapoints.discard': discard }, async (span) => {
          const result = await db.transaction(async (tx): Promise<UpsertResult> => {
            const outcome = await mergeStagedRun(tx, { importRunId, replace, discard });
            if (outcome.kind === 'gone') throw metricGone(importRunId);
            if (outcome.kind === 'discarded') return { ...nothing, stale: outcome.stale };
            return { ...outcome.counts, stale: false };
          });
          span.setAttributes({
            'datapoints.inserted': result.inserted,
            'datapoints.updated': result.updated,
            'datapoints.unchanged': result.unchanged,
            'datapoints.deleted': result.deleted,
            'datapoints.stale': result.stale,
          });
          return result;
        });
        return success && !merged.stale ? { ...merged, ...(await recordImportSucceeded(db, importRunId, success)) } : merged;
      });
    },
  };
}
