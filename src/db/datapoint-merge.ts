/**
 * The import write path in SQL: a run's parsed rows are staged under the run (`runLook`), then
 * merged into `datapoints` once (`upsertDatapoints`). Every table and column name comes from the
 * Drizzle schema. Each function runs inside the caller's transaction, so an activity can add its
 * own bookkeeping to the same commit.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Tx } from './client';
import { datapoints, importRuns, metrics, stagedDatapoints } from './schema';

export interface StagedPoint {
  date: string;
  value: string;
}

export interface MergeCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export type MergeOutcome =
  /** The run or its metric no longer exists. */
  | { kind: 'gone' }
  /** Merged now, or earlier by an attempt whose answer was lost (the recorded counts). */
  | { kind: 'merged'; counts: MergeCounts }
  /** Nothing stored: the workflow refused the result, or the metric's source changed since the run started. */
  | { kind: 'discarded'; stale: boolean };

/** Rows per staging statement: set-based, yet a bounded parameter size per round trip. */
const stageChunkRows = 20_000;

/** A column's bare name, for insert column lists and CTE columns, where a qualified name is invalid. */
const name = (column: AnyPgColumn) => sql.identifier(column.name);

/** The run is still open: neither merged, discarded nor finished. */
const runIsOpen = and(eq(importRuns.status, 'running'), sql`${importRuns.inserted} is null`);

/**
 * Replaces the run's staged rows (so a retried run stages exactly once). Only while the run is
 * open: the run row is locked, as the merge locks it, and a run that was merged, finished or
 * abandoned stages nothing, since nothing would ever merge or delete those rows. Returns whether
 * it staged.
 */
export async function stageRunDatapoints(tx: Tx, importRunId: string, points: readonly StagedPoint[]): Promise<boolean> {
  const [run] = await tx
    .select({
      open: sql<boolean>`${runIsOpen}`,
      // A retried attempt finds its predecessor's rows; the first attempt (nearly always) skips the delete.
      restaging: sql<boolean>`exists (select 1 from ${stagedDatapoints} where ${stagedDatapoints.importRunId} = ${importRuns.id})`,
    })
    .from(importRuns)
    .where(eq(importRuns.id, importRunId))
    .for('update');
  if (!run?.open) return false;
  if (run.restaging) await tx.delete(stagedDatapoints).where(eq(stagedDatapoints.importRunId, importRunId));
  for (let start = 0; start < points.length; start += stageChunkRows) {
    const chunk = points.slice(start, start + stageChunkRows);
    // One statement per chunk: the dates and values travel as two array parameters. They are sent
    // as text[] and cast in SQL, because Drizzle's postgres.js driver passes date[]/numeric[]
    // parameters through unserialised.
    await tx.execute(sql`
      insert into ${stagedDatapoints} (${name(stagedDatapoints.importRunId)}, ${name(stagedDatapoints.date)}, ${name(stagedDatapoints.value)})
      select ${importRunId}, t.d, t.v
      from unnest(${sql.param(chunk.map((p) => p.date))}::text[]::date[], ${sql.param(chunk.map((p) => p.value))}::text[]::numeric[]) as t(d, v)`);
  }
  return true;
}

/**
 * Merges the run's staged rows into the metric's datapoints once, whatever the retries:
 *
 * - a run merged earlier (a retry after a commit whose answer was lost) reports its recorded counts
 *   and touches nothing;
 * - `discard`, or a metric whose source changed since the run started (stale), stores nothing;
 * - otherwise inserts new dates, updates changed values, leaves equal ones alone, and with
 *   `replace` deletes stored dates the run does not contain, unless the run staged nothing: an
 *   empty result never wipes stored history.
 *
 * Either way the stage is cleared and the counts are recorded on the run, in the caller's
 * transaction.
 */
export async function mergeStagedRun(tx: Tx, input: { importRunId: string; replace: boolean; discard: boolean }): Promise<MergeOutcome> {
  const { importRunId } = input;
  const [run] = await tx
    .select({
      metricId: importRuns.metricId,
      configVersion: importRuns.configVersion,
      currentVersion: metrics.configVersion,
      inserted: importRuns.inserted,
      updated: importRuns.updated,
      unchanged: importRuns.unchanged,
      deleted: importRuns.deleted,
    })
    .from(importRuns)
    .leftJoin(metrics, eq(metrics.id, importRuns.metricId))
    .where(eq(importRuns.id, importRunId))
    .for('update', { of: importRuns });
  if (!run || run.currentVersion === null) return { kind: 'gone' };
  if (run.inserted !== null) {
    return { kind: 'merged', counts: { inserted: run.inserted, updated: run.updated ?? 0, unchanged: run.unchanged ?? 0, deleted: run.deleted ?? 0 } };
  }
  const stale = run.configVersion !== run.currentVersion;
  if (input.discard || stale) {
    await tx.delete(stagedDatapoints).where(eq(stagedDatapoints.importRunId, importRunId));
    await tx.update(importRuns).set({ inserted: 0, updated: 0, unchanged: 0, deleted: 0 }).where(eq(importRuns.id, importRunId));
    return { kind: 'discarded', stale };
  }
  const [counts] = await tx.execute<{ inserted: number; updated: number; unchanged: number; deleted: number }>(
    mergeStatement(importRunId, run.metricId, input.replace),
  );
  return { kind: 'merged', counts: counts! };
}

/**
 * One statement: it takes the run's rows off the stage, writes the changed and new ones, deletes
 * what a replace drops, and records the counts on the run. Its parts see one snapshot, so the
 * replace's delete sees the table as it was before the write; the two touch disjoint dates.
 */
function mergeStatement(importRunId: string, metricId: string, replace: boolean): SQL {
  const staged = sql.identifier('staged');
  const written = sql.identifier('written');
  const removed = sql.identifier('removed');
  const date = name(stagedDatapoints.date);
  const value = name(stagedDatapoints.value);
  const excluded = (column: AnyPgColumn) => sql`excluded.${name(column)}`;
  const removal = replace
    ? sql`
      delete from ${datapoints}
      where ${datapoints.metricId} = ${metricId}
        and exists (select 1 from ${staged})
        and not exists (select 1 from ${staged} where ${staged}.${date} = ${datapoints.date})
      returning 1`
    : sql`select 1 where false`;
  return sql`
    with ${staged} as (
      delete from ${stagedDatapoints} where ${stagedDatapoints.importRunId} = ${importRunId}
      returning ${stagedDatapoints.date}, ${stagedDatapoints.value}
    ), ${written} as (
      insert into ${datapoints} (${name(datapoints.metricId)}, ${name(datapoints.date)}, ${name(datapoints.value)}, ${name(datapoints.importRunId)})
      select ${metricId}, ${staged}.${date}, ${staged}.${value}, ${importRunId}
      from ${staged}
      -- Equal values are skipped before the write, so unchanged rows are not even locked.
      left join ${datapoints} on ${datapoints.metricId} = ${metricId} and ${datapoints.date} = ${staged}.${date}
      where ${datapoints.value} is distinct from ${staged}.${value}
      on conflict (${name(datapoints.metricId)}, ${name(datapoints.date)}) do update
        set ${name(datapoints.value)} = ${excluded(datapoints.value)}, ${name(datapoints.importRunId)} = ${excluded(datapoints.importRunId)}, ${name(datapoints.updatedAt)} = now()
        where ${datapoints.value} is distinct from ${excluded(datapoints.value)}
      returning (xmax = 0) as inserted
    ), ${removed} as (${removal}), counts as (
      select (select count(*) from ${written} where inserted)::int as inserted,
             (select count(*) from ${written} where not inserted)::int as updated,
             (select count(*) from ${staged})::int as total,
             (select count(*) from ${removed})::int as deleted
    )
    update ${importRuns}
    set ${name(importRuns.inserted)} = counts.inserted, ${name(importRuns.updated)} = counts.updated,
        ${name(importRuns.unchanged)} = counts.total - counts.inserted - counts.updated, ${name(importRuns.deleted)} = counts.deleted
    from counts
    where ${importRuns.id} = ${importRunId}
    returning ${importRuns.inserted}, ${importRuns.updated}, ${importRuns.unchanged}, ${importRuns.deleted}`;
}
