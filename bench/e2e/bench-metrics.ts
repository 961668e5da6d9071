import type postgres from 'postgres';

/** An import time half a day away (UTC), so no scheduled import fires during a measurement. */
export function importTimeFarAway(now = Date.now()): string {
  return new Date(now + 12 * 3_600_000).toISOString().slice(11, 16);
}

export interface MetricProgress {
  total: number;
  backfilling: number;
  byState: Record<string, number>;
}

/** States of the metrics whose name starts with `prefix` in the workspace. */
export async function metricProgress(sql: postgres.Sql, workspaceId: string, prefix: string): Promise<MetricProgress> {
  const rows = await sql<{ state: string; n: number }[]>`
    select state, count(*)::int as n from metrics
    where workspace_id = ${workspaceId} and starts_with(name, ${prefix}) group by state`;
  const byState = Object.fromEntries(rows.map((row) => [row.state, row.n]));
  return { total: rows.reduce((sum, row) => sum + row.n, 0), backfilling: byState.backfilling ?? 0, byState };
}

/** Datapoints of those metrics, and when the last one was written (epoch ms, Postgres's clock). */
export async function datapointTotals(sql: postgres.Sql, workspaceId: string, prefix: string): Promise<{ datapoints: number; lastWrittenAtMs: number | undefined }> {
  const [row] = await sql<{ n: number; last: number | null }[]>`
    select count(*)::int as n, (extract(epoch from max(d.updated_at)) * 1000)::float8 as last
    from datapoints d join metrics m on m.id = d.metric_id
    where m.workspace_id = ${workspaceId} and starts_with(m.name, ${prefix})`;
  return { datapoints: row?.n ?? 0, lastWrittenAtMs: row?.last ?? undefined };
}
