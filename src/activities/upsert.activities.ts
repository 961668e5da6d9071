import { mergeStagedRun } from '../db/datapoint-merge';
import { inSpan } from '../telemetry/tracing';
import type { ActivityDeps } from './deps';
import { whileHeartbeating } from './heartbeat';
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
export function createUpsertActivities({ db, logger, prometheus }: ActivityDeps) {
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
      return translated(logger, 'upsertDatapoints', () =>
        whileHeartbeating(async () => {
          // Counts only on the span: datapoint values stay out of traces as out of history.
          const attributes = { 'import_run.id': importRunId, 'datapoints.replace': replace, 'datapoints.discard': discard };
          const { merged, repeated } = await inSpan('Upsert datapoints', attributes, async (span) => {
            const result = await db.transaction(async (tx): Promise<{ merged: UpsertResult; repeated: boolean }> => {
              const outcome = await mergeStagedRun(tx, { importRunId, replace, discard });
              if (outcome.kind === 'gone') throw metricGone(importRunId);
              if (outcome.kind === 'discarded') return { merged: { ...nothing, stale: outcome.stale }, repeated: false };
              return { merged: { ...outcome.counts, stale: false }, repeated: outcome.repeated };
            });
            span.setAttributes({
              'datapoints.inserted': result.merged.inserted,
              'datapoints.updated': result.merged.updated,
              'datapoints.unchanged': result.merged.unchanged,
              'datapoints.deleted': result.merged.deleted,
              'datapoints.stale': result.merged.stale,
            });
            return result;
          });
          // Counted once per run: a retry after a lost answer gets the recorded counts again.
          if (!repeated) for (const change of ['inserted', 'updated', 'unchanged', 'deleted'] as const) prometheus.datapoints.inc({ change }, merged[change]);
          if (!success || merged.stale) return merged;
          const { next, closed } = await recordImportSucceeded(db, importRunId, success);
          if (closed) prometheus.imports.inc({ kind: closed, outcome: 'succeeded' });
          return { ...merged, ...next };
        }),
      );
    },
  };
}
