import type postgres from 'postgres';

/** Rows per statement: large enough to be set-based, small enough to bound memory per round trip. */
const chunkSize = 20_000;

/**
 * Replaces the run's staged rows (so a retried run stages exactly once) using array parameters.
 * Only while the run is open: the run row is locked (as `upsertDatapoints` locks it), and a run
 * that was merged, finished or abandoned stages nothing, since nothing would ever merge or delete
 * those rows. Returns whether it staged.
 */
export async function stageDatapoints(
  sql: postgres.Sql,
  importRunId: string,
  datapoints: readonly { date: string; value: string }[],
): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [run] = await tx<{ open: boolean }[]>`
      select status = 'running' and inserted is null as open from import_runs where id = ${importRunId} for update`;
    if (!run?.open) return false;
    await tx`delete from staged_datapoints where import_run_id = ${importRunId}`;
    for (let start = 0; start < datapoints.length; start += chunkSize) {
      const chunk = datapoints.slice(start, start + chunkSize);
      await tx`
        insert into staged_datapoints (import_run_id, date, value)
        select ${importRunId}, d, v
        from unnest(${tx.array(chunk.map((p) => p.date))}::date[], ${tx.array(chunk.map((p) => p.value))}::numeric[]) as t(d, v)`;
    }
    return true;
  });
}
