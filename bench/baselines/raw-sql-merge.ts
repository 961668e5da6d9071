/**
 * The write path as it was before issue 10 moved it to Drizzle (src/db/datapoint-merge.ts): raw
 * postgres.js statements with the table and column names spelled out, staging into a table laid out
 * as `staged_datapoints` was then (with its foreign key to the run). Kept only as the bench's
 * baseline, so every run measures the Drizzle path against it; nothing in src uses it.
 */
import type postgres from 'postgres';
import type { UpsertResult } from '../../src/activities/upsert.activities';

const chunkSize = 20_000;

/** The staging table as it was before migration `write_path_per_import`. */
const stagedBefore = 'staged_datapoints_before';

/**
 * Creates the baseline's staging table. It references `import_runs`, so truncating that table
 * needs CASCADE from now on. Autovacuum is off as on the tables the benches vacuum themselves.
 */
export async function createBaselineStagingTable(sql: postgres.Sql): Promise<void> {
  await sql`
    create table if not exists ${sql(stagedBefore)} (
      import_run_id uuid not null references import_runs (id) on delete cascade,
      date date not null,
      value numeric not null,
      primary key (import_run_id, date)
    ) with (autovacuum_enabled = false)`;
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

/** The old `stageDatapoints` (src/activities/staging.ts). */
export async function rawStageDatapoints(sql: postgres.Sql, importRunId: string, datapoints: readonly { date: string; value: string }[]): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [run] = await tx<{ open: boolean }[]>`
      select status = 'running' and inserted is null as open from import_runs where id = ${importRunId} for update`;
    if (!run?.open) return false;
    await tx`delete from ${tx(stagedBefore)} where import_run_id = ${importRunId}`;
    for (let start = 0; start < datapoints.length; start += chunkSize) {
      const chunk = datapoints.slice(start, start + chunkSize);
      await tx`
        insert into ${tx(stagedBefore)} (import_run_id, date, value)
        select ${importRunId}, d, v
        from unnest(${tx.array(chunk.map((p) => p.date))}::date[], ${tx.array(chunk.map((p) => p.value))}::numeric[]) as t(d, v)`;
    }
    return true;
  });
}

/** The old `upsertDatapoints` activity body (src/activities/upsert.activities.ts), without the failure translation. */
export function rawUpsertDatapoints(sql: postgres.Sql, { importRunId, replace, discard = false }: { importRunId: string; replace: boolean; discard?: boolean }): Promise<UpsertResult> {
  return sql.begin(async (tx) => {
    const [run] = await tx<RunRow[]>`
      select r.metric_id, r.config_version, m.config_version as current_version,
             r.inserted, r.updated, r.unchanged, r.deleted
      from import_runs r left join metrics m on m.id = r.metric_id
      where r.id = ${importRunId}
      for update of r`;
    if (!run || run.current_version === null) throw new Error(`import run ${importRunId}: metric gone`);
    if (run.inserted !== null) {
      return { inserted: run.inserted, updated: run.updated ?? 0, unchanged: run.unchanged ?? 0, deleted: run.deleted ?? 0, stale: false };
    }
    if (discard || run.config_version !== run.current_version) {
      await tx`delete from ${tx(stagedBefore)} where import_run_id = ${importRunId}`;
      await tx`update import_runs set inserted = 0, updated = 0, unchanged = 0, deleted = 0 where id = ${importRunId}`;
      return { inserted: 0, updated: 0, unchanged: 0, deleted: 0, stale: run.config_version !== run.current_version };
    }
    const [staged] = await tx<{ count: number }[]>`
      select count(*)::int as count from ${tx(stagedBefore)} where import_run_id = ${importRunId}`;
    const [merged] = await tx<{ inserted: number; updated: number }[]>`
      with merged as (
        insert into datapoints (metric_id, date, value, import_run_id)
        select ${run.metric_id}, s.date, s.value, s.import_run_id
        from ${tx(stagedBefore)} s where s.import_run_id = ${importRunId}
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
    if (replace && total > 0) {
      const result = await tx`
        delete from datapoints d
        where d.metric_id = ${run.metric_id}
          and not exists (select 1 from ${tx(stagedBefore)} s where s.import_run_id = ${importRunId} and s.date = d.date)`;
      deleted = result.count;
    }
    await tx`delete from ${tx(stagedBefore)} where import_run_id = ${importRunId}`;
    const unchanged = total - inserted - updated;
    await tx`
      update import_runs set inserted = ${inserted}, updated = ${updated}, unchanged = ${unchanged}, deleted = ${deleted}
      where id = ${importRunId}`;
    return { inserted, updated, unchanged, deleted, stale: false };
  });
}
