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

interface RunRow {
  metric_id: string;
  config_version: number;
  current_version: number | null;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  deleted: number | null;
}

/** Merges a run's staged rows into datapoints in set-based statements, once, whatever the retries. */
export function createUpsertActivities({ db, sql, logger }: ActivityDeps) {
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
        const merged = await sql.begin(async (tx): Promise<UpsertResult> => {
          const [run] = await tx<RunRow[]>`
            select r.metric_id, r.config_version, m.config_version as current_version,
                   r.inserted, r.updated, r.unchanged, r.deleted
            from import_runs r left join metrics m on m.id = r.metric_id
            where r.id = ${importRunId}
            for update of r`;
          if (!run || run.current_version === null) throw metricGone(importRunId);
          // A retry after a commit whose result was lost: report the recorded counts, touch nothing.
          if (run.inserted !== null) {
            return { inserted: run.inserted, updated: run.updated ?? 0, unchanged: run.unchanged ?? 0, deleted: run.deleted ?? 0, stale: false };
          }
          if (discard || run.config_version !== run.current_version) {
            await tx`delete from staged_datapoints where import_run_id = ${importRunId}`;
            await tx`update import_runs set inserted = 0, updated = 0, unchanged = 0, deleted = 0 where id = ${importRunId}`;
            return { inserted: 0, updated: 0, unchanged: 0, deleted: 0, stale: run.config_version !== run.current_version };
          }
          const [staged] = await tx<{ count: number }[]>`
            select count(*)::int as count from staged_datapoints where import_run_id = ${importRunId}`;
          const [merged] = await tx<{ inserted: number; updated: number }[]>`
            with merged as (
              insert into datapoints (metric_id, date, value, import_run_id)
              select ${run.metric_id}, s.date, s.value, s.import_run_id
              from staged_datapoints s where s.import_run_id = ${importRunId}
              on conflict (metric_id, date) do update
                set value = excluded.value, import_run_id = excluded.import_run_id, updated_at = now()
                where datapoints.value is distinct from excluded.value
              returning (xmax = 0) as inserted
            )
            select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated
            from merged`;
          const inserted = merged?.inserted ?? 0;
          const updated = merged?.updated ?? 0;
          const total = staged?.count ?? 0;
          let deleted = 0;
          // A full re-import replaces the series, but an empty result never wipes stored history.
          if (replace && total > 0) {
            const result = await tx`
              delete from datapoints d
              where d.metric_id = ${run.metric_id}
                and not exists (select 1 from staged_datapoints s where s.import_run_id = ${importRunId} and s.date = d.date)`;
            deleted = result.count;
          }
          await tx`delete from staged_datapoints where import_run_id = ${importRunId}`;
          const unchanged = total - inserted - updated;
          await tx`
            update import_runs set inserted = ${inserted}, updated = ${updated}, unchanged = ${unchanged}, deleted = ${deleted}
            where id = ${importRunId}`;
          return { inserted, updated, unchanged, deleted, stale: false };
        });
        return success && !merged.stale ? { ...merged, ...(await recordImportSucceeded(db, importRunId, success)) } : merged;
      });
    },
  };
}
