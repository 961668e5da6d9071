import type postgres from 'postgres';

/** Rows per statement: large enough to be set-based, small enough to bound memory per round trip. */
const chunkSize = 20_000;

/** Replaces the run's staged rows (so a retried run stages exactly once) using array parameters. */
export async function stageDatapoints(
  sql: postgres.Sql,
  importRunId: string,
  datapoints: readonly { date: string; value: string }[],
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`delete from staged_datapoints where import_run_id = ${importRunId}`;
    for (let start = 0; start < datapoints.length; start += chunkSize) {
      const chunk = datapoints.slice(start, start + chunkSize);
      await tx`
        insert into staged_datapoints (import_run_id, date, value)
        select ${importRunId}, d, v
        from unnest(${tx.array(chunk.map((p) => p.date))}::date[], ${tx.array(chunk.map((p) => p.value))}::numeric[]) as t(d, v)`;
    }
  });
}
