/**
 * The import write path in SQL: a run's parsed rows are staged under the run (`runLook`), then
 * merged into `datapoints` once (`upsertDatapoints`). Every table and column name comes from the
 * Drizzle schema. Each function runs inside the caller's transaction, so an activity can add its
 * own bookkeeping to the same commit.
 */
import { and, eq, exists, isNull, not, notExists, sql, type SQLWrapper } from 'drizzle-orm';
import { alias, type AnyPgColumn } from 'drizzle-orm/pg-core';
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
  /** Merged now, or earlier by an attempt whose answer was lost (`repeated`: the recorded counts). */
  | { kind: 'merged'; counts: MergeCounts; repeated: boolean }
  /** Nothing stored: the workflow refused the result, or the metric's source changed since the run started. */
  | { kind: 'discarded'; stale: boolean };

/** Rows per staging statement: set-based, yet a bounded parameter size per round trip. */
const stageChunkRows = 20_000;

/** The run is still open: neither merged, discarded nor finished. */
const runIsOpen = and(eq(importRuns.status, 'running'), isNull(importRuns.inserted));

const distinct = (left: SQLWrapper, right: SQLWrapper) => sql`${left} is distinct from ${right}`;
const excluded = (column: AnyPgColumn) => sql`excluded.${sql.identifier(column.name)}`;

// Every statement below is prepared (`.prepare()`): postgres.js then plans it once per connection
// and runs it in one round trip, where an unprepared statement with parameters takes two.

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
      restaging: sql<boolean>`${exists(tx.select({ one: sql`1` }).from(stagedDatapoints).where(eq(stagedDatapoints.importRunId, importRuns.id)))}`,
    })
    .from(importRuns)
    .where(eq(importRuns.id, importRunId))
    .for('update')
    .prepare('stage_lock_run')
    .execute();
  if (!run?.open) return false;
  if (run.restaging) await tx.delete(stagedDatapoints).where(eq(stagedDatapoints.importRunId, importRunId));
  for (let start = 0; start < points.length; start += stageChunkRows) {
    const chunk = points.slice(start, start + stageChunkRows);
    // The dates and values travel as two array parameters, sent as text[] and cast in SQL:
    // Drizzle's postgres.js driver passes date[] and numeric[] parameters through unserialised.
    await tx
      .insert(stagedDatapoints)
      .select(
        sql`select ${importRunId}, t.d, t.v from unnest(${sql.param(chunk.map((p) => p.date))}::text[]::date[], ${sql.param(chunk.map((p) => p.value))}::text[]::numeric[]) as t(d, v)`,
      )
      .prepare('stage_chunk')
      .execute();
  }
  return true;
}

/**
 * Merges the run's staged rows into the metric's datapoints once, whatever the retries:
 *
 * - a run merged or discarded earlier (a retry after a commit whose answer was lost) gets the same
 *   answer again (the recorded counts, or stale) and touches nothing;
 * - `discard`, or a metric whose source changed since the run started (stale), stores nothing;
 * - otherwise inserts new dates, updates changed values, leaves equal ones alone, and with
 *   `replace` deletes stored dates the run does not contain, unless the run staged nothing: an
 *   empty result never wipes stored history.
 *
 * Unless the run is gone, its stage is cleared and the outcome recorded on the run, in the
 * caller's transaction.
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
      discardedAsStale: importRuns.stale,
    })
    .from(importRuns)
    .leftJoin(metrics, eq(metrics.id, importRuns.metricId))
    .where(eq(importRuns.id, importRunId))
    .for('update', { of: importRuns })
    .prepare('merge_lock_run')
    .execute();
  if (!run || run.currentVersion === null) return { kind: 'gone' };
  // Answered before (a retry after a commit whose answer was lost): the same answer again.
  if (run.inserted !== null) {
    return run.discardedAsStale ? { kind: 'discarded', stale: true } : { kind: 'merged', counts: recordedCounts(run), repeated: true };
  }
  const stale = run.configVersion !== run.currentVersion;
  if (input.discard || stale) {
    await tx.delete(stagedDatapoints).where(eq(stagedDatapoints.importRunId, importRunId));
    await tx.update(importRuns).set({ inserted: 0, updated: 0, unchanged: 0, deleted: 0, stale }).where(eq(importRuns.id, importRunId));
    return { kind: 'discarded', stale };
  }
  const [merged] = await mergeStatement(tx, importRunId, run.metricId, input.replace).execute();
  return { kind: 'merged', counts: recordedCounts(merged!), repeated: false };
}

/** The counts recorded on a merged run (all set together, so none is null once `inserted` is not). */
function recordedCounts(run: { [K in keyof MergeCounts]: number | null }): MergeCounts {
  return { inserted: run.inserted ?? 0, updated: run.updated ?? 0, unchanged: run.unchanged ?? 0, deleted: run.deleted ?? 0 };
}

/**
 * One statement: it takes the run's rows off the stage, writes the new and changed ones, deletes
 * what a replace drops, and records the counts on the run. Its parts see one snapshot, so the
 * replace's delete sees the table as it was before the write; the two touch disjoint dates.
 */
function mergeStatement(tx: Tx, importRunId: string, metricId: string, replace: boolean) {
  const staged = tx
    .$with('staged')
    .as(tx.delete(stagedDatapoints).where(eq(stagedDatapoints.importRunId, importRunId)).returning({ date: stagedDatapoints.date, value: stagedDatapoints.value }));
  const stored = alias(datapoints, 'stored');
  const written = tx.$with('written').as(
    tx
      .insert(datapoints)
      .select((qb) =>
        qb
          .select({
            metricId: sql<string>`${metricId}`.as('metric_id'),
            date: staged.date,
            value: staged.value,
            importRunId: sql<string>`${importRunId}`.as('import_run_id'),
            updatedAt: sql<Date>`now()`.as('updated_at'),
          })
          .from(staged)
          // Equal values are filtered out before the write, so unchanged rows are not even locked.
          .leftJoin(stored, and(eq(stored.metricId, metricId), eq(stored.date, staged.date)))
          .where(distinct(stored.value, staged.value)),
      )
      .onConflictDoUpdate({
        target: [datapoints.metricId, datapoints.date],
        set: { value: excluded(datapoints.value), importRunId: excluded(datapoints.importRunId), updatedAt: sql`now()` },
        // Still needed: a concurrent writer may have stored the same value since the filter read.
        setWhere: distinct(datapoints.value, excluded(datapoints.value)),
      })
      .returning({ inserted: sql<boolean>`xmax = 0`.as('inserted') }),
  );
  const removed = tx.$with('removed').as(
    tx
      .delete(datapoints)
      .where(
        and(
          sql`${replace}`,
          eq(datapoints.metricId, metricId),
          exists(tx.select({ one: sql`1` }).from(staged)),
          notExists(tx.select({ one: sql`1` }).from(staged).where(eq(staged.date, datapoints.date))),
        ),
      )
      .returning({ one: sql`1`.as('one') }),
  );
  const count = (from: SQLWrapper, where?: SQLWrapper) => sql<number>`(select count(*) from ${from}${where ? sql` where ${where}` : sql``})::int`;
  return tx
    .with(staged, written, removed)
    .update(importRuns)
    .set({
      inserted: count(written, written.inserted),
      updated: count(written, not(written.inserted)),
      unchanged: sql`${count(staged)} - ${count(written)}`,
      deleted: count(removed),
    })
    .where(eq(importRuns.id, importRunId))
    .returning({ inserted: importRuns.inserted, updated: importRuns.updated, unchanged: importRuns.unchanged, deleted: importRuns.deleted })
    .prepare('merge_staged_run');
}
